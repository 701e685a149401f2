"""Celery tasks: JSON-safe ids in, re-fetch, call the roll-up service.

Both tasks are idempotent (they recompute from stored inputs), so late
acknowledgement and redelivery after a crashed worker are safe.
"""

from celery import shared_task

from companies.models import Company
from objectives import rollup


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def rollup_objective_chain_task(company_id: int, objective_id: int) -> int:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return 0
    return rollup.rollup_objective_chain(company=company, objective_id=objective_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def full_recompute_task(company_id: int, cycle_id: int | None = None) -> int:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return 0
    return rollup.company_full_recompute(company=company, cycle_id=cycle_id)
