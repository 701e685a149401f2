"""Celery tasks: JSON-safe ids in, re-fetch, call a service.

Every task is idempotent, so late acknowledgement (a task is acknowledged
after it ran, and redelivered if its worker died) and retries are safe:

- roll-up tasks recompute from stored inputs;
- email tasks claim a unique row before sending (``notifications.reminders``).

Failures that go away by themselves (the database or the broker restarting,
a mail server that is briefly unreachable) are retried with exponential
backoff and jitter; anything else fails loudly in the worker's log.
"""

import smtplib

import kombu.exceptions
import redis
from celery import shared_task
from django.db import InterfaceError, OperationalError

from companies.models import Company
from objectives import coalesce, rollup
from objectives.models import Cycle, CycleStatus

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


@shared_task(bind=True, autoretry_for=TRANSIENT, time_limit=120, soft_time_limit=100, **RETRY)
def drain_rollups_task(self, company_id: int) -> int:
    """Recompute the objectives a burst of check-ins marked dirty (see ``objectives.coalesce``)."""
    return coalesce.drain(company_id=company_id, run_id=self.request.id)


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
