"""Coalescing the roll-ups of a burst of check-ins: the per-company dirty sets in Redis.

Each committed check-in needs its objective's ancestors recomputed (its own
objective is recomputed in the check-in's transaction). Two hundred check-ins
in one company within a second would otherwise run two hundred chain
recomputes, most of them climbing to the same company objectives. Instead:

**Mark** (:func:`mark`, after the check-in's transaction commits)::

    SADD  okrhub:rollup:dirty:<company>       <objective id>
    SET   okrhub:rollup:scheduled:<company> 1 NX EX <ttl>

Only the caller whose ``SET NX`` succeeds enqueues a drain (``objectives.
scheduling``); every other check-in of the burst only adds its objective to
the dirty set, which the pending drain will read. The ``scheduled`` flag
expires after a few seconds, so a drain that is stuck (held by a dead worker,
lost with the broker) stops no later drain for long.

**Take** (:func:`take`, at the start of a drain), one Lua script:

1. ``DEL scheduled``: from now on a new mark schedules the next drain, so an
   objective marked after the set was read is never stranded.
2. Move the dirty set into ``okrhub:rollup:inflight:<company>:<run id>``
   (merging, so a redelivered run takes back what it had), and note the run in
   the ``okrhub:rollup:inflight`` index with the time (Redis ``TIME``).

The drain recomputes those objectives, then :func:`release` deletes the
in-flight set and its index entry.

**Sweep** (:func:`reclaim_stale` and :func:`dirty_companies`, a periodic
task): a run noted longer ago than the lease has died or hangs, whatever
moment its worker was killed at; its in-flight set is merged back into the
dirty set, and every dirty set is drained. Recomputing twice is harmless
(recompute-after-lock), so a slow but live run that loses its lease only
costs duplicate work.

This module is the Redis side only: it knows neither Celery nor the
roll-up maths (``objectives.tasks`` joins them).
"""

import redis

from okrhub import redis_state

#: Seconds a dirty or in-flight set survives untouched (the full recompute covers anything older).
STATE_TTL = 24 * 60 * 60

INFLIGHT_INDEX = "okrhub:rollup:inflight"
DIRTY_PATTERN = "okrhub:rollup:dirty:*"

_TAKE = """
redis.call('DEL', KEYS[3])
if redis.call('EXISTS', KEYS[1]) == 1 then
    redis.call('SUNIONSTORE', KEYS[2], KEYS[2], KEYS[1])
    redis.call('DEL', KEYS[1])
end
local members = redis.call('SMEMBERS', KEYS[2])
if #members > 0 then
    redis.call('EXPIRE', KEYS[2], ARGV[1])
    redis.call('ZADD', KEYS[4], redis.call('TIME')[1], ARGV[2])
end
return members
"""

_RELEASE = """
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
"""

_RECLAIM = """
local reclaimed = 0
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', redis.call('TIME')[1] - tonumber(ARGV[1]))
for _, entry in ipairs(stale) do
    local sep = string.find(entry, ':', 1, true)
    local company = string.sub(entry, 1, sep - 1)
    local inflight = 'okrhub:rollup:inflight:' .. entry
    local dirty = 'okrhub:rollup:dirty:' .. company
    if redis.call('EXISTS', inflight) == 1 then
        redis.call('SUNIONSTORE', dirty, dirty, inflight)
        redis.call('EXPIRE', dirty, ARGV[2])
        redis.call('DEL', inflight)
        reclaimed = reclaimed + 1
    end
    redis.call('ZREM', KEYS[1], entry)
end
return reclaimed
"""


def dirty_key(company_id: int) -> str:
    return f"okrhub:rollup:dirty:{company_id}"


def scheduled_key(company_id: int) -> str:
    return f"okrhub:rollup:scheduled:{company_id}"


def inflight_key(company_id: int, run_id: str) -> str:
    return f"{INFLIGHT_INDEX}:{company_id}:{run_id}"


def redis_client() -> redis.Redis:
    return redis_state.client()


def mark(*, company_id: int, objective_id: int, schedule_ttl: int) -> bool:
    """Mark ``objective_id`` dirty; return whether the caller must schedule the drain."""
    pipe = redis_client().pipeline()
    pipe.sadd(dirty_key(company_id), objective_id)
    pipe.expire(dirty_key(company_id), STATE_TTL)
    pipe.set(scheduled_key(company_id), 1, nx=True, ex=schedule_ttl)
    *_, first = pipe.execute()
    return bool(first)


def unschedule(company_id: int) -> None:
    """The drain could not be enqueued: let the next mark try again (the set stays dirty)."""
    redis_client().delete(scheduled_key(company_id))


def take(*, company_id: int, run_id: str) -> list[int]:
    """Move the company's dirty set in flight for ``run_id``; return its objective ids."""
    members = redis_client().eval(
        _TAKE,
        4,
        dirty_key(company_id),
        inflight_key(company_id, run_id),
        scheduled_key(company_id),
        INFLIGHT_INDEX,
        STATE_TTL,
        f"{company_id}:{run_id}",
    )
    return sorted(int(m) for m in members)


def release(*, company_id: int, run_id: str) -> None:
    """The run recomputed its set: forget it."""
    redis_client().eval(_RELEASE, 2, inflight_key(company_id, run_id), INFLIGHT_INDEX, f"{company_id}:{run_id}")


def reclaim_stale(*, lease_seconds: int) -> int:
    """Merge back into the dirty sets every in-flight set taken over ``lease_seconds`` ago."""
    return int(redis_client().eval(_RECLAIM, 1, INFLIGHT_INDEX, lease_seconds, STATE_TTL))


def dirty_companies() -> list[int]:
    """Companies with objectives waiting for a roll-up."""
    return sorted(int(key.rsplit(b":", 1)[1]) for key in redis_client().scan_iter(DIRTY_PATTERN, count=1000))


def pending(company_id: int) -> bool:
    """Whether Redis still holds roll-up work for the company (dirty, scheduled or in flight)."""
    client = redis_client()
    return bool(
        client.exists(dirty_key(company_id), scheduled_key(company_id))
        or any(client.scan_iter(inflight_key(company_id, "*")))
    )
