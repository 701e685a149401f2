"""What the snapshots do when the apps below them say something happened.

A check-in, a correction or an undo can change a day already snapshotted
(a correction keeps its original's reading time; a check-in may be recorded
back in time). Committed events reach every consumer through the company's
event drain (``objectives.events.events_drained``, in a worker, or
in-process when tasks run eagerly): here the history those events changed is
replayed (``insights.snapshots.replay_changed_history``). When the broker
could not be reached (``inline=True``, in the request that committed)
nothing is replayed, only logged: ``manage.py snapshot_backfill --replace``
replays by hand.
"""

import logging
from typing import Any

from django.dispatch import receiver

from companies.models import Company
from insights import snapshots
from objectives.events import events_drained
from okrhub.logs import log_event

log = logging.getLogger(__name__)


@receiver(events_drained)
def replay_changed_history_of_drained_events(
    sender: object, *, company_id: int, event_ids: list[int], inline: bool = False, **kwargs: Any
) -> None:
    if inline:
        log_event(log, "snapshot.replay_not_queued", level=logging.WARNING, company=company_id)
        return
    company = Company.objects.filter(pk=company_id).first()
    if company is not None:
        snapshots.replay_changed_history(company=company, event_ids=event_ids)
