"""Writes to dependencies between objectives."""

from django.db import transaction

from companies.models import Company
from companies.tenancy import Actor
from objectives.models import (
    Dependency,
    Objective,
)
from objectives.services._common import _same_company
from objectives.services.objectives import _refuse_unreadable
from okrhub.errors import invalid
from okrhub.permissions import Action


@transaction.atomic
def dependency_create(
    *,
    company: Company,
    actor: Actor | None,
    from_objective: Objective,
    to_objective: Objective,
    note: str = "",
) -> Dependency:
    """Record that ``from_objective`` depends on ``to_objective`` (any department)."""
    _same_company(company, from_objective=from_objective, to_objective=to_objective)
    if actor is not None:
        actor.require(
            Action.MANAGE_DEPENDENCY,
            department_id=from_objective.department_id,
            owner_id=from_objective.owner_id,
        )
    _refuse_unreadable(actor, to_objective=to_objective)
    if from_objective.pk == to_objective.pk:
        raise invalid("to_objective", "An objective cannot depend on itself.", "self")
    if Dependency.objects.filter(company=company, from_objective=from_objective, to_objective=to_objective).exists():
        raise invalid("to_objective", "This dependency already exists.", "unique")
    dependency = Dependency(company=company, from_objective=from_objective, to_objective=to_objective, note=note)
    dependency.full_clean(exclude=["company", "from_objective", "to_objective"])
    dependency.save()
    return dependency


@transaction.atomic
def dependency_delete(*, company: Company, actor: Actor | None, dependency: Dependency) -> None:
    _same_company(company, dependency=dependency)
    if actor is not None:
        source = dependency.from_objective
        actor.require(Action.MANAGE_DEPENDENCY, department_id=source.department_id, owner_id=source.owner_id)
    Dependency.objects.filter(company=company, pk=dependency.pk).delete()
