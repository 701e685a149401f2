"""Notifications and preferences over HTTP: what the API reads and accepts."""

from typing import Any

from rest_framework import serializers

from notifications.models import EmailMode, Reason


class NotificationSerializer(serializers.Serializer[Any]):
    """A notification as the person reads it (the view attaches ``described``: its words and link)."""

    id = serializers.IntegerField(read_only=True)
    reason = serializers.ChoiceField(choices=Reason.choices, read_only=True, help_text="Why you were told.")
    verb = serializers.CharField(source="event.verb", read_only=True, help_text="The event's type.")
    text = serializers.CharField(source="described.text", read_only=True, help_text="What happened, in words.")
    excerpt = serializers.CharField(
        source="described.excerpt",
        read_only=True,
        help_text="The comment's opening words or the check-in note; may be empty.",
    )
    url = serializers.URLField(source="described.url", read_only=True, help_text="The page of what it is about.")
    objective = serializers.IntegerField(source="event.objective_id", read_only=True)
    key_result = serializers.IntegerField(source="event.key_result_id", read_only=True, allow_null=True)
    actor = serializers.IntegerField(
        source="event.actor_id", read_only=True, allow_null=True, help_text="Who did it (null: an integration)."
    )
    created_at = serializers.DateTimeField(read_only=True)
    read_at = serializers.DateTimeField(read_only=True, allow_null=True)
    unread = serializers.SerializerMethodField()

    def get_unread(self, notification: Any) -> bool:
        return notification.read_at is None


class UnreadCountSerializer(serializers.Serializer[Any]):
    unread = serializers.IntegerField(help_text="Unread notifications, counted up to 100.")
    capped = serializers.BooleanField(help_text="True when there are more than 99: show `label`.")
    # A field named like Field.label: DRF's metaclass moves declared fields off the class; the stubs cannot tell.
    label = serializers.CharField(help_text='What the bell shows: "" for none, the number, or "99+".')  # type: ignore[assignment]


class MarkedSerializer(serializers.Serializer[Any]):
    marked = serializers.IntegerField(help_text="How many notifications were unread and are read now.")


class _Strict(serializers.Serializer[Any]):
    """Refuses keys it does not know (naming them), rather than ignoring them."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        data = self.initial_data if isinstance(self.initial_data, dict) else {}
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: [f"Unknown field; send: {', '.join(self.fields)}."] for name in unknown}
            )
        return attrs


class PreferenceSerializer(_Strict):
    in_app = serializers.BooleanField(required=False, help_text="Shown in the bell and on the notifications page.")
    email = serializers.ChoiceField(
        choices=EmailMode.choices, required=False, help_text="Emailed at once, in the daily digest, or never."
    )

    def run_validation(self, data: Any = serializers.empty) -> Any:
        # Nested: DRF hands this serializer its part of the body; keep it for the unknown-key check.
        self.initial_data = data
        return super().run_validation(data)


class PreferenceOutputSerializer(serializers.Serializer[Any]):
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a declared field (see above)
    in_app = serializers.BooleanField(read_only=True)
    email = serializers.ChoiceField(choices=EmailMode.choices, read_only=True)


def _per_reason(name: str, base: type[serializers.Serializer[Any]], field: Any, doc: str) -> Any:
    fields = {reason.value: field(reason) for reason in Reason}
    return type(name, (base,), {**fields, "__doc__": doc})


PreferencesSerializer = _per_reason(
    "PreferencesSerializer",
    serializers.Serializer,
    lambda reason: PreferenceOutputSerializer(read_only=True, help_text=reason.label),
    "How the person hears about each reason, in this company.",
)
PreferencesUpdateSerializer = _per_reason(
    "PreferencesUpdateSerializer",
    _Strict,
    lambda reason: PreferenceSerializer(required=False, help_text=reason.label),
    "The reasons to change, each with the settings to change; the rest stay as they are.",
)
