"""Writes to check-ins: recording a key result's new value."""

import datetime
from typing import Any

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
from objectives.rollup import recompute_objective
from objectives.scheduling import schedule_rollup
from objectives.services._common import _decimal, _refuse_closed_cycle, _same_company
from objectives.services.key_results import _refresh_progress
from okrhub.errors import invalid
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
) -> CheckIn:
    """Record a check-in: append it and update its key result in one transaction.

    The key result row is locked first, so concurrent check-ins serialise and
    none is lost; the latest check-in (by time) sets the current value. Its
    objective is recomputed in the same transaction, the ancestors after
    commit. Closed cycles and closed or archived objectives take no check-ins. ``recorded_at`` backdates a
    check-in (imports, demo data) within its cycle (see ``_checkin_moment``).
    """
    _same_company(company, key_result=key_result)
    kr = (
        KeyResult.objects.select_for_update(of=("self",))
        .select_related("objective__cycle")
        .get(pk=key_result.pk, company=company)
    )
    # Re-read the objective and cycle in a statement of its own, after the lock: when this
    # check-in waited for a concurrent cycle close, PostgreSQL re-reads only the locked key
    # result row, and the joined cycle above may still say "active".
    kr.objective = Objective.objects.select_related("cycle").get(pk=kr.objective_id, company=company)
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
    checkin.save(force_insert=True)
    previous = {"confidence": kr.confidence or None, "progress": kr.progress, "value": kr.current_value}
    if kr.last_checkin_at is None or checkin.created_at >= kr.last_checkin_at:
        kr.current_value = number
        kr.confidence = confidence
        kr.last_checkin_at = checkin.created_at
        _refresh_progress(kr)
        kr.save(
            update_fields=[
                "current_value",
                "confidence",
                "last_checkin_at",
                "progress",
                "updated_at",
            ]
        )
        # Its own objective now, so it never reads "unknown" after a check-in; the ancestors coalesced later.
        changed, parent_id = recompute_objective(company=company, objective_id=kr.objective_id)
        if changed:
            schedule_rollup(company_id=company.pk, objective_id=parent_id)
    events.record(
        Verb.CHECKIN_CREATED,
        company_id=company.pk,
        actor=actor,
        key_result=kr,
        checkin=checkin,
        payload=checkin_payload(checkin, kr, previous=previous),
    )
    return checkin


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
