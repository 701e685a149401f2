"""Celery tasks of the check-in reminders and weekly digests.

Registered under their first names (``objectives.tasks.…``), which the beat
schedule and any message already queued use. Idempotent: each email claims a
unique row before sending (``notifications.reminders``).
"""

import datetime

from celery import shared_task
from django.utils import timezone

from companies.models import Company
from notifications import reminders
from objectives.tasks import MAIL_TRANSIENT, RETRY, TRANSIENT

# ---------------------------------------------------------------- reminders and digests


@shared_task(autoretry_for=TRANSIENT, **RETRY, name="objectives.tasks.dispatch_checkin_emails_task")
def dispatch_checkin_emails_task(now: str | None = None) -> int:
    """Beat: enqueue the reminders and digests of every company whose check-in moment has come.

    Running it twice (or in two beats) is harmless: each email is claimed once.
    ``now`` (ISO 8601) replaces the clock, for replaying a missed moment.
    """
    moment = datetime.datetime.fromisoformat(now) if now else timezone.now()
    due = reminders.due_companies_all_companies(moment)
    for company_id, period in due:
        send_company_checkin_emails_task.delay(company_id, period.isoformat(), moment.isoformat())
    return len(due)


@shared_task(autoretry_for=TRANSIENT, **RETRY, name="objectives.tasks.send_company_checkin_emails_task")
def send_company_checkin_emails_task(company_id: int, period: str, now: str) -> int:
    """Fan out one task per person, so one failing address does not hold up the others."""
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return 0
    reminded, leaders = reminders.recipients(company=company, period=datetime.date.fromisoformat(period))
    for user_id in reminded:
        send_checkin_reminder_task.delay(company_id, user_id, period)
    for user_id in leaders:
        send_weekly_digest_task.delay(company_id, user_id, period, now)
    return len(reminded) + len(leaders)


@shared_task(autoretry_for=MAIL_TRANSIENT, **RETRY, name="objectives.tasks.send_checkin_reminder_task")
def send_checkin_reminder_task(company_id: int, user_id: int, period: str) -> bool:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return False
    return reminders.send_checkin_reminder(company=company, user_id=user_id, period=datetime.date.fromisoformat(period))


@shared_task(autoretry_for=MAIL_TRANSIENT, **RETRY, name="objectives.tasks.send_weekly_digest_task")
def send_weekly_digest_task(company_id: int, user_id: int, period: str, now: str) -> bool:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return False
    return reminders.send_weekly_digest(
        company=company,
        user_id=user_id,
        period=datetime.date.fromisoformat(period),
        now=datetime.datetime.fromisoformat(now),
    )
