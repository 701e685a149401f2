"""What notifications do when the apps below them say something happened.

``objectives.events.events_committed`` is sent after a transaction that
wrote events commits; the fan-out runs in a task
(``notifications.tasks.fan_out``), published without waiting on the broker
(``objectives.scheduling.publish``: in-process when tasks run eagerly). If
the broker cannot be reached the fan-out runs here and now, so no
notification is lost; its "at once" emails then go out with the next
digest. Nothing here raises into the request that committed: the change is
committed already, and other receivers of the signal must still run.
"""

import logging

from django.dispatch import receiver

from notifications import services, tasks
from objectives.events import events_committed
from objectives.scheduling import PUBLISH_ERRORS, publish
from okrhub.logs import log_event

log = logging.getLogger(__name__)


@receiver(events_committed)
def fan_out_after_commit(sender: object, *, company_id: int, event_ids: list[int], **kwargs: object) -> None:
    try:
        publish(tasks.fan_out, company_id, list(event_ids))
    except PUBLISH_ERRORS as error:
        log_event(
            log, "notifications.fan_out_inline", level=logging.WARNING, company=company_id, error=type(error).__name__
        )
        try:
            services.fan_out(company_id=company_id, event_ids=event_ids)
        except Exception:
            log.exception("notification fan-out failed for company %s, events %s", company_id, event_ids)
    except Exception:
        log.exception("notification fan-out failed for company %s, events %s", company_id, event_ids)
