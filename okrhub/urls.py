from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from alignment import views as alignment_views
from objectives import unsubscribe
from okrhub.health import healthz

urlpatterns = [
    path("", alignment_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("c/<slug:company_slug>/", include("alignment.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("reminders/unsubscribe/<str:token>/", unsubscribe.unsubscribe, name="reminders-unsubscribe"),
    path("api/v1/", include("okrhub.api_urls")),
]
