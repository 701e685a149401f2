"""Coalescing the roll-ups of a burst of check-ins into a few recomputes.

Each committed check-in needs its objective chain recomputed. Two hundred
check-ins in one company within a second would otherwise run two hundred chain
recomputes, most of them climbing to the same company objectives. Instead:

**Mark** (:func:`request_rollup`, run after the check-in's transaction commits)::

    SADD  okrhub:rollup:dirty:<company>       <objective id>
    SET   okrhub:rollup:scheduled:<company> 1 NX EX <ttl>

Only the caller whose ``SET NX`` succeeds enqueues ``drain_rollups_task`` with
a short countdown (``OKRHUB_ROLLUP_COALESCE_SECONDS``); every other check-in of
the burst only adds its objective to the dirty set, which the pending drain
will read.

**Drain** (:func:`drain`, the task):

1. ``DEL scheduled`` first. From this moment a new mark schedules the next
   drain, so an objective marked after step 2 read the set is never stranded.
2. Atomically (one Lua script) move the dirty set into
   ``okrhub:rollup:inflight:<company>:<task id>`` and read that key.
3. Recompute those objectives and their ancestors level by level
   (``rollup.rollup_objectives``; each row recomputed after its lock).
4. ``DEL inflight``.

A worker that dies between 2 and 4 has not acknowledged its message (late
acknowledgement); the broker redelivers the same message, with the same task
id, so the rerun finds the in-flight key and recomputes what the dead run had
taken (step 2 merges rather than replaces). Two drains of one company may
overlap (a new burst while a long drain runs); they take disjoint sets and
recompute-after-lock keeps the result exact either way.

The ``scheduled`` key expires (``ttl``) so that a drain lost without a trace
(a broker flush) cannot block a company's roll-ups for long. If Redis is
unreachable when marking, the check-in falls back to one chain-recompute task
of its own: uncoalesced but correct. Anything that still slips through is
repaired by the periodic full recompute.

With no broker (the embedded default, tasks in-process) or no Redis there is
nothing to coalesce across processes: the chain is recomputed at once, after
commit, as before.
"""

import functools
import logging
import os
import time

import redis
from celery import current_app
from django.conf import settings

from companies.models import Company
from objectives import rollup
from okrhub.logs import log_event

log = logging.getLogger(__name__)

#: Seconds an in-flight or dirty set survives untouched (then the full recompute covers it).
STATE_TTL = 24 * 60 * 60

#: Test-only hook: a drain sleeps this many seconds after taking its set, so a
#: test can kill the worker in the middle of a roll-up. Never set in production.
PAUSE_ENV = "OKRHUB_TEST_ROLLUP_PAUSE_SECONDS"

_TAKE = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    redis.call('SUNIONSTORE', KEYS[2], KEYS[2], KEYS[1])
    redis.call('DEL', KEYS[1])
end
redis.call('EXPIRE', KEYS[2], ARGV[1])
return redis.call('SMEMBERS', KEYS[2])
"""


def dirty_key(company_id: int) -> str:
    return f"okrhub:rollup:dirty:{company_id}"


def scheduled_key(company_id: int) -> str:
    return f"okrhub:rollup:scheduled:{company_id}"


def inflight_key(company_id: int, run_id: str) -> str:
    return f"okrhub:rollup:inflight:{company_id}:{run_id}"


@functools.cache
def _client(url: str) -> redis.Redis:
    # redis-py's pool notices a fork and reconnects, so one client per URL and process is safe.
    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10, health_check_interval=30)


def redis_client() -> redis.Redis:
    return _client(settings.REDIS_URL)


def coalescing_enabled() -> bool:
    return bool(settings.REDIS_URL) and not current_app.conf.task_always_eager


def request_rollup(*, company_id: int, objective_id: int) -> None:
    """Ask for ``objective_id``'s chain to be recomputed (call after commit)."""
    from objectives.tasks import drain_rollups_task, rollup_objective_chain_task

    if not coalescing_enabled():
        rollup_objective_chain_task.delay(company_id, objective_id)
        return
    delay = settings.OKRHUB_ROLLUP_COALESCE_SECONDS
    client = redis_client()
    try:
        pipe = client.pipeline()
        pipe.sadd(dirty_key(company_id), objective_id)
        pipe.expire(dirty_key(company_id), STATE_TTL)
        pipe.set(scheduled_key(company_id), 1, nx=True, ex=max(30, int(delay * 10) + 30))
        *_, first = pipe.execute()
    except redis.RedisError as error:
        log_event(log, "rollup.mark_failed", level=logging.WARNING, company=company_id, error=type(error).__name__)
        rollup_objective_chain_task.delay(company_id, objective_id)
        return
    if not first:
        return
    try:
        drain_rollups_task.apply_async((company_id,), countdown=delay)
    except Exception:
        # Let the next check-in schedule the drain; the objective stays marked.
        client.delete(scheduled_key(company_id))
        raise


def drain(*, company_id: int, run_id: str) -> int:
    """Recompute every objective marked dirty in ``company_id``; return rows changed."""
    started = time.monotonic()
    client = redis_client()
    client.delete(scheduled_key(company_id))
    members = client.eval(_TAKE, 2, dirty_key(company_id), inflight_key(company_id, run_id), STATE_TTL)
    objective_ids = sorted(int(m) for m in members)
    log_event(
        log, "rollup.drain.start", company=company_id, task_id=run_id, objectives=len(objective_ids), pid=os.getpid()
    )
    pause = float(os.environ.get(PAUSE_ENV) or 0)
    if pause:
        time.sleep(pause)
    changed = 0
    company = Company.objects.filter(pk=company_id).first()
    if company is not None and objective_ids:
        changed = rollup.rollup_objectives(company=company, objective_ids=objective_ids)
    client.delete(inflight_key(company_id, run_id))
    log_event(
        log,
        "rollup.drain",
        company=company_id,
        task_id=run_id,
        objectives=len(objective_ids),
        changed=changed,
        ms=round((time.monotonic() - started) * 1000),
    )
    return changed
