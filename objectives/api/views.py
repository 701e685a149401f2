"""Cycles, objectives, key results, check-ins and dependencies over HTTP.

Thin views: a serializer validates the input, a service in
``objectives.services`` writes (the pages call the same services), a
selector in ``objectives.selectors`` reads what the actor may see.
"""

import inspect
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.utils.urls import replace_query_param

from companies import revision
from companies.api.base import CompanyAPIView, CompanyListAPIView, only_given, refuse_unchangeable
from objectives import feed, selectors, services
from objectives.api import filters
from objectives.api import serializers as s
from objectives.audit import audit_history
from objectives.models import (
    CheckIn,
    Cycle,
    Dependency,
    Event,
    KeyResult,
    Objective,
    ObjectiveStatus,
)
from objectives.transfer import company_export, company_export_csv_zip, okrs_import_csv
from okrhub.errors import not_found
from okrhub.permissions import Action

# ---------------------------------------------------------------- cycles


class CycleListView(CompanyListAPIView):
    """Cycles ("2026 Q4"): everyone reads, admins create."""

    idempotent_post = True
    model = Cycle
    serializer_class = s.CycleSerializer
    ordering_fields = ["id", "start_date", "name"]
    filterset_fields = ["status"]

    def company_queryset(self):
        return Cycle.objects.filter(company=self.company)

    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)

    @extend_schema(request=s.CycleInputSerializer, responses={201: s.CycleSerializer})
    def post(self, request: Request, slug: str) -> Response:
        serializer = s.CycleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def create() -> Response:
            cycle = services.cycle_create(company=self.company, actor=self.actor, **serializer.validated_data)
            return self.render_one(cycle, status_code=201)

        return self.idempotent(request, create, serializer.validated_data)


class _OneCycle(CompanyAPIView):
    model = Cycle
    object_name = "cycle"
    serializer_class = s.CycleSerializer

    def company_queryset(self):
        return Cycle.objects.filter(company=self.company)


class CycleDetailView(_OneCycle):
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.retrieve(request)

    @extend_schema(request=s.CycleUpdateSerializer, responses=s.CycleSerializer)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        refuse_unchangeable(request.data, {"status": "Change the status with …/activate/ or …/close/."})
        serializer = s.CycleUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = only_given(serializer.validated_data, ["name", "start_date", "end_date"])
        return self.guarded_write(
            request, lambda cycle: services.cycle_update(company=self.company, actor=self.actor, cycle=cycle, **changes)
        )


class CycleActivateView(_OneCycle):
    @extend_schema(request=None, responses=s.CycleSerializer)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Start a cycle in planning."""
        cycle = services.cycle_activate(company=self.company, actor=self.actor, cycle=self.get_object())
        return self.render_one(cycle)


class CycleCloseView(_OneCycle):
    @extend_schema(request=None, responses=s.CycleSerializer)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Close a cycle: check-ins freeze and every final score is stored."""
        cycle = services.cycle_close(company=self.company, actor=self.actor, cycle=self.get_object())
        return self.render_one(cycle)


# ---------------------------------------------------------------- grading

_GRADED_EXAMPLE = {
    "id": 12,
    "objective": 4,
    "owner": 7,
    "title": "Revenue from €0 to €2M",
    "weight": "2.00",
    "progress": 0.6,
    "final_score": 0.75,
    "not_scored": False,
    "score_reason": "Two contracts signed after the last check-in",
    "needs_score": False,
    "can_grade": True,
}


