"""Cycles, objectives, key results, check-ins and dependencies.

Every row carries ``company`` and every index or unique constraint is led by
it: the company is the isolation boundary and the distribution column.
Stored ``progress`` columns are a cache of ``objectives.progress``; NULL means
"unknown" (nothing measured yet), never zero.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import Now
from django.utils import timezone
from simple_history.models import HistoricalRecords

from objectives.quality import Hint
from okrhub.text import validate_multi_line, validate_single_line


class DecimalDigits(TypedDict):
    max_digits: int
    decimal_places: int


VALUE_DIGITS: DecimalDigits = {"max_digits": 20, "decimal_places": 4}
WEIGHT_DIGITS: DecimalDigits = {"max_digits": 7, "decimal_places": 2}


class CycleStatus(models.TextChoices):
    PLANNING = "planning", "Planning"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class Cycle(models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    name = models.CharField(max_length=80, validators=[validate_single_line])
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=8, choices=CycleStatus.choices, default=CycleStatus.PLANNING)
    closed_at = models.DateTimeField(null=True, blank=True)
    #: Set by the close: until then owners may change their key results' final scores (with a reason).
    grading_ends_at = models.DateTimeField(null=True, blank=True)
    #: When the window's end was recorded (``cycle.grading_ended``); the deadline alone already refuses grades.
    grading_ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="cycle_name_per_company"),
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="cycle_dates_ordered"),
            models.CheckConstraint(condition=Q(status__in=CycleStatus.values), name="cycle_status_valid"),
        ]
        indexes = [models.Index(fields=["company", "status", "start_date"], name="cycle_company_status")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": ValidationError("A cycle must end after it starts.", code="dates")})

    @property
    def is_closed(self) -> bool:
        return self.status == CycleStatus.CLOSED

    def grading_open(self, now: datetime.datetime) -> bool:
        """Whether final scores may still change: closed, with a window that has not passed nor been ended.

        A cycle closed before grading existed has no window: its scores are frozen.
        """
        return (
            self.is_closed
            and self.grading_ends_at is not None
            and self.grading_ended_at is None
            and now < self.grading_ends_at
        )


class ObjectiveStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"
    ARCHIVED = "archived", "Archived"


#: Statuses whose objectives count in their parent's roll-up.
COUNTED_STATUSES = (ObjectiveStatus.ACTIVE, ObjectiveStatus.CLOSED)


def cycles_overlap(parent: Cycle, child: Cycle) -> bool:
    """The laddering rule on cycles (DESIGN §2): a parent's cycle overlaps its child's.

    So a quarter's objective ladders up to one of the same quarter or of the
    year that encloses it (annual above quarterly), never to a cycle that
    ended before it began. :func:`overlapping_cycles_q` is the same rule in SQL.
    """
    return parent.start_date <= child.end_date and parent.end_date >= child.start_date


def overlapping_cycles_q(*, company_id: int, cycle_id: int, prefix: str = "") -> Q:
    """:func:`cycles_overlap` as a filter: rows whose ``{prefix}start_date``/``end_date`` overlap that cycle's.

    The cycle's dates are read by subqueries, so a picker costs no extra query.
    """
    cycle = Cycle.objects.filter(company_id=company_id, pk=cycle_id)
    return Q(
        **{
            f"{prefix}start_date__lte": Subquery(cycle.values("end_date")[:1]),
            f"{prefix}end_date__gte": Subquery(cycle.values("start_date")[:1]),
        }
    )


#: Statuses whose objectives are frozen: their definition and key results change only after reopening.
FROZEN_STATUSES = (ObjectiveStatus.CLOSED, ObjectiveStatus.ARCHIVED)


def objective_is_editable(objective: "Objective") -> bool:
    """Whether an objective and its key results may be edited at all (whoever asks): not frozen, cycle open.

    Pages use it to offer Edit / Add key result; the services refuse the same
    writes with it. Who may edit is a separate question (the permission matrix).
    """
    return objective.status not in FROZEN_STATUSES and not objective.cycle.is_closed


class Objective(models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="objectives")
    department = models.ForeignKey(
        "departments.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objectives",
        help_text="Empty for a company-level objective.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200, validators=[validate_single_line])
    description = models.TextField(blank=True, max_length=5000, validators=[validate_multi_line])
    status = models.CharField(max_length=8, choices=ObjectiveStatus.choices, default=ObjectiveStatus.DRAFT)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="The objective this one ladders up to.",
    )
    weight = models.DecimalField(**WEIGHT_DIGITS, default=Decimal(1), validators=[MinValueValidator(Decimal("0.01"))])
    private = models.BooleanField(default=False)
    progress = models.FloatField(null=True, blank=True, editable=False)
    final_score = models.FloatField(null=True, blank=True, editable=False)
    #: The objective of a closed cycle this one continues (``objectives.services.carry_over``).
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    # Audit trail (objectives/history.py): every save through the services, with who and how.
    # Cached progress and final scores are derived, not edited, so they are left out.
    history = HistoricalRecords(excluded_fields=["progress", "final_score", "updated_at", "carried_from"])

    # Not columns: what services, page selectors and views attach to an instance for the page or the API.
    hints: list[Hint]
    expected: float | None  # None once the cycle closed (no pace: ``selectors.pace_of``)
    behind_pace: bool
    my_key_results: list["KeyResult"]
    graded_key_results: list["KeyResult"]
    unfinished_key_results: list["KeyResult"]  # what carry-over offers (``selectors.carry_over_choices``)
    carry_chosen: bool
    carry_errors: list[str]
    copied_key_result_ids: list[int]  # a carry-over copy's key results, for the API's answer
    can_edit: bool
    can_activate: bool

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="objective_weight_positive"),
            models.CheckConstraint(condition=Q(status__in=ObjectiveStatus.values), name="objective_status_valid"),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("id")),
                name="objective_not_own_parent",
            ),
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__gte=0, progress__lte=1),
                name="objective_progress_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "cycle", "department"], name="objective_company_cycle"),
            models.Index(fields=["company", "parent"], name="objective_company_parent"),
            models.Index(fields=["company", "owner"], name="objective_company_owner"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_company_level(self) -> bool:
        return self.department_id is None


class KeyResultKind(models.TextChoices):
    NUMBER = "number", "Number"
    PERCENT = "percent", "Percent"
    CURRENCY = "currency", "Currency"
    MILESTONE = "milestone", "Milestone"


class Direction(models.TextChoices):
    INCREASE = "increase", "Increase to target"
    DECREASE = "decrease", "Decrease to target"
    AT_LEAST = "at_least", "Stay at or above target"
    AT_MOST = "at_most", "Stay at or below target"


class Confidence(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"


class KeyResult(models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200, validators=[validate_single_line])
    kind = models.CharField(max_length=9, choices=KeyResultKind.choices, default=KeyResultKind.NUMBER)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.INCREASE)
    start_value = models.DecimalField(**VALUE_DIGITS, default=Decimal(0))
    target_value = models.DecimalField(**VALUE_DIGITS)
    current_value = models.DecimalField(**VALUE_DIGITS, null=True, blank=True)
    unit = models.CharField(max_length=24, blank=True, validators=[validate_single_line])
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217 code, for currency.")
    weight = models.DecimalField(**WEIGHT_DIGITS, default=Decimal(1), validators=[MinValueValidator(Decimal("0.01"))])
    confidence = models.CharField(max_length=9, choices=Confidence.choices, blank=True)
    last_checkin_at = models.DateTimeField(null=True, blank=True)
    progress = models.FloatField(null=True, blank=True, editable=False)
    final_score = models.FloatField(null=True, blank=True, editable=False)
    #: Grading (``objectives.services.grading``): why the owner changed the final score, and whether
    #: they marked the key result "not scored" (it then leaves its objective's score).
    # Database defaults too: bulk loaders (the bench's COPY, imports) that name only the older columns still work.
    score_reason = models.TextField(blank=True, max_length=1000, editable=False, default="", db_default="")
    not_scored = models.BooleanField(default=False, db_default=False, editable=False)
    #: The key result of a closed cycle this one continues, from its last value (``services.carry_over``).
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    # Audit trail (objectives/history.py): every save through the services, with who and how.
    # Cached progress and final scores are derived, not edited, so they are left out; grades are
    # recorded as events (``key_result.graded``), with their reasons.
    history = HistoricalRecords(
        excluded_fields=[
            "progress",
            "final_score",
            "updated_at",
            "last_checkin_at",
            "score_reason",
            "not_scored",
            "carried_from",
        ]
    )

    # Not columns: what services, page selectors and views attach to an instance for the page or the API.
    hints: list[Hint]
    expected: float | None
    behind_pace: bool
    can_check_in: bool
    can_grade: bool
    needs_score: bool
    carry_chosen: bool
    form: Any  # the inline check-in form (objectives.forms.CheckInForm) or None
    form_open: bool
    shared_with: list[Objective]  # the readable objectives it is shared into (``selectors.objective_shares``)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="key_result_weight_positive"),
            models.CheckConstraint(condition=Q(kind__in=KeyResultKind.values), name="key_result_kind_valid"),
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="key_result_direction_valid"),
            models.CheckConstraint(
                condition=Q(confidence__in=[*Confidence.values, ""]),
                name="key_result_confidence_valid",
            ),
            # Increase needs target above start, decrease below: start == target is invalid.
            models.CheckConstraint(
                condition=Q(direction=Direction.INCREASE, target_value__gt=F("start_value"))
                | Q(direction=Direction.DECREASE, target_value__lt=F("start_value"))
                | Q(direction__in=[Direction.AT_LEAST, Direction.AT_MOST]),
                name="key_result_target_matches_direction",
            ),
            models.CheckConstraint(
                condition=~Q(kind=KeyResultKind.MILESTONE)
                | Q(direction=Direction.INCREASE, start_value=0, target_value=1),
                name="key_result_milestone_is_zero_to_one",
            ),
            models.CheckConstraint(
                condition=Q(kind=KeyResultKind.CURRENCY, currency__regex=r"^[A-Z]{3}$")
                | (~Q(kind=KeyResultKind.CURRENCY) & Q(currency="")),
                name="key_result_currency_code",
            ),
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__gte=0, progress__lte=1),
                name="key_result_progress_in_range",
            ),
            models.CheckConstraint(
                condition=Q(final_score__isnull=True) | Q(final_score__gte=0, final_score__lte=1),
                name="key_result_final_score_in_range",
            ),
            models.CheckConstraint(
                condition=Q(not_scored=False) | Q(final_score__isnull=True),
                name="key_result_not_scored_has_no_score",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "objective"], name="key_result_company_objective"),
            models.Index(fields=["company", "owner"], name="key_result_company_owner"),
            # The dashboards' at-risk and off-track lists: the least advanced first, without sorting them all.
            models.Index(fields=["company", "confidence", "progress", "id"], name="key_result_confidence_list"),
        ]

    def __str__(self) -> str:
        return self.title


#: How long after entering a check-in its author may take it back with "Undo" (``checkin_undo_refusal``).
UNDO_WINDOW = datetime.timedelta(minutes=10)


class CheckInQuerySet(models.QuerySet["CheckIn"]):
    """Check-ins with the one rule of which entries stand (``stands_q``) and what replaced the others."""

    def stands_q(self) -> Q:
        """The entries that stand, as a condition: not a retraction (an undo), and corrected by no later entry.

        The one home of the rule: :meth:`effective` filters with it and
        :meth:`with_standing` annotates every row with it, so a page that shows
        the whole history and charts the effective values reads both from here.
        """
        corrected = self.model._default_manager.filter(company_id=OuterRef("company_id"), corrects_id=OuterRef("pk"))
        return Q(retracted=False) & ~Q(Exists(corrected))

    def effective(self) -> "CheckInQuerySet":
        """The check-ins that stand: the one home every reader of values (history, charts, snapshots,
        exports, reminders) goes through, so corrected and undone entries never count twice."""
        return self.filter(self.stands_q())

    def with_standing(self) -> "CheckInQuerySet":
        """Every entry, each with ``stands`` (see :meth:`stands_q`) and ``corrected_by_id`` (the entry
        that corrected or undid it, or None), for the history that shows corrected entries too."""
        correction = self.model._default_manager.filter(company_id=OuterRef("company_id"), corrects_id=OuterRef("pk"))
        return self.annotate(
            stands=ExpressionWrapper(self.stands_q(), output_field=models.BooleanField()),
            corrected_by_id=Subquery(correction.values("pk")[:1]),
        )


class CheckIn(models.Model):
    """Append-only: a correction is a new check-in, never an edit.

    A correction is a new entry whose ``corrects`` names the entry it
    replaces; an undo is a new entry with ``retracted`` set that corrects the
    original and stands for nothing (its value and confidence repeat the
    original's, for the record). An entry is corrected at most once (the
    unique constraint, led by the company like every key): to change a
    correction, correct the correction, which forms a chain whose last link
    stands. ``created_at`` is when the reading was taken and orders the
    timeline; a correction keeps its original's, so it takes the original's
    place and never makes a stale key result look fresh. ``entered_at`` is
    when the row was written (the undo window counts from it).
    """

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="checkins")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    value = models.DecimalField(**VALUE_DIGITS)
    confidence = models.CharField(max_length=9, choices=Confidence.choices)
    note = models.TextField(blank=True, max_length=2000, validators=[validate_multi_line])
    created_at = models.DateTimeField(default=timezone.now)
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_index=False,  # the unique constraint below, led by the company, is the index
        related_name="corrections",
        help_text="The entry this one corrects (or, with retracted, undoes).",
    )
    retracted = models.BooleanField(default=False, db_default=False, help_text="An undo: stands for no reading.")
    # A database default too, so bulk loaders that write rows directly (bench, imports) need not know it.
    entered_at = models.DateTimeField(default=timezone.now, db_default=Now())

    objects = CheckInQuerySet.as_manager()

    kr: "KeyResult | None"  # not a column: the key result a page shows next to the check-in
    # Not columns: ``with_standing`` annotates them; the history pages attach the rest.
    stands: bool
    corrected_by_id: int | None
    replaced_by: "CheckIn | None"
    can_correct: bool
    can_undo: bool
    # Not a column: what the check-in service found worth confirming (objectives.sanity.CheckInWarning).
    warnings: list[Any]

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(confidence__in=Confidence.values), name="checkin_confidence_valid"),
            models.UniqueConstraint(fields=["company", "corrects"], name="checkin_corrected_once"),
            models.CheckConstraint(
                condition=Q(retracted=False) | Q(corrects__isnull=False), name="checkin_retraction_corrects"
            ),
            models.CheckConstraint(condition=~Q(corrects=F("id")), name="checkin_not_own_correction"),
        ]
        indexes = [
            models.Index(fields=["company", "key_result", "created_at"], name="checkin_company_kr_time"),
        ]

    def __str__(self) -> str:
        return f"{self.value} on {self.key_result_id} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Check-ins are append-only; record a new check-in instead.")
        super().save(*args, **kwargs)

    @property
    def is_correction(self) -> bool:
        return self.corrects_id is not None and not self.retracted


def checkin_correction_refusal(checkin: CheckIn, objective: "Objective") -> tuple[str, str, str] | None:
    """Why this entry cannot be corrected now (field, message, code), whoever asks; None when it can.

    Only entries that stand are corrected (an undo is final, and a corrected
    entry's correction is corrected instead); only while the objective takes
    check-ins (open cycle, not closed or archived). ``checkin.corrected_by_id``
    must be known (``with_standing``). Pages offer "Correct" with it; the
    service refuses with it. Who may correct is the permission matrix.
    """
    if objective.cycle.is_closed:
        return ("cycle", "This cycle is closed; its check-ins are frozen.", "cycle_closed")
    if objective.status in FROZEN_STATUSES:
        return ("key_result", f"The objective is {objective.status}; its check-ins are frozen.", "objective_closed")
    if checkin.retracted:
        return ("checkin", "This entry undid a check-in; an undo is final.", "retracted")
    if checkin.corrected_by_id is not None:
        return (
            "checkin",
            f"This check-in was already corrected or undone (entry {checkin.corrected_by_id}); "
            "correct the entry that stands instead.",
            "already_corrected",
        )
    return None


def grading_refusal(cycle: Cycle, objective: "Objective | None", now: datetime.datetime) -> tuple[str, str, str] | None:
    """Why a key result of ``objective`` in ``cycle`` cannot be graded now (field, message, code); None when it can.

    Grading happens between the cycle's close and the end of its window
    (``Cycle.grading_open``); only objectives that ran (closed with the
    cycle, not drafts nor archived ones) are graded. The grading page offers
    its forms with it; the service refuses with it. Who may grade is the
    permission matrix (``Action.GRADE``).
    """
    if not cycle.is_closed:
        return ("cycle", "This cycle is still open: key results are graded once it closes.", "cycle_open")
    if not cycle.grading_open(now):
        ended = cycle.grading_ends_at
        when = f" on {ended:%-d %b %Y}" if ended is not None else ""
        return ("cycle", f"Grading ended{when}: the final scores are frozen.", "grading_ended")
    if objective is not None and objective.status != ObjectiveStatus.CLOSED:
        message = f"The objective is {objective.status}: only objectives that ran are graded."
        return ("key_result", message, "not_graded")
    return None


def is_unfinished(score: float | None) -> bool:
    """Whether a final score leaves work to carry: below 1, or none (nothing scored, or "not scored")."""
    return score is None or score < 1


def carry_target_refusal(cycle: Cycle, target: Cycle) -> tuple[str, str, str] | None:
    """Why ``target`` cannot receive carry-overs from the closed ``cycle`` (field, message, code); None when it can.

    The page offers its target cycles with it; the service refuses with it.
    """
    if target.company_id != cycle.company_id:
        return ("cycle", "No such cycle.", "does_not_exist")
    if target.pk == cycle.pk or target.status == CycleStatus.CLOSED:
        return ("cycle", f"{target.name} is closed: carry over into an open cycle.", "cycle_closed")
    if target.end_date < cycle.start_date:
        return ("cycle", f"{target.name} ends before {cycle.name} starts: carry over into a later cycle.", "earlier")
    return None


def retrospective_refusal(cycle: Cycle, objective: "Objective") -> tuple[str, str, str] | None:
    """Why ``objective`` of ``cycle`` cannot get its retrospective now (field, message, code); None when it can.

    A retrospective looks back on a cycle that ended: it is written once the
    cycle is closed, and also after grading ended (a note is not a score, so
    it never freezes); only on objectives that ran (closed with the cycle),
    never on a draft that was never activated nor an archived one, as
    grading (``grading_refusal``). The objective page offers its form with
    it; the service refuses with it. Who may write is ``Action.WRITE_RETROSPECTIVE``.
    """
    if not cycle.is_closed:
        return ("cycle", "This cycle is still open: retrospectives are written once it closes.", "cycle_open")
    if objective.status != ObjectiveStatus.CLOSED:
        message = f"The objective is {objective.status}: only objectives that ran get a retrospective."
        return ("objective", message, "not_ran")
    return None


#: A retrospective part's column options: multi-line text of at most 2,000 characters.
_PART: Any = {"max_length": 2000, "validators": [validate_multi_line]}


class Retrospective(models.Model):
    """One objective's look back on its closed cycle: what went well, what we learned, what we change.

    One row per objective (the service updates it in place: the note is the
    team's current word, the event ``objective.retrospective_written`` keeps
    each version). Each part may be empty, never all three.
    """

    #: The parts, in the order pages and the API show them.
    PARTS = ("went_well", "learned", "change")
    #: Each part, at most (Django checks ``max_length`` in forms only; the service checks it too).
    PART_MAX_LENGTH: int = _PART["max_length"]

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="retrospectives")
    went_well = models.TextField("What went well", blank=True, **_PART)
    learned = models.TextField("What we learned", blank=True, **_PART)
    change = models.TextField("What we change", blank=True, **_PART)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "objective"], name="retrospective_per_objective"),
            models.CheckConstraint(condition=~Q(went_well="", learned="", change=""), name="retrospective_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Retrospective of objective {self.objective_id}"


def authors_latest_checkins(entries: Iterable[CheckIn]) -> dict[int, int]:
    """Each author's latest check-in (by ``entered_at``, then id), corrections and undos aside: author id → entry id.

    What "my last check-in" means for Undo: the page computes it from the
    history it shows, the service from the author's entries it reads.
    """
    latest: dict[int, int] = {}
    for entry in sorted(entries, key=lambda e: (e.entered_at, e.pk)):
        if entry.corrects_id is None and entry.author_id is not None:
            latest[entry.author_id] = entry.pk
    return latest


def checkin_undo_refusal(
    checkin: CheckIn, objective: "Objective", *, user_id: int | None, latest_id: int | None, now: datetime.datetime
) -> tuple[str, str, str] | None:
    """Why this person cannot undo this entry now (field, message, code); None when they can.

    Undo takes back one's own last check-in shortly after entering it: the
    entry must be a check-in (not a correction, which is corrected again, nor
    an undo), still standing, written by ``user_id`` no more than
    :data:`UNDO_WINDOW` ago, and their latest check-in on the key result
    (``latest_id``: the id of the author's newest check-in there, corrections
    and undos aside). The pages show "Undo" with it, the service and the API
    refuse with it.
    """
    if refusal := checkin_correction_refusal(checkin, objective):
        return refusal
    if user_id is None or checkin.author_id != user_id:
        return ("checkin", "Only its author may undo a check-in; correct it instead.", "not_author")
    if checkin.corrects_id is not None:
        return ("checkin", "A correction is not undone; correct it again instead.", "correction")
    if checkin.pk != latest_id:
        return ("checkin", "Only your latest check-in here can be undone; correct this one instead.", "not_latest")
    if now - checkin.entered_at > UNDO_WINDOW:
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        return ("checkin", f"A check-in can be undone for {minutes} minutes; correct it instead.", "undo_expired")
    return None


class Dependency(models.Model):
    """``from_objective`` depends on ``to_objective`` (usually across departments)."""

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    from_objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="dependencies")
    to_objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="dependents")
    note = models.CharField(max_length=500, blank=True, validators=[validate_single_line])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "dependencies"
        constraints = [
            models.UniqueConstraint(fields=["company", "from_objective", "to_objective"], name="dependency_unique"),
            models.CheckConstraint(condition=~Q(from_objective=F("to_objective")), name="dependency_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.from_objective_id} → {self.to_objective_id}"


class SharedKeyResult(models.Model):
    """A key result shared into (followed by) an objective other than its own, usually of another department.

    Made when two departments find they chase one number (an overlap turned
    into a link, or by hand): the key result stays where it is, with its one
    owner and its one series of check-ins; ``objective`` shows it under
    "Shared key results" and its own objective says "Shared with …".

    DESIGN: display and alignment only. A shared key result is *not* an input
    of ``objective``'s progress: the roll-up (``objectives/progress.py``,
    ``objectives/rollup.py``) reads an objective's own key results and
    children and nothing else, so one number never counts twice in a
    company's figures and a share never moves a score. It does count as a
    link for the overlap finder (``objectives.overlaps.read_items``): the two
    objectives no longer overlap.
    """

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="shared_key_results")
    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="shares")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "objective", "key_result"], name="shared_key_result_unique"),
        ]

    def __str__(self) -> str:
        return f"k{self.key_result_id} → o{self.objective_id}"


class OverlapDismissal(models.Model):
    """A pair the overlap finder reported that someone said is "not the same": left out for the whole company.

    ``pair_key`` names the two sides ("k12|o7", ``objectives.overlaps.pair_key``);
    the objectives of both sides hold the row, so it goes when either goes.
    """

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    pair_key = models.CharField(max_length=48)
    first_objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="+")
    second_objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "pair_key"], name="overlap_dismissal_unique"),
        ]

    def __str__(self) -> str:
        return self.pair_key


class Verb(models.TextChoices):
    """What an event says happened. The names are the event types webhooks and chat messages carry."""

    CHECKIN_CREATED = "checkin.created", "checked in"
    CHECKIN_CORRECTED = "checkin.corrected", "corrected a check-in"
    CHECKIN_UNDONE = "checkin.undone", "undid a check-in"
    OBJECTIVE_CREATED = "objective.created", "created an objective"
    OBJECTIVE_UPDATED = "objective.updated", "changed an objective"
    OBJECTIVE_ACTIVATED = "objective.activated", "activated an objective"
    OBJECTIVE_STATUS_CHANGED = "objective.status_changed", "changed an objective's status"
    KEY_RESULT_CREATED = "key_result.created", "added a key result"
    KEY_RESULT_UPDATED = "key_result.updated", "changed a key result"
    KEY_RESULT_DELETED = "key_result.deleted", "deleted a key result"
    DEPENDENCY_CREATED = "dependency.created", "added a dependency"
    DEPENDENCY_DELETED = "dependency.deleted", "removed a dependency"
    KEY_RESULT_SHARED = "key_result.shared", "shared a key result"
    KEY_RESULT_UNSHARED = "key_result.unshared", "stopped sharing a key result"
    CYCLE_ACTIVATED = "cycle.activated", "started a cycle"
    CYCLE_CLOSED = "cycle.closed", "closed a cycle"
    KEY_RESULT_GRADED = "key_result.graded", "graded a key result"
    CYCLE_GRADING_ENDED = "cycle.grading_ended", "ended a cycle's grading"
    OBJECTIVE_RETROSPECTIVE_WRITTEN = "objective.retrospective_written", "wrote a retrospective"
    OBJECTIVE_CARRIED_OVER = "objective.carried_over", "carried an objective over"
    PLAN_SUBMITTED = "plan.submitted", "submitted a department's plan"
    PLAN_APPROVED = "plan.approved", "approved a department's plan"
    PLAN_RETURNED = "plan.returned", "returned a department's plan"
    COMMENT_CREATED = "comment.created", "commented"
    REACTION_ADDED = "reaction.added", "reacted"


class Event(models.Model):
    """One thing that happened in a company: append-only, written by the service in its own transaction.

    The activity feed, notifications, webhooks and chat messages all read
    from this table (``objectives.events`` writes it). ``objective`` is the
    objective the event is about, or under (a key result's, a check-in's, a
    comment's): it is what decides who may read the event, so an event about
    a private objective is exactly as private as the objective. Events with no
    objective (a cycle closed) are readable by every member. Deleting an
    objective (drafts and archived ones only) deletes its events with it: an
    event that outlived its objective could leak a private title.

    ``department`` is the objective's department when the event was written
    (the department feed reads it); ``subject_kind``/``subject_id`` name the
    primary subject, which may live in an app above this one (a comment).
    ``payload`` holds what a reader needs without joining (titles, values,
    old and new statuses), in plain JSON types.
    """

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=32, choices=Verb.choices)
    subject_kind = models.CharField(max_length=16)
    subject_id = models.BigIntegerField()
    cycle = models.ForeignKey(Cycle, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    objective = models.ForeignKey(Objective, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    key_result = models.ForeignKey(KeyResult, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    checkin = models.ForeignKey(CheckIn, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    department = models.ForeignKey(
        "departments.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # No check constraint on ``verb``: the enum is the rule, and new verbs need no migration.
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-created_at", "-id"], name="event_company_time"),
            models.Index(fields=["company", "objective", "-created_at"], name="event_company_objective"),
            models.Index(fields=["company", "department", "-created_at"], name="event_company_department"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.subject_kind}:{self.subject_id} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Events are append-only; record a new event instead.")
        super().save(*args, **kwargs)


class EmailKind(models.TextChoices):
    CHECKIN_REMINDER = "reminder", "Check-in reminder"
    DIGEST = "digest", "Weekly digest"


class PeriodicEmail(models.Model):
    """The claim on one email of one kind to one person for one check-in period.

    The unique constraint is what makes reminders and digests at-most-once:
    a sender inserts (and commits) this row before it sends, and a sender that
    cannot insert it sends nothing. ``sent_at`` stays empty when the sender
    died between the claim and the hand-over to the mail server (see
    ``notifications.reminders``).
    """

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=EmailKind.choices)
    period = models.DateField(help_text="Local date of the company's check-in moment that ends the period.")
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "kind", "period", "user"], name="periodic_email_once"),
            models.CheckConstraint(condition=Q(kind__in=EmailKind.values), name="periodic_email_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id} in period {self.period}"


class PlanState(models.TextChoices):
    """Where a department's plan for a cycle stands (``objectives.services.planning`` moves it).

    drafting → submitted → approved, or submitted → returned → (edited) →
    submitted again. A department with no row is drafting.
    """

    DRAFTING = "drafting", "Drafting"
    SUBMITTED = "submitted", "Submitted for review"
    RETURNED = "returned", "Returned"
    APPROVED = "approved", "Approved"


class DepartmentPlan(models.Model):
    """A department's set of draft objectives for one cycle, and its review.

    One row per (company, cycle, department), made on the first submission.
    While ``submitted`` the department's drafts in the cycle are locked
    (``plan_lock_refusal``); ``returned_comment`` is the reviewer's word on
    the last return, kept until the next decision.
    """

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("departments.Department", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=9, choices=PlanState.choices, default=PlanState.DRAFTING)
    returned_comment = models.TextField(blank=True, max_length=2000, validators=[validate_multi_line])
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "cycle", "department"], name="department_plan_once"),
            models.CheckConstraint(condition=Q(state__in=PlanState.values), name="department_plan_state_valid"),
        ]

    def __str__(self) -> str:
        return f"plan of department {self.department_id} in cycle {self.cycle_id}: {self.state}"


def plan_under_review(*, company_id: int, cycle_id: int, department_id: int | None, lock: bool = False) -> bool:
    """Whether the department's plan for the cycle is submitted: its drafts are locked (one query).

    ``lock`` (writes, in their transaction) takes the plan's row FOR NO KEY
    UPDATE, so a write to a draft racing the plan's submission either lands
    before it (the submission waits, then sees the draft as written) or
    waits for it and is refused.
    """
    if department_id is None:
        return False
    plans = DepartmentPlan.objects.filter(company_id=company_id, cycle_id=cycle_id, department_id=department_id)
    if lock:
        plans = plans.select_for_update(no_key=True)
    return plans.values_list("state", flat=True).first() == PlanState.SUBMITTED


#: What a write to a draft of a department whose plan is under review is refused with (field, message, code).
PLAN_LOCKED = (
    "status",
    "This department's plan is submitted for review; its drafts cannot change until a reviewer returns it.",
    "plan_submitted",
)


def plan_lock_refusal(objective: "Objective", *, lock: bool = False) -> tuple[str, str, str] | None:
    """Why a draft may not be edited now (field, message, code), or None.

    The one rule for every write to a draft and its key results: while its
    department's plan is submitted, its drafts wait for the review. Active
    objectives are not locked: a plan is about the drafts.
    """
    if objective.status != ObjectiveStatus.DRAFT:
        return None
    if plan_under_review(
        company_id=objective.company_id,
        cycle_id=objective.cycle_id,
        department_id=objective.department_id,
        lock=lock,
    ):
        return PLAN_LOCKED
    return None


# Registers the audit history's signal receiver (the app has no AppConfig module).
from objectives import history as _history  # noqa: E402, F401
