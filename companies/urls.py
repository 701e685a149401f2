from django.urls import path

from companies import views

app_name = "companies"

urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("invitations/", views.invitation_add, name="invitation_add"),
    path("invitations/<int:invitation_id>/<str:action>/", views.invitation_action, name="invitation_action"),
    path("api-keys/", views.api_key_add, name="api_key_add"),
    path("api-keys/<str:prefix>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("cycles/", views.cycle_add, name="cycle_add"),
    path("cycles/<int:cycle_id>/<str:action>/", views.cycle_action, name="cycle_action"),
]