class CycleGradingView(_OneCycle):
    @extend_schema(
        responses=s.GradingStateSerializer,
        description="A closed cycle's grading: the window, and the key results of its objectives that ran which "
        "the caller reads, under their objectives, each with its final score and whether the caller may grade it "
        "now. An open cycle answers with no objectives and `grading_open` false.",
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        cycle = self.get_object()
        objectives = selectors.grading_key_results(company=self.company, actor=self.actor, cycle=cycle)
        for objective in objectives:
            for kr in objective.graded_key_results:
                kr.objective = objective
        state = {
            "cycle": cycle,
            "grading_open": cycle.grading_open(timezone.now()),
            "to_score": sum(kr.needs_score for o in objectives for kr in o.graded_key_results),
            "objectives": objectives,
        }
        return Response(s.GradingStateSerializer(state, context=self.get_serializer_context()).data)


class KeyResultGradeView(CompanyAPIView):
    model = KeyResult
    object_name = "key result"
    serializer_class = s.GradedKeyResultSerializer

    def company_queryset(self):
        return selectors.key_result_list(company=self.company, actor=self.actor)

    @extend_schema(
        request=s.GradeInputSerializer,
        responses=s.GradeResultSerializer,
        examples=[
            OpenApiExample(
                "Change a score", request_only=True, value={"score": 0.75, "reason": "Two contracts signed late"}
            ),
            OpenApiExample(
                "Mark not scored",
                request_only=True,
                value={"not_scored": True, "reason": "The programme was cancelled in week 3"},
            ),
            OpenApiExample("Graded", response_only=True, value={"key_result": _GRADED_EXAMPLE, "objective_score": 0.7}),
        ],
        description="During the closed cycle's grading window, the key result's owner, a lead of its department "
        "(a leader for a company-level objective) and admins change its final score (0 to 1) or mark it not "
        "scored, always with a `reason`; its objective's score follows (the weighted mean of its key results' "
        "scores, not-scored ones left out). 400 on `score` outside [0, 1] or missing, on `reason` when empty, on "
        "`cycle` while the cycle is open (`cycle_open`) or once grading ended (`grading_ended`). API keys never "
        "grade (403).",
    )
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        kr = self.get_object()
        self.actor.require(Action.GRADE, department_id=kr.objective.department_id, owner_id=kr.owner_id)
        serializer = s.GradeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kr = services.key_result_grade(
            company=self.company, actor=self.actor, key_result=kr, **serializer.validated_data
        )
        kr.needs_score = kr.final_score is None and not kr.not_scored
        kr.can_grade = True
        result = {"key_result": kr, "objective_score": kr.objective.final_score}
        return Response(s.GradeResultSerializer(result, context=self.get_serializer_context()).data)


# ---------------------------------------------------------------- lists that answer 304 when unchanged


def revision_list(view: CompanyListAPIView, request: Request, representation: str) -> Response:
    """A list page whose ETag is the company revision (``companies/revision.py``), known before any read.

    The tag names the revision, the reader's visibility class, the company's
    day (pace fields move daily) and the query, so a matching
    ``If-None-Match`` is answered 304 without reading the list.
    """
    current = revision.current(view.company.pk)
    tag = None
    if current is not None:
        tag = revision.etag(
            view.company.pk,
            current,
            representation,
            selectors.visibility_class(company=view.company, actor=view.actor),
            view.company.local_today().isoformat(),
            sorted(request.query_params.lists()),
        )
        if revision.none_match(request.headers.get("If-None-Match"), tag):
            return Response(status=304, headers={"ETag": tag, "Cache-Control": "private, no-cache"})
    response = view.list(request)
    if tag:
        response["ETag"] = tag
        response["Cache-Control"] = "private, no-cache"
    return response


# ---------------------------------------------------------------- objectives


class ObjectiveListView(CompanyListAPIView):
    """Objectives the caller may read, filtered; members draft, leads and leaders create active ones."""

    idempotent_post = True
    conditional_get = True  # revision_list: 304 while nothing the caller sees changed
    model = Objective
    serializer_class = s.ObjectiveSerializer
    filterset_class = filters.ObjectiveFilter
    ordering_fields = ["id", "created_at", "updated_at", "title"]

    def company_queryset(self):
        return selectors.objective_list(company=self.company, actor=self.actor)

    def get(self, request: Request, slug: str) -> Response:
        return revision_list(self, request, "objectives-1")

    @extend_schema(
        request=s.ObjectiveInputSerializer,
        responses={201: s.ObjectiveSerializer},
        examples=[
            OpenApiExample(
                "A department objective laddering up",
                request_only=True,
                value={
                    "cycle": 3,
                    "department": 7,
                    "parent": 41,
                    "title": "Generate 1,000 qualified leads from Germany and France",
                    "status": "active",
                },
            )
        ],
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = s.ObjectiveInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["activate"] = data.pop("status") == ObjectiveStatus.ACTIVE

        def create() -> Response:
            objective = services.objective_create(company=self.company, actor=self.actor, **data)
            return self.render_one(objective, status_code=201)

        return self.idempotent(request, create, serializer.validated_data)


class _OneObjective(CompanyAPIView):
    model = Objective
    object_name = "objective"
    serializer_class: type[BaseSerializer[Any]] = s.ObjectiveSerializer

    def company_queryset(self):
        return selectors.objective_list(company=self.company, actor=self.actor)


class ObjectiveDetailView(_OneObjective):
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.retrieve(request)

    @extend_schema(request=s.ObjectiveUpdateSerializer, responses=s.ObjectiveSerializer)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        refuse_unchangeable(
            request.data,
            {
                "cycle": "An objective stays in its cycle; create a new one in the other cycle.",
                "status": "Change the status with POST …/status/ or …/activate/.",
            },
        )
        serializer = s.ObjectiveUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        changes = only_given(serializer.validated_data, services.OBJECTIVE_EDITABLE)
        return self.guarded_write(
            request,
            lambda objective: services.objective_update(
                company=self.company, actor=self.actor, objective=objective, **changes
            ),
        )

    def delete(self, request: Request, slug: str, pk: int) -> Response:
        """Delete a draft or archived objective (archive active ones instead)."""
        return self.guarded_write(
            request,
            lambda objective: services.objective_delete(company=self.company, actor=self.actor, objective=objective),
        )


class ObjectiveStatusView(_OneObjective):
    @extend_schema(request=s.ObjectiveStatusSerializer, responses=s.ObjectiveSerializer)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Move an objective along draft → active → closed / archived (and back where allowed)."""
        serializer = s.ObjectiveStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        objective = services.objective_set_status(
            company=self.company,
            actor=self.actor,
            objective=self.get_object(),
            status=serializer.validated_data["status"],
        )
        return self.render_one(objective)


class ObjectiveActivateView(_OneObjective):
    @extend_schema(request=None, responses=s.ObjectiveSerializer)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Activate a draft (department lead, leader for company level, or admin)."""
        objective = services.objective_activate(company=self.company, actor=self.actor, objective=self.get_object())
        return self.render_one(objective)


# ---------------------------------------------------------------- key results


class KeyResultListView(CompanyListAPIView):
    """Key results the caller may read, filtered; add one to an objective you may edit.

    A milestone (`kind: milestone`) is done or not: it runs from 0 to a target of 1,
    increasing; send no `target_value` (or 1), and check in 1 for done, 0 for not done.
    """

    idempotent_post = True
    conditional_get = True  # revision_list: 304 while nothing the caller sees changed
    model = KeyResult
    serializer_class = s.KeyResultSerializer
    filterset_class = filters.KeyResultFilter
    ordering_fields = ["id", "created_at", "updated_at", "title"]

    def company_queryset(self):
        return selectors.key_result_list(company=self.company, actor=self.actor)

    def get(self, request: Request, slug: str) -> Response:
        return revision_list(self, request, "key-results-1")

    @extend_schema(
        request=s.KeyResultInputSerializer,
        responses={201: s.KeyResultSerializer},
        examples=[
            OpenApiExample(
                "Currency key result",
                request_only=True,
                value={
                    "objective": 42,
                    "title": "Grow new-market revenue from €0 to €5,000,000",
                    "kind": "currency",
                    "currency": "EUR",
                    "start_value": "0",
                    "target_value": "5000000",
                },
            ),
            OpenApiExample(
                "Milestone",
                request_only=True,
                value={"objective": 44, "title": "French version live", "kind": "milestone"},
            ),
        ],
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = s.KeyResultInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)

        def create() -> Response:
            kr = services.key_result_create(company=self.company, actor=self.actor, **serializer.validated_data)
            return self.render_one(kr, status_code=201)

        return self.idempotent(request, create, serializer.validated_data)


class KeyResultDetailView(CompanyAPIView):
    model = KeyResult
    object_name = "key result"
    serializer_class = s.KeyResultSerializer

    def company_queryset(self):
        return selectors.key_result_list(company=self.company, actor=self.actor)

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.retrieve(request)

    @extend_schema(request=s.KeyResultUpdateSerializer, responses=s.KeyResultSerializer)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        refuse_unchangeable(
            request.data,
            {
                "objective": "A key result stays on its objective.",
                "current_value": "The current value changes only through check-ins.",
            },
        )
        serializer = s.KeyResultUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        changes = only_given(serializer.validated_data, services.KEY_RESULT_EDITABLE)
        return self.guarded_write(
            request,
            lambda kr: services.key_result_update(company=self.company, actor=self.actor, key_result=kr, **changes),
        )

    def delete(self, request: Request, slug: str, pk: int) -> Response:
        return self.guarded_write(
            request, lambda kr: services.key_result_delete(company=self.company, actor=self.actor, key_result=kr)
        )


# ---------------------------------------------------------------- check-ins


class CheckInListView(CompanyListAPIView):
    """A key result's check-ins, oldest first; record a new one (idempotent with ``Idempotency-Key``)."""

    idempotent_post = True
    model = CheckIn
    serializer_class = s.CheckInSerializer
    filterset_class = filters.CheckInFilter
    ordering_fields = ["id", "created_at"]

    def key_result(self) -> KeyResult:
        kr = selectors.key_result_list(company=self.company, actor=self.actor).filter(pk=self.kwargs["pk"]).first()
        if kr is None:
            raise not_found("key result")
        return kr

    def company_queryset(self):
        return selectors.checkin_list(company=self.company, actor=self.actor, key_result_id=self.kwargs["pk"])

    def get(self, request: Request, slug: str, pk: int) -> Response:
        self.key_result()
        return self.list(request)

    @extend_schema(
        request=s.CheckInInputSerializer,
        responses={201: s.CheckInSerializer},
        examples=[
            OpenApiExample(
                "Weekly check-in",
                request_only=True,
                value={"value": "2000000", "confidence": "on_track", "note": "Two deals closed in Lyon"},
            ),
            OpenApiExample(
                "Recorded",
                response_only=True,
                status_codes=["201"],
                value={
                    "id": 981,
                    "key_result": 12,
                    "author": None,
                    "value": "2000000.0000",
                    "confidence": "on_track",
                    "note": "Two deals closed in Lyon",
                    "created_at": "2026-11-25T09:00:00Z",
                    "entered_at": "2026-11-25T09:00:00Z",
                    "corrects": None,
                    "corrected_by": None,
                    "retracted": False,
                    "effective": True,
                    "warnings": [],
                },
            ),
        ],
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        kr = self.key_result()
        serializer = s.CheckInInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def create() -> Response:
            checkin = services.checkin_create(
                company=self.company, actor=self.actor, key_result=kr, **serializer.validated_data
            )
            entry = self.get_queryset().get(pk=checkin.pk)  # as a list row reads it, with its standing
            entry.warnings = checkin.warnings
            return self.render_one(entry, status_code=201)

        return self.idempotent(request, create, serializer.validated_data)


class CheckInBatchView(CompanyAPIView):
    """Check in on many key results in one request: all or nothing (the weekly update).

    Each item is checked as a single check-in is; when any item is refused
    nothing is saved and the 400 names every refused item in its `errors`
    (`{"field": "items[3].value", "code": "invalid", …}`, `items[0].key_result`
    with `objective_closed`…). A key result of another company, or one you may not
    read, reads as missing (`does_not_exist`); one you may read but not check in
    on answers 403 naming the item. Values that look like mistakes are saved
    and returned with `warnings`. One `Idempotency-Key` covers the whole batch.
    """

    idempotent_post = True
    model = CheckIn
    pagination_class = None
    filter_backends = []
    serializer_class = s.CheckInBatchSerializer

    def company_queryset(self):
        return CheckIn.objects.filter(company=self.company)

    @extend_schema(
        request=s.CheckInBatchInputSerializer,
        responses={201: s.CheckInBatchSerializer},
        summary="Record check-ins on many key results",
        examples=[
            OpenApiExample(
                "A weekly update",
                request_only=True,
                value={
                    "items": [
                        {"key_result": 12, "value": "2300000", "confidence": "on_track", "note": "Lyon deal signed"},
                        {"key_result": 14, "value": "620", "confidence": "at_risk"},
                        {"key_result": 15, "value": "1", "confidence": "on_track", "note": "French version live"},
                    ],
                    "note": "Short week: two of us were at the Munich trade fair.",
                },
            ),
            OpenApiExample(
                "Recorded with one value flagged",
                response_only=True,
                status_codes=["201"],
                value={
                    "results": [
                        {
                            "key_result": 14,
                            "check_in": {
                                "id": 982,
                                "key_result": 14,
                                "author": 7,
                                "value": "6200.0000",
                                "confidence": "at_risk",
                                "note": "Overall note: Short week.",
                                "created_at": "2026-11-25T09:00:00Z",
                                "warnings": [
                                    {
                                        "code": "far_outside_range",
                                        "field": "value",
                                        "message": "6,200 leads is far outside this key result's range (0 leads to"
                                        " 1,000 leads): is it in the right unit?",
                                    }
                                ],
                            },
                            "warnings": [
                                {
                                    "code": "far_outside_range",
                                    "field": "value",
                                    "message": "6,200 leads is far outside this key result's range (0 leads to"
                                    " 1,000 leads): is it in the right unit?",
                                }
                            ],
                        }
                    ]
                },
            ),
        ],
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = s.CheckInBatchInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        def create() -> Response:
            results = services.checkins_batch(
                company=self.company,
                actor=self.actor,
                items=[
                    services.BatchItem(
                        key_result=item["key_result"],
                        value=item["value"],
                        confidence=item["confidence"],
                        note=item["note"],
                    )
                    for item in data["items"]
                ],
                overall_note=data["note"],
            )
            # The new entries as a list row reads them (with their standing), in one query.
            readable = selectors.readable_checkins(company=self.company, actor=self.actor)
            entries = {entry.pk: entry for entry in readable.filter(pk__in=[r.checkin.pk for r in results])}
            for result in results:
                entries[result.checkin.pk].warnings = result.warnings
                result.checkin = entries[result.checkin.pk]
            body = s.CheckInBatchSerializer({"results": results}, context=self.get_serializer_context()).data
            return Response(body, status=201)

        return self.idempotent(request, create, data)


_ENTRY_EXAMPLE = {
    "id": 982,
    "key_result": 12,
    "author": 7,
    "value": "1800000.0000",
    "confidence": "on_track",
    "note": "Two deals closed in Lyon; one was booked twice",
    "created_at": "2026-11-25T09:00:00Z",
    "entered_at": "2026-11-26T14:12:00Z",
    "corrects": 981,
    "corrected_by": None,
    "retracted": False,
    "effective": True,
}


class _OneCheckIn(CompanyAPIView):
    """A check-in the caller may read (its objective visible): another company's, or a private one's, is 404."""

    idempotent_post = True
    model = CheckIn
    object_name = "check-in"
    serializer_class = s.CheckInSerializer

    def company_queryset(self):
        return selectors.readable_checkins(company=self.company, actor=self.actor).select_related(
            "key_result__objective__cycle"
        )

    def require_correct(self, checkin: CheckIn) -> None:
        """Refuse before reading the body, so a caller who may not correct learns nothing from validation."""
        kr = checkin.key_result
        self.actor.require(
            Action.CORRECT_CHECKIN,
            department_id=kr.objective.department_id,
            owner_id=kr.owner_id,
            author_id=checkin.author_id,
        )

    def render_entry(self, entry: CheckIn) -> Response:
        """The new entry as a list row reads it (with its standing), 201."""
        return self.render_one(self.get_queryset().get(pk=entry.pk), status_code=201)


class CheckInCorrectionView(_OneCheckIn):
    """Correct a check-in: a new entry supersedes it (the history keeps both); the key result follows."""

    @extend_schema(
        request=s.CheckInCorrectionInputSerializer,
        responses={201: s.CheckInSerializer},
        examples=[
            OpenApiExample(
                "Correct a mistyped value",
                request_only=True,
                value={"value": "1800000", "confidence": "on_track", "note": "One deal was booked twice"},
            ),
            OpenApiExample("Recorded", response_only=True, status_codes=["201"], value=_ENTRY_EXAMPLE),
        ],
        description="The author, the key result's owner, a lead of its department (a leader for a company-level "
        "objective) and admins correct check-ins of open cycles. The new entry keeps the corrected one's "
        "`created_at`; an entry is corrected once (correct the correction to change it again: a second "
        "correction of the same entry is refused on `checkin`). Idempotent with `Idempotency-Key`.",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        checkin = self.get_object()
        self.require_correct(checkin)
        serializer = s.CheckInCorrectionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def create() -> Response:
            entry = services.checkin_correct(
                company=self.company, actor=self.actor, checkin=checkin, **serializer.validated_data
            )
            return self.render_entry(entry)

        return self.idempotent(request, create, serializer.validated_data)


class CheckInUndoView(_OneCheckIn):
    """Undo my last check-in on a key result, within 10 minutes of entering it."""

    @extend_schema(
        request=None,
        responses={201: s.CheckInSerializer},
        examples=[
            OpenApiExample(
                "Undone",
                response_only=True,
                status_codes=["201"],
                value=_ENTRY_EXAMPLE | {"id": 983, "corrects": 982, "retracted": True, "effective": False, "note": ""},
            ),
        ],
        description="Appends an undo entry (`retracted`) that takes the check-in out of the history; the key "
        "result falls back to the check-in before it. Only the author (403 for anyone else: correct instead), "
        "only their latest check-in on the key result, within 10 minutes of entering it, in an open cycle "
        "(400 on `checkin` naming the reason otherwise). Idempotent with `Idempotency-Key`.",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        checkin = self.get_object()
        self.require_correct(checkin)

        def create() -> Response:
            return self.render_entry(services.checkin_undo(company=self.company, actor=self.actor, checkin=checkin))

        return self.idempotent(request, create, {})


# ---------------------------------------------------------------- dependencies


class DependencyListView(CompanyListAPIView):
    """Links between objectives (usually across departments): "ours depends on theirs"."""

    idempotent_post = True
    model = Dependency
    serializer_class = s.DependencySerializer
    filterset_class = filters.DependencyFilter
    ordering_fields = ["id", "created_at"]

    def company_queryset(self):
        return selectors.dependency_list(company=self.company, actor=self.actor)

    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)

    @extend_schema(request=s.DependencyInputSerializer, responses={201: s.DependencySerializer})
    def post(self, request: Request, slug: str) -> Response:
        serializer = s.DependencyInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)

        def create() -> Response:
            dependency = services.dependency_create(company=self.company, actor=self.actor, **serializer.validated_data)
            return self.render_one(dependency, status_code=201)

        return self.idempotent(request, create, serializer.validated_data)


class DependencyDetailView(CompanyAPIView):
    model = Dependency
    object_name = "dependency"
    serializer_class = s.DependencySerializer

    def company_queryset(self):
        return selectors.dependency_list(company=self.company, actor=self.actor).select_related("from_objective")

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.retrieve(request)

    def delete(self, request: Request, slug: str, pk: int) -> Response:
        return self.guarded_write(
            request,
            lambda dependency: services.dependency_delete(
                company=self.company, actor=self.actor, dependency=dependency
            ),
        )


# ---------------------------------------------------------------- shared key results


class ObjectiveSharedKeyResultListView(_OneObjective):
    """Key results of other objectives shared into this one (display and alignment: its progress ignores them)."""

    idempotent_post = True
    serializer_class = s.SharedKeyResultSerializer
    pagination_class = None  # an objective follows a handful of key results: one page, no query parameters
    filter_backends = []

    @extend_schema(
        responses=s.SharedKeyResultListSerializer,
        description="The key results shared into the objective that the caller may read, each with its own "
        "progress. 404 for another company's objective or a private one the caller may not read.",
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        objective = self.get_object()
        shares = selectors.objective_shares(company=self.company, actor=self.actor, objective=objective)
        return Response({"results": s.SharedKeyResultSerializer(shares.into, many=True).data})

    @extend_schema(
        request=s.SharedKeyResultInputSerializer,
        responses={201: s.SharedKeyResultSerializer},
        examples=[OpenApiExample("Share a key result", request_only=True, value={"key_result": 88})],
        description="Share a key result of another objective into this one. Who may link the objective as a "
        "dependency may share into it (403 otherwise). 400 naming `key_result` when it is not one the caller may "
        "read, is the objective's own, or is already shared here. Idempotent with `Idempotency-Key`.",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        objective = self.get_object()
        serializer = s.SharedKeyResultInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)

        def create() -> Response:
            link = services.shared_key_result_create(
                company=self.company,
                actor=self.actor,
                objective=objective,
                key_result=serializer.validated_data["key_result"],
            )
            return Response(s.SharedKeyResultSerializer(link).data, status=201)

        return self.idempotent(request, create, serializer.validated_data)


class ObjectiveSharedKeyResultDetailView(_OneObjective):
    serializer_class = s.SharedKeyResultSerializer

    @extend_schema(
        request=None,
        responses={204: None},
        description="Stop sharing the key result into the objective (who may share into it, 403 otherwise). 404 "
        "when it is not shared here or the caller may not read it.",
    )
    def delete(self, request: Request, slug: str, pk: int, key_result_id: int) -> Response:
        link = selectors.shared_key_result_of(
            company=self.company, objective=self.get_object(), key_result_id=key_result_id
        )
        services.shared_key_result_delete(company=self.company, actor=self.actor, link=link)
        return Response(status=204)


# ---------------------------------------------------------------- audit history


class _History(CompanyAPIView):
    """Who changed the object, when, from what to what (objectives/history.py); readable by whoever reads it."""

    def get(self, request: Request, slug: str, pk: int) -> Response:
        instance = self.get_object()  # 404 for another company's object or one the caller may not read
        entries = audit_history(company=self.company, actor=self.actor, model=self.model, object_id=instance.pk)
        return Response({"results": entries})


@extend_schema(responses=s.HistorySerializer, summary="An objective's audit history")
class ObjectiveHistoryView(_History, _OneObjective):
    serializer_class = s.HistorySerializer


@extend_schema(responses=s.HistorySerializer, summary="A key result's audit history")
class KeyResultHistoryView(_History, CompanyAPIView):
    model = KeyResult
    object_name = "key result"
    serializer_class = s.HistorySerializer

    def company_queryset(self):
        return selectors.key_result_list(company=self.company, actor=self.actor)


# ---------------------------------------------------------------- export and import


class _CompanyLevel(CompanyAPIView):
    model = Objective
    pagination_class = None
    filter_backends = []

    def company_queryset(self):
        return Objective.objects.filter(company=self.company)


class ExportView(_CompanyLevel):
    """The company's whole OKR data as JSON (admins): departments, cycles, objectives, key results, check-ins…"""

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Export the company's OKR data (JSON)")
    def get(self, request: Request, slug: str) -> Response:
        self.actor.require(Action.MANAGE_COMPANY)
        return Response(company_export(company=self.company))


class ExportCSVView(_CompanyLevel):
    """The same export as a zip of CSV files, one per table (admins)."""

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY}, summary="Export as CSV files (zip)")
    def get(self, request: Request, slug: str) -> HttpResponse:
        self.actor.require(Action.MANAGE_COMPANY)
        response = HttpResponse(company_export_csv_zip(company=self.company), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="okrhub-{self.company.slug}.zip"'
        return response


class ImportView(_CompanyLevel):
    """Create objectives and key results from CSV (admins); a dry run (the default) changes nothing.

    Rows go through the same services as the pages; the import is all or
    nothing: one bad row and nothing is created. Errors name the row and column.
    """

    @extend_schema(request=s.ImportInputSerializer, responses={200: s.ImportResultSerializer})
    def post(self, request: Request, slug: str) -> Response:
        self.actor.require(Action.MANAGE_COMPANY)
        data = s.ImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = okrs_import_csv(
            company=self.company,
            actor=self.actor,
            text=data.validated_data["csv"],
            dry_run=data.validated_data["dry_run"],
        )
        if result.errors:
            raise ValidationError({f"rows[{e['row']}].{e['field'] or 'row'}": [e["message"]] for e in result.errors})
        return Response(result.as_dict())


# ---------------------------------------------------------------- events (the activity feed)

_EVENT_EXAMPLE_PAGE = {
    "next": "https://okrhub.example/api/v1/companies/acme/events/?cursor=1795503600000000-4211",
    "results": [
        {
            "id": 4218,
            "verb": "checkin.created",
            "created_at": "2026-11-25T09:00:00Z",
            "actor": {"id": 7, "name": "Ana Souza"},
            "subject": {"kind": "checkin", "id": 981},
            "objective": 44,
            "key_result": 12,
            "checkin": 981,
            "cycle": 3,
            "department": 7,
            "payload": {
                "key_result_title": "Qualified leads from Germany and France",
                "objective_title": "Generate 1,000 qualified leads from Germany and France",
                "value": "420.0000",
                "confidence": "on_track",
                "note": "Trade fair in Lyon",
                "progress": 0.42,
                "previous_value": "300.0000",
                "previous_confidence": "at_risk",
                "previous_progress": 0.3,
                "recorded_at": "2026-11-25T09:00:00+00:00",
            },
        },
        {
            "id": 4215,
            "verb": "objective.updated",
            "created_at": "2026-11-24T16:12:03Z",
            "actor": {"id": 5, "name": "Lea Leader"},
            "subject": {"kind": "objective", "id": 44},
            "objective": 44,
            "key_result": None,
            "checkin": None,
            "cycle": 3,
            "department": 7,
            "payload": {
                "title": "Generate 1,000 qualified leads from Germany and France",
                "changes": {"parent_id": [None, 41], "weight": ["1.00", "2.00"]},
                "parent_id": 41,
                "previous_parent_id": None,
            },
        },
        {
            "id": 4212,
            "verb": "dependency.created",
            "created_at": "2026-11-24T10:30:00Z",
            "actor": {"id": 5, "name": "Lea Leader"},
            "subject": {"kind": "dependency", "id": 17},
            "objective": 44,
            "key_result": None,
            "checkin": None,
            "cycle": 3,
            "department": 7,
            "payload": {
                "dependency_id": 17,
                "objective_title": "Generate 1,000 qualified leads from Germany and France",
                "to_objective_id": 46,
                "to_objective_title": None,
                "note": "Leads need the localised product",
            },
        },
        {
            "id": 4211,
            "verb": "cycle.activated",
            "created_at": "2026-10-01T07:00:00Z",
            "actor": {"id": 1, "name": "Ada Admin"},
            "subject": {"kind": "cycle", "id": 3},
            "objective": None,
            "key_result": None,
            "checkin": None,
            "cycle": 3,
            "department": None,
            "payload": {"name": "2026 Q4", "start_date": "2026-10-01", "end_date": "2026-12-31", "status": "active"},
        },
    ],
}


class EventListView(CompanyAPIView):
    """What happened in the company, newest first: the activity feed, and the events webhooks will carry.

    Only events about objectives you may read are listed (private objectives
    stay private); events about no objective (cycles) are everyone's. In a
    payload, the title of another objective you may not read (a dependency's
    target) is null. Page with `cursor` (the `next` link). Decimals are
    strings with their column's places (`"420.0000"`, weights `"2.00"`),
    dates and times ISO 8601. Deleting a draft or archived objective deletes
    its events. The verbs and their payloads (``objectives.feed.VERB_CATALOGUE``):
    """

    model = Event
    pagination_class = None
    filter_backends = []
    query_serializer = s.EventQuerySerializer
    serializer_class = s.EventSerializer

    def company_queryset(self):
        return Event.objects.filter(company=self.company)

    @extend_schema(
        description=f"{inspect.cleandoc(__doc__ or '')}\n\n{feed.verb_catalogue_markdown()}",
        parameters=[s.EventQuerySerializer],
        responses=s.EventPageSerializer,
        examples=[OpenApiExample("A page of events", response_only=True, value=_EVENT_EXAMPLE_PAGE)],
    )
    def get(self, request: Request, slug: str) -> Response:
        query = self.query_serializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        scope = feed.scope_of(
            company=self.company,
            actor=self.actor,
            objective_id=data.get("objective"),
            department_id=data.get("department"),
            cycle_id=data.get("cycle"),
        )
        cursor = data.get("cursor")
        page = feed.feed(
            company=self.company,
            actor=self.actor,
            objective=scope.objective,
            department=scope.department,
            cycle=scope.cycle,
            verbs=data.get("verb") or None,
            since=data.get("since"),
            cursor=feed.Cursor.decode(cursor) if cursor is not None else None,
            limit=data["page_size"],
        )
        next_url = (
            replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
            if page.next_cursor is not None
            else None
        )
        return Response({"next": next_url, "results": s.EventSerializer(page.items, many=True).data})


# ---------------------------------------------------------------- retrospectives

_RETROSPECTIVE_EXAMPLE = {
    "went_well": "Two partners signed in France within the quarter.",
    "learned": "German leads need a local case study before the first call.",
    "change": "Write the case study in week 1 of next quarter.",
}


class ObjectiveRetrospectiveView(_OneObjective):
    serializer_class = s.RetrospectiveSerializer

    def _render(self, objective: Objective) -> Response:
        state = selectors.objective_retrospective(company=self.company, actor=self.actor, objective=objective)
        return Response(s.RetrospectiveSerializer(state, context=self.get_serializer_context()).data)

    @extend_schema(
        responses=s.RetrospectiveSerializer,
        description="The objective's retrospective (empty parts and `written` false until someone writes it), "
        "and whether the caller may write it now. A private objective's retrospective is as private as the "
        "objective (404).",
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self._render(self.get_object())

    @extend_schema(
        request=s.RetrospectiveInputSerializer,
        responses=s.RetrospectiveSerializer,
        examples=[
            OpenApiExample("Write the retrospective", request_only=True, value=_RETROSPECTIVE_EXAMPLE),
            OpenApiExample(
                "Written",
                response_only=True,
                value={
                    "objective": 41,
                    **_RETROSPECTIVE_EXAMPLE,
                    "written": True,
                    "updated_at": "2027-01-04T09:30:00Z",
                    "updated_by": 7,
                    "can_write": True,
                },
            ),
        ],
        description="Write (or rewrite) the retrospective of an objective of a closed cycle: what went well, what "
        "we learned, what we change. Each part replaces the stored one; a part may be empty, not all three "
        "(400 on `went_well`). The objective's owner, a lead of its department (a leader for a company-level "
        "objective) and admins write it, also after grading ended; API keys never do (403). 400 on `cycle` "
        "while the cycle is open (`cycle_open`), on a part longer than 2,000 characters or holding control "
        "characters, naming the part.",
    )
    def put(self, request: Request, slug: str, pk: int) -> Response:
        objective = self.get_object()
        self.actor.require(
            Action.WRITE_RETROSPECTIVE, department_id=objective.department_id, owner_id=objective.owner_id
        )
        serializer = s.RetrospectiveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.objective_retrospective_write(
            company=self.company, actor=self.actor, objective=objective, **serializer.validated_data
        )
        return self._render(objective)


# ---------------------------------------------------------------- carry-over


class CycleCarryOverView(_OneCycle):
    """Carry unfinished objectives of a closed cycle (and chosen key results of theirs) into a later cycle."""

    idempotent_post = True

    @extend_schema(
        request=s.CarryOverInputSerializer,
        responses={201: s.CarryOverResultSerializer},
        examples=[
            OpenApiExample(
                "Carry two objectives into the next quarter",
                request_only=True,
                value={"cycle": 9, "items": [{"objective": 41, "key_results": [12, 14]}, {"objective": 43}]},
            ),
        ],
        description="Copies each objective as a draft into `cycle` (an open cycle that does not end before this "
        "one starts; else 400 on `cycle`), with the chosen key results starting from their last values; each "
        "copy links to its origin (`carried_from`). Only objectives that ran and scored below 100% (or were not "
        "scored) and their unfinished key results. All or nothing: a refused item is named "
        "(`items[1].objective` with `finished`, `already_carried_over`, `duplicate`, `does_not_exist` for one "
        "of another company or one you may not read; `items[0].key_results`). 400 on `cycle` while this cycle is "
        "open. The owner, a lead of the department (a leader for company-level objectives), admins and write "
        "keys carry over (403 naming the item otherwise).",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        cycle = self.get_object()
        serializer = s.CarryOverInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = Cycle.objects.filter(company=self.company, pk=data["cycle"]).first()
        if target is None:
            raise ValidationError({"cycle": [ErrorDetail("No such cycle.", "does_not_exist")]})

        def create() -> Response:
            copies = services.cycle_carry_over(
                company=self.company,
                actor=self.actor,
                cycle=cycle,
                target=target,
                items=[
                    services.CarryItem(objective=item["objective"], key_results=item["key_results"])
                    for item in data["items"]
                ],
            )
            copied: dict[int, list[int]] = {copy.pk: [] for copy in copies}
            for objective_id, kr_id in KeyResult.objects.filter(
                company=self.company, objective_id__in=list(copied)
            ).values_list("objective_id", "id"):
                copied[objective_id].append(kr_id)
            for copy in copies:
                copy.copied_key_result_ids = sorted(copied[copy.pk])
            body = s.CarryOverResultSerializer({"results": copies}, context=self.get_serializer_context()).data
            return Response(body, status=201)

        return self.idempotent(request, create, data)
