"""Corrections and undo of check-ins: new entries that supersede old ones, never edits (DESIGN §2).

- :func:`checkin_correct` appends an entry that ``corrects`` another; the
  corrected one stays in the history, marked, and no longer counts.
- :func:`checkin_undo` appends a retraction (``retracted``) that corrects
  the author's own latest check-in within ``UNDO_WINDOW``; neither counts.

Which entries count is ``CheckIn.objects.effective()``; whether an entry may
be corrected or undone now is ``checkin_correction_refusal`` /
``checkin_undo_refusal`` in ``objectives.models`` (the pages offer the
buttons with the same functions). After either write the key result reads
its latest standing check-in (by when the reading was taken), or, with none
left, the value it was created with (DESIGN §3: none unless one was given),
and its objective is recomputed in the same transaction; the ancestors
follow on commit, as after a check-in.
"""

from decimal import Decimal
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.utils import timezone

from companies.models import Company
from companies.tenancy import Actor
from objectives import events
from objectives.models import (
    CheckIn,
    Confidence,
    KeyResult,
    KeyResultKind,
    Objective,
    Verb,
    authors_latest_checkins,
    checkin_correction_refusal,
    checkin_undo_refusal,
)
from objectives.rollup import recompute_objective
from objectives.scheduling import schedule_rollup
from objectives.services._common import _decimal
from objectives.services.checkins import NOTE_MAX_LENGTH, checkin_payload
from objectives.services.key_results import _refresh_progress
from okrhub.errors import PermissionDenied, invalid, not_found
from okrhub.permissions import Action


def _lock(company: Company, checkin: CheckIn) -> tuple[KeyResult, CheckIn]:
    """Lock the check-in's key result, then read the entry and its objective after the lock.

    Every write to a key result's check-ins takes this lock first (as
    ``checkin_create`` does), so two corrections of one entry serialise and
    the second reads the first's entry here and is refused by name; the
    unique constraint on ``corrects`` is the wall behind it.
    """
    if checkin.company_id != company.pk:
        raise not_found("check-in")
    kr = KeyResult.objects.select_for_update(of=("self",)).filter(pk=checkin.key_result_id, company=company).first()
    if kr is None:
        raise not_found("check-in")
    kr.objective = Objective.objects.select_related("cycle").get(pk=kr.objective_id, company=company)
    entry = CheckIn.objects.with_standing().filter(pk=checkin.pk, company=company).first()
    if entry is None:
        raise not_found("check-in")
    return kr, entry


def _insert(entry: CheckIn) -> None:
    # Field checks only, as in checkin_create; the constraints are the database's to enforce.
    entry.full_clean(exclude=["key_result", "company", "author", "corrects"], validate_constraints=False)
    try:
        entry.save(force_insert=True)
    except IntegrityError as error:
        if "checkin_corrected_once" not in str(error):
            raise
        raise invalid(
            "checkin", "This check-in was corrected meanwhile; correct the entry that stands.", "already_corrected"
        ) from None


def _initial_value(company: Company, kr: KeyResult) -> Decimal | None:
    """The value the key result was created with (None when none was given), from its creation record.

    The audit history (objectives/history.py) records every save through the
    services, the creation first; a key result loaded around them has none,
    and so no initial value.
    """
    history = cast(Any, KeyResult).history
    value = history.filter(company=company, id=kr.pk, history_type="+").values_list("current_value", flat=True).first()
    return cast(Decimal | None, value)


def follow_effective(*, company: Company, kr: KeyResult) -> None:
    """Set the locked key result's reading from its check-ins that stand, and recompute its objective.

    The latest standing check-in by reading time (``created_at``, then id)
    gives the value, confidence and ``last_checkin_at``, as
    ``checkin_create`` keeps them; with none left the key result is back to
    how it was created (its initial value or none, no confidence, never
    checked in), so its progress is unknown unless a value was given.
    """
    latest = (
        CheckIn.objects.effective()
        .filter(company=company, key_result_id=kr.pk)
        .order_by("-created_at", "-id")
        .only("value", "confidence", "created_at")
        .first()
    )
    if latest is None:
        kr.current_value, kr.confidence, kr.last_checkin_at = _initial_value(company, kr), "", None
    else:
        kr.current_value, kr.confidence, kr.last_checkin_at = latest.value, latest.confidence, latest.created_at
    _refresh_progress(kr)
    kr.save(update_fields=["current_value", "confidence", "last_checkin_at", "progress", "updated_at"])
    changed, parent_id = recompute_objective(company=company, objective_id=kr.objective_id)
    if changed:
        schedule_rollup(company_id=company.pk, objective_id=parent_id)


def _state(kr: KeyResult) -> dict[str, Any]:
    return {"confidence": kr.confidence or None, "progress": kr.progress, "value": kr.current_value}


