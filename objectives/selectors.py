"""Reads of objectives, key results and check-ins, filtered by what the actor may see.

Each returns a queryset built from a constant number of queries whatever the
size: private objectives are filtered in SQL, and "behind pace" is turned into
one condition per cycle (a company has few cycles) from one small query.
"""

from datetime import date

from django.db.models import Q, QuerySet

from companies.models import Company
from objectives.models import CheckIn, Cycle, Dependency, KeyResult, Objective
from objectives.progress import BEHIND_PACE_MARGIN, expected_progress
from okrhub.permissions import Action
from okrhub.tenancy import Actor


def visible_objectives_q(*, actor: Actor, prefix: str = "") -> Q:
    """Objectives the actor may read: all non-private ones, and private ones per the matrix."""
    if actor.can(Action.READ_PRIVATE):
        return Q()
    visible = Q(**{f"{prefix}private": False})
    if actor.user_id is not None:
        visible |= Q(**{f"{prefix}owner_id": actor.user_id})
    if actor.department_roles:
        departments = [
            department_id
            for department_id in actor._parents()
            if actor.can(Action.READ_PRIVATE, department_id=department_id)
        ]
        visible |= Q(**{f"{prefix}department_id__in": departments})
    return visible


def behind_pace_q(
    *, company: Company, today: date, cycle_field: str = "cycle_id", progress_field: str = "progress"
) -> Q:
    """Rows whose known progress is more than the margin below their cycle's expected pace."""
    condition = Q(pk__in=[])
    for cycle_id, start, end in Cycle.objects.filter(company=company).values_list("id", "start_date", "end_date"):
        threshold = expected_progress(today=today, start=start, end=end) - BEHIND_PACE_MARGIN
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
