"""What notifications do when the apps below them say something happened.

Committed events reach every consumer through the company's event drain
(``objectives.events.events_drained``, sent in a worker, or in-process when
tasks run eagerly): here they become notifications, and the "at once" ones
are emailed (``notifications.tasks.fan_out_and_email``). When the broker
could not be reached the request that committed sends the signal with
``inline=True``: the notifications are made there and then, so none is lost,
and their emails go out with the next digest.
"""

from typing import Any

from celery import current_app
from django.dispatch import receiver

from notifications import services, tasks
from objectives.events import events_drained


@receiver(events_drained)
def fan_out_drained_events(
    sender: object, *, company_id: int, event_ids: list[int], inline: bool = False, **kwargs: Any
) -> None:
    if inline:
        services.fan_out(company_id=company_id, event_ids=event_ids)
        return
    tasks.fan_out_and_email(company_id=company_id, event_ids=event_ids, eager=current_app.conf.task_always_eager)
