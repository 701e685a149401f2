"""Reads of objectives, key results and check-ins, filtered by what the actor may see.

Each returns a queryset built from a constant number of queries whatever the
size: private objectives are filtered in SQL, and "behind pace" is turned into
one condition per cycle (a company has few cycles) from one small query.
"""

from datetime import date

from django.db.models import Q, QuerySet

from companies.models import Company
from objectives.models import COUNTED_STATUSES, CheckIn, Cycle, Dependency, KeyResult, Objective
from objectives.progress import behind_pace_threshold, expected_progress
from okrhub.permissions import Action
from okrhub.tenancy import Actor


def reads_objective(actor: Actor, *, private: bool, department_id: int | None, owner_id: int | None) -> bool:
    """Whether the actor may read an objective with these facts: the one row rule of visibility (no query).

    Non-private objectives are read by everyone in the company; a private one
    per the permission matrix (``Action.READ_PRIVATE``). Raw rows (the tree,
    the gaps) call this; model instances call :func:`can_read_objective`;
    querysets filter with :func:`visible_objectives_q`, the same rule in SQL.
    """
    return not private or actor.can(Action.READ_PRIVATE, department_id=department_id, owner_id=owner_id)


def can_read_objective(actor: Actor, objective: Objective) -> bool:
    """Whether the actor may read this objective (see :func:`reads_objective`)."""
    return reads_objective(
        actor, private=objective.private, department_id=objective.department_id, owner_id=objective.owner_id
    )


def visible_objectives_q(*, actor: Actor, prefix: str = "") -> Q:
    """Objectives the actor may read, as a condition (:func:`reads_objective` in SQL).

    ``prefix`` reaches the objective through a relation (``"objective__"``).
    """
    if actor.can(Action.READ_PRIVATE):
        return Q()
    visible = Q(**{f"{prefix}private": False})
    if actor.user_id is not None and actor.can(Action.READ_PRIVATE, owner_id=actor.user_id):
        visible |= Q(**{f"{prefix}owner_id": actor.user_id})
    if actor.department_roles:
        departments = [
            department_id
            for department_id in actor._parents()
            if actor.can(Action.READ_PRIVATE, department_id=department_id)
        ]
        visible |= Q(**{f"{prefix}department_id__in": departments})
    return visible


def visible_objectives(objectives: QuerySet, *, actor: Actor, prefix: str = "") -> QuerySet:
    """``objectives`` (or rows reaching an objective through ``prefix``) narrowed to what the actor may read."""
    return objectives.filter(visible_objectives_q(actor=actor, prefix=prefix))


def focus_count(*, company: Company, cycle_id: int, department_id: int | None, exclude_id: int | None = None) -> int:
    """How many objectives count against the focus limit of a department (or company level) in a cycle.

    The one home of focus counting (the service's check, the live hint and
    the department page): committed objectives only, active or closed.
    Drafts are proposals and archived ones are gone. Private objectives count
    too: the limit is the department's, whoever reads them.
    """
    counted = Objective.objects.filter(
        company=company, cycle_id=cycle_id, department_id=department_id, status__in=COUNTED_STATUSES
    )
    if exclude_id is not None:
        counted = counted.exclude(pk=exclude_id)
    return counted.count()


def behind_pace_q(
    *, company: Company, today: date, cycle_field: str = "cycle_id", progress_field: str = "progress"
) -> Q:
    """Rows whose known progress is more than the margin below their cycle's expected pace."""
    condition = Q(pk__in=[])
    for cycle_id, start, end in Cycle.objects.filter(company=company).values_list("id", "start_date", "end_date"):
        threshold = behind_pace_threshold(expected_progress(today=today, start=start, end=end))
        if threshold > 0:
            condition |= Q(**{cycle_field: cycle_id, f"{progress_field}__lt": threshold})
    return condition


def objective_list(*, company: Company, actor: Actor) -> QuerySet[Objective]:
    return (
        Objective.objects.filter(company=company)
        .filter(visible_objectives_q(actor=actor))
        .select_related("cycle")
        .order_by("id")
    )


def key_result_list(*, company: Company, actor: Actor) -> QuerySet[KeyResult]:
    return (
        KeyResult.objects.filter(company=company)
        .filter(visible_objectives_q(actor=actor, prefix="objective__"))
        .select_related("objective__cycle")
        .order_by("id")
    )


def checkin_list(*, company: Company, actor: Actor, key_result_id: int) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(company=company, key_result_id=key_result_id).order_by("id")


def dependency_list(*, company: Company, actor: Actor) -> QuerySet[Dependency]:
    """Dependencies whose both ends the actor may read."""
    return (
        Dependency.objects.filter(company=company)
        .filter(visible_objectives_q(actor=actor, prefix="from_objective__"))
        .filter(visible_objectives_q(actor=actor, prefix="to_objective__"))
        .order_by("id")
    )
