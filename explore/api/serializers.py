"""Shapes of the search API, for the schema and its examples; responses are rendered from rows."""

from rest_framework import serializers

from explore.params import KINDS, MAX_TEXT, SEARCH_KINDS
from objectives.models import Confidence, ObjectiveStatus
from objectives.progress import Status


class SearchQuerySerializer(serializers.Serializer):
    """The query parameters (``explore.params`` reads them; this documents them)."""

    q = serializers.CharField(
        required=False,
        max_length=MAX_TEXT,
        help_text="Words to find; each must match (the start of a word is enough). Ranked: titles above descriptions.",
    )
    kind = serializers.ChoiceField(
        choices=SEARCH_KINDS, required=False, help_text="Default: `all` with `q`, `objective` without."
    )
    cycle = serializers.RegexField(
        r"^([1-9][0-9]{0,17}|all)$", required=False, help_text="A cycle's id or `all`. Default: the current cycle."
    )
    department = serializers.IntegerField(
        required=False, min_value=1, help_text="A department's id; the teams inside it are included."
    )
    owner = serializers.IntegerField(required=False, min_value=1, help_text="A member's id: what they own.")
    status = serializers.ChoiceField(
        choices=[s.value for s in Status], required=False, help_text="The computed status (DESIGN §3)."
    )
    confidence = serializers.ChoiceField(
        choices=Confidence.values,
        required=False,
        help_text="The owner's last confidence; an objective matches through any of its key results.",
    )
    pace = serializers.ChoiceField(choices=["behind"], required=False, help_text="More than 15 points behind pace.")
    stale = serializers.ChoiceField(
        choices=["1"], required=False, help_text="Key results of active objectives not checked in within the cadence."
    )
    counted = serializers.ChoiceField(
        choices=["1"],
        required=False,
        help_text="Objectives that count (active or closed, as the tree and dashboards count), and their key results.",
    )
    page = serializers.RegexField(
        r"^([1-9][0-9]{0,5}|all)$", required=False, help_text="A page (200 rows) of one kind, or `all`. Default: 1."
    )


class SearchResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS)
    id = serializers.IntegerField(help_text="The object's id (a person's user id).")
    title = serializers.CharField(help_text="The title, or a person's or department's name.")
    url = serializers.CharField(help_text="Its page (a person's: the objectives they own).")
    rank = serializers.FloatField(allow_null=True, help_text="Relevance to `q` (higher first); null without `q`.")
    department_id = serializers.IntegerField(
        allow_null=True, help_text="The department it belongs to (a department's: the one it sits in); null: company."
    )
    department_name = serializers.CharField(allow_null=True)
    owner_id = serializers.IntegerField(allow_null=True)
    owner_name = serializers.CharField(allow_null=True)
    objective_id = serializers.IntegerField(allow_null=True, help_text="A key result's objective.")
    objective_title = serializers.CharField(allow_null=True)
    cycle_id = serializers.IntegerField(allow_null=True)
    objective_status = serializers.ChoiceField(choices=ObjectiveStatus.values, allow_null=True)
    private = serializers.BooleanField(allow_null=True)
    progress = serializers.FloatField(allow_null=True, help_text="0-1; null = unknown, never 0.")
    pace_status = serializers.ChoiceField(
        choices=[s.value for s in Status], allow_null=True, help_text="Computed status; confidence is separate."
    )
    confidence = serializers.CharField(allow_null=True, allow_blank=True)
    last_checkin_at = serializers.DateTimeField(allow_null=True)
    email = serializers.CharField(allow_null=True)
    role = serializers.CharField(allow_null=True)


class SearchSerializer(serializers.Serializer):
    q = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=SEARCH_KINDS)
    cycle = serializers.IntegerField(allow_null=True, help_text="The cycle searched; null: every cycle (or none yet).")
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Matches per kind listed (filters for OKRs list OKRs only)."
    )
    page = serializers.IntegerField(allow_null=True, help_text="Null: every row (`page=all`), or every kind.")
    pages = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = SearchResultSerializer(many=True, help_text="By kind; with `kind=all`, the best 10 of each.")
