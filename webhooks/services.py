"""Every write of the webhooks: endpoints, the fan-out of committed events, attempts, tests and redeliveries.

Delivery is at least once. The fan-out (``fan_out``) inserts one pending
``Delivery`` per (endpoint, event), unique, so running it twice inserts
nothing new; a task then attempts each. An attempt first *claims* its row
(``claim``: an update that moves ``next_attempt_at`` a lease ahead), so two
workers handed the same delivery never both send it, and a worker that died
mid-attempt leaves a row the sweep (``sweep``) hands out again once the
lease ran out. The sweep also re-runs the fan-out over the last hour's
events, which catches a fan-out task lost with the broker.

The retry schedule (``RETRY_DELAYS``, after the first attempt) follows the
Standard Webhooks / Svix one: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, eight
attempts over about 27.5 hours. Retried: 5xx, 408, 429, timeouts, refused or
reset connections and names that do not resolve. Not retried (``failed``):
other 4xx answers (the receiver refused this message; it can be redelivered
from the log), redirects (never followed) and addresses the SSRF guard
refuses. After the last attempt a delivery is ``given_up``.
"""

import base64
import datetime
import logging
import secrets as random
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from companies.models import Company, Membership
from companies.tenancy import Actor
from objectives.feed import event_representation, readable_events_q, reader_payload, references
from objectives.models import Event
from okrhub.errors import not_found
from okrhub.links import site_url
from okrhub.logs import log_event
from okrhub.outbound import UnsafeURL, check_url
from okrhub.permissions import Action
from okrhub.roles import Role
from webhooks import sending
from webhooks.events import EVENT_TYPES, SENT_VERBS, TEST_TYPE, TYPE_OF_VERB
from webhooks.models import Delivery, DeliveryStatus, Endpoint

log = logging.getLogger(__name__)

