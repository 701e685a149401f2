from rest_framework import serializers

from companies.models import User
from webhooks.events import EVENT_TYPES
from webhooks.models import Delivery, Endpoint

EVENT_TYPE_HELP = "Public event types; an empty list receives every type. " + ", ".join(f"`{t}`" for t in EVENT_TYPES)


class EndpointSerializer(serializers.ModelSerializer):
    created_by = serializers.PrimaryKeyRelatedField[User](read_only=True, allow_null=True)
    event_types = serializers.ListField(child=serializers.CharField(), read_only=True, help_text=EVENT_TYPE_HELP)
    previous_secret_expires_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Until then the secret before the last rotation still signs too."
    )

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "include_private",
            "enabled",
            "disabled_reason",
            "disabled_at",
            "failing_since",
            "previous_secret_expires_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The signing secret (`whsec_…`), shown this once: on creation and rotation."
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class EndpointWriteSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000, help_text="An https URL on a public address.")
    description = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        default=list,
        max_length=len(EVENT_TYPES),
        help_text=EVENT_TYPE_HELP,
    )
    include_private = serializers.BooleanField(
        required=False, default=False, help_text="Also send events about private objectives."
    )
    enabled = serializers.BooleanField(
        required=False, help_text="Enable again (forgets the failures) or disable; changes only."
    )


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id",
            "endpoint",
            "event",
            "event_type",
            "msg_id",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "delivered_at",
            "last_response_code",
            "last_error",
            "response_excerpt",
            "last_duration_ms",
            "created_at",
        ]
        read_only_fields = fields
