"""Check-in reminders and the leaders' weekly digest, at most once per person and period.

**Periods.** A company checks in weekly at its *check-in moment*: its
``checkin_weekday`` at ``checkin_hour``, local time in its ``timezone``. The
period named by local date ``D`` is the week that ends at the moment on ``D``.
At that moment (within ``OKRHUB_REMINDER_WINDOW_HOURS``, so a beat that was
down catches up) the company is *due*:

- each owner of a key result of an active objective in an active cycle whose
  last check-in is older than the previous moment (none during the week) gets
  one reminder listing those key results, unless they turned reminders off;
- each leader and admin gets one digest of the week: what moved, what is at
  risk or behind pace, what is unaligned, and missed check-ins per department.

**Exactly once, or at most once.** Every email is preceded by a claim: a
:class:`~objectives.models.PeriodicEmail` row, unique per (company, kind,
period, person), inserted and committed *before* the email is handed to the
mail server, and stamped ``sent_at`` after. A second dispatcher run, a
duplicate task or a racing worker fails to insert the claim (the database's
unique index decides; the loser waits for the winner's commit) and sends
nothing. The crash windows:

- dies after the claim commits, before the hand-over: no email for that
  person this period (at most once wins over at least once; the row with an
  empty ``sent_at`` shows it);
- dies after the hand-over, before ``sent_at`` is stamped: the email went out
  once; the claim still blocks any resend;
- the mail server is unreachable or refuses for now (4xx): nothing was
  sent, so the claim is deleted and the task retried with backoff, and the
  retry claims again; a permanent refusal (5xx) keeps the claim: no retry.
  (A server that accepts the message but whose reply is lost would make that
  retry a duplicate: the one case SMTP itself cannot tell apart.)
"""

import datetime
import logging
import smtplib
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from alignment.selectors import alignment_gaps, alignment_tree
from companies.models import Company, Membership, Role, User
from companies.tenancy import Actor
from objectives import formatting
from objectives.models import (
    CheckIn,
    Confidence,
    Cycle,
    CycleStatus,
    EmailKind,
    KeyResult,
    ObjectiveStatus,
    PeriodicEmail,
)
from objectives.progress import Status, key_result_progress
from objectives.selectors import visible_objectives_q
from okrhub.links import site_url
from okrhub.logs import log_event

log = logging.getLogger(__name__)

PERIOD = datetime.timedelta(days=7)
DIGEST_ROLES = (Role.ADMIN, Role.LEADER)
UNSUBSCRIBE_SALT = "okrhub.reminders.unsubscribe"


# ---------------------------------------------------------------- periods


def checkin_moment(company: Company, day: datetime.date) -> datetime.datetime:
    """The company's check-in moment on local date ``day``, as an aware datetime."""
    return datetime.datetime.combine(day, datetime.time(company.checkin_hour), tzinfo=company.tzinfo)


def latest_period(company: Company, now: datetime.datetime) -> datetime.date:
    """The local date of the latest check-in moment at or before ``now``."""
    local = now.astimezone(company.tzinfo)
    day = local.date() - datetime.timedelta(days=(local.weekday() - company.checkin_weekday) % 7)
    if checkin_moment(company, day) > now:
        day -= PERIOD
    return day


def due_period(company: Company, now: datetime.datetime) -> datetime.date | None:
    """The period whose emails are due at ``now``, or None outside the sending window."""
    day = latest_period(company, now)
    window = datetime.timedelta(hours=settings.OKRHUB_REMINDER_WINDOW_HOURS)
    return day if now - checkin_moment(company, day) < window else None


def period_start(company: Company, period: datetime.date) -> datetime.datetime:
    """When the week named ``period`` began: the previous check-in moment."""
    return checkin_moment(company, period - PERIOD)


def due_companies_all_companies(now: datetime.datetime) -> list[tuple[int, datetime.date]]:
    """(company id, period) for every company whose check-in moment has come (crosses companies)."""
    due = []
    for company in Company.objects.order_by("id").only("id", "timezone", "checkin_weekday", "checkin_hour"):
        period = due_period(company, now)
        if period is not None:
            due.append((company.pk, period))
    return due


# ---------------------------------------------------------------- selectors