def _payload(entry: CheckIn, original: CheckIn, kr: KeyResult, previous: dict[str, Any]) -> dict[str, Any]:
    """``checkin_payload`` of the new entry, with the entry it replaces (``old_*``) and the key result's value now.

    ``previous_*`` is the key result before the write, as for a check-in; an
    undo stands for no reading, so its ``value`` and ``confidence`` are null.
    """
    payload = checkin_payload(entry, kr, previous=previous)
    payload |= {
        "corrects_id": original.pk,
        "retracted": entry.retracted,
        "old_value": str(original.value),
        "old_confidence": original.confidence,
        "old_note": original.note,
        "current_value": None if kr.current_value is None else str(kr.current_value),
    }
    if entry.retracted:
        payload |= {"value": None, "confidence": None, "note": ""}
    return payload


@transaction.atomic
def checkin_correct(
    *,
    company: Company,
    actor: Actor | None,
    checkin: CheckIn,
    value: Any,
    confidence: str,
    note: str | None = None,
) -> CheckIn:
    """Correct a check-in of an open cycle: append an entry that supersedes it, and let the key result follow.

    The check-in's author, its key result's owner, a lead of its department
    and admins may correct it (``Action.CORRECT_CHECKIN``). The correction
    keeps the original's reading time (``created_at``), so it takes the
    original's place in the timeline; correcting an older check-in changes
    the history and the chart but not the current value. ``note`` None keeps
    the original's note. An entry already corrected or undone is refused
    (``checkin``: correct the entry that stands), as are undos, closed cycles
    and closed or archived objectives.
    """
    kr, original = _lock(company, checkin)
    # Permission before validation: a refused caller learns nothing about the input rules.
    if actor is not None:
        actor.require(
            Action.CORRECT_CHECKIN,
            department_id=kr.objective.department_id,
            owner_id=kr.owner_id,
            author_id=original.author_id,
        )
    number = _decimal("value", value)
    if confidence not in Confidence.values:
        raise invalid("confidence", f"Choose one of: {', '.join(Confidence.values)}.", "invalid_choice")
    note = original.note if note is None else note
    if len(note) > NOTE_MAX_LENGTH:
        raise invalid("note", f"Keep the note to {NOTE_MAX_LENGTH:,} characters.", "max_length")
    if refusal := checkin_correction_refusal(original, kr.objective):
        raise invalid(*refusal)
    if kr.kind == KeyResultKind.MILESTONE and number not in (0, 1):
        raise invalid("value", "A milestone is 1 (done) or 0 (not done).", "milestone")
    entry = CheckIn(
        company=company,
        key_result=kr,
        author=actor.user if actor else None,
        value=number,
        confidence=confidence,
        note=note,
        created_at=original.created_at,
        corrects=original,
        entered_at=timezone.now(),
    )
    _insert(entry)
    previous = _state(kr)
    follow_effective(company=company, kr=kr)
    events.record(
        Verb.CHECKIN_CORRECTED,
        company_id=company.pk,
        actor=actor,
        key_result=kr,
        checkin=entry,
        payload=_payload(entry, original, kr, previous),
    )
    return entry


def latest_checkin_id(*, company: Company, key_result_id: int, author_id: int) -> int | None:
    """The author's latest check-in on the key result, the one "Undo" may take back (``authors_latest_checkins``)."""
    entries = (
        CheckIn.objects.filter(company=company, key_result_id=key_result_id, author_id=author_id, corrects__isnull=True)
        .order_by("-entered_at", "-id")
        .only("id", "author_id", "corrects_id", "entered_at")[:1]
    )
    return authors_latest_checkins(entries).get(author_id)


@transaction.atomic
def checkin_undo(*, company: Company, actor: Actor | None, checkin: CheckIn) -> CheckIn:
    """Undo my last check-in on a key result, within ``UNDO_WINDOW`` of entering it.

    Appends a retraction that corrects the check-in and stands for nothing,
    so the key result falls back to the check-in before it (or to how it was
    created). Only the author may undo (others correct instead: 403), and
    only their latest check-in there, while it stands, in an open cycle
    (``checkin_undo_refusal`` names what is wrong).
    """
    kr, original = _lock(company, checkin)
    if actor is not None:
        actor.require(
            Action.CORRECT_CHECKIN,
            department_id=kr.objective.department_id,
            owner_id=kr.owner_id,
            author_id=original.author_id,
        )
    if actor is None or actor.user_id is None or original.author_id != actor.user_id:
        raise PermissionDenied("Only its author may undo a check-in; correct it instead.")
    latest = latest_checkin_id(company=company, key_result_id=kr.pk, author_id=actor.user_id)
    now = timezone.now()
    if refusal := checkin_undo_refusal(original, kr.objective, user_id=actor.user_id, latest_id=latest, now=now):
        raise invalid(*refusal)
    entry = CheckIn(
        company=company,
        key_result=kr,
        author=actor.user,
        value=original.value,
        confidence=original.confidence,
        created_at=original.created_at,
        corrects=original,
        retracted=True,
        entered_at=now,
    )
    _insert(entry)
    previous = _state(kr)
    follow_effective(company=company, kr=kr)
    events.record(
        Verb.CHECKIN_UNDONE,
        company_id=company.pk,
        actor=actor,
        key_result=kr,
        checkin=entry,
        payload=_payload(entry, original, kr, previous),
    )
    return entry
