"""Coalescing the fan-outs of a burst of commits: the per-company set of events waiting in Redis.

One task per commit cost the worker a task's overhead, a fan-out and an
attempt for every event: at 25 events a second that alone outran one worker
and the backlog grew. Instead (like ``objectives.coalesce`` for roll-ups):

**Mark** (:func:`mark`, after the events' transaction commits)::

    SADD  okrhub:webhooks:events:<company>    <event id> …
    SET   okrhub:webhooks:scheduled:<company> 1 NX EX <SCHEDULE_TTL>

Only the caller whose ``SET NX`` succeeds enqueues a drain
(``webhooks.tasks.drain_task``); every other commit of the burst only adds
its events to the set, which the pending drain reads.

**Take** (:func:`take`, at the start of a drain): ``DEL scheduled`` (a commit
from now on schedules the next drain, so no event is stranded) and read the
set. The drain fans the events out (``webhooks.services.fan_out``, idempotent)
and only then :func:`forget` removes them: a drain that dies in between
leaves them for the next drain. Lost anyway (Redis flushed, the flag expired
with its task lost and no commit since), the sweep's catch-up inserts what is
missing within its interval: delivery stays at least once.

Redis side only; ``webhooks.receivers`` and ``webhooks.tasks`` join it to Celery.
"""

from okrhub import redis_state

#: Seconds the events of a company wait in Redis untouched (the sweep's catch-up covers an hour).
STATE_TTL = 60 * 60
#: Seconds a drain counts as scheduled: a drain lost with the broker stops later ones no longer.
SCHEDULE_TTL = 60


def events_key(company_id: int) -> str:
    return f"okrhub:webhooks:events:{company_id}"


def scheduled_key(company_id: int) -> str:
    return f"okrhub:webhooks:scheduled:{company_id}"


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


def forget(company_id: int, event_ids: list[int]) -> None:
    """The events are fanned out (their deliveries committed): drop them from the set."""
    if event_ids:
        redis_state.client().srem(events_key(company_id), *event_ids)
