from decimal import Decimal
from typing import NotRequired, TypedDict

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from companies.api.base import CompanyPrimaryKeyField
from companies.models import User
from departments.models import Department
from objectives.feed import MAX_PAGE_SIZE, PAGE_SIZE, FeedItem, event_representation
from objectives.models import (
    CheckIn,
    Confidence,
    Cycle,
    CycleStatus,
    Dependency,
    Direction,
    KeyResult,
    KeyResultKind,
    Objective,
    ObjectiveStatus,
    SharedKeyResult,
    Verb,
)
from objectives.progress import Status, behind_pace_or_none, pace, status_or_none
from objectives.selectors import visible_objectives_q
from objectives.services import MAX_BATCH_ITEMS
from objectives.services.carry_over import MAX_CARRY_ITEMS
from objectives.services.weekly import MAX_OVERALL_NOTE


class _DecimalOptions(TypedDict):
    max_digits: int
    decimal_places: int
    min_value: NotRequired[Decimal]


VALUE: _DecimalOptions = {"max_digits": 20, "decimal_places": 4}
WEIGHT: _DecimalOptions = {"max_digits": 7, "decimal_places": 2, "min_value": Decimal("0.01")}


def _members(users, context):
    return users.filter(memberships__company=context["company"])


def _visible_objectives(objectives, context):
    return objectives.filter(company=context["company"]).filter(visible_objectives_q(actor=context["actor"]))


PACE_STATUS_HELP = (
    "Computed status (DESIGN §3): on_track, behind_pace, done or unknown, from progress and the cycle's"
    " expected pace alone; `confidence` is the owner's separate judgement. Named pace_status because"
    " an objective's `status` is its lifecycle (draft, active, closed, archived). Null once the cycle is"
    " closed: a closed cycle has final scores, no pace."
)

#: ``pace_status`` in the schema: the status choices, null on a closed cycle.
PACE_STATUS_FIELD = serializers.ChoiceField(choices=[s.value for s in Status], allow_null=True)


def _expected(cycle: Cycle, context) -> float | None:
    """The cycle's expected progress today; None once it closed (``objectives.progress.pace``: no pace)."""
    return pace(today=context["today"], start=cycle.start_date, end=cycle.end_date, closed=cycle.is_closed)


#: What a closed cycle's pace fields say.
CLOSED_NO_PACE = " Null once the cycle is closed: a closed cycle has final scores, no pace."


class HintSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(allow_null=True)
    suggestion = serializers.CharField(allow_null=True)


class HintsMixin(serializers.Serializer):
    hints = serializers.SerializerMethodField(help_text="OKR practice warnings from this write (empty on reads).")

    @extend_schema_field(HintSerializer(many=True))
    def get_hints(self, obj) -> list[dict]:
        return [hint.as_dict() for hint in getattr(obj, "hints", [])]


# ---------------------------------------------------------------- cycles


