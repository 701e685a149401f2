"""The dashboards' figures for integrations (wallboards, BI): the company's and a department's.

Both read ``insights.selectors.dashboard``, the function behind the pages,
so the API and the pages agree to the digit.
"""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from companies.api.base import CompanyAPIView
from departments.models import Department
from insights.api import serializers as s
from insights.selectors import CHANGE_FAMILIES, CONFIDENCES, STATUSES, Tally, dashboard
from objectives.api.serializers import CycleSerializer
from objectives.grading import ScoreDistribution
from objectives.models import Cycle
from objectives.progress import status_or_none
from objectives.selectors import current_cycle
from okrhub.errors import not_found
from okrhub.permissions import Action


def _scores(distribution: ScoreDistribution | None) -> dict[str, Any] | None:
    if distribution is None:
        return None
    return {
        "mean": distribution.mean,
        "bands": [{"band": band, "objectives": count} for band, count in distribution.bands],
        "not_scored": distribution.not_scored,
    }


def _figures(tally: Tally, expected: float | None, scores: ScoreDistribution | None) -> dict[str, Any]:
    """A scope's or row's figures; a closed cycle (``expected`` None, ``progress.pace``) has scores, no status."""
    status = status_or_none(tally.progress, expected)
    return {
        "progress": tally.progress,
        "status": status.value if status is not None else None,
        "objectives": tally.objectives,
        "objectives_by_status": (
            {status.value: tally.by_status[status] for status in STATUSES} if expected is not None else None
        ),
        "final_scores": _scores(scores),
        "key_results": tally.key_results,
        "key_results_by_confidence": {c.value: tally.by_confidence[c] for c in CONFIDENCES},
        "active_key_results": tally.active_key_results,
        "stale_key_results": tally.stale,
    }


EXAMPLE = {
    "cycle": {
        "id": 3,
        "name": "2026 Q4",
        "start_date": "2026-10-01",
        "end_date": "2026-12-31",
        "status": "active",
        "closed_at": None,
        "expected_progress": 0.489,
    },
    "department": None,
    "today": "2026-11-15",
    "expected_progress": 0.489,
    "progress": 0.42,
    "status": "on_track",
    "objectives": 4,
    "objectives_by_status": {"on_track": 2, "behind_pace": 1, "done": 0, "unknown": 1},
    "final_scores": None,
    "key_results": 7,
    "key_results_by_confidence": {"on_track": 4, "at_risk": 2, "off_track": 1},
    "active_key_results": 7,
    "stale_key_results": 1,
    "departments": [
        {
            "id": 7,
            "name": "Marketing",
            "progress": 0.46,
            "status": "on_track",
            "objectives": 1,
            "objectives_by_status": {"on_track": 1, "behind_pace": 0, "done": 0, "unknown": 0},
            "final_scores": None,
            "key_results": 2,
            "key_results_by_confidence": {"on_track": 1, "at_risk": 0, "off_track": 1},
            "active_key_results": 2,
            "stale_key_results": 0,
        }
    ],
    "at_risk": {
        "count": 2,
        "items": [
            {
                "id": 52,
                "title": "German version live for all customers",
                "progress": 0.0,
                "final_score": None,
                "status": "behind_pace",
                "objective_id": 44,
                "objective_title": "Launch localized versions of the platform in French and German",
                "department_name": "Product",
                "owner_name": "Pat Product",
            }
        ],
    },
    "off_track": {"count": 1, "items": []},
    "behind_pace": {"count": 1, "items": []},
    "lowest_scores": None,
    "report_url": None,
    "compliance": {
        "key_results": 7,
        "stale": 1,
        "checked_in_share": 0.857,
        "by_person": [{"owner_id": 12, "name": "Sam Sales", "stale": 1}],
    },
    "changes": {
        "since": "2026-11-08T12:00:00Z",
        "progress_then": 0.36,
        "progress_now": 0.42,
        "checkins": 9,
        "objectives": 0,
        "key_results": 1,
        "dependencies": 0,
        "conversation": 3,
        "cycles": 0,
    },
    "series": [
        {"day": "2026-11-14", "progress": 0.41, "expected": 0.478, "objectives": 4},
        {"day": "2026-11-15", "progress": 0.42, "expected": 0.489, "objectives": 4},
    ],
}


