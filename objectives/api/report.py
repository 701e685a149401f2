"""A closed cycle's report over HTTP: final scores, retrospectives and carry-overs, one section per department.

A thin view over ``objectives.report`` (the page, its CSV and the leaders'
email read the same). A cycle that is not closed yet answers 409
(``cycle_not_closed``): it exists, it has no report yet.
"""

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from objectives.api.serializers import CycleSerializer
from objectives.api.views import _OneCycle
from objectives.grading import SCORE_BANDS, ScoreDistribution
from objectives.report import cycle_report, report_refusal
from okrhub.errors import invalid
from okrhub.openapi import problem_example


class CycleNotClosed(exceptions.APIException):
    status_code = 409
    default_detail = "The cycle is not closed yet: its report is available once it closes."
    default_code = "cycle_not_closed"


class CarryLinkSerializer(serializers.Serializer):
    cycle = serializers.IntegerField(source="cycle_id")
    cycle_name = serializers.CharField()
    objective = serializers.IntegerField(source="objective_id")
    key_result = serializers.IntegerField(source="key_result_id", allow_null=True)
    title = serializers.CharField()


class ReportKeyResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    owner = serializers.CharField(help_text="The owner's name, empty when nobody owns it.")
    weight = serializers.DecimalField(max_digits=7, decimal_places=2)
    progress = serializers.FloatField(allow_null=True, help_text="Progress at the close (0-1).")
    final_score = serializers.FloatField(allow_null=True, help_text="0-1; null when not scored or never scored.")
    not_scored = serializers.BooleanField(help_text="Marked “not scored” by its owner: out of the objective's score.")
    needs_score = serializers.BooleanField(help_text="Never checked in, and nobody scored it.")
    reason = serializers.CharField(help_text="Why its owner changed the score; empty when prefilled.")
    carried_from = CarryLinkSerializer(allow_null=True, help_text="The key result it continues, if readable.")
    carried_into = CarryLinkSerializer(many=True, help_text="Its copies in later cycles the caller reads.")


class ReportRetrospectiveSerializer(serializers.Serializer):
    went_well = serializers.CharField()
    learned = serializers.CharField()
    change = serializers.CharField()


class ReportObjectiveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    owner = serializers.CharField()
    private = serializers.BooleanField()
    progress = serializers.FloatField(allow_null=True, help_text="The roll-up at the close (0-1).")
    final_score = serializers.FloatField(
        allow_null=True, help_text="Weighted mean of its key results' final scores; null when none is scored."
    )
    key_results = ReportKeyResultSerializer(many=True)
    retrospective = ReportRetrospectiveSerializer(allow_null=True, help_text="Null when nobody wrote it.")
    carried_from = CarryLinkSerializer(allow_null=True, help_text="The objective it continues, if readable.")
    carried_into = CarryLinkSerializer(many=True, help_text="Its copies in later cycles the caller reads.")


class BandSerializer(serializers.Serializer):
    # A field named like Field.label: DRF's metaclass moves declared fields off the class; the stubs cannot tell.
    label = serializers.CharField(help_text="The band of final scores, e.g. 70\u2013100%.")  # type: ignore[assignment]
    count = serializers.IntegerField()


class DistributionSerializer(serializers.Serializer):
    bands = serializers.SerializerMethodField(
        help_text=f"Objectives per final-score band ({', '.join(label for label, _ in SCORE_BANDS)})."
    )
    not_scored = serializers.IntegerField(help_text="Objectives with no final score.")
    total = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True, help_text="The plain mean of the objectives' final scores.")

    @extend_schema_field(BandSerializer(many=True))
    def get_bands(self, distribution: ScoreDistribution) -> list[dict[str, Any]]:
        return [{"label": label, "count": count} for label, count in distribution.bands]


class ReportSectionSerializer(serializers.Serializer):
    department = serializers.IntegerField(source="department_id", allow_null=True, help_text="Null: company level.")
    name = serializers.CharField()
    page = serializers.IntegerField(help_text="The page that shows it in detail.")
    distribution = DistributionSerializer()
    objectives = ReportObjectiveSerializer(many=True, help_text="Empty unless the section is on the page asked for.")


class CycleReportSerializer(serializers.Serializer):
    cycle = CycleSerializer()
    grading_open = serializers.BooleanField(help_text="Whether scores may still change (until `grading_ends_at`).")
    distribution = DistributionSerializer(help_text="Every objective of the report.")
    carried_over = serializers.IntegerField(help_text="Objectives carried into a later cycle (copies you read).")
    page = serializers.IntegerField(allow_null=True, help_text="The page shown in detail; null with `department`.")
    pages = serializers.IntegerField()
    sections = ReportSectionSerializer(
        many=True, help_text="Every section, company-level objectives first, then by department."
    )


class ReportQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, default=1, help_text="A page of whole sections (from 1)."
    )
    department = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, help_text="One department's section instead of a page."
    )


_CYCLE_EXAMPLE = {
    "id": 9,
    "name": "2026 Q3",
    "start_date": "2026-07-01",
    "end_date": "2026-09-30",
    "status": "closed",
    "closed_at": "2026-10-01T08:00:00Z",
    "grading_ends_at": "2026-10-08T08:00:00Z",
    "grading_ended_at": "2026-10-08T08:15:00Z",
    "expected_progress": 1.0,
}
_DISTRIBUTION_EXAMPLE = {
    "bands": [
        {"label": "0\u201339%", "count": 0},
        {"label": "40\u201369%", "count": 1},
        {"label": "70\u2013100%", "count": 0},
    ],
    "not_scored": 0,
    "total": 1,
    "mean": 0.5,
}
_REPORT_EXAMPLE = {
    "cycle": _CYCLE_EXAMPLE,
    "grading_open": False,
    "distribution": _DISTRIBUTION_EXAMPLE,
    "carried_over": 1,
    "page": 1,
    "pages": 1,
    "sections": [
        {
            "department": 3,
            "name": "Sales",
            "page": 1,
            "distribution": _DISTRIBUTION_EXAMPLE,
            "objectives": [
                {
                    "id": 41,
                    "title": "Win the north",
                    "owner": "Lea Lead",
                    "private": False,
                    "progress": 0.5,
                    "final_score": 0.5,
                    "key_results": [
                        {
                            "id": 90,
                            "title": "Revenue from €0 to €2M",
                            "owner": "Mo Member",
                            "weight": "2.00",
                            "progress": 0.6,
                            "final_score": 0.6,
                            "not_scored": False,
                            "needs_score": False,
                            "reason": "",
                            "carried_from": None,
                            "carried_into": [
                                {
                                    "cycle": 10,
                                    "cycle_name": "2026 Q4",
                                    "objective": 57,
                                    "key_result": 131,
                                    "title": "Revenue from €0 to €2M",
                                }
                            ],
                        }
                    ],
                    "retrospective": {"went_well": "Two big deals", "learned": "Start earlier", "change": ""},
                    "carried_from": None,
                    "carried_into": [
                        {
                            "cycle": 10,
                            "cycle_name": "2026 Q4",
                            "objective": 57,
                            "key_result": None,
                            "title": "Win the north",
                        }
                    ],
                }
            ],
        }
    ],
}


class CycleReportView(_OneCycle):
    pagination_class = None
    filter_backends = []
    query_serializer = ReportQuerySerializer
    #: Beyond the errors every operation documents: the cycle exists but is not closed.
    problem_responses = {
        409: (
            "The cycle is not closed yet: its report comes with the close.",
            problem_example(409, "Conflict", "cycle_not_closed", CycleNotClosed.default_detail),
        )
    }

    @extend_schema(
        responses=CycleReportSerializer,
        examples=[OpenApiExample("A report", response_only=True, value=_REPORT_EXAMPLE)],
        description="A closed cycle's report as the caller reads it: the objectives that ran, company-level "
        "first and then one section per department, each with its final score, its key results (weight, "
        "progress at the close, final score or “not scored”, the owner's reason), its retrospective and its "
        "carry-overs both ways; and the distribution of the objectives' scores. Private objectives the caller "
        "may not read are in no section and no count. Every section is summed up; those of `page` (sections "
        "of about 100 objectives) or the one of `department` come in detail. A cycle not closed yet answers "
        "409 `cycle_not_closed`; a page or department the report has not answers 400 naming it.",
        parameters=[ReportQuerySerializer],
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        cycle = self.get_object()
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        refusal = report_refusal(cycle)
        if refusal is not None:
            raise CycleNotClosed(refusal[1])
        department_id = query.validated_data.get("department")
        report = cycle_report(
            company=self.company,
            actor=self.actor,
            cycle=cycle,
            page=query.validated_data["page"],
            department_id=department_id,
        )
        if report is None:
            if department_id is not None:
                raise invalid("department", "No section of this report is of that department.", "does_not_exist")
            raise invalid("page", "The report has no such page.", "does_not_exist")
        return Response(CycleReportSerializer(report, context=self.get_serializer_context()).data)
