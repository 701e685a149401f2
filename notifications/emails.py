"""Notification emails: at once for mentions and replies, and one daily digest of the rest.

**At once.** After the fan-out, each notification whose preference says
"at once" gets a task (``tasks.send_notification_email_task``): it is
emailed if its person still wants that and may still read it.

**Daily digest.** At the company's local morning
(``OKRHUB_NOTIFICATION_DIGEST_HOUR``, within ``OKRHUB_REMINDER_WINDOW_HOURS``
so a beat that was down catches up), each person with notifications not yet
emailed gets one email listing them: the digest kind, and "at once" ones
that could not be sent within ``IMMEDIATE_GRACE`` (a broker that was down),
from the last ``DIGEST_MAX_AGE``, of the reasons they have not switched off.

**A cycle's report.** When a cycle's grading ends, its leaders and admins
are told (reason ``report``, at once by default); that email carries the
cycle's scores as its recipient reads them (``objectives.report``), with a
link to the report page. One event per cycle and one notification per
person and event: one email per person and cycle.

**At most once.** Both claim before they hand the email over, the way the
reminders do (``notifications.reminders``): a notification's ``emailed_at``
is set (and committed) first, so no notification is emailed twice, and a
digest also claims a :class:`~notifications.models.NotificationDigest` row
unique per person and local day, so no one gets two digests a day however
often the dispatcher runs. If the mail server is unreachable or refuses for
now, the claims are released and the task retried; a permanent refusal
keeps them. Every link is absolute (``okrhub.links.site_url``), and every
email links to the person's notification preferences.
"""

import datetime
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from companies.models import Company
from companies.tenancy import Actor
from notifications.models import EmailMode, Notification, NotificationDigest, Reason
from notifications.reminders import _message, _permanent
from notifications.selectors import (
    Described,
    describe_all,
    notification_list,
    preference_for,
    preferences_for,
    readers,
    with_event,
)
from objectives.models import Cycle, Verb
from objectives.report import CycleReport, cycle_report, report_refusal
from okrhub.links import site_url
from okrhub.logs import log_event

log = logging.getLogger(__name__)

#: Notifications older than this when the digest goes out are not worth an email any more.
DIGEST_MAX_AGE = datetime.timedelta(days=7)
#: An "at once" notification still unsent after this long (no broker) goes out with the next digest.
IMMEDIATE_GRACE = datetime.timedelta(minutes=15)
#: At most this many notifications are claimed by one digest; it lists the first DIGEST_LISTED.
DIGEST_LIMIT = 500
DIGEST_LISTED = 50


def preferences_url(company: Company) -> str:
    return site_url(reverse("notifications:preferences", kwargs={"company_slug": company.slug}))


def notifications_url(company: Company) -> str:
    return site_url(reverse("notifications:list", kwargs={"company_slug": company.slug}))


def _item(notification: Notification, described: Described) -> dict[str, Any]:
    return {
        "text": described.text,
        "excerpt": described.excerpt,
        "url": site_url(described.path),
        "created_at": notification.created_at,
        "reason": notification.get_reason_display(),
    }


def _unclaim(ids: list[int], *, company: Company, stamp: datetime.datetime) -> None:
    Notification.objects.filter(company=company, pk__in=ids, emailed_at=stamp).update(emailed_at=None)


def _hand_over(message: Any, *, company: Company, ids: list[int], stamp: datetime.datetime, what: str) -> bool:
    """Send; True if the server took it. Released and raised if it may work later; kept if refused for good."""
    try:
        message.send()
    except Exception as error:
        if _permanent(error):
            log_event(
                log, "email.refused", level=logging.WARNING, company=company.pk, kind=what, error=type(error).__name__
            )
            return False
        _unclaim(ids, company=company, stamp=stamp)
        raise
    return True


def _cycle_report(*, company: Company, actor: Actor, cycle_id: int | None) -> CycleReport | None:
    """The closed cycle's report as the recipient reads it (their private reach, never more), for its email."""
    cycle = Cycle.objects.filter(company=company, pk=cycle_id).first() if cycle_id is not None else None
    if cycle is None or report_refusal(cycle) is not None:
        return None
    return cycle_report(company=company, actor=actor, cycle=cycle, detail=False)


# ---------------------------------------------------------------- at once


def send_immediate(*, company: Company, notification_id: int) -> bool:
    """Email one "at once" notification to its person; True if sent.

    Nothing is sent if it was emailed already, the person left the company,
    may no longer read what it is about, or now wants this reason otherwise.
    """
    notification = Notification.objects.filter(
        company=company, pk=notification_id, email=EmailMode.IMMEDIATE, emailed_at__isnull=True
    ).first()
    if notification is None:
        return False
    actor = readers(company=company, user_ids=[notification.user_id]).get(notification.user_id)
    if actor is None or preference_for(notification.user_id, company, notification.reason).email != EmailMode.IMMEDIATE:
        return False
    shown = with_event(notification_list(company=company, actor=actor, shown_in_app=False).filter(pk=notification.pk))
    notification = shown.first()
    if notification is None:
        return False
    stamp = timezone.now()
    claimed = Notification.objects.filter(company=company, pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=stamp
    )
    if not claimed:
        log_event(log, "notification_email.skipped", company=company.pk, notification=notification_id)
        return False
    item = _item(notification, describe_all([notification], actor=actor)[0])
    context = {
        "company": company,
        "user": actor.user,
        "item": item,
        "notifications_url": notifications_url(company),
        "preferences_url": preferences_url(company),
    }
    subject = f"{company.name}: {item['text']}"
    if len(subject) > 150:
        subject = subject[:149] + "\u2026"
    template = "notification"
    if notification.event.verb == Verb.CYCLE_GRADING_ENDED:
        report = _cycle_report(company=company, actor=actor, cycle_id=notification.event.cycle_id)
        if report is not None:
            template, context["report"] = "cycle_report", report
    message = _message(subject=subject, template=template, context=context, to=actor.user.email)
    if not _hand_over(message, company=company, ids=[notification.pk], stamp=stamp, what="notification"):
        return False
    log_event(log, "notification_email.sent", company=company.pk, user=actor.user_id, reason=notification.reason)
    return True


