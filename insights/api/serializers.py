"""Shapes of the dashboard reads, for the schema; responses are built from ``insights.selectors``."""

from rest_framework import serializers

from insights.selectors import CHANGE_FAMILIES
from objectives.api.serializers import CycleSerializer
from objectives.progress import Status


class DashboardQuerySerializer(serializers.Serializer):
    cycle = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Default: the cycle running today, else the latest active, else the latest.",
    )


class ByStatusSerializer(serializers.Serializer):
    """Objectives by computed status (DESIGN §3): progress against the expected pace, never confidence."""

    on_track = serializers.IntegerField()
    behind_pace = serializers.IntegerField()
    done = serializers.IntegerField()
    unknown = serializers.IntegerField(help_text="No progress measured yet (never counted as 0).")


class ByConfidenceSerializer(serializers.Serializer):
    """Key results by their owner's latest confidence (a judgement, shown beside the status)."""

    on_track = serializers.IntegerField()
    at_risk = serializers.IntegerField()
    off_track = serializers.IntegerField()


#: What a closed cycle's pace fields say (``objectives.progress.pace``), as the objectives API says it.
CLOSED_NO_PACE = " Null once the cycle is closed: a closed cycle has final scores (`final_scores`), no pace."


class DashboardBandSerializer(serializers.Serializer):
    band = serializers.CharField(help_text="The band of scores, as the cycle report names it (e.g. 70\u2013100%).")
    objectives = serializers.IntegerField()


class ScoresSerializer(serializers.Serializer):
    """A closed cycle's objective final scores in the cycle report's bands (``objectives.grading.SCORE_BANDS``)."""

    mean = serializers.FloatField(allow_null=True, help_text="Plain mean 0-1 of the scored objectives; null: none.")
    bands = DashboardBandSerializer(many=True, help_text="Scored objectives per band, lowest band first.")
    not_scored = serializers.IntegerField(help_text="Objectives with no final score.")


class FiguresSerializer(serializers.Serializer):
    progress = serializers.FloatField(allow_null=True, help_text="Mean progress 0-1 of the objectives; null = unknown.")
    status = serializers.ChoiceField(
        choices=[s.value for s in Status],
        allow_null=True,
        help_text="Computed from progress and pace." + CLOSED_NO_PACE,
    )
    objectives = serializers.IntegerField(help_text="Counted (active or closed) objectives the caller may read.")
    objectives_by_status = ByStatusSerializer(
        allow_null=True, help_text="Statuses are against the pace." + CLOSED_NO_PACE
    )
    final_scores = ScoresSerializer(allow_null=True, help_text="A closed cycle's final scores; null while it runs.")
    key_results = serializers.IntegerField()
    key_results_by_confidence = ByConfidenceSerializer()
    active_key_results = serializers.IntegerField(help_text="Key results of active objectives (they take check-ins).")
    stale_key_results = serializers.IntegerField(help_text="Of those, not checked in within the company's cadence.")


class DepartmentRowSerializer(FiguresSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    progress = serializers.FloatField(allow_null=True)
    final_score = serializers.FloatField(allow_null=True, help_text="An objective's final score once its cycle closed.")
    status = serializers.ChoiceField(
        choices=[s.value for s in Status], allow_null=True, help_text=CLOSED_NO_PACE.strip()
    )
    objective_id = serializers.IntegerField(allow_null=True, help_text="A key result's objective; null for objectives.")
    objective_title = serializers.CharField(allow_null=True)
    department_name = serializers.CharField(allow_null=True, help_text="Null: company level.")
    owner_name = serializers.CharField(allow_null=True)


class ListTileSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many rows the list holds.")
    items = ItemSerializer(many=True, help_text="The first few, lowest progress first.")


class PersonSerializer(serializers.Serializer):
    owner_id = serializers.IntegerField(allow_null=True, help_text="Null: key results with no owner.")
    name = serializers.CharField(allow_null=True)
    stale = serializers.IntegerField(help_text="Their key results not checked in within the cadence.")


class ComplianceSerializer(serializers.Serializer):
    key_results = serializers.IntegerField(help_text="Key results of active objectives.")
    stale = serializers.IntegerField(help_text="Of those, not checked in within the company's cadence.")
    checked_in_share = serializers.FloatField(allow_null=True, help_text="Share checked in; null when there are none.")
    by_person = PersonSerializer(many=True, help_text="Owners of stale key results, most stale first.")


class _ChangesBase(serializers.Serializer):
    since = serializers.DateTimeField()
    progress_then = serializers.FloatField(allow_null=True, help_text="Progress a week ago (from the snapshots).")
    progress_now = serializers.FloatField(allow_null=True)


#: The week's events by family: one count per family of the activity feed (``CHANGE_FAMILIES``), so the
#: schema cannot drift from what the dashboard counts.
ChangesSerializer = type(
    "ChangesSerializer",
    (_ChangesBase,),
    {
        key: serializers.IntegerField(help_text=f"{label} in the last seven days (the activity page's kind `{key}`).")
        for key, (label, _) in CHANGE_FAMILIES.items()
    },
)


class PointSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="Local day; progress at its end (today: now).")
    progress = serializers.FloatField(allow_null=True)
    expected = serializers.FloatField(allow_null=True, help_text="The expected pace on that day." + CLOSED_NO_PACE)
    objectives = serializers.IntegerField()


class DepartmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DashboardSerializer(FiguresSerializer):
    cycle = CycleSerializer()
    department = DepartmentRefSerializer(allow_null=True, help_text="Null for the company dashboard.")
    today = serializers.DateField(help_text="In the company's time zone.")
    expected_progress = serializers.FloatField(allow_null=True, help_text="The expected pace today." + CLOSED_NO_PACE)
    departments = DepartmentRowSerializer(
        many=True, help_text="Top-level departments (or the department's teams), each with everything inside it."
    )
    at_risk = ListTileSerializer(help_text="Key results whose latest confidence is at risk.")
    off_track = ListTileSerializer(help_text="Key results whose latest confidence is off track.")
    behind_pace = ListTileSerializer(
        allow_null=True, help_text="Objectives more than 15 points below the expected pace." + CLOSED_NO_PACE
    )
    lowest_scores = ListTileSerializer(
        allow_null=True,
        help_text="A closed cycle's objectives, lowest final score first (not scored last); null while it runs.",
    )
    report_url = serializers.CharField(allow_null=True, help_text="A closed cycle's report page; null while it runs.")
    compliance = ComplianceSerializer()
    changes = ChangesSerializer(help_text="The last seven days.")
    series = PointSerializer(many=True, help_text="Progress at the end of each day of the cycle so far, then today.")
