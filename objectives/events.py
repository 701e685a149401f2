"""Writing the event table: the one function every service calls in its transaction.

``record`` appends an ``Event`` row inside the caller's transaction, so an
event exists exactly when the change it describes committed. After the
outermost transaction commits, ``events_committed`` is sent once with the
ids of every event that transaction wrote. One receiver
(``objectives.receivers``) hands them on: marked in Redis for the company's
drain, which a burst of commits shares (``objectives.event_queue``). The
drain, in a worker, calls :func:`handle`, which sends ``events_drained`` to
the apps above this one (notifications, webhooks, insights): each does its
work for the whole batch there, so a burst costs the worker one task, not
one per consumer per commit. A receiver re-reads the rows by id: an id from
a savepoint that rolled back names no row and is simply skipped.

Receivers of ``events_committed`` run after the commit and must not raise
into the request (Django logs a robust on-commit callback's exception and
carries on).
"""

import logging
from typing import Any

from django.db import connection, transaction
from django.dispatch import Signal

from companies.tenancy import Actor
from objectives.models import CheckIn, Cycle, Event, KeyResult, Objective, Verb

log = logging.getLogger(__name__)

#: Sent after commit with ``company_id`` and ``event_ids`` (a list, oldest first).
events_committed = Signal()
#: Sent by :func:`handle` where committed events are worked on, with ``company_id``, ``event_ids``
#: (oldest first) and ``inline``: True when the broker could not be reached and the request that
#: committed is doing it now, so a receiver does only what is cheap and leaves the rest to its
#: catch-up. Every receiver is idempotent: a batch may come again.
events_drained = Signal()

_PENDING_ATTR = "_okrhub_pending_events"


def _flush() -> None:
    """Send the signal once for everything recorded on this connection since the last send."""
    pending: dict[int, dict[int, None]] | None = getattr(connection, _PENDING_ATTR, None)
    if not pending:
        return
    setattr(connection, _PENDING_ATTR, None)
    for company_id, event_ids in pending.items():
        events_committed.send(sender=Event, company_id=company_id, event_ids=list(event_ids))


def handle(*, company_id: int, event_ids: list[int], inline: bool = False) -> list[Exception]:
    """Hand committed events to every consumer (``events_drained``); the errors of those that failed.

    One consumer's failure does not keep the others from their work; each
    error is logged here and returned, so the caller decides whether the
    batch is tried again (every consumer is idempotent).
    """
    errors: list[Exception] = []
    for consumer, result in events_drained.send_robust(
        sender=Event, company_id=company_id, event_ids=list(event_ids), inline=inline
    ):
        if isinstance(result, Exception):
            log.error(
                "%s failed on events %s of company %s",
                getattr(consumer, "__qualname__", consumer),
                event_ids,
                company_id,
                exc_info=result,
            )
            errors.append(result)
    return errors


def _remember(event: Event) -> None:
    """Queue the event's id for the after-commit signal of this transaction.

    Every event registers a callback, and the first one to run sends the ids
    of all of them: callbacks registered inside a savepoint that rolled back
    are dropped by Django, so no single callback can be relied on. Ids of a
    savepoint that rolled back inside a transaction that commits go out with
    the batch and name no row (receivers re-read the rows and skip what is
    missing); ids of a transaction that rolled back entirely are dropped when
    the next event finds none of this module's callbacks pending.
    """
    pending: dict[int, dict[int, None]] | None = getattr(connection, _PENDING_ATTR, None)
    # Ids left by a transaction that rolled back (its callbacks are gone from the connection's list) are stale.
    if pending is None or not any(entry[1] is _flush for entry in connection.run_on_commit):
        pending = {}
        setattr(connection, _PENDING_ATTR, pending)
    pending.setdefault(event.company_id, {})[event.pk] = None
    transaction.on_commit(_flush, robust=True)


def record(
    verb: Verb,
    *,
    company_id: int,
    actor: Actor | None,
    objective: Objective | None = None,
    key_result: KeyResult | None = None,
    checkin: CheckIn | None = None,
    cycle: Cycle | None = None,
    subject: tuple[str, int] | None = None,
    payload: dict[str, Any] | None = None,
    department_id: int | None = None,
) -> Event:
    """Append one event about the most specific of the objects given.

    The subject is ``subject`` when given (an object of an app above this
    one, such as a comment), else the check-in, key result, objective or
    cycle, in that order. The objective (and its cycle and department) is
    taken from the key result when only that is given, so every event about
    a key result or check-in carries the objective that decides who reads it.
    ``department_id`` places an event about no objective (a department's
    plan) in that department's feed.
    """
    if key_result is not None and objective is None:
        objective = key_result.objective
    if objective is not None and cycle is None:
        cycle_id: int | None = objective.cycle_id
    else:
        cycle_id = cycle.pk if cycle is not None else None
    if subject is None:
        for kind, obj in (("checkin", checkin), ("key_result", key_result), ("objective", objective), ("cycle", cycle)):
            if obj is not None:
                subject = (kind, obj.pk)
                break
        else:
            raise ValueError("An event needs a subject.")
    event = Event(
        company_id=company_id,
        actor_id=actor.user_id if actor is not None else None,
        verb=verb,
        subject_kind=subject[0],
        subject_id=subject[1],
        cycle_id=cycle_id,
        objective=objective,
        key_result=key_result,
        checkin=checkin,
        department_id=objective.department_id if objective is not None else department_id,
        payload=payload or {},
    )
    event.save(force_insert=True)
    _remember(event)
    return event


def withdraw(*, company_id: int, objective: Objective, subject: tuple[str, int], keys: tuple[str, ...]) -> int:
    """Blank the words a person took back from the events about ``subject``; how many events changed.

    The one exception to append-only: when a comment is deleted, its text must
    not live on in the feed, the notifications or the API. The events stay
    (something was said, then withdrawn); those of the listed payload keys
    they hold become null, and ``withdrawn`` becomes true. ``objective`` is
    the one the events are under (it narrows the search to its index). Call
    it in the deleting transaction.
    """
    rows = Event.objects.filter(
        company_id=company_id, objective=objective, subject_kind=subject[0], subject_id=subject[1]
    ).only("pk", "payload")
    changed = 0
    for event in rows:
        payload = {**event.payload, **{key: None for key in keys if key in event.payload}, "withdrawn": True}
        # A queryset update: Event.save refuses changes, which is right for everything but this.
        changed += Event.objects.filter(pk=event.pk).update(payload=payload)
    return changed
