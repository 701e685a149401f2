"""Writes to shared key results: a key result of one objective followed by another (issue 19).

A share is display and alignment only (``SharedKeyResult``): nothing here
touches progress, so nothing schedules a roll-up.
"""

from django.db import transaction

from companies.models import Company
from companies.tenancy import Actor
from objectives import events
from objectives.models import KeyResult, Objective, SharedKeyResult, Verb
from objectives.selectors import can_read_objective
from objectives.services import _payloads
from objectives.services._common import _same_company
from okrhub.errors import invalid, not_found
from okrhub.permissions import Action


def _refuse_unreadable(actor: Actor | None, objective: Objective, key_result: KeyResult) -> None:
    """An objective or key result the actor may not read (a private one) is not found, like another company's."""
    if actor is None:
        return
    if not can_read_objective(actor, objective):
        raise not_found("objective")
    if not can_read_objective(actor, key_result.objective):
        raise not_found("key result")


def _require_manage(actor: Actor | None, objective: Objective) -> None:
    """Sharing into an objective is linking it: the dependencies' rule of the permission matrix."""
    if actor is not None:
        actor.require(Action.MANAGE_DEPENDENCY, department_id=objective.department_id, owner_id=objective.owner_id)


@transaction.atomic
def shared_key_result_create(
    *, company: Company, actor: Actor | None, objective: Objective, key_result: KeyResult
) -> SharedKeyResult:
    """Share ``key_result`` into ``objective`` (any department of the same company).

    Who may link ``objective`` as a dependency (``Action.MANAGE_DEPENDENCY``)
    may share into it, any key result they may read; another company's or an
    unreadable one is not found. A key result is not shared into its own
    objective, nor twice into one (400 naming ``key_result``). Records
    ``key_result.shared`` under the key result's objective, so its owners see
    who follows it. Progress is untouched (``SharedKeyResult``).
    """
    _same_company(company, objective=objective, key_result=key_result)
    _refuse_unreadable(actor, objective, key_result)
    _require_manage(actor, objective)
    if key_result.objective_id == objective.pk:
        raise invalid("key_result", "A key result is already part of its own objective; share it with another.", "own")
    if SharedKeyResult.objects.filter(company=company, objective=objective, key_result=key_result).exists():
        raise invalid("key_result", "This key result is already shared with this objective.", "unique")
    link = SharedKeyResult(
        company=company, objective=objective, key_result=key_result, created_by_id=actor.user_id if actor else None
    )
    link.save()
    events.record(
        Verb.KEY_RESULT_SHARED,
        company_id=company.pk,
        actor=actor,
        key_result=key_result,
        payload=_payloads.shared_key_result(link, shared_key_result_id=link.pk),
    )
    return link


@transaction.atomic
def shared_key_result_delete(*, company: Company, actor: Actor | None, link: SharedKeyResult) -> None:
    """Stop sharing: who may share into the objective may remove the share; ``key_result.unshared`` is recorded."""
    _same_company(company, link=link)
    objective, key_result = link.objective, link.key_result
    _refuse_unreadable(actor, objective, key_result)
    _require_manage(actor, objective)
    if SharedKeyResult.objects.filter(company=company, pk=link.pk).delete()[0]:
        events.record(
            Verb.KEY_RESULT_UNSHARED,
            company_id=company.pk,
            actor=actor,
            key_result=key_result,
            payload=_payloads.shared_key_result(link, shared_key_result_id=link.pk),
        )