class CycleSerializer(serializers.ModelSerializer):
    expected_progress = serializers.SerializerMethodField(
        help_text="Share of the cycle elapsed today (0-1)." + CLOSED_NO_PACE
    )

    class Meta:
        model = Cycle
        fields = [
            "id",
            "name",
            "start_date",
            "end_date",
            "status",
            "closed_at",
            "grading_ends_at",
            "grading_ended_at",
            "expected_progress",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_expected_progress(self, cycle: Cycle) -> float | None:
        return _expected(cycle, self.context)


class CycleInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    status = serializers.ChoiceField(
        choices=[CycleStatus.PLANNING, CycleStatus.ACTIVE], default=CycleStatus.PLANNING, help_text="Create only."
    )


class CycleUpdateSerializer(CycleInputSerializer):
    """A PATCH: the status moves only through …/activate/ and …/close/."""

    status = None  # type: ignore[assignment]  # DRF drops a field declared None in a subclass


# ---------------------------------------------------------------- objectives


class ObjectiveSerializer(HintsMixin, serializers.ModelSerializer):
    expected_progress = serializers.SerializerMethodField(
        help_text="Share of the cycle elapsed today (0-1)." + CLOSED_NO_PACE
    )
    behind_pace = serializers.SerializerMethodField(
        help_text="Known progress more than 0.15 below the cycle's expected pace." + CLOSED_NO_PACE
    )
    pace_status = serializers.SerializerMethodField(help_text=PACE_STATUS_HELP)

    class Meta:
        model = Objective
        fields = [
            "id",
            "cycle",
            "department",
            "owner",
            "parent",
            "title",
            "description",
            "status",
            "weight",
            "private",
            "progress",
            "final_score",
            "carried_from",
            "expected_progress",
            "behind_pace",
            "pace_status",
            "created_at",
            "updated_at",
            "hints",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_expected_progress(self, objective: Objective) -> float | None:
        return _expected(objective.cycle, self.context)

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_behind_pace(self, objective: Objective) -> bool | None:
        return behind_pace_or_none(objective.progress, _expected(objective.cycle, self.context))

    @extend_schema_field(PACE_STATUS_FIELD)
    def get_pace_status(self, objective: Objective) -> str | None:
        found = status_or_none(objective.progress, _expected(objective.cycle, self.context))
        return None if found is None else found.value


class ObjectiveInputSerializer(serializers.Serializer):
    cycle = CompanyPrimaryKeyField(model=Cycle, help_text="Create only.")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    department = CompanyPrimaryKeyField(model=Department, required=False, allow_null=True)
    owner = CompanyPrimaryKeyField(model=User, filter_by=_members, required=False, allow_null=True)
    # Named like Field.parent: DRF's metaclass moves declared fields off the class; the stubs cannot tell.
    parent = CompanyPrimaryKeyField(  # type: ignore[assignment]
        model=Objective, filter_by=_visible_objectives, required=False, allow_null=True, help_text="Laddering."
    )
    weight = serializers.DecimalField(**WEIGHT, required=False)
    private = serializers.BooleanField(required=False)
    status = serializers.ChoiceField(
        choices=[ObjectiveStatus.DRAFT, ObjectiveStatus.ACTIVE],
        default=ObjectiveStatus.DRAFT,
        help_text="Create only: `active` needs the right to manage the department's objectives.",
    )


class ObjectiveUpdateSerializer(ObjectiveInputSerializer):
    """A PATCH: an objective stays in its cycle; its status moves through …/status/ and …/activate/."""

    cycle = None  # type: ignore[assignment]  # DRF drops a field declared None in a subclass
    status = None  # type: ignore[assignment]  # DRF drops a field declared None in a subclass


class ObjectiveStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ObjectiveStatus.choices)


# ---------------------------------------------------------------- key results


class KeyResultSerializer(HintsMixin, serializers.ModelSerializer):
    confidence = serializers.ChoiceField(
        choices=[*Confidence.choices, ("", "No check-in yet")],
        read_only=True,
        help_text="The latest check-in's confidence; empty before the first check-in.",
    )
    behind_pace = serializers.SerializerMethodField(
        help_text="Known progress more than 0.15 below the cycle's expected pace." + CLOSED_NO_PACE
    )
    pace_status = serializers.SerializerMethodField(help_text=PACE_STATUS_HELP)

    class Meta:
        model = KeyResult
        fields = [
            "id",
            "objective",
            "owner",
            "title",
            "kind",
            "direction",
            "start_value",
            "target_value",
            "current_value",
            "unit",
            "currency",
            "weight",
            "confidence",
            "last_checkin_at",
            "progress",
            "final_score",
            "carried_from",
            "behind_pace",
            "pace_status",
            "created_at",
            "updated_at",
            "hints",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_behind_pace(self, kr: KeyResult) -> bool | None:
        return behind_pace_or_none(kr.progress, _expected(kr.objective.cycle, self.context))

    @extend_schema_field(PACE_STATUS_FIELD)
    def get_pace_status(self, kr: KeyResult) -> str | None:
        found = status_or_none(kr.progress, _expected(kr.objective.cycle, self.context))
        return None if found is None else found.value


class KeyResultInputSerializer(serializers.Serializer):
    objective = CompanyPrimaryKeyField(model=Objective, filter_by=_visible_objectives, help_text="Create only.")
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=KeyResultKind.choices, required=False)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    start_value = serializers.DecimalField(**VALUE, required=False)
    target_value = serializers.DecimalField(
        **VALUE, required=False, help_text="Required except for milestones, whose target is 1."
    )
    current_value = serializers.DecimalField(**VALUE, required=False, allow_null=True, help_text="Create only.")
    unit = serializers.CharField(max_length=24, required=False, allow_blank=True)
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, help_text="ISO 4217, e.g. EUR.")
    weight = serializers.DecimalField(**WEIGHT, required=False)
    owner = CompanyPrimaryKeyField(model=User, filter_by=_members, required=False, allow_null=True)


