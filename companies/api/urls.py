from django.urls import path

from companies.api import views

urlpatterns = [
    path("", views.CompanySettingsView.as_view(), name="company"),
    path("members/", views.MemberListView.as_view(), name="member-list"),
    path("members/<int:pk>/", views.MemberDetailView.as_view(), name="member-detail"),
    path("api-keys/", views.APIKeyListView.as_view(), name="api-key-list"),
    path("api-keys/<str:prefix>/", views.APIKeyDetailView.as_view(), name="api-key-detail"),
]
