"""Celery tasks of the companies app."""

from celery import shared_task

from companies import services


@shared_task(acks_late=True, ignore_result=True)
def purge_idempotency_records_task() -> int:
    """Beat: forget API idempotency keys older than the retention (a day); idempotent."""
    return services.idempotency_records_purge_all_companies()
