"""Writes of notifications: the fan-out from committed events, marking read, and preferences."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from companies.models import Company
from companies.tenancy import Actor
from notifications import rules
from notifications.models import EmailMode, Notification, NotificationPreference, Reason
from notifications.selectors import (
    Preference,
    may_read_event,
    notification_list,
    preferences_for,
    readers,
    require_person,
)
from objectives.models import Event
from okrhub.errors import invalid, not_found


def fan_out(*, company_id: int, event_ids: Sequence[int]) -> list[int]:
    """Make the notifications of committed events; return the ids of those to email at once.

    Re-reads the events (ids that name no row, from a savepoint that rolled
    back, are skipped), asks each verb's rule who is told and why
    (``notifications.rules``), keeps active members who may read the event's
    objective, and applies each person's preferences: nothing is made for a
    reason they silenced entirely. The insert ignores rows that exist (unique
    per company, person and event), so a redelivered task adds nothing; the
    ids returned are every not-yet-emailed "at once" notification of these
    events, so a redelivery still sends what a crash left unsent.
    A constant number of queries per event (a rule reads at most one table).
    """
    company = Company.objects.filter(pk=company_id).first()
    if company is None or not event_ids:
        return []
    events = list(
        Event.objects.filter(company=company, pk__in=list(event_ids))
        .select_related("objective", "key_result", "checkin")
        .order_by("id")
    )
    decided = [(event, user_id, reason) for event in events for user_id, reason in rules.recipients(event).items()]
    if not decided:
        return []
    people = readers(company=company, user_ids={user_id for _, user_id, _ in decided})
    preferences = preferences_for(company=company, user_ids=people)
    rows = []
    for event, user_id, reason in decided:
        actor = people.get(user_id)
        if actor is None or not may_read_event(actor, event):
            continue
        preference = preferences[(user_id, reason)]
        if preference.silent:
            continue
        rows.append(
            Notification(
                company=company,
                user_id=user_id,
                event=event,
                reason=reason,
                in_app=preference.in_app,
                email=preference.email,
                created_at=event.created_at,
            )
        )
    if rows:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        Notification.objects.filter(
            company=company,
            event_id__in=[event.pk for event in events],
            email=EmailMode.IMMEDIATE,
            emailed_at__isnull=True,
        )
        .order_by("id")
        .values_list("id", flat=True)
    )


def notification_mark_read(*, company: Company, actor: Actor, notification_id: int) -> Notification:
    """Mark one of the person's notifications read (again is harmless); 404 if not theirs or no longer readable."""
    notification = notification_list(company=company, actor=actor).filter(pk=notification_id).first()
    if notification is None:
        raise not_found("notification")
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, company=company, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notification_mark_all_read(*, company: Company, actor: Actor) -> int:
    """Mark every unread notification of the person in this company read; return how many changed."""
    user_id = require_person(actor)
    return Notification.objects.filter(company=company, user_id=user_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def _checked(reason: str, change: Any) -> dict[str, Any]:
    if reason not in Reason.values:
        raise invalid(reason, f"Unknown reason; choose from: {', '.join(Reason.values)}.", "invalid_choice")
    if not isinstance(change, Mapping):
        raise invalid(reason, "Send an object with in_app and/or email.", "invalid")
    unknown = sorted(set(change) - {"in_app", "email"})
    if unknown:
        raise invalid(f"{reason}.{unknown[0]}", "Unknown setting; send in_app and/or email.", "unknown_field")
    if "in_app" in change and not isinstance(change["in_app"], bool):
        raise invalid(f"{reason}.in_app", "Send true or false.", "invalid")
    if "email" in change and change["email"] not in EmailMode.values:
        raise invalid(f"{reason}.email", f"Choose one of: {', '.join(EmailMode.values)}.", "invalid_choice")
    return dict(change)


@transaction.atomic
def preferences_update(
    *, company: Company, actor: Actor, changes: Mapping[str, Mapping[str, Any]]
) -> dict[str, Preference]:
    """Change how the person hears about some reasons; every reason's preference afterwards.

    ``changes`` maps a reason to the settings to change (``in_app``,
    ``email``); the others keep their current value. Everything is checked
    before anything is written, so a bad entry changes nothing.
    """
    user_id = require_person(actor)
    checked = {reason: _checked(reason, change) for reason, change in changes.items()}
    current = preferences_for(company=company, user_ids=[user_id])
    now = timezone.now()
    rows = []
    for reason, change in checked.items():
        before = current[(user_id, reason)]
        rows.append(
            NotificationPreference(
                company=company,
                user_id=user_id,
                reason=reason,
                in_app=change.get("in_app", before.in_app),
                email=change.get("email", before.email),
                updated_at=now,
            )
        )
    if rows:
        NotificationPreference.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["company", "user", "reason"],
            update_fields=["in_app", "email", "updated_at"],
        )
    after = preferences_for(company=company, user_ids=[user_id])
    return {reason: after[(user_id, reason)] for reason in Reason.values}
