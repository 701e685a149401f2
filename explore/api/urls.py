"""API routes of the explore app, mounted under /api/v1/companies/<slug>/."""

from django.urls import path

from explore.api import views

urlpatterns = [
    path("search/", views.SearchView.as_view(), name="search"),
]
