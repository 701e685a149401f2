"""API routes of the insights app, mounted under /api/v1/companies/<slug>/."""

from django.urls import path

from insights.api import views

urlpatterns = [
    path("dashboard/", views.CompanyDashboardView.as_view(), name="dashboard"),
    path("dashboard/departments/<int:pk>/", views.DepartmentDashboardView.as_view(), name="dashboard-department"),
]
