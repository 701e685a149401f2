"""What webhooks do when events commit: insert their deliveries and attempt them.

Committed events reach every consumer through the company's event drain
(``objectives.events.events_drained``: in a worker, one task for a burst of
commits, or in-process when tasks run eagerly). When the broker could not be
reached the request that committed sends the signal with ``inline=True``:
the deliveries are only inserted (no request waits on a receiver), and the
sweep attempts them. Lost altogether, the sweep's catch-up inserts them.
"""

from typing import Any

from celery import current_app
from django.dispatch import receiver

from objectives.events import events_drained
from webhooks import services, tasks


@receiver(events_drained)
def deliver_drained_events(
    sender: object, *, company_id: int, event_ids: list[int], inline: bool = False, **kwargs: Any
) -> None:
    if inline:
        services.fan_out(company_id=company_id, event_ids=event_ids, queued=False)
        return
    tasks.deliver_events(company_id=company_id, event_ids=event_ids, eager=current_app.conf.task_always_eager)
