"""Pages of the explore app, mounted under /c/<company_slug>/search/."""

from django.urls import path

from explore import views

app_name = "explore"

urlpatterns = [
    path("", views.search, name="search"),
    path("export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
]
