"""What webhooks do when events commit: publish the fan-out, or run it here if the broker is away.

Like ``notifications.receivers``: published without waiting on the broker;
if it cannot be reached, the deliveries are inserted here and now (the sweep
then attempts them). Nothing raises into the request that committed.
"""

import logging

from django.dispatch import receiver

from objectives.events import events_committed
from objectives.scheduling import PUBLISH_ERRORS, publish
from webhooks import services, tasks

log = logging.getLogger(__name__)


@receiver(events_committed)
def fan_out_after_commit(sender: object, *, company_id: int, event_ids: list[int], **kwargs: object) -> None:
    try:
        publish(tasks.fan_out_task, company_id, list(event_ids))
    except PUBLISH_ERRORS:
        try:
            services.fan_out(company_id=company_id, event_ids=event_ids, queued=False)
        except Exception:
            log.exception("webhook fan-out failed for company %s, events %s", company_id, event_ids)
    except Exception:
        log.exception("webhook fan-out failed for company %s, events %s", company_id, event_ids)
