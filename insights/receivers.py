"""What the snapshots do when the apps below them say something happened.

A check-in, a correction or an undo can change a day already snapshotted
(a correction keeps its original's reading time; a check-in may be recorded
back in time). After the events of a transaction commit
(``objectives.events.events_committed``), a task replays the history those
events changed (``insights.snapshots.replay_changed_history``), published
without waiting on the broker (``objectives.scheduling.publish``: in-process
when tasks run eagerly). If the broker cannot be reached nothing is lost but
time: ``manage.py snapshot_backfill --replace`` replays by hand. Nothing here
raises into the request that committed.
"""

import logging

from django.dispatch import receiver

from insights import tasks
from objectives.events import events_committed
from objectives.scheduling import PUBLISH_ERRORS, publish
from okrhub.logs import log_event

log = logging.getLogger(__name__)


@receiver(events_committed)
def replay_changed_history_after_commit(
    sender: object, *, company_id: int, event_ids: list[int], **kwargs: object
) -> None:
    try:
        publish(tasks.replay_changed_history_task, company_id, list(event_ids))
    except PUBLISH_ERRORS as error:
        log_event(
            log, "snapshot.replay_not_queued", level=logging.WARNING, company=company_id, error=type(error).__name__
        )
    except Exception:
        log.exception("snapshot replay failed for company %s, events %s", company_id, event_ids)