class KeyResultUpdateSerializer(KeyResultInputSerializer):
    """A PATCH: a key result stays on its objective; its current value moves only through check-ins."""

    objective = None  # type: ignore[assignment]  # DRF drops a field declared None in a subclass
    current_value = None  # type: ignore[assignment]  # DRF drops a field declared None in a subclass


# ---------------------------------------------------------------- check-ins


class CheckInWarningSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=["far_outside_range", "negative", "big_jump"],
        help_text="far_outside_range: more than one start-target span beyond the range; negative: below zero on a"
        " count or amount; big_jump: more than half the span from the current value in one check-in.",
    )
    field = serializers.CharField(help_text="The input field the warning is about (`value`).")
    message = serializers.CharField()


class CheckInSerializer(serializers.ModelSerializer):
    """One entry of a key result's history; rows come from ``CheckIn.objects.with_standing()``."""

    created_at = serializers.DateTimeField(
        read_only=True, help_text="When the reading was taken; a correction keeps the corrected entry's."
    )
    entered_at = serializers.DateTimeField(read_only=True, help_text="When this entry was written.")
    corrects = serializers.PrimaryKeyRelatedField[CheckIn](
        read_only=True,
        allow_null=True,
        help_text="The entry this one corrects (or, with `retracted`, undoes); null for a plain check-in.",
    )
    corrected_by = serializers.IntegerField(
        source="corrected_by_id",
        read_only=True,
        allow_null=True,
        help_text="The entry that corrected or undid this one; null while it stands.",
    )
    retracted = serializers.BooleanField(
        read_only=True, help_text="An undo: it takes the entry it corrects out of the history and stands for nothing."
    )
    effective = serializers.BooleanField(
        source="stands",
        read_only=True,
        help_text="Whether this entry counts: neither corrected nor undone, nor an undo itself. The key result's "
        "current value is the latest effective entry's.",
    )
    warnings = serializers.SerializerMethodField(
        help_text="Why the value may be a mistake (objectives/sanity.py): it was saved all the same. Empty on reads."
    )

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "key_result",
            "author",
            "value",
            "confidence",
            "note",
            "created_at",
            "entered_at",
            "corrects",
            "corrected_by",
            "retracted",
            "effective",
            "warnings",
        ]
        read_only_fields = fields

    @extend_schema_field(CheckInWarningSerializer(many=True))
    def get_warnings(self, checkin: CheckIn) -> list[dict]:
        return [warning.as_dict() for warning in getattr(checkin, "warnings", [])]


class LocalDateTimeField(serializers.DateTimeField):
    """Keeps a time sent without an offset naive: the service reads it in the company's time zone."""

    def enforce_timezone(self, value):
        return value


class CheckInInputSerializer(serializers.Serializer):
    value = serializers.DecimalField(**VALUE)
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    recorded_at = LocalDateTimeField(
        required=False,
        help_text="Backdate the check-in (imports): from the cycle's first day to now. Without a UTC offset "
        "the time is read in the company's time zone (a time its clocks skip is refused).",
    )


class CheckInCorrectionInputSerializer(serializers.Serializer):
    value = serializers.DecimalField(**VALUE)
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="Omit to keep the corrected entry's note."
    )


