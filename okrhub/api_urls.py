"""Routes of the REST API v1, mounted at ``/api/v1/``."""

from typing import Any

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response

from alignment.api import urls as alignment_urls
from companies.api import urls as companies_urls
from companies.api.base import APIView
from companies.api.views import MeView
from departments.api import urls as departments_urls
from objectives.api import urls as objectives_urls
from okrhub.errors import not_found
from onboarding import api as onboarding_api


class NoSuchEndpoint(APIView):
    """Anything else under /api/v1/ answers 404 as problem details, not an HTML page."""

    permission_classes = []
    throttle_classes = []
    schema = None

    # DRF's views take DRF's Request where Django's View declares HttpRequest (as DRF's own APIView does).
    def http_method_not_allowed(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        raise not_found("endpoint")


company_urls = [
    *companies_urls.urlpatterns,
    # The member's page of the API: read and change role in companies, removal (a hand-over) in onboarding.
    path("members/<int:pk>/", onboarding_api.MemberDetailView.as_view(), name="member-detail"),
    *departments_urls.urlpatterns,
    *objectives_urls.urlpatterns,
    *alignment_urls.urlpatterns,
]

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Split: the page loads its start-up script from here too, so no inline script is needed (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("me/", MeView.as_view(), name="me"),
    path("companies/<slug:slug>/", include(company_urls)),
    re_path(r"^.*$", NoSuchEndpoint.as_view(), name="not-found"),
]