class _DashboardView(CompanyAPIView):
    model = Cycle
    pagination_class = None
    filter_backends = []
    serializer_class = s.DashboardSerializer
    query_serializer: type = s.DashboardQuerySerializer

    def cycle(self) -> Cycle:
        query = s.DashboardQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        cycles = list(Cycle.objects.filter(company=self.company).order_by("-start_date"))
        cycle_id = query.validated_data.get("cycle")
        if cycle_id is not None:
            found = next((c for c in cycles if c.pk == cycle_id), None)
        else:
            found = current_cycle(cycles, self.company.local_today())
        if found is None:
            raise not_found("cycle")
        return found

    def render(self, cycle: Cycle, department: Department | None) -> Response:
        data = dashboard(company=self.company, actor=self.actor, cycle=cycle, department=department)
        expected, final, behind = data["expected"], data["final"], data["behind_pace"]
        closed = final is not None
        body = {
            "cycle": CycleSerializer(cycle, context=self.get_serializer_context()).data,
            "department": {"id": department.pk, "name": department.name} if department is not None else None,
            "today": data["today"],
            "expected_progress": expected,
            **_figures(data["total"], expected, final["distribution"] if closed else None),
            "departments": [
                {
                    "id": row.department_id,
                    "name": row.name,
                    **_figures(row.tally, expected, row.distribution if closed else None),
                }
                for row in data["rows"]
            ],
            "at_risk": {"count": data["at_risk"]["count"], "items": data["at_risk"]["items"]},
            "off_track": {"count": data["off_track"]["count"], "items": data["off_track"]["items"]},
            "behind_pace": {"count": behind["count"], "items": behind["items"]} if behind is not None else None,
            "lowest_scores": {"count": final["distribution"].total, "items": final["items"]} if closed else None,
            "report_url": reverse("objectives:cycle_report", args=[self.company.slug, cycle.pk]) if closed else None,
            "compliance": {
                "key_results": data["compliance"]["key_results"],
                "stale": data["compliance"]["stale"],
                "checked_in_share": data["compliance"]["checked_in_share"],
                "by_person": data["compliance"]["people"],
            },
            "changes": {
                "since": data["changes"]["since"],
                "progress_then": data["changes"]["progress_then"],
                "progress_now": data["changes"]["progress_now"],
                **{key: data["changes"]["counts"][key] for key in CHANGE_FAMILIES},
            },
            "series": data["series"],
        }
        return Response(body)


class CompanyDashboardView(_DashboardView):
    """The company at a glance (leaders, admins and write keys): every figure of the company dashboard page.

    Figures are over the counted (active or closed) objectives of the cycle
    that the caller may read: a write key never reads private objectives, so
    its figures leave them out entirely.
    """

    @extend_schema(
        parameters=[s.DashboardQuerySerializer],
        examples=[OpenApiExample("The demo company mid-quarter", response_only=True, value=EXAMPLE)],
    )
    def get(self, request: Request, slug: str) -> Response:
        self.actor.require(Action.READ_COMPANY_DASHBOARD)
        return self.render(self.cycle(), None)


class DepartmentDashboardView(_DashboardView):
    """A department and its teams at a glance: everyone in the company reads it, each what they may read."""

    @extend_schema(
        parameters=[s.DashboardQuerySerializer],
        examples=[
            OpenApiExample(
                "Marketing mid-quarter",
                response_only=True,
                value={**EXAMPLE, "department": {"id": 7, "name": "Marketing"}},
            )
        ],
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        department = Department.objects.filter(company=self.company, pk=pk).first()
        if department is None:
            raise not_found("department")
        return self.render(self.cycle(), department)