def _active_key_results(company: Company):
    return KeyResult.objects.filter(
        company=company,
        objective__status=ObjectiveStatus.ACTIVE,
        objective__cycle__status=CycleStatus.ACTIVE,
    )


def _missed(since: datetime.datetime) -> Q:
    return Q(last_checkin_at__isnull=True) | Q(last_checkin_at__lt=since)


def key_results_to_remind(
    *, company: Company, since: datetime.datetime, owner_id: int | None = None, actor: Actor | None = None
) -> dict[int, list[dict[str, Any]]]:
    """Active key results with no check-in since ``since``, by owner (reminders on, still a member).

    With ``actor`` (the owner, when their email is written), only key results of objectives they may read.
    """
    members = Membership.objects.filter(company=company).values("user_id")
    qs = (
        _active_key_results(company)
        .filter(_missed(since), owner__isnull=False, owner__is_active=True, owner__checkin_reminders=True)
        .filter(owner_id__in=members)
    )
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    if actor is not None:
        qs = qs.filter(visible_objectives_q(actor=actor, prefix="objective__"))
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in qs.order_by("owner_id", "objective__title", "id").values(
        "id",
        "title",
        "owner_id",
        "progress",
        "last_checkin_at",
        "objective__title",
        "objective__department__name",
    ):
        found[row["owner_id"]].append(row)
    return dict(found)


def company_url(company: Company) -> str:
    return site_url(reverse("objectives:my_key_results", args=[company.slug]))


def checkin_url(company: Company) -> str:
    """Where a reminder sends its reader: the weekly check-in page, every key result of theirs on one form."""
    return site_url(reverse("objectives:weekly_checkin", args=[company.slug]))


def unsubscribe_url(user: User) -> str:
    token = signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT)
    return site_url(reverse("reminders-unsubscribe", args=[token]))


