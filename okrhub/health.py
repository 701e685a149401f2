"""``/healthz``: is this instance able to serve? Checks the database and the broker.

200 ``{"status": "ok", "checks": {...}}`` when both answer, 503 naming the
failed component otherwise. Meant for load balancers and container
healthchecks: no authentication, no tenant data, a bounded wait per check.

The worker and beat heartbeats (``okrhub.heartbeat``) are watched too: one
that is silent makes the answer 200 ``{"status": "degraded", "degraded":
[...]}`` rather than 503, since this instance still serves (check-ins are
saved; roll-ups, reminders and digests wait for the worker and beat).
"""

import logging
import time

import redis
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from okrhub import heartbeat
from okrhub.celery import app
from okrhub.logs import log_event

log = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 3


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_broker() -> str:
    if app.conf.task_always_eager:
        return "in-process"
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)
        conn.default_channel  # noqa: B018 - opening a channel proves the broker answers
    return "ok"


def check_background() -> dict[str, str]:
    """The worker's and beat's heartbeats: "ok", or why they are degraded."""
    if app.conf.task_always_eager:
        return {"worker": "in-process", "beat": "in-process"}
    try:
        return heartbeat.status()
    except redis.RedisError as error:
        return {"worker": f"unknown: {type(error).__name__}", "beat": f"unknown: {type(error).__name__}"}


CHECKS = {"database": check_database, "broker": check_broker}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    failed: list[str] = []
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            checks[name] = check()
        except Exception as error:
            checks[name] = f"error: {type(error).__name__}"
            failed.append(name)
            log_event(
                log,
                "healthz.failed",
                level=logging.WARNING,
                component=name,
                error=type(error).__name__,
                ms=round((time.monotonic() - started) * 1000),
            )
    if failed:
        return JsonResponse({"status": "error", "failed": failed, "checks": checks}, status=503)
    background = check_background()
    checks.update(background)
    degraded = [name for name, state in background.items() if state not in ("ok", "in-process", heartbeat.UNWATCHED)]
    if degraded:
        log_event(log, "healthz.degraded", level=logging.WARNING, components=",".join(degraded))
        return JsonResponse({"status": "degraded", "degraded": degraded, "checks": checks})
    return JsonResponse({"status": "ok", "checks": checks})
