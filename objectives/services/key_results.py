"""Writes to key results: create, update, delete, and their progress."""

from decimal import Decimal
from typing import Any

from django.db import transaction

from companies.models import Company
from companies.tenancy import Actor
from objectives import events, quality
from objectives.models import (
    Direction,
    KeyResult,
    KeyResultKind,
    Objective,
    Verb,
)
from objectives.progress import key_result_progress
from objectives.scheduling import schedule_rollup
from objectives.services import _payloads
from objectives.services._common import (
    _check_owner,
    _decimal,
    _enforce_focus,
    _refuse_frozen,
    _refuse_plan_locked,
    _same_company,
)
from objectives.services.objectives import _require_edit
from okrhub.errors import invalid

#: What an edit may change: the columns its event reports, by field name (``owner`` for ``owner_id``).
KEY_RESULT_EDITABLE = {name.removesuffix("_id") for name in _payloads.KEY_RESULT_FIELDS}


def _normalise_key_result(kr: KeyResult, *, target_given: bool) -> None:
    """Fill what a kind implies and check what the kind requires, field by field.

    A milestone is done (1) or not (0): it runs from 0 up to 1. A target the
    caller gave other than 1 is refused, not silently replaced.
    """
    if kr.kind == KeyResultKind.MILESTONE:
        if target_given and kr.target_value != 1:
            raise invalid("target_value", "A milestone's target is 1 (done); send 1 or no target.", "milestone")
        kr.direction, kr.start_value, kr.target_value = Direction.INCREASE, Decimal(0), Decimal(1)
    if kr.kind == KeyResultKind.CURRENCY:
        kr.currency = (kr.currency or "").upper()
        if len(kr.currency) != 3 or not kr.currency.isalpha():
            raise invalid("currency", "Give the ISO 4217 currency code, e.g. EUR.", "currency")
    else:
        kr.currency = ""
    if kr.kind == KeyResultKind.PERCENT and kr.unit == "":
        kr.unit = "%"
    if kr.direction == Direction.INCREASE and not kr.target_value > kr.start_value:
        raise invalid("target_value", "To increase, the target must be above the start value.", "target")
    if kr.direction == Direction.DECREASE and not kr.target_value < kr.start_value:
        raise invalid("target_value", "To decrease, the target must be below the start value.", "target")


def _refresh_progress(kr: KeyResult) -> None:
    kr.progress = key_result_progress(
        kind=kr.kind,
        direction=kr.direction,
        start=kr.start_value,
        target=kr.target_value,
        current=kr.current_value,
    )


@transaction.atomic
def key_result_create(
    *,
    company: Company,
    actor: Actor | None,
    objective: Objective,
    title: str,
    target_value: Any = None,
    kind: str = KeyResultKind.NUMBER,
    direction: str = Direction.INCREASE,
    start_value: Any = 0,
    current_value: Any = None,
    unit: str = "",
    currency: str = "",
    weight: Any = 1,
    owner: Any = None,
    carried_from: KeyResult | None = None,
) -> KeyResult:
    """Add a measurable key result to an objective.

    ``carried_from`` is the key result of a closed cycle this one continues
    (``cycle_carry_over`` checks it).

    Every key result has a start and a target; activity-style titles get a
    hint with a suggested outcome form; the per-objective focus limit warns
    or blocks per company setting.
    """
    _same_company(company, objective=objective)
    objective = (
        Objective.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=objective.pk, company=company)
    )
    _require_edit(actor, objective)
    _refuse_frozen(objective)
    _refuse_plan_locked(objective)
    _check_owner(company, owner)
    target_given = target_value is not None
    if kind == KeyResultKind.MILESTONE and not target_given:
        target_value = 1
    kr = KeyResult(
        company=company,
        objective=objective,
        owner=owner if owner is not None else (objective.owner or (actor.user if actor else None)),
        title=title,
        kind=kind,
        direction=direction,
        start_value=_decimal("start_value", start_value),
        target_value=_decimal("target_value", target_value),
        current_value=_decimal("current_value", current_value, required=False),
        unit=unit,
        currency=currency,
        weight=_decimal("weight", weight),
        carried_from=carried_from,
    )
    _normalise_key_result(kr, target_given=target_given)
    kr.full_clean(exclude=["objective", "company"])
    hints = quality.key_result_title_hints(title, kind=kind, unit=kr.unit)
    _enforce_focus(
        company,
        quality.focus_hint(
            what="key results on this objective",
            count=KeyResult.objects.filter(company=company, objective=objective).count(),
            limit=company.max_key_results_per_objective,
        ),
        hints,
    )
    _refresh_progress(kr)
    kr.save()
    events.record(
        Verb.KEY_RESULT_CREATED,
        company_id=company.pk,
        actor=actor,
        key_result=kr,
        payload=_payloads.key_result_created(kr),
    )
    if kr.progress is not None:
        schedule_rollup(company_id=company.pk, objective_id=objective.pk)
    kr.hints = hints
    return kr


