"""Celery tasks of the check-in reminders and weekly digests, of notifications, and of the grading windows' end.

The reminder tasks are registered under their first names
(``objectives.tasks.…``), which the beat schedule and any message already
queued use. Idempotent: each email claims a unique row before sending
(``notifications.reminders``, ``notifications.emails``); the fan-out inserts
notifications unique per person and event.
"""

import datetime
import logging
from typing import Any

from celery import shared_task
from django.utils import timezone

from companies.models import Company
from notifications import emails, reminders, services
from notifications.signals import checkin_messages_due
from objectives import services as okr
from objectives.tasks import MAIL_TRANSIENT, RETRY, TRANSIENT
from okrhub.logs import log_event

log = logging.getLogger(__name__)

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
    # Chat integrations (the ``chat`` app, a layer above) send the same reminders and digests to Slack and Teams.
    checkin_messages_due.send(
        sender=Company, company=company, period=period, now=now, reminded=reminded, leaders=leaders
    )
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


# ---------------------------------------------------------------- notifications


def fan_out_and_email(*, company_id: int, event_ids: list[int], eager: bool) -> int:
    """Make the notifications of committed events, then email the "at once" ones (each its own task).

    Idempotent: a redelivery inserts nothing new and re-sends only what was
    never claimed. Run in-process (``eager``), the emails are sent here
    without retries; one that fails waits for the next digest.
    """
    immediate = services.fan_out(company_id=company_id, event_ids=event_ids)
    for notification_id in immediate:
        if eager:
            company = Company.objects.filter(pk=company_id).first()
            try:
                if company is not None:
                    emails.send_immediate(company=company, notification_id=notification_id)
            except MAIL_TRANSIENT:
                log.warning("notification email %s not sent; it goes with the next digest", notification_id)
        else:
            send_notification_email_task.delay(company_id, notification_id)
    return len(immediate)


@shared_task(bind=True, autoretry_for=TRANSIENT, **RETRY, name="notifications.tasks.fan_out")
def fan_out(self: Any, company_id: int, event_ids: list[int]) -> int:
    """One batch's fan-out as a task of its own (messages queued before the company's event drain took it over)."""
    return fan_out_and_email(company_id=company_id, event_ids=event_ids, eager=self.request.is_eager)


@shared_task(autoretry_for=MAIL_TRANSIENT, **RETRY, name="notifications.tasks.send_notification_email_task")
def send_notification_email_task(company_id: int, notification_id: int) -> bool:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return False
    return emails.send_immediate(company=company, notification_id=notification_id)


@shared_task(autoretry_for=TRANSIENT, **RETRY, name="notifications.tasks.dispatch_notification_digests_task")
def dispatch_notification_digests_task(now: str | None = None) -> int:
    """Beat: enqueue the daily digests of every company whose local morning has come.

    Running it twice (or in two beats) is harmless: each digest is claimed
    once per person and day. ``now`` (ISO 8601) replaces the clock.
    """
    moment = datetime.datetime.fromisoformat(now) if now else timezone.now()
    due = emails.due_digests_all_companies(moment)
    for company_id, day in due:
        send_company_notification_digests_task.delay(company_id, day.isoformat(), moment.isoformat())
    return len(due)


@shared_task(autoretry_for=TRANSIENT, **RETRY, name="notifications.tasks.send_company_notification_digests_task")
def send_company_notification_digests_task(company_id: int, day: str, now: str) -> int:
    """One task per person with something waiting, so one failing address does not hold up the others."""
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return 0
    people = emails.digest_recipients(company=company, now=datetime.datetime.fromisoformat(now))
    for user_id in people:
        send_notification_digest_task.delay(company_id, user_id, day, now)
    return len(people)


@shared_task(autoretry_for=MAIL_TRANSIENT, **RETRY, name="notifications.tasks.send_notification_digest_task")
def send_notification_digest_task(company_id: int, user_id: int, day: str, now: str) -> bool:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return False
    return emails.send_digest(
        company=company,
        user_id=user_id,
        day=datetime.date.fromisoformat(day),
        now=datetime.datetime.fromisoformat(now),
    )


# ---------------------------------------------------------------- grading windows


@shared_task(autoretry_for=TRANSIENT, **RETRY, name="objectives.tasks.end_grading_windows_task")
def end_grading_windows_task(now: str | None = None) -> int:
    """Beat: end every closed cycle's grading window that has passed (its scores freeze); return how many ended.

    Here rather than in ``objectives.tasks``, which the services' scheduling
    imports (the service would close a cycle of imports), under the name of
    the app it serves, like the reminders. Idempotent: an ended window is
    recorded once (``cycle_grading_end`` locks the cycle and checks again);
    the deadline alone already refuses grades, so a late run freezes nothing
    that could still change. ``now`` (ISO 8601) replaces the clock.
    """
    moment = datetime.datetime.fromisoformat(now) if now else timezone.now()
    ended = okr.cycles_grading_end_all_companies(moment)
    log_event(log, "grading.ended", cycles=ended)
    return ended
