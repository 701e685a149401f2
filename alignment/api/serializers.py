"""Shapes of the alignment reads, for the schema; responses are rendered straight from rows."""

from rest_framework import serializers

from objectives.api.serializers import CycleSerializer
from objectives.progress import Status


class TreeQuerySerializer(serializers.Serializer):
    cycle = serializers.IntegerField(
        required=False, min_value=1, help_text="Default: the active cycle, else the latest."
    )
    department = serializers.IntegerField(
        required=False, min_value=1, help_text="Only this department's objectives, with their ancestors for context."
    )
    include_drafts = serializers.BooleanField(required=False, default=False)


class GapsQuerySerializer(serializers.Serializer):
    cycle = serializers.IntegerField(
        required=False, min_value=1, help_text="Default: the active cycle, else the latest."
    )


class TreeKeyResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    objective_id = serializers.IntegerField()
    owner_id = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    kind = serializers.CharField()
    direction = serializers.CharField()
    start_value = serializers.DecimalField(max_digits=20, decimal_places=4)
    target_value = serializers.DecimalField(max_digits=20, decimal_places=4)
    current_value = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    unit = serializers.CharField(allow_blank=True)
    currency = serializers.CharField(allow_blank=True)
    weight = serializers.DecimalField(max_digits=7, decimal_places=2)
    confidence = serializers.CharField(allow_blank=True)
    progress = serializers.FloatField(allow_null=True)
    last_checkin_at = serializers.DateTimeField(allow_null=True)
    behind_pace = serializers.BooleanField(allow_null=True, help_text="Null once the cycle is closed (no pace).")
    pace_status = serializers.ChoiceField(
        choices=[s.value for s in Status],
        allow_null=True,
        help_text="Computed status (DESIGN §3); confidence is separate. Null once the cycle is closed: final "
        "scores, no pace.",
    )


class TreeObjectiveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    parent_id = serializers.IntegerField(allow_null=True)
    department_id = serializers.IntegerField(allow_null=True)
    department_name = serializers.CharField(allow_null=True)
    owner_id = serializers.IntegerField(allow_null=True)
    owner_name = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    status = serializers.CharField()
    weight = serializers.DecimalField(max_digits=7, decimal_places=2)
    private = serializers.BooleanField()
    progress = serializers.FloatField(allow_null=True, help_text="Rolled-up progress 0-1; null = unknown, never 0.")
    final_score = serializers.FloatField(
        allow_null=True,
        help_text="Once its cycle closed: the final score 0-1 (null = not scored). What counts in the parent then.",
    )
    cycle_id = serializers.IntegerField(
        help_text="The objective's cycle: another cycle's for the quarterly children of an annual objective."
    )
    behind_pace = serializers.BooleanField(allow_null=True, help_text="Null once the cycle is closed (no pace).")
    pace_status = serializers.ChoiceField(
        choices=[s.value for s in Status],
        allow_null=True,
        help_text="Computed status (DESIGN §3); confidence is separate. Null once the cycle is closed: final "
        "scores, no pace.",
    )
    at_risk = serializers.BooleanField(help_text="A key result's latest confidence is at risk.")
    off_track = serializers.BooleanField(help_text="A key result's latest confidence is off track.")
    unaligned = serializers.BooleanField(help_text="A department objective with no parent.")
    counts_in_parent = serializers.BooleanField()
    depends_on = serializers.ListField(child=serializers.IntegerField())
    key_results = TreeKeyResultSerializer(many=True)


# The tree nests to any depth: children are objectives again.
TreeObjectiveSerializer._declared_fields["children"] = TreeObjectiveSerializer(many=True)


class TreeSerializer(serializers.Serializer):
    cycle = CycleSerializer()
    today = serializers.DateField(help_text="In the company's time zone.")
    expected_progress = serializers.FloatField(allow_null=True, help_text="Null once the cycle is closed (no pace).")
    count = serializers.IntegerField()
    roots = TreeObjectiveSerializer(many=True)


class GapObjectiveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    department_id = serializers.IntegerField(allow_null=True)
    department_name = serializers.CharField(allow_null=True)
    parent_id = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    private = serializers.BooleanField()
    owner_id = serializers.IntegerField(allow_null=True)


class GapDepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class GapKeyResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    objective_id = serializers.IntegerField()
    objective_title = serializers.CharField()
    owner_id = serializers.IntegerField(allow_null=True)
    owner_name = serializers.CharField(allow_null=True)
    last_checkin_at = serializers.DateTimeField(allow_null=True, help_text="Null: never checked in.")


class GapsSerializer(serializers.Serializer):
    cycle = CycleSerializer()
    objective_count = serializers.IntegerField(help_text="Objectives of the cycle the caller can read (0: empty).")
    stale_key_results = GapKeyResultSerializer(
        many=True, help_text="Key results of active objectives with no check-in within the company's cadence."
    )
    unaligned_objectives = GapObjectiveSerializer(many=True)
    unsupported_company_objectives = GapObjectiveSerializer(many=True)
    departments_without_objectives = GapDepartmentSerializer(many=True)