class CheckInBatchItemSerializer(serializers.Serializer):
    key_result = serializers.IntegerField(
        min_value=1, help_text="A key result of this company you may read (and check in on)."
    )
    value = serializers.DecimalField(**VALUE)
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CheckInBatchInputSerializer(serializers.Serializer):
    """A batch: its key results are read in one query, visible ones only (others read as missing)."""

    items = CheckInBatchItemSerializer(  # type: ignore[call-arg]  # the stubs miss ListSerializer's max_length
        many=True,
        allow_empty=False,
        max_length=MAX_BATCH_ITEMS,
        help_text=f"1 to {MAX_BATCH_ITEMS} check-ins, one per key result.",
    )
    note = serializers.CharField(
        max_length=MAX_OVERALL_NOTE,
        required=False,
        allow_blank=True,
        default="",
        help_text="An overall note for the whole update: added to every check-in's note as its last paragraph"
        " (“Overall note: …”).",
    )

    def validate_items(self, items: list[dict]) -> list[dict]:
        ids = {item["key_result"] for item in items}
        found = {
            kr.pk: kr
            for kr in KeyResult.objects.filter(company=self.context["company"], pk__in=ids).filter(
                visible_objectives_q(actor=self.context["actor"], prefix="objective__")
            )
        }
        errors: list[dict] = []
        first: dict[int, int] = {}
        for index, item in enumerate(items):
            pk = item["key_result"]
            if pk not in found:
                errors.append(
                    {"key_result": [ErrorDetail(f'Invalid pk "{pk}" - object does not exist.', "does_not_exist")]}
                )
            elif pk in first:
                message = f"This key result is items[{first[pk]}] already: one check-in each per batch."
                errors.append({"key_result": [ErrorDetail(message, "duplicate")]})
            else:
                first[pk] = index
                errors.append({})
                item["key_result"] = found[pk]
        if any(errors):
            raise serializers.ValidationError(errors)
        return items


class CheckInBatchResultSerializer(serializers.Serializer):
    key_result = serializers.IntegerField(source="key_result.pk")
    check_in = CheckInSerializer(source="checkin")
    warnings = CheckInWarningSerializer(many=True, help_text="The same as `check_in.warnings`.")


class CheckInBatchSerializer(serializers.Serializer):
    results = CheckInBatchResultSerializer(many=True, help_text="One per item, in the order sent.")


# ---------------------------------------------------------------- dependencies


class DependencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Dependency
        fields = ["id", "from_objective", "to_objective", "note", "created_at"]
        read_only_fields = fields


class DependencyInputSerializer(serializers.Serializer):
    from_objective = CompanyPrimaryKeyField(model=Objective, filter_by=_visible_objectives)
    to_objective = CompanyPrimaryKeyField(model=Objective, filter_by=_visible_objectives)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


# ---------------------------------------------------------------- shared key results


def _visible_key_results(key_results, context):
    return key_results.filter(company=context["company"]).filter(
        visible_objectives_q(actor=context["actor"], prefix="objective__")
    )


