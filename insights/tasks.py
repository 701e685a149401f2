"""Celery tasks of the snapshots: JSON-safe ids in, re-fetch, call ``insights.snapshots``.

Both are idempotent (the snapshot tables' unique constraints decide), so
late acknowledgement and retries are safe, as for every task
(``objectives.tasks``).
"""

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from companies.models import Company
from insights import snapshots
from objectives.tasks import RETRY, TRANSIENT
from okrhub.logs import log_event

log = logging.getLogger(__name__)


@shared_task(autoretry_for=TRANSIENT, **RETRY)
def snapshot_due_companies_task() -> int:
    """Beat, every quarter of an hour: enqueue the snapshot of each company whose local day has turned."""
    due = snapshots.due_snapshots_all_companies(timezone.now())
    for company_id, day in due:
        snapshot_company_task.delay(company_id, day.isoformat())
    log_event(log, "snapshot.due", companies=len(due))
    return len(due)


@shared_task(autoretry_for=TRANSIENT, time_limit=900, soft_time_limit=840, **RETRY)
def snapshot_company_task(company_id: int, day: str) -> int:
    """Snapshot one company's ``day`` (and replay the days it missed); return the objectives snapshotted."""
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return 0
    run = snapshots.snapshot_company(company=company, day=datetime.date.fromisoformat(day))
    return run.objectives if run is not None else 0


@shared_task(autoretry_for=TRANSIENT, time_limit=900, soft_time_limit=840, **RETRY)
def replay_changed_history_task(company_id: int, event_ids: list[int]) -> int:
    """Rewrite the snapshots of key results whose past readings changed (messages queued before the event drain)."""
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return 0
    return snapshots.replay_changed_history(company=company, event_ids=event_ids)