# ---------------------------------------------------------------- the daily digest


def digest_moment(company: Company, day: datetime.date) -> datetime.datetime:
    """When the digest of local date ``day`` is due: the company's local morning."""
    hour = datetime.time(settings.OKRHUB_NOTIFICATION_DIGEST_HOUR)
    return datetime.datetime.combine(day, hour, tzinfo=company.tzinfo)


def due_digest_day(company: Company, now: datetime.datetime) -> datetime.date | None:
    """The local date whose digest is due at ``now``, or None outside the sending window."""
    day = now.astimezone(company.tzinfo).date()
    moment = digest_moment(company, day)
    window = datetime.timedelta(hours=settings.OKRHUB_REMINDER_WINDOW_HOURS)
    return day if moment <= now < moment + window else None


def due_digests_all_companies(now: datetime.datetime) -> list[tuple[int, datetime.date]]:
    """(company id, local date) for every company whose digest morning has come (crosses companies)."""
    due = []
    for company in Company.objects.order_by("id").only("id", "timezone"):
        day = due_digest_day(company, now)
        if day is not None:
            due.append((company.pk, day))
    return due


def _waiting(notifications: QuerySet[Notification], now: datetime.datetime) -> QuerySet[Notification]:
    """Those of ``notifications`` not yet emailed that belong in a digest at ``now``."""
    return notifications.filter(
        Q(email=EmailMode.DIGEST) | Q(email=EmailMode.IMMEDIATE, created_at__lt=now - IMMEDIATE_GRACE),
        emailed_at__isnull=True,
        created_at__gte=now - DIGEST_MAX_AGE,
    )


def digest_recipients(*, company: Company, now: datetime.datetime) -> list[int]:
    """People with something waiting for the digest (one query on the partial index)."""
    waiting = _waiting(Notification.objects.filter(company=company), now)
    return sorted(set(waiting.values_list("user_id", flat=True)))


def send_digest(*, company: Company, user_id: int, day: datetime.date, now: datetime.datetime) -> bool:
    """Send one person the day's digest of what they were not emailed yet; True if sent."""
    actor = readers(company=company, user_ids=[user_id]).get(user_id)
    if actor is None:
        return False
    preferences = preferences_for(company=company, user_ids=[user_id])
    silenced = [reason for reason in Reason.values if preferences[(user_id, reason)].email == EmailMode.OFF]
    waiting = _waiting(notification_list(company=company, actor=actor, shown_in_app=False), now).exclude(
        reason__in=silenced
    )
    if not waiting.exists():
        return False
    try:
        with transaction.atomic():
            claim = NotificationDigest.objects.create(company=company, user_id=user_id, day=day)
    except IntegrityError:
        log_event(log, "notification_digest.skipped", company=company.pk, user=user_id, day=day)
        return False
    stamp = timezone.now()
    with transaction.atomic():
        ids = list(
            waiting.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)[:DIGEST_LIMIT]
        )
        Notification.objects.filter(company=company, pk__in=ids, emailed_at__isnull=True).update(emailed_at=stamp)
    if not ids:
        NotificationDigest.objects.filter(pk=claim.pk, company=company).delete()
        return False
    listed = list(with_event(Notification.objects.filter(company=company, pk__in=ids)).order_by("-created_at", "-id"))
    shown = listed[:DIGEST_LISTED]
    items = [_item(n, words) for n, words in zip(shown, describe_all(shown, actor=actor), strict=True)]
    context = {
        "company": company,
        "user": actor.user,
        "items": items,
        "more": len(listed) - len(items),
        "day": day,
        "notifications_url": notifications_url(company),
        "preferences_url": preferences_url(company),
    }
    count = len(listed)
    subject = f"{company.name}: {count} notification{'s' if count != 1 else ''} for {day:%d %b %Y}"
    message = _message(subject=subject, template="notification_digest", context=context, to=actor.user.email)
    try:
        sent = _hand_over(message, company=company, ids=ids, stamp=stamp, what="notification_digest")
    except Exception:
        NotificationDigest.objects.filter(pk=claim.pk, company=company, sent_at__isnull=True).delete()
        raise
    if not sent:
        return False
    NotificationDigest.objects.filter(pk=claim.pk, company=company).update(sent_at=timezone.now())
    log_event(log, "notification_digest.sent", company=company.pk, user=user_id, day=day, notifications=count)
    return True