class SharedKeyResultSerializer(serializers.ModelSerializer):
    """A key result shared into ``objective``; its progress is its own (the objective's progress ignores it)."""

    key_result_title = serializers.CharField(source="key_result.title")
    key_result_objective = serializers.IntegerField(source="key_result.objective_id", help_text="The owning objective.")
    key_result_objective_title = serializers.CharField(source="key_result.objective.title")
    key_result_department = serializers.CharField(
        source="key_result.objective.department.name", allow_null=True, default=None, help_text="Null: company level."
    )
    progress = serializers.FloatField(source="key_result.progress", allow_null=True)

    class Meta:
        model = SharedKeyResult
        fields = [
            "id",
            "objective",
            "key_result",
            "key_result_title",
            "key_result_objective",
            "key_result_objective_title",
            "key_result_department",
            "progress",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class SharedKeyResultListSerializer(serializers.Serializer):
    results = SharedKeyResultSerializer(many=True, help_text="Oldest share first; an objective has few.")


class SharedKeyResultInputSerializer(serializers.Serializer):
    key_result = CompanyPrimaryKeyField(
        model=KeyResult,
        filter_by=_visible_key_results,
        help_text="A key result of another objective of the company that you may read.",
    )


# ---------------------------------------------------------------- audit history (documentation of the shape)


class HistoryPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()


# "from" is a Python keyword, so this one is built with type().
HistoryChangeSerializer = type(
    "HistoryChangeSerializer",
    (serializers.Serializer,),
    {
        "field": serializers.CharField(),
        "from": serializers.JSONField(allow_null=True, help_text="The value before; null when created."),
        "to": serializers.JSONField(allow_null=True),
    },
)


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    by = HistoryPersonSerializer(
        allow_null=True, help_text="The person who made the change; null for a key or the system."
    )
    via = serializers.ChoiceField(choices=["person", "api_key", "system"])
    api_key = serializers.CharField(allow_null=True, help_text="The prefix of the API key that made the change.")
    changes = HistoryChangeSerializer(many=True)
    summary = serializers.CharField(help_text="The change in people's words, e.g. Ana Admin moved it under “Grow”.")
    checkin_only = serializers.BooleanField(help_text="True when the entry only records a check-in's values.")


class HistorySerializer(serializers.Serializer):
    results = HistoryEntrySerializer(many=True, help_text="Newest first; at most 100 entries.")


# ---------------------------------------------------------------- export and import


class ImportInputSerializer(serializers.Serializer):
    csv = serializers.CharField(
        trim_whitespace=False,
        max_length=512 * 1024,
        help_text="The CSV file's text. Columns: type, ref, title, description, cycle, department, parent, "
        "objective, owner, activate, weight, kind, direction, start, target, unit, currency.",
    )
    dry_run = serializers.BooleanField(default=True, help_text="Check every row and change nothing (the default).")


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row in the file; the header is row 1.")
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ImportCreatedSerializer(serializers.Serializer):
    objectives = serializers.IntegerField()
    key_results = serializers.IntegerField()


class ImportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField(help_text="True when the rows were created (not a dry run, no errors).")
    created = ImportCreatedSerializer(help_text="What the file creates (or created, when applied).")
    errors = ImportRowErrorSerializer(many=True)  # type: ignore[assignment]  # a declared field, like openapi's


# ---------------------------------------------------------------- events (the activity feed)


class EventQuerySerializer(serializers.Serializer):
    objective = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Only events about this objective."
    )
    department = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Only events about objectives of this department or a team inside it (where they were then).",
    )
    cycle = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Only events of this cycle: about its objectives, or the cycle itself.",
    )
    verb = serializers.ListField(
        child=serializers.ChoiceField(choices=Verb.choices),
        required=False,
        help_text="Only these kinds of event; repeat the parameter for several.",
    )
    since = serializers.DateTimeField(
        required=False, help_text="Only events at or after this moment (ISO 8601; without an offset, UTC)."
    )
    cursor = serializers.CharField(
        required=False, max_length=40, help_text="Where the page starts: the cursor in a page's `next` link."
    )
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=PAGE_SIZE)


class EventActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class EventSubjectSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="What the event is about: checkin, key_result, objective, dependency, cycle, comment."
    )
    id = serializers.IntegerField(help_text="Its id (it may since have been deleted).")


class EventSerializer(serializers.Serializer):
    """One event, as ``objectives.feed.event_representation`` writes it (the webhook body too)."""

    id = serializers.IntegerField()
    verb = serializers.ChoiceField(choices=Verb.choices)
    created_at = serializers.DateTimeField()
    actor = EventActorSerializer(allow_null=True, help_text="Who did it; null for an API key or the system.")
    subject = EventSubjectSerializer()
    objective = serializers.IntegerField(
        allow_null=True, help_text="The objective it is about or under; null for company-wide events (cycles)."
    )
    key_result = serializers.IntegerField(allow_null=True, help_text="Null once the key result is deleted.")
    checkin = serializers.IntegerField(allow_null=True)
    cycle = serializers.IntegerField(allow_null=True)
    department = serializers.IntegerField(allow_null=True, help_text="The objective's department at the time.")
    payload = serializers.DictField(
        help_text="What happened, by verb (see the operation's description); titles of other objectives you "
        "may not read are null."
    )

    def to_representation(self, instance: FeedItem) -> dict:
        return event_representation(instance.event, payload=instance.payload)


class EventPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next (older) page; null on the last.")
    results = EventSerializer(many=True)


# ---------------------------------------------------------------- grading


class GradeInputSerializer(serializers.Serializer):
    """A key result's grade. The rules (range, reason, window) are the service's: errors name their field."""

    score = serializers.FloatField(
        required=False, allow_null=True, help_text="The final score, 0 to 1 (0.7 is 70%); null when not scored."
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=1000, help_text="Why: required for every grade."
    )
    not_scored = serializers.BooleanField(
        required=False, default=False, help_text="Leave the key result out of its objective's score."
    )


