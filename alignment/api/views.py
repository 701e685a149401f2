"""The alignment tree and gaps of a cycle, built from flat rows and rendered with orjson.

The tree is the largest read of the API, so it is cheap when unchanged
(``alignment/cache.py``): its ETag is computed before anything is built, a
matching ``If-None-Match`` answers 304, and the built bytes are cached per
company revision, day, visibility class and parameters.
"""

from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from alignment.api import serializers as s
from alignment.cache import API_VERSION, CACHE_CONTROL, reader_of, tree_bytes
from alignment.selectors import alignment_gaps, alignment_tree
from companies.api.base import CompanyAPIView
from companies.api.defaults import dumps
from companies.revision import none_match
from departments.models import Department
from objectives.api.serializers import CycleSerializer
from objectives.models import Cycle, CycleStatus
from okrhub.errors import not_found


class _CycleRead(CompanyAPIView):
    model = Cycle
    pagination_class = None
    filter_backends = []
    query_serializer: type = s.TreeQuerySerializer

    def query(self) -> dict[str, Any]:
        serializer = self.query_serializer(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def cycle(self, cycle_id: int | None) -> Cycle:
        cycles = Cycle.objects.filter(company=self.company)
        if cycle_id is not None:
            cycle = cycles.filter(pk=cycle_id).first()
        else:
            cycle = (
                cycles.filter(status=CycleStatus.ACTIVE).order_by("-start_date", "id").first()
                or cycles.order_by("-start_date", "id").first()
            )
        if cycle is None:
            raise not_found("cycle")
        return cycle


class TreeView(_CycleRead):
    """A whole cycle's objectives as a tree, each with key results, progress, pace and flags.

    Roots are company objectives and unaligned department objectives.
    Private objectives the caller may not read are left out.

    The `ETag` changes with every write to the company that a reader could
    see, with the day (pace moves daily) and with what the caller may read;
    send it back as `If-None-Match` to get `304 Not Modified` without the
    tree being built again.
    """

    serializer_class = s.TreeSerializer
    conditional_get = True  # the company revision's ETag (alignment/cache.py)

    @extend_schema(parameters=[s.TreeQuerySerializer])
    def get(self, request: Request, slug: str) -> HttpResponse:
        query = self.query()
        reader = reader_of(self.company, self.actor)
        tag = reader.etag(API_VERSION, sorted(query.items()))
        headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL} if tag else {}
        if tag and none_match(request.headers.get("If-None-Match"), tag):
            return Response(status=304, headers=headers)
        body = tree_bytes.get(tag) if tag else None
        if body is None:
            body = self.build(query, today=reader.today)
            if tag:
                tree_bytes.set(tag, body)
        return HttpResponse(body, content_type="application/json", headers=headers)

    def build(self, query: dict[str, Any], *, today: Any) -> bytes:
        cycle = self.cycle(query.get("cycle"))
        department_id = query.get("department")
        if department_id is not None and not Department.objects.filter(company=self.company, pk=department_id).exists():
            raise not_found("department")
        tree = alignment_tree(
            company=self.company,
            actor=self.actor,
            cycle=cycle,
            department_id=department_id,
            today=today,
            include_drafts=query["include_drafts"],
        )
        tree["cycle"] = CycleSerializer(cycle, context=self.get_serializer_context()).data
        return dumps(tree)


class GapsView(_CycleRead):
    """Where the cycle drifts from "no disconnected goals"."""

    serializer_class = s.GapsSerializer
    query_serializer = s.GapsQuerySerializer

    @extend_schema(parameters=[s.GapsQuerySerializer])
    def get(self, request: Request, slug: str) -> Response:
        cycle = self.cycle(self.query().get("cycle"))
        gaps = alignment_gaps(company=self.company, actor=self.actor, cycle=cycle)
        for row in gaps["unaligned_objectives"] + gaps["unsupported_company_objectives"]:
            row["department_name"] = row.pop("department__name", None)
        return Response({"cycle": CycleSerializer(cycle, context=self.get_serializer_context()).data, **gaps})
