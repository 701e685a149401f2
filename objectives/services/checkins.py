"""Writes to check-ins: recording a key result's new value."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from companies.models import Company
from companies.tenancy import Actor
from objectives import events
from objectives.models import (
    CheckIn,
    Confidence,
    Cycle,
    KeyResult,
    KeyResultKind,
    Objective,
    ObjectiveStatus,
    Verb,
)
from objectives.rollup import recompute_objectives
from objectives.sanity import CheckInWarning, checkin_warnings
from objectives.scheduling import schedule_rollup
from objectives.services._common import _decimal, _refuse_closed_cycle, _same_company
from objectives.services.key_results import _refresh_progress
from okrhub.errors import invalid, not_found
from okrhub.permissions import Action

#: A check-in's note, at most (the column's ``max_length``, which Django checks in forms only).
NOTE_MAX_LENGTH = CheckIn._meta.get_field("note").max_length or 2000


def _checkin_moment(moment: datetime.datetime, *, company: Company, cycle: Cycle) -> datetime.datetime:
    """When a backdated check-in happened: from the cycle's first day (in the company's time zone) to now.

    A moment without a time zone is read in the company's; a local time its
    clocks skip (a daylight-saving gap) names no moment and is refused.
    """
    zone = company.tzinfo
    if timezone.is_naive(moment):
        aware = moment.replace(tzinfo=zone)
        if aware.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None) != moment:
            raise invalid(
                "recorded_at",
                f"{moment:%Y-%m-%d %H:%M} does not exist in {company.timezone} (the clocks skip it); "
                "send another time or one with a UTC offset.",
                "nonexistent_time",
            )
        moment = aware
    if moment > timezone.now():
        raise invalid("recorded_at", "A check-in cannot be in the future.", "future")
    cycle_start = datetime.datetime.combine(cycle.start_date, datetime.time.min, tzinfo=zone)
    if moment < cycle_start:
        raise invalid(
            "recorded_at",
            f"A check-in cannot be before its cycle starts ({cycle.start_date:%Y-%m-%d}, {company.timezone}).",
            "before_cycle",
        )
    return moment


class NeedsConfirmation(ValidationError):
    """A value the sanity checks flag (``objectives.sanity``), sent by a page that asks before saving.

    A ``ValidationError`` on ``value`` (code ``needs_confirmation``) whose
    ``warnings`` say why; nothing was written. The API never asks: it saves
    and returns the warnings.
    """

    def __init__(self, warnings: list[CheckInWarning]) -> None:
        super().__init__({"value": ValidationError(" ".join(w.message for w in warnings), code="needs_confirmation")})
        self.warnings = warnings


@dataclass
class Recorded:
    """A check-in appended under its key result's lock, before its objective's roll-up and its event."""

    checkin: CheckIn
    key_result: KeyResult
    previous: dict[str, Any]
    #: Whether it is the key result's latest reading, so its objective's progress may have moved.
    moved: bool
    warnings: list[CheckInWarning]


def lock_key_results(*, company: Company, ids: Iterable[int]) -> dict[int, KeyResult]:
    """Lock the company's key results ``ids`` in ascending id order, each with its objective and cycle.

    One statement locks them all (PostgreSQL takes the row locks in the
    sorted order), so two writers locking overlapping sets never deadlock.
    The objectives and cycles are read after the lock, in a statement of
    their own: when this waited for a concurrent cycle close, PostgreSQL
    re-reads only the locked rows, and a joined cycle could still say "active".
    Ids of other companies (or of nothing) are simply absent from the result.
    """
    krs = {
        kr.pk: kr
        for kr in KeyResult.objects.select_for_update(of=("self",))
        .filter(company=company, pk__in=list(ids))
        .order_by("pk")
    }
    objectives = Objective.objects.select_related("cycle").filter(
        company=company, pk__in={kr.objective_id for kr in krs.values()}
    )
    by_id = {objective.pk: objective for objective in objectives}
    for kr in krs.values():
        kr.objective = by_id[kr.objective_id]
    return krs


def prepare_checkin(
    *,
    company: Company,
    actor: Actor | None,
    kr: KeyResult,
    value: Any,
    confidence: str,
    note: str = "",
    recorded_at: datetime.datetime | None = None,
    confirmed: bool = True,
) -> Recorded:
    """Check one check-in on ``kr`` (locked by :func:`lock_key_results`) and build it, unsaved.

    Nothing is written, so a refusal leaves the transaction usable. The
    caller saves the check-in (one ``save``, or one ``bulk_create`` for a
    batch), then :func:`apply_checkin`, recomputes the objectives and records
    the events: :func:`checkin_create` for one check-in,
    ``objectives.services.weekly.checkins_batch`` for many.
    """
    # Permission before validation: a refused caller learns nothing about the input rules.
    if actor is not None:
        actor.require(Action.CHECK_IN, department_id=kr.objective.department_id, owner_id=kr.owner_id)
    number = _decimal("value", value)
    if confidence not in Confidence.values:
        raise invalid("confidence", f"Choose one of: {', '.join(Confidence.values)}.", "invalid_choice")
    if len(note) > NOTE_MAX_LENGTH:
        raise invalid("note", f"Keep the note to {NOTE_MAX_LENGTH:,} characters.", "max_length")
    if recorded_at is not None:
        recorded_at = _checkin_moment(recorded_at, company=company, cycle=kr.objective.cycle)
    _refuse_closed_cycle(kr.objective.cycle)
    if kr.objective.status in (ObjectiveStatus.CLOSED, ObjectiveStatus.ARCHIVED):
        raise invalid(
            "key_result",
            f"The objective is {kr.objective.status}; it takes no check-ins.",
            "objective_closed",
        )
    if kr.kind == KeyResultKind.MILESTONE and number not in (0, 1):
        raise invalid("value", "A milestone is 1 (done) or 0 (not done).", "milestone")
    # Against the reading this one replaces, under the lock (objectives/sanity.py).
    warnings = checkin_warnings(kr, number)
    if warnings and not confirmed:
        raise NeedsConfirmation(warnings)
    # Timestamp after the lock: check-ins on one key result are ordered as they commit.
    now = timezone.now()
    checkin = CheckIn(
        company=company,
        key_result=kr,
        author=actor.user if actor else None,
        value=number,
        confidence=confidence,
        note=note,
        created_at=recorded_at or now,
    )
    # Field checks only: Django validates a CheckConstraint with a query of its own (three round trips
    # with its savepoint), and the one constraint here, a valid confidence, was checked above and is
    # enforced by the database anyway. Check-ins are the hot write path.
    checkin.full_clean(exclude=["key_result", "company", "author"], validate_constraints=False)
    checkin.warnings = warnings
    previous = {"confidence": kr.confidence or None, "progress": kr.progress, "value": kr.current_value}
    moved = kr.last_checkin_at is None or checkin.created_at >= kr.last_checkin_at
    return Recorded(checkin=checkin, key_result=kr, previous=previous, moved=moved, warnings=warnings)


def apply_checkin(recorded: Recorded) -> None:
    """Make a saved check-in its key result's current reading, when it is the latest one (``moved``)."""
    if not recorded.moved:
        return
    kr, checkin = recorded.key_result, recorded.checkin
    kr.current_value = checkin.value
    kr.confidence = checkin.confidence
    kr.last_checkin_at = checkin.created_at
    _refresh_progress(kr)
    kr.save(update_fields=["current_value", "confidence", "last_checkin_at", "progress", "updated_at"])


