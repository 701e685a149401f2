from django.urls import path

from departments.api import views

urlpatterns = [
    path("departments/", views.DepartmentListView.as_view(), name="department-list"),
    path("departments/<int:pk>/", views.DepartmentDetailView.as_view(), name="department-detail"),
    path("departments/<int:pk>/members/", views.DepartmentMemberListView.as_view(), name="department-member-list"),
    path(
        "departments/<int:pk>/members/<int:user_id>/",
        views.DepartmentMemberDetailView.as_view(),
        name="department-member-detail",
    ),
]
