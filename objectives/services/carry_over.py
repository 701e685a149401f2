"""Carry-over: unfinished objectives of a closed cycle, and chosen key results of theirs, copied into a later cycle.

**What is unfinished.** An objective whose final score is below 1 or that has
none (nothing scored); a key result likewise, "not scored" included.

**The target.** An open cycle (planning or active) of the company that does
not end before the closed one starts: the next quarter, or one overlapping
the closed one. Anything else is refused naming ``cycle``.

**The copies** go through the ordinary services (``objective_create``,
``key_result_create``: their permissions, validation and events): the
objective as a draft in the target cycle with the same title, description,
owner, department, weight and private flag, laddering to its parent only
when the parent is in the target cycle (or was carried there already: then
to the parent's copy); each chosen key result with the same kind, direction,
target, unit, currency, weight and owner, starting from its last value (the
current value at the close; its start when never checked in). Each copy
points at its origin (``carried_from``) and the origin gets
``objective.carried_over``.

**All or nothing**, like the batch check-in: every item is checked first;
when any is refused nothing is saved and :class:`CarryOverInvalid` names
each refused item (``items[<index>].objective`` or ``.key_results``).
Carrying an objective into a cycle that already holds its copy is refused.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from companies.models import Company
from companies.tenancy import Actor
from objectives import events
from objectives.models import (
    Cycle,
    KeyResult,
    Objective,
    ObjectiveStatus,
    Verb,
    carry_target_refusal,
    is_unfinished,
)
from objectives.selectors import can_read_objective
from objectives.services._common import _same_company
from objectives.services.key_results import key_result_create
from objectives.services.objectives import objective_create
from okrhub.errors import PermissionDenied, invalid
from okrhub.permissions import Action

#: The most objectives one carry-over takes.
MAX_CARRY_ITEMS = 100
ITEM_FIELDS = ("objective", "key_results")


@dataclass
class CarryItem:
    """One objective to carry over, and the ids of the key results of it to carry with it (may be none)."""

    objective: Objective
    key_results: list[int] = field(default_factory=list)


class CarryOverInvalid(ValidationError):
    """Refused items of a carry-over: nothing was saved. Fields are ``items[<index>].<field>``."""

    def __init__(self, item_errors: dict[int, ValidationError]) -> None:
        flat: dict[str, list[ValidationError]] = {}
        for index in sorted(item_errors):
            error = item_errors[index]
            errors = dict(error.error_dict) if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.error_list}
            for name, items in errors.items():
                key = name if name in ITEM_FIELDS else "key_results" if name != NON_FIELD_ERRORS else "objective"
                flat.setdefault(f"items[{index}].{key}", []).extend(items)
        super().__init__(flat)
        self.item_errors = item_errors


def _item_errors(
    *, company: Company, actor: Actor, cycle: Cycle, target: Cycle, items: Sequence[CarryItem]
) -> tuple[dict[int, ValidationError], dict[int, Objective], dict[int, list[KeyResult]]]:
    errors: dict[int, ValidationError] = {}
    ids = [item.objective.pk for item in items if item.objective.company_id == company.pk]
    origins = {
        o.pk: o
        for o in Objective.objects.filter(company=company, cycle=cycle, pk__in=ids).select_related("parent", "cycle")
    }
    already = set(
        Objective.objects.filter(company=company, cycle=target, carried_from_id__in=ids).values_list(
            "carried_from_id", flat=True
        )
    )
    key_results: dict[int, list[KeyResult]] = {}
    for kr in KeyResult.objects.filter(company=company, objective_id__in=list(origins)).order_by("id"):
        key_results.setdefault(kr.objective_id, []).append(kr)
    first: dict[int, int] = {}
    for index, item in enumerate(items):
        origin = origins.get(item.objective.pk) if item.objective.company_id == company.pk else None
        if origin is None or not can_read_objective(actor, origin):
            errors[index] = invalid("objective", f"No such objective in {cycle.name}.", "does_not_exist")
            continue
        if origin.pk in first:
            errors[index] = invalid(
                "objective", f"This objective is items[{first[origin.pk]}] already: carry it once.", "duplicate"
            )
            continue
        first[origin.pk] = index
        if not actor.can(Action.CARRY_OVER, department_id=origin.department_id, owner_id=origin.owner_id):
            raise PermissionDenied(f"Your role does not allow carrying over items[{index}] (objective {origin.pk}).")
        if origin.status != ObjectiveStatus.CLOSED:
            message = f"The objective is {origin.status}: only objectives that ran are carried over."
            errors[index] = invalid("objective", message, "not_run")
        elif not is_unfinished(origin.final_score):
            errors[index] = invalid("objective", "The objective scored 100%: nothing is left to carry.", "finished")
        elif origin.pk in already:
            errors[index] = invalid(
                "objective", f"This objective was carried over into {target.name} already.", "already_carried_over"
            )
        else:
            own = {kr.pk: kr for kr in key_results.get(origin.pk, [])}
            chosen = list(dict.fromkeys(item.key_results))
            unknown = [pk for pk in chosen if pk not in own]
            finished = [pk for pk in chosen if pk in own and not is_unfinished(own[pk].final_score)]
            if unknown:
                errors[index] = invalid(
                    "key_results", f"Not key results of this objective: {', '.join(map(str, unknown))}.", "invalid"
                )
            elif finished:
                errors[index] = invalid(
                    "key_results",
                    f"These key results scored 100%, nothing is left to carry: {', '.join(map(str, finished))}.",
                    "finished",
                )
            else:
                key_results[origin.pk] = [own[pk] for pk in chosen]
    return errors, origins, key_results


def _parent_in(target: Cycle, origin: Objective, copies: dict[int, Objective]) -> Objective | None:
    """The copy's parent: the origin's when it is in the target cycle, or the parent's own copy there."""
    parent = origin.parent
    if parent is None:
        return None
    if parent.cycle_id == target.pk:
        return parent
    if parent.pk in copies:
        return copies[parent.pk]
    return (
        Objective.objects.filter(company_id=target.company_id, cycle=target, carried_from=parent).order_by("id").first()
    )


