"""Pages of the insights app, mounted under /c/<company_slug>/."""

from django.urls import path  # noqa: F401 - the routes come with the feature

app_name = "insights"

urlpatterns: list = []
