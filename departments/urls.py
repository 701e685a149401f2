from django.urls import path

from departments import views

app_name = "departments"

urlpatterns = [
    path("", views.departments, name="departments"),
    path("<slug:department_slug>/", views.department, name="department"),
]
