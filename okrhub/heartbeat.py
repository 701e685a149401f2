"""Worker and beat heartbeats: a timestamp each writes to Redis, read by ``/healthz``.

- Every worker writes ``okrhub:heartbeat:workers`` → ``{hostname: unix time}``
  every ``OKRHUB_HEARTBEAT_SECONDS`` from its main process (a Celery bootstep,
  ``okrhub.celery``) and removes its entry when it stops cleanly.
- Beat writes ``okrhub:heartbeat:beat`` on every scheduler tick.

A worker killed hard leaves its entry behind, ageing: ``/healthz`` reports an
entry older than ``OKRHUB_HEARTBEAT_STALE_SECONDS`` (or no worker at all) as
degraded. Entries silent for a day are forgotten (a retired host).
"""

import logging
import time
from collections.abc import Callable

import redis
from django.conf import settings

from okrhub import redis_state
from okrhub.logs import log_event

log = logging.getLogger(__name__)

WORKERS_KEY = "okrhub:heartbeat:workers"
BEAT_KEY = "okrhub:heartbeat:beat"
FORGET_SECONDS = 24 * 60 * 60
UNWATCHED = "unwatched"


def _write(action: str, fn: Callable[[redis.Redis], object]) -> None:
    if not settings.REDIS_URL:
        return
    try:
        fn(redis_state.client())
    except redis.RedisError as error:
        log_event(log, "heartbeat.failed", level=logging.WARNING, what=action, error=type(error).__name__)


def worker_alive(hostname: str) -> None:
    _write("worker", lambda client: client.hset(WORKERS_KEY, hostname, time.time()))


def worker_stopped(hostname: str) -> None:
    _write("worker", lambda client: client.hdel(WORKERS_KEY, hostname))


def beat_alive() -> None:
    _write("beat", lambda client: client.set(BEAT_KEY, time.time(), ex=FORGET_SECONDS))


def status() -> dict[str, str]:
    """``{"worker": ..., "beat": ...}``, each "ok" or why it is degraded (raises ``redis.RedisError``).

    Without ``REDIS_URL`` (a broker other than Redis) nothing writes heartbeats: "unwatched".
    """
    if not settings.REDIS_URL:
        return {"worker": UNWATCHED, "beat": UNWATCHED}
    client = redis_state.client()
    now = time.time()
    stale_after = settings.OKRHUB_HEARTBEAT_STALE_SECONDS
    workers = {
        name.decode() if isinstance(name, bytes) else name: now - float(seen)
        for name, seen in client.hgetall(WORKERS_KEY).items()
    }
    forgotten = [name for name, age in workers.items() if age > FORGET_SECONDS]
    if forgotten:
        client.hdel(WORKERS_KEY, *forgotten)
    stale = sorted(name for name, age in workers.items() if stale_after < age <= FORGET_SECONDS)
    alive = [name for name, age in workers.items() if age <= stale_after]
    if not alive:
        worker = "no heartbeat"
    elif stale:
        worker = f"silent: {', '.join(stale)}"
    else:
        worker = "ok"
    seen = client.get(BEAT_KEY)
    if seen is None:
        beat = "no heartbeat"
    elif now - float(seen) > stale_after:
        beat = f"silent for {round(now - float(seen))}s"
    else:
        beat = "ok"
    return {"worker": worker, "beat": beat}
