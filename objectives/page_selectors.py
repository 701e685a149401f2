"""Reads behind the OKR pages, each from a constant number of queries.

Kept apart from ``selectors.py`` (which the REST API grows) so the two
surfaces can evolve without stepping on each other; both read the same models
the same company-scoped way.
"""

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Prefetch

from companies.models import Company
from departments.models import Department
from objectives.models import COUNTED_STATUSES, CheckIn, Cycle, Dependency, KeyResult, Objective, ObjectiveStatus
from objectives.progress import Weighted, expected_progress, is_behind_pace, key_result_progress, weighted_progress
from objectives.selectors import can_read_objective, visible_objectives_q
from okrhub.permissions import Action
from okrhub.tenancy import Actor

#: The visibility rule's row predicate, under the name the pages use (its home is ``objectives.selectors``).
can_read = can_read_objective


def can_edit_objective(actor: Actor, objective: Objective) -> bool:
    """Whether the actor may edit this objective and its key results (drafts by their rules, others by manage)."""
    draft = objective.status == ObjectiveStatus.DRAFT
    return actor.can(
        Action.EDIT_DRAFT if draft else Action.MANAGE_OBJECTIVE,
        department_id=objective.department_id,
        owner_id=objective.owner_id,
        is_draft=draft,
    )


def cycle_expected(company: Company, cycle: Cycle, today: datetime.date | None = None) -> float:
    today = today or company.local_today()
    return expected_progress(today=today, start=cycle.start_date, end=cycle.end_date)


def annotate_key_result(actor: Actor, kr: KeyResult, objective: Objective, expected: float) -> KeyResult:
    """Attach what a row shows: pace, and whether this person may check in (no query)."""
    kr.expected = expected
    kr.behind_pace = is_behind_pace(kr.progress, expected)
    kr.can_check_in = objective.status not in (ObjectiveStatus.CLOSED, ObjectiveStatus.ARCHIVED) and actor.can(
        Action.CHECK_IN, department_id=objective.department_id, owner_id=kr.owner_id
    )
    return kr


def my_key_results(*, company: Company, actor: Actor, cycle: Cycle) -> list[Objective]:
    """The actor's key results in ``cycle``, grouped under their objectives (one query)."""
    expected = cycle_expected(company, cycle)
    key_results = (
        KeyResult.objects.filter(company=company, owner_id=actor.user_id, objective__cycle=cycle)
        .filter(visible_objectives_q(actor=actor, prefix="objective__"))
        .exclude(objective__status=ObjectiveStatus.ARCHIVED)
        .select_related("objective__department", "objective__cycle")
        .order_by("objective_id", "id")
    )
    objectives: dict[int, Objective] = {}
    for kr in key_results:
        objective = objectives.get(kr.objective_id)
        if objective is None:
            objective = objectives[kr.objective_id] = kr.objective
            objective.expected = expected
            objective.behind_pace = is_behind_pace(objective.progress, expected)
            objective.my_key_results = []
        objective.my_key_results.append(kr)
        annotate_key_result(actor, kr, objective, expected)
    return list(objectives.values())


def company_objectives(*, company: Company, actor: Actor, cycle: Cycle) -> list[Objective]:
    """The cycle's active company-level objectives, so everyone sees what their work ladders up to (one query)."""
    expected = cycle_expected(company, cycle)
    objectives = [
        o
        for o in Objective.objects.filter(
            company=company, cycle=cycle, department__isnull=True, status__in=COUNTED_STATUSES
        ).order_by("id")
        if can_read(actor, o)
    ]
    for objective in objectives:
        objective.expected = expected
        objective.behind_pace = is_behind_pace(objective.progress, expected)
    return objectives


def department_objectives(*, company: Company, actor: Actor, cycle: Cycle, department: Department) -> list[Objective]:
    """A department's objectives in a cycle (drafts included, archived not) with their key results: two queries."""
    expected = cycle_expected(company, cycle)
    objectives = [
        o
        for o in Objective.objects.filter(company=company, cycle=cycle, department=department)
        .exclude(status=ObjectiveStatus.ARCHIVED)
        .select_related("parent__department", "owner")
        .prefetch_related(
            Prefetch("key_results", queryset=KeyResult.objects.filter(company=company).select_related("owner"))
        )
        .order_by("status", "id")
        if can_read(actor, o)
    ]
    for objective in objectives:
        objective.behind_pace = is_behind_pace(objective.progress, expected)
        for kr in objective.key_results.all():
            annotate_key_result(actor, kr, objective, expected)
    return objectives


