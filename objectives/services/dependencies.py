"""Writes to dependencies between objectives."""

from django.db import transaction

from companies.models import Company
from companies.tenancy import Actor
from objectives import events
from objectives.models import (
    Dependency,
    Objective,
    Verb,
)
from objectives.services import _payloads
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
    events.record(
        Verb.DEPENDENCY_CREATED,
        company_id=company.pk,
        actor=actor,
        objective=from_objective,
        subject=("dependency", dependency.pk),
        payload=_payloads.dependency(dependency, dependency_id=dependency.pk),
    )
    return dependency


@transaction.atomic
def dependency_delete(*, company: Company, actor: Actor | None, dependency: Dependency) -> None:
    """Remove a dependency; ``dependency.deleted`` is recorded on the objective that depended."""
    _same_company(company, dependency=dependency)
    source = dependency.from_objective
    if actor is not None:
        actor.require(Action.MANAGE_DEPENDENCY, department_id=source.department_id, owner_id=source.owner_id)
    if Dependency.objects.filter(company=company, pk=dependency.pk).delete()[0]:
        events.record(
            Verb.DEPENDENCY_DELETED,
            company_id=company.pk,
            actor=actor,
            objective=source,
            subject=("dependency", dependency.pk),
            payload=_payloads.dependency(dependency, dependency_id=dependency.pk),
        )
