"""Search over HTTP: the same parameters, selector and visibility as the search page."""

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from companies.api.base import CompanyAPIView
from companies.models import Membership
from departments.ancestry import department_parents
from explore.api import serializers as s
from explore.links import ResultLinks
from explore.params import ALL, parse
from explore.selectors import search_listing
from objectives.models import Cycle

#: What every result carries, whatever its kind (absent fields are null).
RESULT_FIELDS = tuple(s.SearchResultSerializer().fields)

EXAMPLE = {
    "q": "lea",
    "kind": "all",
    "cycle": 3,
    "counts": {"objective": 1, "key_result": 1, "person": 0, "department": 0},
    "page": None,
    "pages": 1,
    "next": None,
    "previous": None,
    "results": [
        {
            "kind": "objective",
            "id": 42,
            "title": "Generate 1,000 qualified leads from Germany and France",
            "url": "/c/acme/objectives/42/",
            "rank": 0.61,
            "department_id": 7,
            "department_name": "Marketing",
            "owner_id": 12,
            "owner_name": "Ana Lima",
            "objective_id": None,
            "objective_title": None,
            "cycle_id": 3,
            "objective_status": "active",
            "private": False,
            "progress": 0.62,
            "pace_status": "on_track",
            "confidence": None,
            "last_checkin_at": None,
            "email": None,
            "role": None,
        },
        {
            "kind": "key_result",
            "id": 97,
            "title": "Qualified leads from Germany",
            "url": "/c/acme/key-results/97/",
            "rank": 0.61,
            "department_id": 7,
            "department_name": "Marketing",
            "owner_id": 12,
            "owner_name": "Ana Lima",
            "objective_id": 42,
            "objective_title": "Generate 1,000 qualified leads from Germany and France",
            "cycle_id": 3,
            "objective_status": None,
            "private": False,
            "progress": 0.7,
            "pace_status": "on_track",
            "confidence": "at_risk",
            "last_checkin_at": "2026-11-09T09:00:00Z",
            "email": None,
            "role": None,
        },
    ],
}


class SearchView(CompanyAPIView):
    """Objectives, key results, people and departments matching words and filters, ranked, with counts per kind.

    The parameters are those of the search page (`/c/<slug>/search/`), so a page's address reads the same
    here. Private objectives (and their key results) appear only for those who may read them; people are
    the company's members.
    """

    model = Cycle
    pagination_class = None
    filter_backends = []
    serializer_class = s.SearchSerializer
    query_serializer = s.SearchQuerySerializer

    @extend_schema(
        parameters=[s.SearchQuerySerializer],
        examples=[OpenApiExample("Everything starting with “lea”", value=EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, slug: str) -> Response:
        company, actor = self.company, self.actor
        cycles = list(Cycle.objects.filter(company=company).order_by("-start_date", "name"))
        found = parse(
            request.query_params,
            cycles=cycles,
            departments=department_parents(company),
            is_member=lambda user_id: Membership.objects.filter(company=company, user_id=user_id).exists(),
            today=company.local_today(),
        )
        listing = search_listing(company=company, actor=actor, search=found, cycles=cycles, today=company.local_today())
        link = ResultLinks(company.slug)
        results = [
            {**{name: row.get(name) for name in RESULT_FIELDS}, "url": link(row)}
            for kind in listing.rows
            for row in listing.rows[kind]
        ]
        page = found.page if found.kind != ALL else None
        base = request.build_absolute_uri(request.path)

        def page_url(number: int) -> str:
            return f"{base}?{found.query_string(page=str(number))}"

        body: dict[str, Any] = {
            "q": found.q,
            "kind": found.kind,
            "cycle": found.cycle.pk if found.cycle is not None and not found.all_cycles else None,
            "counts": listing.counts,
            "page": page,
            "pages": listing.page_count,
            "next": page_url(page + 1) if page and page < listing.page_count else None,
            "previous": page_url(page - 1) if page and page > 1 else None,
            "results": results,
        }
        return Response(body)
