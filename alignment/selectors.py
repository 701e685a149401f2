"""Reads of the company alignment tree and its gaps, from a constant number of queries.

Trees are assembled in Python from flat ``.values()`` rows: one query for
objectives, one for key results, one for dependencies, whatever the size.
"""

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import Q

from companies.models import Company
from departments.models import Department
from objectives.models import (
    COUNTED_STATUSES,
    Confidence,
    Cycle,
    Dependency,
    KeyResult,
    Objective,
    ObjectiveStatus,
)
from objectives.progress import expected_progress, is_behind_pace
from okrhub.permissions import Action
from okrhub.tenancy import Actor

OBJECTIVE_FIELDS = (
    "id",
    "parent_id",
    "department_id",
    "department__name",
    "owner_id",
    "owner__full_name",
    "owner__email",
    "title",
    "status",
    "weight",
    "private",
    "progress",
)
KEY_RESULT_FIELDS = (
    "id",
    "objective_id",
    "title",
    "kind",
    "direction",
    "start_value",
    "target_value",
    "current_value",
    "unit",
    "currency",
    "weight",
    "confidence",
    "progress",
    "last_checkin_at",
    "owner_id",
)


def visible_objectives(*, actor: Actor, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop private objectives the actor may not read (no query)."""
    if actor.can(Action.READ_PRIVATE):
        return rows
    return [
        row
        for row in rows
        if not row["private"]
        or actor.can(Action.READ_PRIVATE, department_id=row["department_id"], owner_id=row["owner_id"])
    ]


def alignment_tree(
    *,
    company: Company,
    actor: Actor,
    cycle: Cycle,
    department_id: int | None = None,
    today: date | None = None,
    include_drafts: bool = False,
) -> dict[str, Any]:
    """The cycle's objectives as a forest with key results, pace and flags.

    Roots are objectives whose parent is outside the result (company
    objectives, and unaligned department objectives). With
    ``department_id``, only that department's objectives and their ancestors
    are kept, so the department's branch is shown in context.
    """
    today = today or company.local_today()
    expected = expected_progress(today=today, start=cycle.start_date, end=cycle.end_date)
    objectives = Objective.objects.filter(company=company, cycle=cycle)
    if not include_drafts:
        objectives = objectives.exclude(status__in=[ObjectiveStatus.DRAFT, ObjectiveStatus.ARCHIVED])
    rows = visible_objectives(actor=actor, rows=list(objectives.order_by("id").values(*OBJECTIVE_FIELDS)))
    by_id = {row["id"]: row for row in rows}
    if department_id is not None:
        keep: set[int] = set()
        for row in rows:
            if row["department_id"] == department_id:
                current: int | None = row["id"]
                while current is not None and current in by_id and current not in keep:
                    keep.add(current)
                    current = by_id[current]["parent_id"]
        rows = [row for row in rows if row["id"] in keep]
        by_id = {row["id"]: row for row in rows}

    krs_by_objective: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for kr in (
        KeyResult.objects.filter(company=company, objective_id__in=list(by_id))
        .order_by("id")
        .values(*KEY_RESULT_FIELDS)
        if by_id
        else []
    ):
        kr["behind_pace"] = is_behind_pace(kr["progress"], expected)
        krs_by_objective[kr["objective_id"]].append(kr)

    depends_on: dict[int, list[int]] = defaultdict(list)
    for from_id, to_id in (
        Dependency.objects.filter(company=company, from_objective_id__in=list(by_id)).values_list(
            "from_objective_id", "to_objective_id"
        )
        if by_id
        else []
    ):
        depends_on[from_id].append(to_id)

    children: dict[int, list[dict[str, Any]]] = defaultdict(list)
    roots: list[dict[str, Any]] = []
    for row in rows:
        krs = krs_by_objective.get(row["id"], [])
        row["key_results"] = krs
        row["children"] = children[row["id"]]
        row["depends_on"] = depends_on.get(row["id"], [])
        row["behind_pace"] = is_behind_pace(row["progress"], expected)
        row["at_risk"] = any(kr["confidence"] == Confidence.AT_RISK for kr in krs)
        row["off_track"] = any(kr["confidence"] == Confidence.OFF_TRACK for kr in krs)
        row["unaligned"] = row["department_id"] is not None and row["parent_id"] is None
        row["counts_in_parent"] = row["status"] in COUNTED_STATUSES
        parent_id = row["parent_id"]
        if parent_id is not None and parent_id in by_id:
            children[parent_id].append(row)
        else:
            roots.append(row)
    return {
        "cycle": cycle,
        "expected_progress": expected,
        "today": today,
        "roots": roots,
        "count": len(rows),
    }


def alignment_gaps(*, company: Company, actor: Actor, cycle: Cycle) -> dict[str, list[dict[str, Any]]]:
    """DESIGN §1 "no disconnected goals", from three queries.

    - department objectives with no parent;
    - company objectives that nothing (active or closed) supports;
    - departments with no objective in the cycle.
    """
    rows = visible_objectives(
        actor=actor,
        rows=list(
            Objective.objects.filter(company=company, cycle=cycle)
            .exclude(status=ObjectiveStatus.ARCHIVED)
            .order_by("id")
            .values(
                "id",
                "title",
                "department_id",
                "department__name",
                "parent_id",
                "status",
                "private",
                "owner_id",
            )
        ),
    )
    supported = set(
        Objective.objects.filter(company=company, parent__isnull=False, status__in=COUNTED_STATUSES)
        .values_list("parent_id", flat=True)
        .distinct()
    )
    departments_with_objectives = {row["department_id"] for row in rows if row["department_id"]}
    return {
        "unaligned_objectives": [row for row in rows if row["department_id"] and row["parent_id"] is None],
        "unsupported_company_objectives": [
            row for row in rows if row["department_id"] is None and row["id"] not in supported
        ],
        "departments_without_objectives": [
            {"id": d["id"], "name": d["name"]}
            for d in Department.objects.filter(company=company).order_by("name").values("id", "name")
            if d["id"] not in departments_with_objectives
        ],
    }


def alignment_branch(
    *,
    company: Company,
    actor: Actor,
    cycle: Cycle,
    parent_id: int | None = None,
    department_id: int | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """One level of the alignment tree, for pages that load children as a person expands them.

    ``parent_id=None`` gives the roots (company objectives, and department
    objectives whose parent is outside the cycle's active tree). Four queries
    whatever the size: the cycle's skeleton (ids and links only), the level's
    objectives, their key results, and their dependencies with titles.
    With ``department_id``, only that department's objectives and their
    ancestors are kept, as in :func:`alignment_tree`.
    """
    today = today or company.local_today()
    expected = expected_progress(today=today, start=cycle.start_date, end=cycle.end_date)
    skeleton = visible_objectives(
        actor=actor,
        rows=list(
            Objective.objects.filter(company=company, cycle=cycle)
            .exclude(status__in=[ObjectiveStatus.DRAFT, ObjectiveStatus.ARCHIVED])
            .values("id", "parent_id", "department_id", "private", "owner_id")
        ),
    )
    parent_of = {row["id"]: row["parent_id"] for row in skeleton}
    keep = set(parent_of)
    if department_id is not None:
        keep = set()
        for row in skeleton:
            if row["department_id"] == department_id:
                current: int | None = row["id"]
                while current is not None and current in parent_of and current not in keep:
                    keep.add(current)
                    current = parent_of[current]
    child_count: dict[int, int] = defaultdict(int)
    level: list[int] = []
    for object_id in sorted(keep):
        parent = parent_of[object_id]
        if parent in keep:
            child_count[parent] += 1
        if (parent_id is None and parent not in keep) or (parent_id is not None and parent == parent_id):
            level.append(object_id)
    rows = list(Objective.objects.filter(company=company, id__in=level).order_by("id").values(*OBJECTIVE_FIELDS))
    krs_by_objective: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if rows:
        for kr in (
            KeyResult.objects.filter(company=company, objective_id__in=level).order_by("id").values(*KEY_RESULT_FIELDS)
        ):
            kr["behind_pace"] = is_behind_pace(kr["progress"], expected)
            krs_by_objective[kr["objective_id"]].append(kr)
    depends_on: dict[int, list[dict[str, Any]]] = defaultdict(list)
    depended_by: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if rows:
        visible, level_set = set(parent_of), set(level)
        for dep in (
            Dependency.objects.filter(company=company)
            .filter(Q(from_objective_id__in=level) | Q(to_objective_id__in=level))
            .values("from_objective_id", "to_objective_id", "from_objective__title", "to_objective__title", "note")
        ):
            if dep["from_objective_id"] in level_set and dep["to_objective_id"] in visible:
                depends_on[dep["from_objective_id"]].append(
                    {"id": dep["to_objective_id"], "title": dep["to_objective__title"], "note": dep["note"]}
                )
            if dep["to_objective_id"] in level_set and dep["from_objective_id"] in visible:
                depended_by[dep["to_objective_id"]].append(
                    {"id": dep["from_objective_id"], "title": dep["from_objective__title"], "note": dep["note"]}
                )
    for row in rows:
        krs = krs_by_objective.get(row["id"], [])
        row["key_results"] = krs
        row["child_count"] = child_count.get(row["id"], 0)
        row["depends_on"] = depends_on.get(row["id"], [])
        row["depended_by"] = depended_by.get(row["id"], [])
        row["behind_pace"] = is_behind_pace(row["progress"], expected)
        row["at_risk"] = any(kr["confidence"] == Confidence.AT_RISK for kr in krs)
        row["off_track"] = any(kr["confidence"] == Confidence.OFF_TRACK for kr in krs)
        row["unaligned"] = row["department_id"] is not None and row["parent_id"] is None
    return {"cycle": cycle, "expected_progress": expected, "today": today, "nodes": rows, "count": len(keep)}