def user_for_unsubscribe_token(token: str) -> User | None:
    """The person a signed unsubscribe link names, or None if the link is forged."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=data.get("u")).first()


def _percent(progress: float | None) -> str:
    return "—" if progress is None else f"{round(progress * 100)}%"


def weekly_digest(
    *, company: Company, actor: Actor, since: datetime.datetime, until: datetime.datetime
) -> dict[str, Any]:
    """The leaders' week: what moved, what is at risk or behind pace, what is unaligned, who missed check-ins."""
    cycles = list(Cycle.objects.filter(company=company, status=CycleStatus.ACTIVE).order_by("start_date", "id"))
    at_risk: list[dict[str, Any]] = []
    unaligned: list[dict[str, Any]] = []
    unsupported: list[dict[str, Any]] = []
    empty_departments: dict[int, str] = {}
    visible_objectives: set[int] = set()
    for cycle in cycles:
        tree = alignment_tree(company=company, actor=actor, cycle=cycle, today=until.astimezone(company.tzinfo).date())
        stack = list(tree["roots"])
        while stack:
            row = stack.pop()
            stack.extend(row["children"])
            if row["status"] != ObjectiveStatus.ACTIVE:
                continue
            visible_objectives.add(row["id"])
            for kr in row["key_results"]:
                # The computed status first, the owner's confidence after it and labelled (DESIGN §3).
                flags = []
                if kr["pace_status"] == Status.BEHIND_PACE:
                    flags.append(Status.BEHIND_PACE.label)
                if kr["confidence"] in (Confidence.AT_RISK, Confidence.OFF_TRACK):
                    flags.append(f"confidence: {Confidence(kr['confidence']).label.lower()}")
                if flags:
                    at_risk.append(
                        {
                            "title": kr["title"],
                            "objective": row["title"],
                            "progress": _percent(kr["progress"]),
                            "flags": ", ".join(flags),
                        }
                    )
        gaps = alignment_gaps(company=company, actor=actor, cycle=cycle)
        # Drafts are work in progress: the digest reports the plan people are working to.
        unaligned += [
            {"title": o["title"], "department": o["department__name"]}
            for o in gaps["unaligned_objectives"]
            if o["status"] == ObjectiveStatus.ACTIVE
        ]
        unsupported += [
            {"title": o["title"]}
            for o in gaps["unsupported_company_objectives"]
            if o["status"] == ObjectiveStatus.ACTIVE
        ]
        for department in gaps["departments_without_objectives"]:
            empty_departments[department["id"]] = department["name"]

    key_results = {
        row["id"]: row
        for row in _active_key_results(company)
        .filter(objective_id__in=visible_objectives)
        .order_by("id")
        .values(
            "id",
            "title",
            "kind",
            "direction",
            "start_value",
            "target_value",
            "progress",
            "last_checkin_at",
            "objective__title",
            "objective__department__name",
            "owner__full_name",
            "owner__email",
        )
    }
    # Progress at the start of the week: from the last check-in before it (one query).
    before: dict[int, Any] = {}
    # Corrected and undone entries never count: the effective check-ins only (CheckIn.objects.effective).
    earlier = (
        CheckIn.objects.effective()
        .filter(company=company, key_result_id__in=list(key_results), created_at__lt=since)
        .order_by("key_result_id", "-created_at", "-id")
    )
    if connection.vendor == "postgresql":
        earlier = earlier.distinct("key_result_id")  # DISTINCT ON; elsewhere the first row per key result wins
    for kr_id, value in earlier.values_list("key_result_id", "value"):
        before.setdefault(kr_id, value)
    checked_in = set(
        CheckIn.objects.effective()
        .filter(company=company, key_result_id__in=list(key_results), created_at__gte=since, created_at__lt=until)
        .values_list("key_result_id", flat=True)
    )
    moved = []
    missed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for kr_id, kr in key_results.items():
        if kr_id in checked_in:
            start = key_result_progress(
                kind=kr["kind"],
                direction=kr["direction"],
                start=kr["start_value"],
                target=kr["target_value"],
                current=before.get(kr_id),
            )
            delta = None if start is None or kr["progress"] is None else kr["progress"] - start
            moved.append(
                {
                    "title": kr["title"],
                    "objective": kr["objective__title"],
                    "before": _percent(start),
                    "after": _percent(kr["progress"]),
                    "delta": delta,
                }
            )
        elif kr["last_checkin_at"] is None or kr["last_checkin_at"] < since:
            owner = kr["owner__full_name"] or kr["owner__email"] or "no owner"
            missed[kr["objective__department__name"] or "Company-level"].append(
                {"title": kr["title"], "objective": kr["objective__title"], "owner": owner}
            )
    moved.sort(key=lambda m: (-abs(m["delta"] or 0), m["title"]))
    return {
        "company": company,
        "since": since,
        "until": until,
        "moved": moved,
        "at_risk": at_risk,
        "unaligned": unaligned,
        "unsupported": unsupported,
        "departments_without_objectives": sorted(empty_departments.values()),
        "missed_by_department": sorted(missed.items()),
        "missed_count": sum(len(items) for items in missed.values()),
    }


# ---------------------------------------------------------------- sending


def _claim(*, company: Company, user_id: int, kind: str, period: datetime.date) -> PeriodicEmail | None:
    """Insert and commit the claim; None if someone already holds it."""
    try:
        with transaction.atomic():
            return PeriodicEmail.objects.create(company=company, user_id=user_id, kind=kind, period=period)
    except IntegrityError:
        return None


def _permanent(error: Exception) -> bool:
    """A refusal the mail server will repeat (5xx: unknown mailbox, policy): retrying cannot help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _send_claimed(claim: PeriodicEmail, message: EmailMultiAlternatives) -> bool:
    """Hand the message over and stamp the claim; True if the mail server took it.

    If the server did not take it, the claim is released and the error raised
    (the task retries), except for a permanent refusal: the claim is kept, so
    the address is not tried again this period.
    """
    try:
        message.send()
    except Exception as error:
        if _permanent(error):
            log_event(
                log,
                "email.refused",
                level=logging.WARNING,
                company=claim.company_id,
                user=claim.user_id,
                kind=claim.kind,
                period=claim.period,
                error=type(error).__name__,
            )
            return False
        PeriodicEmail.objects.filter(pk=claim.pk, company_id=claim.company_id, sent_at__isnull=True).delete()
        raise
    PeriodicEmail.objects.filter(pk=claim.pk, company_id=claim.company_id).update(sent_at=timezone.now())
    return True


def _message(*, subject: str, template: str, context: dict[str, Any], to: str) -> EmailMultiAlternatives:
    text = render_to_string(f"notifications/emails/{template}.txt", context)
    html = render_to_string(f"notifications/emails/{template}.html", context)
    unsubscribe = context.get("unsubscribe_url")
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to], headers=headers if unsubscribe else None)
    message.attach_alternative(html, "text/html")
    return message


def reminder_key_results(*, membership: Membership, since: datetime.datetime) -> list[dict[str, Any]]:
    """What one member's reminder lists (email and chat alike): their due key results, each with a progress label."""
    user_id = membership.user_id
    key_results = key_results_to_remind(
        company=membership.company, since=since, owner_id=user_id, actor=Actor.for_membership(membership)
    ).get(user_id, [])
    for kr in key_results:
        kr["progress_label"] = _percent(kr["progress"])
    return key_results