def recompute_own_objectives(*, company: Company, objective_ids: Iterable[int]) -> None:
    """Recompute the check-ins' own objectives now (locked in ascending id order), their parents after commit.

    So an objective never reads "unknown" after a check-in; the ancestors are
    coalesced by the worker (``objectives.scheduling``).
    """
    for changed, parent_id in recompute_objectives(company=company, objective_ids=objective_ids).values():
        if changed:
            schedule_rollup(company_id=company.pk, objective_id=parent_id)


def record_checkin_event(*, company: Company, actor: Actor | None, recorded: Recorded) -> None:
    """The ``checkin.created`` event of a recorded check-in (after its objective is locked and recomputed)."""
    events.record(
        Verb.CHECKIN_CREATED,
        company_id=company.pk,
        actor=actor,
        key_result=recorded.key_result,
        checkin=recorded.checkin,
        payload=checkin_payload(recorded.checkin, recorded.key_result, previous=recorded.previous),
    )


@transaction.atomic
def checkin_create(
    *,
    company: Company,
    actor: Actor | None,
    key_result: KeyResult,
    value: Any,
    confidence: str,
    note: str = "",
    recorded_at: datetime.datetime | None = None,
    confirmed: bool = True,
) -> CheckIn:
    """Record a check-in: append it and update its key result in one transaction.

    The key result row is locked first, so concurrent check-ins serialise and
    none is lost; the latest check-in (by time) sets the current value. Its
    objective is recomputed in the same transaction, the ancestors after
    commit. Closed cycles and closed or archived objectives take no check-ins. ``recorded_at`` backdates a
    check-in (imports, demo data) within its cycle (see ``_checkin_moment``).

    The returned check-in carries ``warnings`` (``objectives.sanity``): the
    value is saved all the same. A page that asks first passes
    ``confirmed=False`` and gets :class:`NeedsConfirmation` (nothing saved)
    for a flagged value.
    """
    _same_company(company, key_result=key_result)
    kr = lock_key_results(company=company, ids=[key_result.pk]).get(key_result.pk)
    if kr is None:
        raise not_found("key result")
    recorded = prepare_checkin(
        company=company,
        actor=actor,
        kr=kr,
        value=value,
        confidence=confidence,
        note=note,
        recorded_at=recorded_at,
        confirmed=confirmed,
    )
    recorded.checkin.save(force_insert=True)
    apply_checkin(recorded)
    if recorded.moved:
        recompute_own_objectives(company=company, objective_ids=[kr.objective_id])
    record_checkin_event(company=company, actor=actor, recorded=recorded)
    return recorded.checkin


def checkin_payload(checkin: CheckIn, kr: KeyResult, *, previous: dict[str, Any]) -> dict[str, Any]:
    """What a check-in event carries: the new reading and the one before it, in JSON types."""
    return {
        "key_result_title": kr.title,
        "objective_title": kr.objective.title,
        "value": str(checkin.value),
        "confidence": checkin.confidence,
        "note": checkin.note,
        "progress": kr.progress,
        "previous_value": None if previous["value"] is None else str(previous["value"]),
        "previous_confidence": previous["confidence"],
        "previous_progress": previous["progress"],
        "recorded_at": checkin.created_at.isoformat(),
    }
