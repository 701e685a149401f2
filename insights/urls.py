"""Pages of the insights app, mounted under /c/<company_slug>/dashboard/."""

from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("", views.company, name="company"),
    path("departments/<int:department_id>/", views.department, name="department"),
    path("export/", views.export, name="export"),
]