def objective_detail(*, company: Company, actor: Actor, objective_id: int) -> dict[str, Any] | None:
    """An objective with its key results, children, dependencies and progress history (six queries)."""
    objective = (
        Objective.objects.filter(company=company, pk=objective_id)
        .select_related("cycle", "department", "owner", "parent__department")
        .first()
    )
    if objective is None or not can_read(actor, objective):
        return None
    expected = cycle_expected(company, objective.cycle)
    key_results = list(KeyResult.objects.filter(company=company, objective=objective).select_related("owner"))
    for kr in key_results:
        annotate_key_result(actor, kr, objective, expected)
    children = [
        child
        for child in Objective.objects.filter(company=company, parent=objective)
        .exclude(status=ObjectiveStatus.ARCHIVED)
        .select_related("department")
        if can_read(actor, child)
    ]
    dependencies = list(
        Dependency.objects.filter(company=company, from_objective=objective).select_related("to_objective__department")
    )
    dependents = list(
        Dependency.objects.filter(company=company, to_objective=objective).select_related("from_objective__department")
    )
    checkins = list(
        CheckIn.objects.filter(company=company, key_result__objective=objective)
        .select_related("author")
        .order_by("created_at", "id")
    )
    objective.behind_pace = is_behind_pace(objective.progress, expected)
    by_id = {kr.pk: kr for kr in key_results}
    for checkin in checkins:
        checkin.kr = by_id.get(checkin.key_result_id)
    return {
        "objective": objective,
        "key_results": key_results,
        "children": children,
        "dependencies": [d for d in dependencies if can_read(actor, d.to_objective)],
        "dependents": [d for d in dependents if can_read(actor, d.from_objective)],
        "checkins": checkins,
        "history": objective_history(key_results, checkins),
        "expected": expected,
    }


def objective_history(key_results: list[KeyResult], checkins: list[CheckIn]) -> list[tuple[datetime.datetime, float]]:
    """The objective's key-result progress after each check-in, replayed from the check-ins.

    Child objectives are left out: their history is not stored, only their
    current progress.
    """
    krs = {kr.pk: kr for kr in key_results}
    latest: dict[int, float | None] = {}
    points: list[tuple[datetime.datetime, float]] = []
    for checkin in checkins:
        kr = krs.get(checkin.key_result_id)
        if kr is None:
            continue
        latest[kr.pk] = key_result_progress(
            kind=kr.kind, direction=kr.direction, start=kr.start_value, target=kr.target_value, current=checkin.value
        )
        value = weighted_progress(Weighted(latest.get(k.pk), float(k.weight)) for k in key_results)
        if value is not None:
            points.append((checkin.created_at, value))
    return points


def key_result_detail(*, company: Company, actor: Actor, key_result_id: int) -> dict[str, Any] | None:
    """A key result with its objective and check-in history (two queries)."""
    kr = (
        KeyResult.objects.filter(company=company, pk=key_result_id)
        .select_related("objective__cycle", "objective__department", "owner")
        .first()
    )
    if kr is None or not can_read(actor, kr.objective):
        return None
    expected = cycle_expected(company, kr.objective.cycle)
    annotate_key_result(actor, kr, kr.objective, expected)
    checkins = list(CheckIn.objects.filter(company=company, key_result=kr).select_related("author"))
    for checkin in checkins:
        checkin.kr = kr
    history = [
        (
            c.created_at,
            key_result_progress(
                kind=kr.kind, direction=kr.direction, start=kr.start_value, target=kr.target_value, current=c.value
            ),
        )
        for c in checkins
    ]
    return {"key_result": kr, "objective": kr.objective, "checkins": checkins, "history": history}


def department_cards(*, company: Company, actor: Actor, cycle: Cycle | None) -> list[dict[str, Any]]:
    """Departments with their objective count and mean progress in the cycle (two queries)."""
    departments = list(Department.objects.filter(company=company).order_by("name").values("id", "name", "slug"))
    stats: dict[int, list[float | None]] = defaultdict(list)
    if cycle is not None:
        for department_id, progress in (
            Objective.objects.filter(company=company, cycle=cycle, department__isnull=False)
            .filter(visible_objectives_q(actor=actor))
            .exclude(status=ObjectiveStatus.ARCHIVED)
            .values_list("department_id", "progress")
        ):
            stats[department_id].append(progress)
    for department in departments:
        values = stats.get(department["id"], [])
        department["objective_count"] = len(values)
        department["progress"] = weighted_progress(Weighted(v, 1.0) for v in values)
    return departments
