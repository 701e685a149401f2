"""Celery tasks of the webhooks: the drain of committed events (fan-out and first attempts), one attempt, the sweep.

The web side marks committed events in Redis (``webhooks.queueing``) and the
first commit of a burst enqueues one ``drain_task`` for the company: it fans
out every event marked so far in one go and attempts their deliveries,
oldest first, within ``DRAIN_BUDGET`` (the rest become ``deliver_task``s).
``fan_out_task`` (one commit's events) is what runs when Redis cannot be
marked, and what tasks run in-process do.

Ids in, rows re-read (``webhooks.services``). Retries of a delivery are not
Celery retries: the attempt writes when the next one is due, and a retry
due within ``SHORT_WAIT`` is enqueued with a countdown; later ones are handed
out by the sweep (an ETA hours ahead would outlive Redis' visibility timeout).
"""

import datetime
import logging
import time
from typing import Any

from celery import shared_task
from django.utils import timezone

from objectives.scheduling import PUBLISH_ERRORS, publish
from objectives.tasks import RETRY, TRANSIENT
from webhooks import queueing, services
from webhooks.models import Delivery, DeliveryStatus

log = logging.getLogger(__name__)

#: A retry due sooner than this is enqueued with a countdown; the sweep hands out the rest.
SHORT_WAIT = datetime.timedelta(seconds=60)
#: Seconds a drain spends on attempts before it hands the rest out as tasks of their own.
DRAIN_BUDGET = 20.0


def enqueue(delivery_ids: list[int]) -> None:
    """An attempt task for each delivery; one the broker cannot take waits for the sweep."""
    for delivery_id in delivery_ids:
        try:
            publish(deliver_task, delivery_id)
        except PUBLISH_ERRORS as error:
            log.warning("webhook delivery %s left for the sweep (%s)", delivery_id, type(error).__name__)
            return


@shared_task(bind=True, autoretry_for=TRANSIENT, **RETRY, name="webhooks.tasks.fan_out_task")
def fan_out_task(self: Any, company_id: int, event_ids: list[int]) -> int:
    """Insert the deliveries; attempt the first here (one hop less for the common single endpoint), enqueue the rest.

    In-process (tasks eager) every one is attempted here, as ``enqueue`` would.
    """
    pending = services.fan_out(company_id=company_id, event_ids=event_ids, queued=True)
    if pending and not self.request.is_eager:
        _attempt(pending[0], eager=False)
        enqueue(pending[1:])
    else:
        enqueue(pending)
    return len(pending)


@shared_task(autoretry_for=TRANSIENT, **RETRY, name="webhooks.tasks.drain_task")
def drain_task(company_id: int) -> int:
    """Fan out the company's marked events at once, then attempt their deliveries oldest first.

    The events leave Redis only once their deliveries are committed; the
    deliveries not attempted within ``DRAIN_BUDGET`` are enqueued one by one.
    """
    event_ids = queueing.take(company_id)
    if not event_ids:
        return 0
    pending = sorted(services.fan_out(company_id=company_id, event_ids=event_ids, queued=True))
    queueing.forget(company_id, event_ids)
    deadline = time.monotonic() + DRAIN_BUDGET
    for n, delivery_id in enumerate(pending):
        if time.monotonic() > deadline:
            enqueue(pending[n:])
            break
        _attempt(delivery_id, eager=False)
    return len(pending)


@shared_task(bind=True, autoretry_for=TRANSIENT, **RETRY, name="webhooks.tasks.deliver_task")
def deliver_task(self: Any, delivery_id: int) -> str | None:
    return _attempt(delivery_id, eager=self.request.is_eager)


def _attempt(delivery_id: int, *, eager: bool) -> str | None:
    """One attempt; a retry due soon is enqueued with a countdown (in-process, the sweep's job: none runs)."""
    status = services.attempt(delivery_id)
    if status == DeliveryStatus.PENDING and not eager:
        due = Delivery.objects.filter(pk=delivery_id).values_list("next_attempt_at", flat=True).first()
        if due is not None and due - timezone.now() <= SHORT_WAIT:
            try:
                publish(deliver_task, delivery_id, countdown=max((due - timezone.now()).total_seconds(), 0))
                Delivery.objects.filter(pk=delivery_id).update(queued_at=timezone.now())
            except PUBLISH_ERRORS:
                log.warning("webhook delivery %s retry left for the sweep", delivery_id)
    return status


@shared_task(autoretry_for=TRANSIENT, **RETRY, name="webhooks.tasks.sweep_task")
def sweep_task() -> int:
    """Beat: catch up lost fan-outs and hand out every delivery that is due."""
    due = services.sweep_all_companies()
    enqueue(due)
    return len(due)
