"""The Redis client for the state OKRHub keeps beside the broker (``REDIS_URL``).

Roll-up coalescing marks (``objectives.coalesce``) and the worker and beat
heartbeats (``okrhub.heartbeat``) live there. Web requests call it after a
check-in commits, so a Redis that is down must fail fast: a short connect
timeout and no retry loop; callers catch ``redis.RedisError`` and fall back.
"""

import functools

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

CONNECT_TIMEOUT_SECONDS = 0.5
READ_TIMEOUT_SECONDS = 5


@functools.cache
def _client(url: str) -> redis.Redis:
    # redis-py's pool notices a fork and reconnects, so one client per URL and process is safe.
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=READ_TIMEOUT_SECONDS,
        health_check_interval=30,
        retry=Retry(NoBackoff(), 0),
    )


def client() -> redis.Redis:
    """The client for ``settings.REDIS_URL`` (callers check that it is set)."""
    return _client(settings.REDIS_URL)
