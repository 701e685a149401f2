"""Pages of the discussion app, mounted under /c/<company_slug>/."""

from django.urls import path  # noqa: F401 - the routes come with the feature

app_name = "discussion"

urlpatterns: list = []
