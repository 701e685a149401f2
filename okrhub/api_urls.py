"""Routes of the REST API v1, mounted at ``/api/v1/``."""

from typing import Any

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.request import Request

from alignment.api import urls as alignment_urls
from companies.api import urls as companies_urls
from companies.api.base import APIView
from companies.api.views import MeView
from departments.api import urls as departments_urls
from discussion.api import urls as discussion_urls
from explore.api import urls as explore_urls
from insights.api import urls as insights_urls
from notifications.api import urls as notifications_urls
from objectives.api import urls as objectives_urls
from okrhub.errors import not_found
from onboarding import api as onboarding_api
from webhooks.api import urls as webhooks_urls


class NoSuchEndpoint(APIView):
    """Anything else under /api/v1/ answers 404 as problem details, not an HTML page."""

    permission_classes = []
    throttle_classes = []
    schema = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        raise not_found("endpoint")  # before authentication and query checks: there is nothing here


company_urls = [
    *companies_urls.urlpatterns,
    # The member's page of the API: read and change role in companies, removal (a hand-over) in onboarding.
    path("members/<int:pk>/", onboarding_api.MemberDetailView.as_view(), name="member-detail"),
    *departments_urls.urlpatterns,
    *objectives_urls.urlpatterns,
    *alignment_urls.urlpatterns,
    *discussion_urls.urlpatterns,
    *notifications_urls.urlpatterns,
    *insights_urls.urlpatterns,
    *explore_urls.urlpatterns,
    *webhooks_urls.urlpatterns,
]

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Split: the page loads its start-up script from here too, so no inline script is needed (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("me/", MeView.as_view(), name="me"),
    path("companies/<slug:slug>/", include(company_urls)),
    # [\s\S], not ".": a path with an encoded newline is no endpoint either.
    re_path(r"^[\s\S]*$", NoSuchEndpoint.as_view(), name="not-found"),
]
