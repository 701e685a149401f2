"""API routes of the discussion app, mounted under /api/v1/companies/<slug>/."""

urlpatterns: list = []