def digest_membership(*, company: Company, user_id: int) -> Membership | None:
    """The membership a digest is written for: an active leader or admin of ``company``, else None."""
    return (
        Membership.objects.select_related("user", "company")
        .filter(company=company, user_id=user_id, role__in=DIGEST_ROLES, user__is_active=True)
        .first()
    )


def period_digest(*, company: Company, actor: Actor, period: datetime.date, now: datetime.datetime) -> dict[str, Any]:
    """The digest of the week named ``period`` as ``actor`` may read it (email, Slack and Teams alike)."""
    return weekly_digest(
        company=company,
        actor=actor,
        since=period_start(company, period),
        until=max(now, checkin_moment(company, period)),
    )


def send_checkin_reminder(*, company: Company, user_id: int, period: datetime.date) -> bool:
    """Remind one person of their key results without a check-in this period; True if sent."""
    since = period_start(company, period)
    membership = Membership.objects.select_related("user", "company").filter(company=company, user_id=user_id).first()
    if membership is None:
        return False
    user = membership.user
    key_results = reminder_key_results(membership=membership, since=since)
    if not key_results:
        return False
    claim = _claim(company=company, user_id=user_id, kind=EmailKind.CHECKIN_REMINDER, period=period)
    if claim is None:
        log_event(log, "reminder.skipped", company=company.pk, user=user_id, period=period, reason="already_claimed")
        return False
    context = {
        "company": company,
        "user": user,
        "key_results": key_results,
        "url": checkin_url(company),
        "unsubscribe_url": unsubscribe_url(user),
        "since": since.astimezone(company.tzinfo),
    }
    count = len(key_results)
    subject = f"{company.name}: time to check in on {formatting.count(count, 'key result', 'key results')}"
    if not _send_claimed(claim, _message(subject=subject, template="checkin_reminder", context=context, to=user.email)):
        return False
    log_event(log, "reminder.sent", company=company.pk, user=user_id, period=period, key_results=count)
    return True


def send_weekly_digest(*, company: Company, user_id: int, period: datetime.date, now: datetime.datetime) -> bool:
    """Send one leader the week's digest; True if sent."""
    membership = digest_membership(company=company, user_id=user_id)
    if membership is None:
        return False
    digest = period_digest(company=company, actor=Actor.for_membership(membership), period=period, now=now)
    claim = _claim(company=company, user_id=user_id, kind=EmailKind.DIGEST, period=period)
    if claim is None:
        log_event(log, "digest.skipped", company=company.pk, user=user_id, period=period, reason="already_claimed")
        return False
    context = {**digest, "user": membership.user, "url": company_url(company)}
    subject = f"{company.name}: your OKR week to {period:%d %b %Y}"
    if not _send_claimed(
        claim, _message(subject=subject, template="digest", context=context, to=membership.user.email)
    ):
        return False
    log_event(log, "digest.sent", company=company.pk, user=user_id, period=period)
    return True


def recipients(*, company: Company, period: datetime.date) -> tuple[list[int], list[int]]:
    """(people to remind, leaders to send the digest to) for a due company."""
    reminded = sorted(key_results_to_remind(company=company, since=period_start(company, period)))
    leaders = list(
        Membership.objects.filter(company=company, role__in=DIGEST_ROLES, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    return reminded, leaders
