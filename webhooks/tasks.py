"""Celery side of the webhooks: the deliveries of committed events, one attempt, the sweep.

Committed events reach the webhooks through the company's event drain
(``objectives.tasks.drain_events_task``, one task for a burst of commits and
every consumer): :func:`deliver_events` inserts their deliveries in one go
and attempts them oldest first, within ``DRAIN_BUDGET`` (the rest become
``deliver_task``s).

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
from webhooks import services
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


def deliver_events(*, company_id: int, event_ids: list[int], eager: bool) -> int:
    """Insert the deliveries of committed events, then attempt them oldest first; return how many.

    In a worker (the company's event drain) the attempts not made within
    ``DRAIN_BUDGET`` are enqueued one by one; in-process (``eager``) every
    one is attempted here. Idempotent: a batch that comes again inserts
    nothing new and attempts only what is still pending.
    """
    pending = sorted(services.fan_out(company_id=company_id, event_ids=event_ids, queued=True))
    deadline = time.monotonic() + DRAIN_BUDGET
    for n, delivery_id in enumerate(pending):
        if not eager and time.monotonic() > deadline:
            enqueue(pending[n:])
            break
        _attempt(delivery_id, eager=eager)
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
