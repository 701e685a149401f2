"""What webhooks do when events commit: mark them for the company's drain, or fan out one commit on its own.

With a broker and ``REDIS_URL``, the events are marked in Redis
(``webhooks.queueing``) and the first commit of a burst enqueues the
company's drain (``webhooks.tasks.drain_task``), so a burst costs the worker
one task, not one per commit. If Redis cannot be marked, or tasks run
in-process, the commit's own fan-out task is published as before; if the
broker cannot be reached, the deliveries are inserted here and now (the sweep
then attempts them). Nothing raises into the request that committed.
"""

import contextlib
import logging

import redis
from celery import current_app
from django.conf import settings
from django.dispatch import receiver

from objectives.events import events_committed
from objectives.scheduling import PUBLISH_ERRORS, publish
from okrhub.logs import log_event
from webhooks import queueing, services, tasks

log = logging.getLogger(__name__)


@receiver(events_committed)
def fan_out_after_commit(sender: object, *, company_id: int, event_ids: list[int], **kwargs: object) -> None:
    try:
        if not _marked(company_id, list(event_ids)):
            publish(tasks.fan_out_task, company_id, list(event_ids))
    except PUBLISH_ERRORS:
        try:
            services.fan_out(company_id=company_id, event_ids=event_ids, queued=False)
        except Exception:
            log.exception("webhook fan-out failed for company %s, events %s", company_id, event_ids)
    except Exception:
        log.exception("webhook fan-out failed for company %s, events %s", company_id, event_ids)


def _marked(company_id: int, event_ids: list[int]) -> bool:
    """Mark the events for the company's drain (enqueued by the first mark); False if they could not be."""
    if current_app.conf.task_always_eager or not settings.REDIS_URL or not event_ids:
        return False
    try:
        first = queueing.mark(company_id=company_id, event_ids=event_ids)
    except redis.RedisError as error:
        log_event(log, "webhook.mark_failed", level=logging.WARNING, company=company_id, error=type(error).__name__)
        return False
    if first:
        try:
            publish(tasks.drain_task, company_id)
        except PUBLISH_ERRORS:
            with contextlib.suppress(redis.RedisError):  # else the flag expires by itself
                queueing.unschedule(company_id)
            raise  # the caller inserts this commit's deliveries here; the sweep attempts them
    return True