class GradedKeyResultSerializer(serializers.ModelSerializer):
    """A key result as grading reads it: its final score, and whether the caller may grade it now."""

    needs_score = serializers.BooleanField(
        read_only=True, help_text="Never checked in and not yet scored nor marked not scored."
    )
    can_grade = serializers.BooleanField(read_only=True, help_text="Whether the caller may grade it now.")

    class Meta:
        model = KeyResult
        fields = [
            "id",
            "objective",
            "owner",
            "title",
            "weight",
            "progress",
            "final_score",
            "not_scored",
            "score_reason",
            "needs_score",
            "can_grade",
        ]
        read_only_fields = fields


class GradedObjectiveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    department = serializers.IntegerField(source="department_id", allow_null=True)
    final_score = serializers.FloatField(
        allow_null=True, help_text="Weighted mean of its key results' final scores; null when none is scored."
    )
    key_results = GradedKeyResultSerializer(many=True, source="graded_key_results")


class GradingStateSerializer(serializers.Serializer):
    cycle = CycleSerializer()
    grading_open = serializers.BooleanField(help_text="Whether scores may still change.")
    to_score = serializers.IntegerField(help_text="Key results the caller reads that still need a score.")
    objectives = GradedObjectiveSerializer(many=True)


class GradeResultSerializer(serializers.Serializer):
    key_result = GradedKeyResultSerializer()
    objective_score = serializers.FloatField(allow_null=True, help_text="The objective's score after the grade.")


# ---------------------------------------------------------------- retrospectives


class RetrospectiveInputSerializer(serializers.Serializer):
    """The three parts, each replacing the stored one (a part left out is empty). The rules are the service's."""

    went_well = serializers.CharField(required=False, allow_blank=True, default="", help_text="What went well.")
    learned = serializers.CharField(required=False, allow_blank=True, default="", help_text="What we learned.")
    change = serializers.CharField(required=False, allow_blank=True, default="", help_text="What we change.")


class RetrospectiveSerializer(serializers.Serializer):
    objective = serializers.IntegerField()
    went_well = serializers.CharField(help_text="What went well; empty when not written.")
    learned = serializers.CharField(help_text="What we learned; empty when not written.")
    change = serializers.CharField(help_text="What we change; empty when not written.")
    written = serializers.BooleanField(help_text="Whether anyone wrote it yet.")
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = serializers.IntegerField(source="updated_by.pk", allow_null=True, default=None)
    can_write = serializers.BooleanField(help_text="Whether the caller may write it now (its cycle is closed).")


# ---------------------------------------------------------------- carry-over


class CarryOverItemSerializer(serializers.Serializer):
    objective = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="An unfinished objective of the closed cycle."
    )
    key_results = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        default=list,
        max_length=100,
        help_text="Its unfinished key results to carry with it (none: the objective alone).",
    )


class CarryOverInputSerializer(serializers.Serializer):
    """What to carry: the objectives are read in one query; one of another company reads as missing."""

    cycle = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The open cycle to carry into.")
    items = CarryOverItemSerializer(  # type: ignore[call-arg]  # the stubs miss ListSerializer's max_length
        many=True, allow_empty=False, max_length=MAX_CARRY_ITEMS, help_text=f"1 to {MAX_CARRY_ITEMS} objectives."
    )

    def validate_items(self, items: list[dict]) -> list[dict]:
        ids = {item["objective"] for item in items}
        # Visibility is the service's (an unreadable objective is "missing" there too), the company is here.
        found = {o.pk: o for o in Objective.objects.filter(company=self.context["company"], pk__in=ids)}
        errors: list[dict] = []
        for item in items:
            pk = item["objective"]
            if pk not in found:
                errors.append(
                    {"objective": [ErrorDetail(f'Invalid pk "{pk}" - object does not exist.', "does_not_exist")]}
                )
            else:
                errors.append({})
                item["objective"] = found[pk]
        if any(errors):
            raise serializers.ValidationError(errors)
        return items


class CarriedObjectiveSerializer(serializers.Serializer):
    carried_from = serializers.IntegerField(source="carried_from_id", help_text="The origin objective.")
    objective = ObjectiveSerializer(source="*", help_text="The draft copy in the target cycle.")
    key_results = serializers.ListField(
        child=serializers.IntegerField(), source="copied_key_result_ids", help_text="The copies' key results."
    )


class CarryOverResultSerializer(serializers.Serializer):
    results = CarriedObjectiveSerializer(many=True, help_text="One per item, in the order sent.")