@transaction.atomic
def cycle_carry_over(
    *, company: Company, actor: Actor, cycle: Cycle, target: Cycle, items: Sequence[CarryItem]
) -> list[Objective]:
    """Copy the chosen unfinished objectives of the closed ``cycle`` into ``target`` (see the module docstring).

    Returns the copies, in the order of ``items``. Items are processed in
    that order, so an objective listed after its parent ladders to the
    parent's copy.
    """
    _same_company(company, cycle=cycle)
    cycle = Cycle.objects.filter(company=company, pk=cycle.pk).first() or cycle
    if not cycle.is_closed:
        raise invalid("cycle", f"{cycle.name} is still open: carry over once it closes.", "cycle_open")
    # The target's row, shared-locked: it cannot close while the copies go in.
    locked_target = Cycle.objects.select_for_update(no_key=True).filter(company=company, pk=target.pk).first()
    if locked_target is None:
        raise invalid("cycle", "No such cycle.", "does_not_exist")
    refusal = carry_target_refusal(cycle, locked_target)
    if refusal is not None:
        raise invalid(*refusal)
    if not items:
        raise invalid("items", "Choose at least one objective to carry over.", "required")
    if len(items) > MAX_CARRY_ITEMS:
        raise invalid("items", f"Carry at most {MAX_CARRY_ITEMS} objectives at once.", "max_length")
    errors, origins, key_results = _item_errors(
        company=company, actor=actor, cycle=cycle, target=locked_target, items=items
    )
    if errors:
        raise CarryOverInvalid(errors)
    copies: dict[int, Objective] = {}
    result: list[Objective] = []
    for index, item in enumerate(items):
        origin = origins[item.objective.pk]
        try:
            copy = objective_create(
                company=company,
                actor=actor,
                cycle=locked_target,
                title=origin.title,
                department=origin.department,
                owner=origin.owner,
                parent=_parent_in(locked_target, origin, copies),
                description=origin.description,
                weight=origin.weight,
                private=origin.private,
                carried_from=origin,
            )
            copied = [
                key_result_create(
                    company=company,
                    actor=actor,
                    objective=copy,
                    title=kr.title,
                    target_value=kr.target_value,
                    kind=kr.kind,
                    direction=kr.direction,
                    start_value=kr.current_value if kr.current_value is not None else kr.start_value,
                    unit=kr.unit,
                    currency=kr.currency,
                    weight=kr.weight,
                    owner=kr.owner,
                    carried_from=kr,
                )
                for kr in key_results.get(origin.pk, [])
            ]
        except PermissionDenied:
            raise PermissionDenied(
                f"Your role does not allow creating the copy of items[{index}] (objective {origin.pk}) there."
            ) from None
        except ValidationError as error:
            raise CarryOverInvalid({index: error}) from None
        copies[origin.pk] = copy
        result.append(copy)
        events.record(
            Verb.OBJECTIVE_CARRIED_OVER,
            company_id=company.pk,
            actor=actor,
            objective=origin,
            payload={
                "title": origin.title,
                "to_objective_id": copy.pk,
                "to_cycle_id": locked_target.pk,
                "to_cycle_name": locked_target.name,
                "key_result_ids": [kr.carried_from_id for kr in copied],
                "copied_key_result_ids": [kr.pk for kr in copied],
            },
        )
    return result
