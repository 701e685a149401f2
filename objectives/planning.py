"""Reads of planning: the planning board of a cycle, for the page and the REST API alike.

Every department's objectives of the cycle the reader may read (drafts
first), the company objectives they ladder to, each department's plan and
what the reader may do with it, with the practice hints of
``objectives.quality`` (focus, unaligned, activity-style key results): the
same hints the forms give, never a second copy of their rules. A constant
number of queries whatever the number of departments and objectives.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from companies.models import Company
from companies.tenancy import Actor
from departments.models import Department
from objectives import quality
from objectives.models import Cycle, DepartmentPlan, KeyResult, Objective, ObjectiveStatus, PlanState
from objectives.selectors import can_read_objective, focus_counts, visible_objectives_q
from okrhub.permissions import Action


@dataclass
class BoardObjective:
    id: int
    title: str
    status: str
    private: bool
    owner: str
    parent_id: int | None
    parent_title: str
    key_result_count: int
    hints: list[quality.Hint] = field(default_factory=list)


@dataclass
class BoardDepartment:
    """One department's column of the board: its plan, its objectives, and what the reader may do."""

    id: int
    name: str
    state: str
    state_label: str
    returned_comment: str
    submitted_by: str
    submitted_at: Any
    decided_by: str
    decided_at: Any
    drafts: list[BoardObjective]
    active: list[BoardObjective]
    hints: list[quality.Hint]
    can_submit: bool
    can_review: bool
    #: The page's return form for this department (set by the view; the API has none).
    form: Any = None


@dataclass
class Board:
    cycle: Cycle
    company_objectives: list[BoardObjective]
    departments: list[BoardDepartment]


def _name(user: Any) -> str:
    return user.display_name if user is not None else ""


def _row(objective: Objective) -> BoardObjective:
    key_results = list(objective.key_results.all())
    hints = [
        hint
        for kr in key_results
        for hint in quality.key_result_title_hints(kr.title, kind=kr.kind, unit=kr.unit, field="key_results")
    ]
    unaligned = quality.missing_parent_hint(department_id=objective.department_id, parent_id=objective.parent_id)
    if unaligned is not None:
        hints.insert(0, unaligned)
    parent = objective.parent
    return BoardObjective(
        id=objective.pk,
        title=objective.title,
        status=objective.status,
        private=objective.private,
        owner=_name(objective.owner),
        parent_id=objective.parent_id,
        parent_title=parent.title if parent is not None else "",
        key_result_count=len(key_results),
        hints=hints,
    )


def planning_board(*, company: Company, actor: Actor, cycle: Cycle) -> Board:
    """The board of ``cycle`` as ``actor`` reads it (private objectives per the one visibility rule).

    A department's focus hint counts its committed objectives (all of them,
    private included: ``focus_counts``) plus its drafts as if the plan were
    approved. A parent the reader may not read is named as private.
    """
    departments = list(Department.objects.filter(company=company).order_by("name", "id"))
    plans = {
        plan.department_id: plan
        for plan in DepartmentPlan.objects.filter(company=company, cycle=cycle).select_related(
            "submitted_by", "decided_by"
        )
    }
    objectives = list(
        Objective.objects.filter(company=company, cycle=cycle)
        .filter(visible_objectives_q(actor=actor))
        .exclude(status=ObjectiveStatus.ARCHIVED)
        .select_related("owner", "parent")
        .prefetch_related(
            Prefetch(
                "key_results",
                queryset=KeyResult.objects.filter(company=company)
                .only("id", "objective_id", "title", "kind", "unit")
                .order_by("id"),
            )
        )
        .order_by("id")
    )
    by_department: dict[int | None, list[BoardObjective]] = {}
    for objective in objectives:
        row = _row(objective)
        if objective.parent is not None and not can_read_objective(actor, objective.parent):
            row.parent_title = "a private objective"
        by_department.setdefault(objective.department_id, []).append(row)
    committed = focus_counts(company=company, cycle_id=cycle.pk)
    columns = []
    for department in departments:
        plan = plans.get(department.pk)
        state = plan.state if plan is not None else PlanState.DRAFTING
        rows = by_department.get(department.pk, [])
        drafts = [row for row in rows if row.status == ObjectiveStatus.DRAFT]
        hints = []
        if drafts:
            focus = quality.focus_hint(
                what=f"objectives in {department.name}",
                count=committed.get(department.pk, 0) + len(drafts) - 1,
                limit=company.max_objectives_per_department,
            )
            if focus is not None:
                hints.append(focus)
        columns.append(
            BoardDepartment(
                id=department.pk,
                name=department.name,
                state=state,
                state_label=PlanState(state).label,
                returned_comment=plan.returned_comment if plan is not None else "",
                submitted_by=_name(plan.submitted_by) if plan is not None else "",
                submitted_at=plan.submitted_at if plan is not None else None,
                decided_by=_name(plan.decided_by) if plan is not None else "",
                decided_at=plan.decided_at if plan is not None else None,
                drafts=drafts,
                active=[row for row in rows if row.status != ObjectiveStatus.DRAFT],
                hints=hints,
                can_submit=not cycle.is_closed
                and state != PlanState.SUBMITTED
                and bool(drafts)
                and actor.can(Action.SUBMIT_PLAN, department_id=department.pk),
                can_review=not cycle.is_closed
                and state == PlanState.SUBMITTED
                and actor.can(Action.REVIEW_PLAN, department_id=department.pk),
            )
        )
    return Board(cycle=cycle, company_objectives=by_department.get(None, []), departments=columns)
