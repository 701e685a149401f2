"""API routes of the insights app, mounted under /api/v1/companies/<slug>/."""

urlpatterns: list = []
