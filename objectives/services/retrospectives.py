"""Writes of retrospectives: one note per objective of a closed cycle (what went well, learned, change).

A retrospective is the objective's people looking back, not a score: it is
written while the cycle is closed, during grading and after it ended
(``retrospective_refusal``). The text follows the one rule of multi-line
text (``okrhub.text``): control characters and text-direction overrides
are refused, naming the part that holds them, exactly as a comment's body.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from companies.models import Company
from companies.tenancy import Actor
from objectives import events
from objectives.models import Objective, Retrospective, Verb, retrospective_refusal
from objectives.selectors import can_read_objective
from objectives.services._common import _same_company
from okrhub.errors import invalid, not_found
from okrhub.permissions import Action
from okrhub.text import validate_multi_line


def _part(name: str, value: Any) -> str:
    """One part as stored: trimmed, invisible-only text as empty, else refused naming ``name``."""
    text = str(value or "").strip()
    if not text:
        return ""
    if len(text) > Retrospective.PART_MAX_LENGTH:
        raise invalid(
            name,
            f"Keep each part to {Retrospective.PART_MAX_LENGTH:,} characters (this one has {len(text):,}).",
            "max_length",
        )
    try:
        validate_multi_line(text)
    except ValidationError as error:
        if error.code == "blank":  # zero-width characters only: nothing was written
            return ""
        raise ValidationError({name: error.error_list}) from None
    return text


@transaction.atomic
def objective_retrospective_write(
    *,
    company: Company,
    actor: Actor,
    objective: Objective,
    went_well: Any = "",
    learned: Any = "",
    change: Any = "",
) -> Retrospective:
    """Write (or rewrite) the retrospective of an objective of a closed cycle.

    The owner, a lead of its department (a leader for a company-level
    objective) and admins write it (``Action.WRITE_RETROSPECTIVE``); a
    private objective's retrospective is as private as the objective (not
    found for those who may not read it). Refused on ``cycle`` while the
    cycle is open; on ``objective`` when it is a draft or archived (it never
    ran); on a part that is too long or holds control characters, naming it;
    on ``went_well`` when all three parts are empty.
    """
    _same_company(company, objective=objective)
    # The objective's row, locked: two people saving at once write one after the other, never two rows.
    locked = (
        Objective.objects.select_for_update(of=("self",), no_key=True)
        .select_related("cycle")
        .filter(company=company, pk=objective.pk)
        .first()
    )
    if locked is None or not can_read_objective(actor, locked):
        raise not_found("objective")
    # Permission before validation: a refused caller learns nothing about the input rules.
    actor.require(Action.WRITE_RETROSPECTIVE, department_id=locked.department_id, owner_id=locked.owner_id)
    refusal = retrospective_refusal(locked.cycle, locked)
    if refusal is not None:
        raise invalid(*refusal)
    parts = {"went_well": _part("went_well", went_well), "learned": _part("learned", learned)}
    parts["change"] = _part("change", change)
    if not any(parts.values()):
        raise invalid("went_well", "Write at least one of the three parts.", "blank")
    retrospective = Retrospective.objects.filter(company=company, objective=locked).first()
    created = retrospective is None
    if retrospective is None:
        retrospective = Retrospective(company=company, objective=locked)
    for name, text in parts.items():
        setattr(retrospective, name, text)
    retrospective.updated_at = timezone.now()
    retrospective.updated_by = actor.user
    retrospective.save()
    events.record(
        Verb.OBJECTIVE_RETROSPECTIVE_WRITTEN,
        company_id=company.pk,
        actor=actor,
        objective=locked,
        payload={"title": locked.title, "created": created, **parts},
    )
    return retrospective
