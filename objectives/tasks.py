"""Celery tasks: JSON-safe ids in, re-fetch, call a service.

Every task is idempotent, so late acknowledgement (a task is acknowledged
after it ran, and redelivered if its worker died) and retries are safe:

- roll-up tasks recompute from stored inputs;
- email tasks claim a unique row before sending (``notifications.reminders``).

Failures that go away by themselves (the database or the broker restarting,
a mail server that is briefly unreachable) are retried with exponential
backoff and jitter; anything else fails loudly in the worker's log.
"""

import logging
import os
import smtplib
import time

import kombu.exceptions
import redis
from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from companies.models import Company
from objectives import coalesce, event_queue, events, rollup
from objectives.models import Cycle, CycleStatus
from okrhub.logs import log_event

log = logging.getLogger(__name__)

#: Test-only hook: a drain sleeps this many seconds after taking its set, so a
#: test can kill the worker in the middle of a roll-up. Never set in production.
PAUSE_ENV = "OKRHUB_TEST_ROLLUP_PAUSE_SECONDS"

#: Transient failures of the database and of Redis.
TRANSIENT = (
    OperationalError,
    InterfaceError,
    redis.ConnectionError,
    redis.TimeoutError,
    kombu.exceptions.OperationalError,
)
#: ... and of the mail server (refused, unreachable, timed out).
MAIL_TRANSIENT = (*TRANSIENT, smtplib.SMTPException, OSError)

RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(autoretry_for=TRANSIENT, **RETRY)
def rollup_objective_chain_task(company_id: int, objective_id: int) -> int:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return 0
    return rollup.rollup_objective_chain(company=company, objective_id=objective_id)


def drain(*, company_id: int, run_id: str) -> int:
    """Recompute every objective marked dirty in ``company_id`` and their ancestors; return rows changed."""
    started = time.monotonic()
    objective_ids = coalesce.take(company_id=company_id, run_id=run_id)
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
    coalesce.release(company_id=company_id, run_id=run_id)
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


@shared_task(bind=True, autoretry_for=TRANSIENT, time_limit=120, soft_time_limit=100, **RETRY)
def drain_rollups_task(self, company_id: int) -> int:
    """Recompute the objectives a burst of check-ins marked dirty (see ``objectives.coalesce``)."""
    return drain(company_id=company_id, run_id=self.request.id)


@shared_task(bind=True, autoretry_for=TRANSIENT, **RETRY)
def sweep_rollups_task(self) -> int:
    """Beat: drain forgotten dirty sets and the in-flight sets of dead runs; return rows changed.

    A drain can be lost without a trace (the broker was down when it was to be
    enqueued) or held by a dead worker until the visibility timeout; its
    company's objectives then wait here for at most the sweep interval plus
    the lease.
    """
    reclaimed = coalesce.reclaim_stale(lease_seconds=settings.OKRHUB_ROLLUP_LEASE_SECONDS)
    companies = coalesce.dirty_companies()
    changed = sum(drain(company_id=company_id, run_id=f"{self.request.id}-{company_id}") for company_id in companies)
    log_event(log, "rollup.sweep", reclaimed=reclaimed, companies=len(companies), changed=changed)
    return changed


def _handled(company_id: int, event_ids: list[int]) -> None:
    """Hand the events to every consumer; a transient failure raises (the task retries the batch)."""
    errors = events.handle(company_id=company_id, event_ids=event_ids)
    for error in errors:
        if isinstance(error, TRANSIENT):
            raise error


@shared_task(autoretry_for=TRANSIENT, time_limit=300, soft_time_limit=270, **RETRY)
def drain_events_task(company_id: int) -> int:
    """Hand every event the company's commits marked so far to the consumers at once (``objectives.event_queue``).

    The events leave Redis once every consumer has handled them, or failed for
    good (logged; a consumer's own catch-up covers it): a transient failure
    leaves them for this task's retry or the next drain, a broken event does
    not hold every later burst back.
    """
    started = time.monotonic()
    event_ids = event_queue.take(company_id)
    if not event_ids:
        return 0
    _handled(company_id, event_ids)
    event_queue.forget(company_id, event_ids)
    log_event(
        log, "events.drain", company=company_id, events=len(event_ids), ms=round((time.monotonic() - started) * 1000)
    )
    return len(event_ids)


@shared_task(autoretry_for=TRANSIENT, **RETRY)
def sweep_events_task() -> int:
    """Beat: drain the events of companies whose drain was lost (the broker took the mark, not the task)."""
    companies = event_queue.unscheduled_companies()
    drained = sum(drain_events_task(company_id) for company_id in companies)
    if companies:
        log_event(log, "events.sweep", companies=len(companies), events=drained)
    return drained


@shared_task(autoretry_for=TRANSIENT, time_limit=300, soft_time_limit=270, **RETRY)
def handle_events_task(company_id: int, event_ids: list[int]) -> int:
    """One commit's events, handed to the consumers: when they could not be marked, or tasks run in-process."""
    _handled(company_id, list(event_ids))
    return len(event_ids)


@shared_task(autoretry_for=TRANSIENT, **RETRY)
def full_recompute_task(company_id: int, cycle_id: int | None = None) -> int:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return 0
    return rollup.company_full_recompute(company=company, cycle_id=cycle_id)


@shared_task(autoretry_for=TRANSIENT, **RETRY)
def full_recompute_all_companies_task() -> int:
    """Beat: one full recompute per company and active cycle; return how many were enqueued."""
    pairs = list(
        Cycle.objects.filter(status=CycleStatus.ACTIVE).order_by("company_id", "id").values_list("company_id", "id")
    )
    for company_id, cycle_id in pairs:
        full_recompute_task.delay(company_id, cycle_id)
    return len(pairs)
