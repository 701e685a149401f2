from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from alignment import views as alignment_views
from chat import urls as chat_urls
from companies import urls as company_urls
from companies import views as company_views
from departments import views as department_views
from notifications import views as notification_views
from okrhub.health import healthz
from onboarding import views as onboarding_views

#: The settings pages, with their department forms and the member removal (an onboarding page) under the same names.
company_settings_urls = [
    *company_urls.urlpatterns,
    path("departments/", department_views.department_add, name="department_add"),
    path("departments/people/", department_views.department_person, name="department_person"),
    path("members/<int:membership_id>/remove/", onboarding_views.member_remove, name="member_remove"),
]

handler404 = "companies.api.base.page_not_found"

urlpatterns = [
    path("", alignment_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", onboarding_views.password_reset, name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("accounts/profile/", company_views.profile, name="profile"),
    path("accounts/signup/", onboarding_views.signup, name="signup"),
    path("accounts/signup/sent/", onboarding_views.signup_sent, name="signup_sent"),
    path("accounts/verify/resend/", onboarding_views.verify_email_resend, name="verify_email_resend"),
    path("accounts/verify/<str:token>/", onboarding_views.verify_email, name="verify_email"),
    path("invitations/<str:token>/", onboarding_views.invitation_accept, name="invitation_accept"),
    path("c/<slug:company_slug>/leave/", onboarding_views.leave, name="leave_company"),
    path("c/<slug:company_slug>/start/example/", onboarding_views.example_load, name="example_load"),
    path("c/<slug:company_slug>/alignment/", include("alignment.urls")),
    path("c/<slug:company_slug>/settings/", include((company_settings_urls, company_urls.app_name))),
    path("c/<slug:company_slug>/settings/", include("chat.urls")),
    path("c/<slug:company_slug>/departments/", include("departments.urls")),
    path("c/<slug:company_slug>/discussion/", include("discussion.urls")),
    path("c/<slug:company_slug>/notifications/", include("notifications.urls")),
    path("c/<slug:company_slug>/dashboard/", include("insights.urls")),
    path("c/<slug:company_slug>/search/", include("explore.urls")),
    path("c/<slug:company_slug>/webhooks/", include("webhooks.urls")),
    path("c/<slug:company_slug>/", include("objectives.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("reminders/unsubscribe/<str:token>/", notification_views.unsubscribe, name="reminders-unsubscribe"),
    path("api/v1/", include("okrhub.api_urls")),
    path("integrations/slack/", include(chat_urls.slack_urlpatterns)),
]
