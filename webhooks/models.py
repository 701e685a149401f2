"""Outgoing webhooks: a company's endpoints, and one delivery per (endpoint, event).

An ``Endpoint`` is a URL a company admin registered, with the event types it
wants (``event_types``, empty for all of them), whether it may receive events
about private objectives (``include_private``, off by default) and its signing
secrets: the current one, and the previous one while a rotation's overlap
lasts (``previous_secret_expires_at``). ``failing_since`` is the first failed
attempt since the last success; an endpoint failing for
``settings.OKRHUB_WEBHOOK_DISABLE_AFTER_DAYS`` is disabled (``disabled_reason``).

A ``Delivery`` is one message to one endpoint, retried on its own schedule
(``webhooks.delivery``): ``pending`` until it is ``delivered``, ``failed``
(an answer that retrying cannot change, refused address) or ``given_up``
(the retry schedule ran out). ``msg_id`` is the ``webhook-id`` header, the
same on every attempt and redelivery so a receiver can drop duplicates.
The body is built from the event at each attempt (a withdrawn comment's words
are never sent again); a test message keeps its own ``payload``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Endpoint(models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    #: Public event types (``webhooks.events.EVENT_TYPES``); empty means every type.
    event_types = models.JSONField(default=list, blank=True)
    include_private = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["company", "enabled"], name="webhook_endpoint_company")]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    GIVEN_UP = "given_up", "Given up"


class Delivery(models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+", db_index=False)
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    #: Null for a test message; an event's deliveries go with it (an objective deleted takes its events).
    event = models.ForeignKey("objectives.Event", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=40)
    msg_id = models.CharField(max_length=40, unique=True)
    payload = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    #: When a task for it was last enqueued: the sweep hands a delivery out again only a lease later.
    queued_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.TextField(blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"], condition=Q(event__isnull=False), name="webhook_delivery_once"
            ),
        ]
        indexes = [
            models.Index(fields=["endpoint", "-created_at", "-id"], name="webhook_delivery_log"),
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.msg_id}"
