"""Asking for roll-ups after a transaction commits: the hooks services call.

:func:`schedule_rollup` recomputes an objective and its ancestors once the
surrounding transaction commits, in the cheapest way still running:

1. **Tasks in-process** (no broker, the embedded default): the chain task
   runs at once, in this process.
2. **Coalesced** (broker and ``REDIS_URL``): the objective is marked dirty
   (``objectives.coalesce``) and the first mark of a burst enqueues one drain.
   If the broker is unreachable the mark stays: the periodic sweep
   (``tasks.sweep_rollups_task``) drains it once the broker is back.
3. **One task of its own** when Redis cannot be marked (``REDIS_URL`` unset
   or down), and if that cannot be enqueued either, the chain recomputed here
   and now: the request is then slower, but no roll-up is lost.

Publishing from a request waits for no broker: one connection attempt with a
short timeout and no retry loop (:func:`publish`), so a check-in's latency
does not depend on the broker being up. Failures are logged, never raised:
the check-in is committed already.
"""

import contextlib
import logging
import os
import threading
from typing import Any

import kombu.exceptions
import redis
from celery import Task, current_app
from django.conf import settings
from django.db import transaction

from companies.models import Company
from objectives import coalesce, rollup, tasks
from okrhub.logs import log_event

log = logging.getLogger(__name__)

#: Seconds to wait for the broker when publishing from a request.
PUBLISH_CONNECT_TIMEOUT_SECONDS = 0.5

PUBLISH_ERRORS = (kombu.exceptions.OperationalError, OSError, redis.RedisError)


def schedule_rollup(*, company_id: int, objective_id: int | None) -> None:
    """Recompute ``objective_id`` and its ancestors once the current transaction commits."""
    if objective_id is None:
        return
    transaction.on_commit(lambda: request_rollup(company_id=company_id, objective_id=objective_id), robust=True)


def schedule_full_recompute(*, company_id: int) -> None:
    """Recompute the whole company once the current transaction commits."""
    transaction.on_commit(lambda: publish(tasks.full_recompute_task, company_id), robust=True)


_publishing = threading.local()


def _publishing_connection() -> Any:
    """This thread's broker connection for publishing, kept between requests (made again after a fork or
    when the broker URL changed).

    A new connection per publish cost a TCP handshake and a queue declaration
    each time: about 10 ms of every check-in. The kept one has the same
    fail-fast options; a publish that fails drops it, so the next one makes
    a single fresh attempt.
    """
    connection = getattr(_publishing, "connection", None)
    made_for = (os.getpid(), current_app.conf.broker_url)
    if connection is None or getattr(_publishing, "made_for", None) != made_for:
        if connection is not None and _publishing.made_for[0] == os.getpid():  # never a parent's socket
            with contextlib.suppress(Exception):
                connection.release()
        options = {**current_app.conf.broker_transport_options, "max_retries": 0}
        options.setdefault("socket_connect_timeout", PUBLISH_CONNECT_TIMEOUT_SECONDS)
        connection = current_app.connection_for_write(
            connect_timeout=PUBLISH_CONNECT_TIMEOUT_SECONDS, transport_options=options
        )
        _publishing.connection, _publishing.made_for = connection, made_for
    return connection


def publish(task: Task, *args: Any, countdown: float | None = None) -> None:
    """Enqueue ``task``: one connection attempt with a short timeout, no retries (raises on failure)."""
    if current_app.conf.task_always_eager:
        task.apply_async(args, countdown=countdown)
        return
    connection = _publishing_connection()
    try:
        task.apply_async(args, countdown=countdown, connection=connection, retry=False)
    except BaseException:
        _publishing.connection = None
        with contextlib.suppress(Exception):
            connection.release()
        raise


def request_rollup(*, company_id: int, objective_id: int) -> None:
    """Ask for ``objective_id``'s chain to be recomputed (call after commit)."""
    if current_app.conf.task_always_eager:
        tasks.rollup_objective_chain_task.delay(company_id, objective_id)
        return
    if settings.REDIS_URL:
        delay = settings.OKRHUB_ROLLUP_COALESCE_SECONDS
        try:
            first = coalesce.mark(company_id=company_id, objective_id=objective_id, schedule_ttl=int(delay) + 10)
        except redis.RedisError as error:
            log_event(log, "rollup.mark_failed", level=logging.WARNING, company=company_id, error=type(error).__name__)
        else:
            if first:
                try:
                    publish(tasks.drain_rollups_task, company_id, countdown=delay)
                except PUBLISH_ERRORS as error:
                    # The objective stays marked: the next check-in or the sweep drains it.
                    log_event(
                        log,
                        "rollup.enqueue_failed",
                        level=logging.WARNING,
                        company=company_id,
                        error=type(error).__name__,
                    )
                    with contextlib.suppress(redis.RedisError):  # else the flag expires by itself
                        coalesce.unschedule(company_id)
            return
    try:
        publish(tasks.rollup_objective_chain_task, company_id, objective_id)
    except PUBLISH_ERRORS as error:
        log_event(log, "rollup.inline", level=logging.WARNING, company=company_id, error=type(error).__name__)
        company = Company.objects.filter(pk=company_id).first()
        if company is not None:
            rollup.rollup_objective_chain(company=company, objective_id=objective_id)
