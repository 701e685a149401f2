from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from alignment import views as alignment_views
from companies import account_views
from companies import views as company_views
from objectives import unsubscribe
from okrhub.health import healthz

handler404 = "okrhub.api.page_not_found"

urlpatterns = [
    path("", alignment_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("accounts/profile/", company_views.profile, name="profile"),
    path("accounts/signup/", account_views.signup, name="signup"),
    path("accounts/signup/sent/", account_views.signup_sent, name="signup_sent"),
    path("accounts/verify/resend/", account_views.verify_email_resend, name="verify_email_resend"),
    path("accounts/verify/<str:token>/", account_views.verify_email, name="verify_email"),
    path("invitations/<str:token>/", account_views.invitation_accept, name="invitation_accept"),
    path("c/<slug:company_slug>/leave/", company_views.leave, name="leave_company"),
    path("c/<slug:company_slug>/start/example/", company_views.example_load, name="example_load"),
    path("c/<slug:company_slug>/alignment/", include("alignment.urls")),
    path("c/<slug:company_slug>/settings/", include("companies.urls")),
    path("c/<slug:company_slug>/", include("objectives.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("reminders/unsubscribe/<str:token>/", unsubscribe.unsubscribe, name="reminders-unsubscribe"),
    path("api/v1/", include("okrhub.api_urls")),
]