#: Waits before the 2nd, 3rd, … attempt (the 1st is at once): eight attempts over about 27.5 hours.
RETRY_DELAYS: tuple[datetime.timedelta, ...] = tuple(
    datetime.timedelta(seconds=s) for s in (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
#: How long an attempt holds its delivery before the sweep may hand it to another worker.
LEASE = datetime.timedelta(seconds=60)
#: How long the previous secret still signs after a rotation.
ROTATION_OVERLAP = datetime.timedelta(hours=24)
#: How far back the sweep looks for events whose fan-out was lost.
CATCH_UP = datetime.timedelta(hours=1)
MAX_ENDPOINTS_PER_COMPANY = 20
#: Deliveries one sweep hands out at most.
SWEEP_BATCH = 1000


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(random.token_bytes(32)).decode()


def _same_company(company: Company, row: Endpoint | Delivery) -> None:
    """A row of another company reads as missing (the views fetch by company already: a guard, not a rule)."""
    if row.company_id != company.pk:
        raise not_found("webhook endpoint" if isinstance(row, Endpoint) else "webhook delivery")


def scope_actor(*, company: Company, include_private: bool) -> Actor:
    """Who an endpoint reads as: a reader of everything, or a viewer of no department (no private objective).

    The same reach as an API key of the same scope (``okrhub.permissions``),
    so ``objectives.feed.readable_events_q`` decides what an endpoint receives.
    """
    return Actor(company=company, role=Role.LEADER if include_private else Role.VIEWER, user=None)


# ---------------------------------------------------------------- endpoints


def _url_errors(url: str) -> list[str]:
    if len(url) > 2000:
        return ["Use at most 2000 characters."]
    try:
        check_url(url)
    except UnsafeURL as error:
        return [str(error)]
    return []


def _field_errors(*, event_types: list[str], description: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(event_types, list) or not all(isinstance(t, str) for t in event_types):
        return {"event_types": ["Send a list of event type names."]}
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        errors["event_types"] = [f"Unknown event type: {', '.join(unknown)}. Choose from {', '.join(EVENT_TYPES)}."]
    if len(description) > 200:
        errors["description"] = ["Use at most 200 characters."]
    return errors


def _ordered(event_types: list[str]) -> list[str]:
    return [t for t in EVENT_TYPES if t in event_types]


def endpoint_create(
    *,
    company: Company,
    actor: Actor,
    url: str,
    event_types: list[str],
    description: str = "",
    include_private: bool = False,
) -> Endpoint:
    """A new enabled endpoint with a fresh secret (the caller shows it once)."""
    actor.require(Action.MANAGE_WEBHOOKS)
    errors = _field_errors(event_types=event_types, description=description)
    if url_errors := _url_errors(url):
        errors["url"] = url_errors
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Company.objects.select_for_update().filter(pk=company.pk).first()  # counts the endpoints one at a time
        if Endpoint.objects.filter(company=company).count() >= MAX_ENDPOINTS_PER_COMPANY:
            raise ValidationError({"url": [f"A company has at most {MAX_ENDPOINTS_PER_COMPANY} endpoints."]})
        return Endpoint.objects.create(
            company=company,
            url=url,
            description=description,
            event_types=_ordered(event_types),
            include_private=include_private,
            secret=new_secret(),
            created_by_id=actor.user_id,
        )


def endpoint_update(*, company: Company, actor: Actor, endpoint: Endpoint, **changes: Any) -> Endpoint:
    """Change url, description, event_types, include_private or enabled; enabling again forgets the failures."""
    actor.require(Action.MANAGE_WEBHOOKS)
    _same_company(company, endpoint)
    errors = _field_errors(
        event_types=changes.get("event_types", endpoint.event_types),
        description=changes.get("description", endpoint.description),
    )
    if "url" in changes and changes["url"] != endpoint.url and (url_errors := _url_errors(changes["url"])):
        errors["url"] = url_errors
    if errors:
        raise ValidationError(errors)
    endpoint.url = changes.get("url", endpoint.url)
    endpoint.description = changes.get("description", endpoint.description)
    endpoint.event_types = _ordered(changes.get("event_types", endpoint.event_types))
    endpoint.include_private = bool(changes.get("include_private", endpoint.include_private))
    if "enabled" in changes and bool(changes["enabled"]) != endpoint.enabled:
        endpoint.enabled = bool(changes["enabled"])
        endpoint.failing_since = None
        endpoint.disabled_reason = "" if endpoint.enabled else "Disabled by an admin."
        endpoint.disabled_at = None if endpoint.enabled else timezone.now()
    endpoint.save()
    return endpoint


def endpoint_delete(*, company: Company, actor: Actor, endpoint: Endpoint) -> None:
    """Delete the endpoint and its delivery log; nothing more is sent to it."""
    actor.require(Action.MANAGE_WEBHOOKS)
    _same_company(company, endpoint)
    endpoint.delete()


def endpoint_rotate_secret(
    *, company: Company, actor: Actor, endpoint: Endpoint, now: datetime.datetime | None = None
) -> Endpoint:
    """A new secret; the one it replaces still signs (a second signature) for ``ROTATION_OVERLAP``."""
    actor.require(Action.MANAGE_WEBHOOKS)
    _same_company(company, endpoint)
    now = now or timezone.now()
    endpoint.previous_secret, endpoint.secret = endpoint.secret, new_secret()
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return endpoint


def signing_secrets(endpoint: Endpoint, now: datetime.datetime) -> list[str]:
    """The secrets that sign now: the current one, and the previous one during the overlap."""
    found = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        found.append(endpoint.previous_secret)
    return found


# ---------------------------------------------------------------- fan-out


def _msg_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def fan_out(*, company_id: int, event_ids: list[int], queued: bool, now: datetime.datetime | None = None) -> list[int]:
    """Insert the pending deliveries of committed events; the ids of the company's deliveries still to attempt.

    ``queued``: the caller enqueues their attempts itself (the fan-out task);
    otherwise the sweep hands them out at its next run.

    Only the company's enabled endpoints that want the event's type and
    existed when it happened; an event about a private objective only to
    endpoints with ``include_private`` (``readable_events_q`` of the
    endpoint's scope). Idempotent (unique per endpoint and event).
    Queries: the endpoints; then, if any, the events, the public ones among
    them, the insert and the pending ids.
    """
    endpoints = list(Endpoint.objects.filter(company_id=company_id, enabled=True).select_related("company"))
    if not endpoints:
        return []
    events = list(
        Event.objects.filter(company_id=company_id, pk__in=event_ids, verb__in=SENT_VERBS)
        .order_by("id")  # deliveries numbered in the events' order: a drain attempts the oldest first
        .values_list("id", "verb", "created_at")
    )
    if not events:
        return []
    company = endpoints[0].company
    public = set(
        Event.objects.filter(company_id=company_id, pk__in=[e[0] for e in events])
        .filter(readable_events_q(scope_actor(company=company, include_private=False)))
        .values_list("id", flat=True)
    )
    now = now or timezone.now()
    rows = [
        Delivery(
            company_id=company_id,
            endpoint=endpoint,
            event_id=event_id,
            event_type=TYPE_OF_VERB[verb],
            msg_id=_msg_id(),
            next_attempt_at=now,
            queued_at=now if queued else None,
        )
        for event_id, verb, created_at in events
        for endpoint in endpoints
        if endpoint.wants(TYPE_OF_VERB[verb])
        and created_at >= endpoint.created_at
        and (endpoint.include_private or event_id in public)
    ]
    if not rows:
        return []
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        Delivery.objects.filter(
            company_id=company_id, event_id__in=[e[0] for e in events], status=DeliveryStatus.PENDING, attempts=0
        )
        .order_by("id")
        .values_list("id", flat=True)
    )


# ---------------------------------------------------------------- attempts


def claim(delivery_id: int, *, now: datetime.datetime) -> bool:
    """Take the delivery for one attempt if it is pending and due; False if it is not (or another worker has it)."""
    return bool(
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
            next_attempt_at=now + LEASE
        )
    )


def message(delivery: Delivery) -> dict[str, Any] | None:
    """The JSON body of the delivery: ``{type, timestamp, data}``; None if its endpoint may no longer read it.

    ``data`` is the event as the REST API shows it (``objectives.feed.event_representation``)
    to a reader of the endpoint's scope.
    """
    if delivery.event_id is None:
        return delivery.payload
    endpoint = delivery.endpoint
    actor = scope_actor(company=endpoint.company, include_private=endpoint.include_private)
    event = (
        Event.objects.filter(company_id=delivery.company_id, pk=delivery.event_id)
        .filter(readable_events_q(actor))
        .select_related("actor")
        .first()
    )
    if event is None:
        return None
    refs = references(company=endpoint.company, actor=actor, events=[event])
    data = event_representation(event, payload=reader_payload(event, refs))
    return {"type": delivery.event_type, "timestamp": data["created_at"], "data": data}


def attempt(delivery_id: int, *, now: datetime.datetime | None = None) -> str | None:
    """Make one attempt at a due delivery; its status afterwards, or None if it was not claimed.

    ``now`` replaces the clock (tests walk the retry schedule with it).
    """
    now = now or timezone.now()
    if not claim(delivery_id, now=now):
        return None
    delivery = Delivery.objects.select_related("endpoint", "endpoint__company").filter(pk=delivery_id).first()
    if delivery is None:  # its endpoint (or event) was deleted in between
        return None
    endpoint = delivery.endpoint
    delivery.attempts += 1
    delivery.last_attempt_at = now
    if not endpoint.enabled:
        return _finish(delivery, DeliveryStatus.FAILED, error="The endpoint is disabled.")
    body = message(delivery)
    if body is None:
        return _finish(delivery, DeliveryStatus.FAILED, error="The endpoint may no longer read this event.")
    outcome = sending.post(
        url=endpoint.url, msg_id=delivery.msg_id, body=sending.encode(body), secrets=signing_secrets(endpoint, now)
    )
    delivery.last_response_code = outcome.status_code
    delivery.response_excerpt = outcome.excerpt
    delivery.last_duration_ms = outcome.duration_ms
    if outcome.delivered:
        delivery.delivered_at = now
        status = _finish(delivery, DeliveryStatus.DELIVERED, error="")
        Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(failing_since=None)
        return status
    if outcome.retryable and delivery.attempts < MAX_ATTEMPTS:
        delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
        status = _finish(delivery, DeliveryStatus.PENDING, error=outcome.error)
    else:
        status = _finish(
            delivery, DeliveryStatus.GIVEN_UP if outcome.retryable else DeliveryStatus.FAILED, error=outcome.error
        )
    _endpoint_failed(endpoint, now=now)
    return status


def _finish(delivery: Delivery, status: str, *, error: str) -> str:
    delivery.status = status
    delivery.last_error = error[:500]
    if status != DeliveryStatus.PENDING:
        delivery.next_attempt_at = None
    fields = (
        "status",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "delivered_at",
        "last_response_code",
        "last_error",
        "response_excerpt",
        "last_duration_ms",
    )
    # An update, not a save: a delivery deleted during the attempt (its endpoint was) stays deleted.
    Delivery.objects.filter(pk=delivery.pk).update(**{name: getattr(delivery, name) for name in fields})
    log_event(
        log,
        "webhook.attempt",
        delivery=delivery.pk,
        endpoint=delivery.endpoint_id,
        status=status,
        code=delivery.last_response_code or "",
        attempt=delivery.attempts,
    )
    return status


def _endpoint_failed(endpoint: Endpoint, *, now: datetime.datetime) -> None:
    """Remember when the failures began; disable an endpoint failing for days and email its admins, once."""
    Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
    days = settings.OKRHUB_WEBHOOK_DISABLE_AFTER_DAYS
    cutoff = now - datetime.timedelta(days=days)
    reason = f"Disabled after {days} days of failed deliveries with no success."
    with transaction.atomic():
        disabled = Endpoint.objects.filter(pk=endpoint.pk, enabled=True, failing_since__lte=cutoff).update(
            enabled=False, disabled_reason=reason, disabled_at=now
        )
        if disabled:
            Delivery.objects.filter(endpoint_id=endpoint.pk, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.FAILED, next_attempt_at=None, last_error="The endpoint was disabled."
            )
            _email_admins_disabled(endpoint, reason)
    if disabled:
        log_event(log, "webhook.endpoint_disabled", level=logging.WARNING, endpoint=endpoint.pk)


def _email_admins_disabled(endpoint: Endpoint, reason: str) -> None:
    company = endpoint.company
    admins = Membership.objects.filter(company=company, role=Role.ADMIN).select_related("user")
    context = {
        "company": company,
        "endpoint": endpoint,
        "reason": reason,
        "url": site_url(reverse("webhooks:list", args=[company.slug])),
    }
    for membership in admins:
        text = render_to_string("webhooks/emails/endpoint_disabled.txt", context)
        email = EmailMultiAlternatives(
            subject=f"Webhook endpoint disabled: {endpoint.url}"[:150], body=text, to=[membership.user.email]
        )
        transaction.on_commit(email.send)


# ---------------------------------------------------------------- tests and redelivery


def send_test(*, company: Company, actor: Actor, endpoint: Endpoint) -> Delivery:
    """A ``webhook.test`` message to the endpoint, due now (the caller attempts it at once)."""
    actor.require(Action.MANAGE_WEBHOOKS)
    _same_company(company, endpoint)
    now = timezone.now()
    payload = {
        "type": TEST_TYPE,
        "timestamp": now.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
        "data": {"company": company.slug, "endpoint": endpoint.pk, "message": "A test from OKRHub."},
    }
    return Delivery.objects.create(
        company=company,
        endpoint=endpoint,
        event_type=TEST_TYPE,
        msg_id=_msg_id(),
        payload=payload,
        next_attempt_at=now,
    )


def redeliver(*, company: Company, actor: Actor, delivery: Delivery) -> Delivery:
    """Send the delivery again now, with the same message id; its attempts start over."""
    actor.require(Action.MANAGE_WEBHOOKS)
    _same_company(company, delivery)
    if not delivery.endpoint.enabled:
        raise ValidationError({"endpoint": ["Enable the endpoint before redelivering to it."]})
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    return delivery


# ---------------------------------------------------------------- the sweep


def _missing_events(endpoint: Endpoint, *, now: datetime.datetime) -> list[int]:
    """The last hour's events ``endpoint`` takes (type, age, scope) that have no delivery to it."""
    verbs = [verb for name in (endpoint.event_types or EVENT_TYPES) for verb in EVENT_TYPES.get(name, ())]
    events = Event.objects.filter(
        company_id=endpoint.company_id, created_at__gte=max(now - CATCH_UP, endpoint.created_at), verb__in=verbs
    )
    if not endpoint.include_private:
        events = events.filter(readable_events_q(scope_actor(company=endpoint.company, include_private=False)))
    delivered = Delivery.objects.filter(endpoint_id=endpoint.pk, event_id=OuterRef("pk"))
    return list(events.exclude(Exists(delivered)).values_list("id", flat=True))


def sweep_all_companies(*, now: datetime.datetime | None = None) -> list[int]:
    """Deliveries due now (new, retries, abandoned claims), after re-running the fan-out of the last hour.

    Each is marked as queued: a backlog the worker has not reached yet is not
    enqueued again by the next sweep, only once a lease has passed.

    The catch-up covers events whose fan-out was lost: per enabled endpoint,
    the last hour's events it should have a delivery of and has none (one
    query each, empty in the steady state: events no endpoint wants are not
    fanned out again at every sweep); the fan-out inserts only what is missing.
    """
    now = now or timezone.now()
    missing: dict[int, list[int]] = {}
    for endpoint in Endpoint.objects.filter(enabled=True).select_related("company"):
        missing.setdefault(endpoint.company_id, []).extend(_missing_events(endpoint, now=now))
    for company_id, event_ids in missing.items():
        if event_ids:
            fan_out(company_id=company_id, event_ids=sorted(set(event_ids)), queued=False, now=now)
    with transaction.atomic():
        due = list(
            Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=now - LEASE))
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:SWEEP_BATCH]
        )
        Delivery.objects.filter(pk__in=due).update(queued_at=now)
    return due