@transaction.atomic
def key_result_update(*, company: Company, actor: Actor | None, key_result: KeyResult, **changes: Any) -> KeyResult:
    """Edit a key result's definition; its progress is recomputed from its current value."""
    _same_company(company, key_result=key_result)
    unknown = set(changes) - KEY_RESULT_EDITABLE
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)}")
    kr = (
        KeyResult.objects.select_for_update(of=("self",))
        .select_related("objective__cycle")
        .get(pk=key_result.pk, company=company)
    )
    _require_edit(actor, kr.objective)
    _refuse_frozen(kr.objective)
    _refuse_plan_locked(kr.objective)
    if "owner" in changes:
        _check_owner(company, changes["owner"])
    for name in ("start_value", "target_value", "weight"):
        if name in changes:
            changes[name] = _decimal(name, changes[name])
    old = (kr.progress, kr.weight)
    before = _payloads.snapshot(kr, _payloads.KEY_RESULT_FIELDS)
    for name, value in changes.items():
        setattr(kr, name, value)
    _normalise_key_result(kr, target_given="target_value" in changes)
    kr.full_clean(exclude=["objective", "company"])
    _refresh_progress(kr)
    kr.save()
    # What the kind implies (a milestone's 0 → 1) counts as changed too: the event says what the row became.
    changed = _payloads.changes(before, _payloads.snapshot(kr, _payloads.KEY_RESULT_FIELDS))
    if changed:
        events.record(
            Verb.KEY_RESULT_UPDATED,
            company_id=company.pk,
            actor=actor,
            key_result=kr,
            payload=_payloads.key_result_updated(kr, changed),
        )
    if (kr.progress, kr.weight) != old:
        schedule_rollup(company_id=company.pk, objective_id=kr.objective_id)
    kr.hints = quality.key_result_title_hints(kr.title, kind=kr.kind, unit=kr.unit)
    return kr


@transaction.atomic
def key_result_delete(*, company: Company, actor: Actor | None, key_result: KeyResult) -> None:
    """Delete a key result with its check-ins; ``key_result.deleted`` keeps its id and title.

    The key result's earlier events stay (their ``key_result`` set to NULL):
    they belong to the objective's history.
    """
    _same_company(company, key_result=key_result)
    kr = (
        KeyResult.objects.select_for_update(of=("self",))
        .select_related("objective__cycle")
        .get(pk=key_result.pk, company=company)
    )
    _require_edit(actor, kr.objective)
    _refuse_frozen(kr.objective)
    _refuse_plan_locked(kr.objective)
    objective_id, key_result_id = kr.objective_id, kr.pk
    payload = _payloads.key_result_deleted(kr, key_result_id=key_result_id)
    kr.delete()
    events.record(
        Verb.KEY_RESULT_DELETED,
        company_id=company.pk,
        actor=actor,
        objective=kr.objective,
        subject=("key_result", key_result_id),
        payload=payload,
    )
    schedule_rollup(company_id=company.pk, objective_id=objective_id)
