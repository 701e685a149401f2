"""Notifications: one row per person and event they are told about, and each person's preferences.

The event table (``objectives.Event``) is the source of truth; a notification
only says "this person is told about that event, for this reason" and keeps
its own read and emailed state. Who is told what is decided once, after the
event commits (``notifications.fanout``); what a notification *says* is
re-read from the event and checked against the reader's visibility every
time it is shown (``notifications.selectors``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Reason(models.TextChoices):
    """Why a person is told about an event, strongest first (one notification per person per event)."""

    MENTION = "mention", "Mentions of you"
    REPLY = "reply", "Replies to your comments"
    COMMENT = "comment", "Comments on your OKRs"
    REACTION = "reaction", "Reactions to your OKRs"
    DEPENDENCY_OFF_TRACK = "dependency_off_track", "Key results you depend on going off track"
    LADDERED = "laddered", "Objectives laddered under yours"
    PLAN = "plan", "Department plans submitted for your review, or your department's reviewed"
    REPORT = "report", "A cycle's report, when its grading ends (leaders and admins)"


#: Strongest first: when one event gives a person several reasons, the first of these wins.
REASON_STRENGTH: tuple[str, ...] = tuple(Reason.values)


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", "At once"
    DIGEST = "digest", "In the daily digest"
    OFF = "off", "Never"


class Notification(models.Model):
    """One person told about one event: unique per (company, person, event), so a redelivered fan-out adds nothing.

    ``in_app`` and ``email`` are the person's preferences for the reason when
    the notification was made (a change applies from then on). ``emailed_at``
    is also the claim of the email: it is set *before* the hand-over to the
    mail server, so no notification is emailed twice (``notifications.emails``).
    """

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey("objectives.Event", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=24, choices=Reason.choices)
    in_app = models.BooleanField(default=True, help_text="Shown in the bell and on the notifications page.")
    email = models.CharField(max_length=9, choices=EmailMode.choices, default=EmailMode.DIGEST)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "user", "event"], name="notification_once"),
            models.CheckConstraint(condition=Q(reason__in=Reason.values), name="notification_reason_valid"),
            models.CheckConstraint(condition=Q(email__in=EmailMode.values), name="notification_email_valid"),
        ]
        indexes = [
            # The page and the API list, newest first.
            models.Index(fields=["company", "user", "-created_at", "-id"], name="notification_user_time"),
            # The bell: a count of the unread that stops at the cap, never touching read rows.
            models.Index(
                fields=["company", "user", "-created_at", "-id"],
                condition=Q(read_at__isnull=True, in_app=True),
                name="notification_unread",
            ),
            # The daily digest: who has something waiting.
            models.Index(
                fields=["company", "user"],
                condition=Q(emailed_at__isnull=True) & ~Q(email=EmailMode.OFF),
                name="notification_unemailed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} for {self.user_id} about event {self.event_id}"


class NotificationPreference(models.Model):
    """A person's choice for one reason in one company; no row means the defaults (``notifications.preferences``)."""

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=24, choices=Reason.choices)
    in_app = models.BooleanField(default=True)
    email = models.CharField(max_length=9, choices=EmailMode.choices)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "user", "reason"], name="notification_preference_once"),
            models.CheckConstraint(condition=Q(reason__in=Reason.values), name="notification_preference_reason"),
            models.CheckConstraint(condition=Q(email__in=EmailMode.values), name="notification_preference_email"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.reason}: in app {self.in_app}, email {self.email}"


class NotificationDigest(models.Model):
    """The claim on one person's daily digest for one local day: at most one digest a day.

    Inserted and committed before the email is handed over, stamped
    ``sent_at`` after, like ``objectives.PeriodicEmail`` for reminders.
    """

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(help_text="The company's local date of the digest.")
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "user", "day"], name="notification_digest_once"),
        ]

    def __str__(self) -> str:
        return f"digest of {self.day} for {self.user_id}"
