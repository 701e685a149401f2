"""API routes of the explore app, mounted under /api/v1/companies/<slug>/."""

urlpatterns: list = []
