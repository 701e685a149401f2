from django.urls import path

from companies.api import views

urlpatterns = [
    path("", views.CompanySettingsView.as_view(), name="company"),
    path("members/", views.MemberListView.as_view(), name="member-list"),
    path("invitations/", views.InvitationListView.as_view(), name="invitation-list"),
    path("invitations/<int:pk>/", views.InvitationDetailView.as_view(), name="invitation-detail"),
    path("invitations/<int:pk>/resend/", views.InvitationResendView.as_view(), name="invitation-resend"),
    path("api-keys/", views.APIKeyListView.as_view(), name="api-key-list"),
    path("api-keys/<str:prefix>/", views.APIKeyDetailView.as_view(), name="api-key-detail"),
]
