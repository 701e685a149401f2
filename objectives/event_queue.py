"""Coalescing a burst of commits: the per-company set of committed events waiting in Redis for one drain.

Every transaction that writes events has consumers to run afterwards: the
notifications' fan-out, the webhooks' deliveries, the replay of snapshot
history (receivers of ``objectives.events.events_drained``). One task per
consumer per commit cost a worker three tasks an event, and at 25 events a
second one worker fell behind. Instead (like ``objectives.coalesce`` for
roll-ups), one drain per company hands a whole burst to every consumer:

**Mark** (:func:`mark`, after the events' transaction commits)::

    SADD  okrhub:events:pending:<company>   <event id> …
    SET   okrhub:events:scheduled:<company> 1 NX EX <SCHEDULE_TTL>

Only the caller whose ``SET NX`` succeeds enqueues a drain
(``objectives.tasks.drain_events_task``); every other commit of the burst
only adds its events to the set, which the pending drain reads.

**Take** (:func:`take`, at the start of a drain): ``DEL scheduled`` (a commit
from now on schedules the next drain, so no event is stranded) and read the
set. The drain hands the events to the consumers (each idempotent) and only
then :func:`forget` removes them: a drain that dies in between leaves them
for the next drain. Lost anyway (Redis flushed, the flag expired with its
task lost and no commit since), the beat's sweep
(``objectives.tasks.sweep_events_task``) drains every set no drain is
scheduled for; and the webhooks' own catch-up inserts missing deliveries.

Redis side only; ``objectives.receivers`` and ``objectives.tasks`` join it to Celery.
"""

from okrhub import redis_state

#: Seconds the events of a company wait in Redis untouched (the webhooks' catch-up covers an hour).
STATE_TTL = 60 * 60
#: Seconds a drain counts as scheduled: a drain lost with the broker stops later ones no longer.
SCHEDULE_TTL = 60


def events_key(company_id: int | str) -> str:
    return f"okrhub:events:pending:{company_id}"


def scheduled_key(company_id: int | str) -> str:
    return f"okrhub:events:scheduled:{company_id}"


def mark(*, company_id: int, event_ids: list[int]) -> bool:
    """Add the committed events to the company's set; whether the caller must enqueue the drain."""
    pipe = redis_state.client().pipeline()
    pipe.sadd(events_key(company_id), *event_ids)
    pipe.expire(events_key(company_id), STATE_TTL)
    pipe.set(scheduled_key(company_id), 1, nx=True, ex=SCHEDULE_TTL)
    *_, first = pipe.execute()
    return bool(first)


def unschedule(company_id: int) -> None:
    """The drain could not be enqueued: let the next commit try again (the events stay in the set)."""
    redis_state.client().delete(scheduled_key(company_id))


def take(company_id: int) -> list[int]:
    """The company's waiting events, oldest first; a commit from now on schedules another drain."""
    pipe = redis_state.client().pipeline()
    pipe.delete(scheduled_key(company_id))
    pipe.smembers(events_key(company_id))
    _, members = pipe.execute()
    return sorted(int(member) for member in members)


def unscheduled_companies() -> list[int]:
    """Companies with events waiting and no drain scheduled (it was lost, or the flag expired)."""
    client = redis_state.client()
    waiting = sorted(int(key.rsplit(b":", 1)[1]) for key in client.scan_iter(events_key("*"), count=1000))
    if not waiting:
        return []
    flags = client.mget([scheduled_key(company_id) for company_id in waiting])
    return [company_id for company_id, flag in zip(waiting, flags, strict=True) if flag is None]


def forget(company_id: int, event_ids: list[int]) -> None:
    """Every consumer has handled the events (its rows committed): drop them from the set."""
    if event_ids:
        redis_state.client().srem(events_key(company_id), *event_ids)
