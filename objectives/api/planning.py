"""A cycle's planning board over HTTP: read it, and submit, approve or return a department's plan.

Thin views over ``objectives.planning`` (the board) and
``objectives.services.planning`` (the state machine); the page calls the same.
"""

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from departments.models import Department
from objectives import services
from objectives.api.serializers import CycleSerializer, HintSerializer
from objectives.api.views import _OneCycle
from objectives.models import PlanState
from objectives.planning import planning_board
from okrhub.errors import not_found


class BoardObjectiveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    private = serializers.BooleanField()
    owner = serializers.CharField(help_text="The owner's name, empty when nobody owns it.")
    parent_id = serializers.IntegerField(allow_null=True, help_text="The objective it ladders to.")
    parent_title = serializers.CharField()
    key_result_count = serializers.IntegerField()
    hints = HintSerializer(many=True, help_text="unaligned, activity_key_result (the forms' hints).")


class BoardDepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    state = serializers.ChoiceField(choices=PlanState.choices, help_text="The department's plan for the cycle.")
    returned_comment = serializers.CharField(help_text="The reviewer's comment on the last return.")
    submitted_by = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    decided_by = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    drafts = BoardObjectiveSerializer(many=True)
    active = BoardObjectiveSerializer(many=True, help_text="Objectives already committed (active or closed).")
    hints = HintSerializer(many=True, help_text="The focus hint, counting the drafts as if approved.")
    can_submit = serializers.BooleanField(help_text="Whether the caller may submit the plan now.")
    can_review = serializers.BooleanField(help_text="Whether the caller may approve or return it now.")


class BoardSerializer(serializers.Serializer):
    cycle = CycleSerializer()
    company_objectives = BoardObjectiveSerializer(many=True, help_text="What the departments ladder to.")
    departments = BoardDepartmentSerializer(many=True)


class PlanSerializer(serializers.Serializer):
    department = serializers.IntegerField(source="department_id")
    cycle = serializers.IntegerField(source="cycle_id")
    state = serializers.ChoiceField(choices=PlanState.choices)
    returned_comment = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class ReturnInputSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="What to change: required (400 naming `comment`)."
    )


_PLAN_EXAMPLE = {
    "department": 3,
    "cycle": 9,
    "state": "returned",
    "returned_comment": "Tie “Keep customers” to a company objective",
    "submitted_at": "2026-12-01T09:12:00Z",
    "decided_at": "2026-12-02T16:40:00Z",
}

_BOARD_EXAMPLE = {
    "cycle": {
        "id": 9,
        "name": "2027 Q1",
        "start_date": "2027-01-01",
        "end_date": "2027-03-31",
        "status": "planning",
        "closed_at": None,
        "grading_ends_at": None,
        "grading_ended_at": None,
        "expected_progress": 0.0,
    },
    "company_objectives": [
        {
            "id": 40,
            "title": "Grow revenue",
            "status": "active",
            "private": False,
            "owner": "Ada Admin",
            "parent_id": None,
            "parent_title": "",
            "key_result_count": 2,
            "hints": [],
        }
    ],
    "departments": [
        {
            "id": 3,
            "name": "Sales",
            "state": "submitted",
            "returned_comment": "",
            "submitted_by": "Lea Lead",
            "submitted_at": "2026-12-01T09:12:00Z",
            "decided_by": "",
            "decided_at": None,
            "drafts": [
                {
                    "id": 41,
                    "title": "Win the north",
                    "status": "draft",
                    "private": False,
                    "owner": "Mia Member",
                    "parent_id": 40,
                    "parent_title": "Grow revenue",
                    "key_result_count": 1,
                    "hints": [],
                }
            ],
            "active": [],
            "hints": [],
            "can_submit": False,
            "can_review": True,
        }
    ],
}


class PlanningBoardView(_OneCycle):
    @extend_schema(
        responses=BoardSerializer,
        examples=[OpenApiExample("A board", response_only=True, value=_BOARD_EXAMPLE)],
        description="A cycle's planning board: every department's objectives of the cycle the caller reads "
        "(drafts and already active ones), what they ladder to, the quality hints (focus limit counting the "
        "drafts as if approved, unaligned objectives, activity-style key results), each department's plan "
        "(`drafting`, `submitted`, `returned`, `approved`) and whether the caller may submit or review it.",
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        board = planning_board(company=self.company, actor=self.actor, cycle=self.get_object())
        return Response(BoardSerializer(board, context=self.get_serializer_context()).data)


class _PlanAction(_OneCycle):
    def department(self, department_id: int) -> Department:
        department = Department.objects.filter(company=self.company, pk=department_id).first()
        if department is None:
            raise not_found("department")
        return department

    def answer(self, plan: Any) -> Response:
        return Response(PlanSerializer(plan).data)


class PlanSubmitView(_PlanAction):
    @extend_schema(
        request=None,
        responses=PlanSerializer,
        examples=[OpenApiExample("Submitted", response_only=True, value={**_PLAN_EXAMPLE, "state": "submitted"})],
        description="The department's lead (or an admin) submits its draft objectives of the cycle for review; "
        "they are locked until a reviewer returns them. 400 naming `department` when it has no draft in the "
        "cycle (`empty_plan`), `state` when already submitted (`invalid_transition`), `cycle` when the cycle is "
        "closed. API keys take no part in planning (403).",
    )
    def post(self, request: Request, slug: str, pk: int, department_id: int) -> Response:
        plan = services.plan_submit(
            company=self.company, actor=self.actor, cycle=self.get_object(), department=self.department(department_id)
        )
        return self.answer(plan)


class PlanApproveView(_PlanAction):
    @extend_schema(
        request=None,
        responses=PlanSerializer,
        examples=[
            OpenApiExample(
                "Approved", response_only=True, value={**_PLAN_EXAMPLE, "state": "approved", "returned_comment": ""}
            )
        ],
        description="A leader or admin approves a submitted plan: the department's drafts of the cycle become "
        "active at once (in a cycle still in planning too), through the usual activation (focus limit, "
        "`objective.activated` events). 400 naming `state` when the plan is not submitted, `department` when "
        "the company's focus limit blocks an activation (nothing is approved then).",
    )
    def post(self, request: Request, slug: str, pk: int, department_id: int) -> Response:
        plan = services.plan_approve(
            company=self.company, actor=self.actor, cycle=self.get_object(), department=self.department(department_id)
        )
        return self.answer(plan)


class PlanReturnView(_PlanAction):
    @extend_schema(
        request=ReturnInputSerializer,
        responses=PlanSerializer,
        examples=[
            OpenApiExample(
                "Return with a comment", request_only=True, value={"comment": _PLAN_EXAMPLE["returned_comment"]}
            ),
            OpenApiExample("Returned", response_only=True, value=_PLAN_EXAMPLE),
        ],
        description="A leader or admin returns a submitted plan with a comment saying what to change; the "
        "department's drafts unlock. 400 naming `comment` when it is empty, `state` when the plan is not "
        "submitted.",
    )
    def post(self, request: Request, slug: str, pk: int, department_id: int) -> Response:
        serializer = ReturnInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = services.plan_return(
            company=self.company,
            actor=self.actor,
            cycle=self.get_object(),
            department=self.department(department_id),
            comment=serializer.validated_data["comment"],
        )
        return self.answer(plan)
