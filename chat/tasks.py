"""Celery tasks of the chat integrations: JSON-safe ids in, re-fetch, call a service.

Idempotent like the emails: each message claims a ``ChatDelivery`` row before
it is sent; a transient failure (Slack rate limit or outage, Teams 5xx, a
refused connection) releases the claim and the task retries with backoff.
"""

import datetime

from celery import shared_task
from slack_sdk.errors import SlackApiError

from chat import services
from companies.models import Company
from objectives.tasks import RETRY
from objectives.tasks import TRANSIENT as DATABASE_TRANSIENT

TRANSIENT = (*DATABASE_TRANSIENT, OSError, SlackApiError)


@shared_task(autoretry_for=TRANSIENT, **RETRY)
def send_slack_reminder_task(company_id: int, user_id: int, period: str) -> bool:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return False
    return services.send_slack_reminder(company=company, user_id=user_id, period=datetime.date.fromisoformat(period))


@shared_task(autoretry_for=TRANSIENT, **RETRY)
def send_slack_digest_task(company_id: int, user_id: int, period: str, now: str) -> bool:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return False
    return services.send_slack_digest(
        company=company,
        user_id=user_id,
        period=datetime.date.fromisoformat(period),
        now=datetime.datetime.fromisoformat(now),
    )


@shared_task(autoretry_for=TRANSIENT, **RETRY)
def post_teams_reminders_task(company_id: int, period: str) -> bool:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return False
    return services.post_teams_reminders(company=company, period=datetime.date.fromisoformat(period))


@shared_task(autoretry_for=TRANSIENT, **RETRY)
def post_teams_digest_task(company_id: int, period: str, now: str) -> bool:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return False
    return services.post_teams_digest(
        company=company, period=datetime.date.fromisoformat(period), now=datetime.datetime.fromisoformat(now)
    )
