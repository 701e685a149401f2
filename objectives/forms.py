"""Forms of the OKR pages. They parse and render; the services validate and write."""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import Q

from companies.models import Company, User
from companies.tenancy import Actor
from departments.ancestry import department_and_ancestors
from departments.models import Department
from objectives import feed
from objectives.formatting import plain_decimal
from objectives.models import (
    VALUE_DIGITS,
    Confidence,
    Cycle,
    CycleStatus,
    Direction,
    KeyResultKind,
    Objective,
    ObjectiveStatus,
    overlapping_cycles_q,
)
from objectives.selectors import visible_objectives
from okrhub.web import PageForm


class DecimalInput(forms.NumberInput):
    """A number input showing a Decimal as people type it: "1000", not "1000.0000"."""

    def format_value(self, value):
        if value is None or value == "":
            return None
        try:
            return plain_decimal(value)
        except ArithmeticError:
            return super().format_value(value)  # what was typed, shown back as is


def _value_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DecimalInput(attrs={"step": "any", "inputmode": "decimal"}),
        **VALUE_DIGITS,
    )


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name if not obj.full_name else obj.full_name


def company_members(company: Company):
    return User.objects.filter(memberships__company=company).order_by("full_name", "email")


class ObjectiveChoiceField(forms.ModelChoiceField):
    """Objectives labelled with where they live, so a picker reads “Sales: Close €5M…”.

    One of another cycle than ``cycle_id`` (the annual objective a quarter's
    ladders up to) names its cycle: “Company: Grow revenue by 25% (2026)”.
    """

    cycle_id: int | None = None

    def label_from_instance(self, obj: Objective) -> str:
        label = f"{obj.department.name if obj.department else 'Company'}: {obj.title}"
        return label if self.cycle_id is None or obj.cycle_id == self.cycle_id else f"{label} ({obj.cycle.name})"


#: A milestone's two values, as its select offers them.
MILESTONE_CHOICES = [("0", "Not done"), ("1", "Done")]


class GradeForm(PageForm):
    """One key result's grade on the grading page. Parses only: the rules (range, reason, window) are the service's."""

    score = forms.CharField(
        label="Final score (0 to 1)",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5}),
        help_text="0.7 is 70%.",
    )
    reason = forms.CharField(
        label="Reason", required=False, max_length=1000, help_text="Why this score: required for every change."
    )
    not_scored = forms.BooleanField(label="Not scored", required=False)

    @classmethod
    def for_key_result(cls, kr: Any, data: Any = None) -> "GradeForm":
        score = "" if kr.final_score is None else f"{kr.final_score:.2f}".rstrip("0").rstrip(".")
        initial = {"score": score, "reason": kr.score_reason, "not_scored": kr.not_scored}
        return cls(data, initial=initial, prefix=f"grade{kr.pk}")


class RetrospectiveForm(PageForm):
    """An objective's retrospective on its page. Parses only: the rules (length, text, not all empty) are the service's.

    The three parts are the model's (``Retrospective.PARTS``).
    """

    went_well = forms.CharField(label="What went well", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    learned = forms.CharField(label="What we learned", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    change = forms.CharField(label="What we change", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    @classmethod
    def for_state(cls, state: dict[str, Any], data: Any = None) -> "RetrospectiveForm":
        """The form prefilled with the stored parts (``selectors.objective_retrospective``)."""
        return cls(data, initial={name: state[name] for name in ("went_well", "learned", "change")})


class CheckInForm(PageForm):
    value = _value_field("New value")
    confidence = forms.ChoiceField(label="Confidence", choices=Confidence.choices, initial=Confidence.ON_TRACK)
    note = forms.CharField(label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, key_result=None, **kwargs):
        super().__init__(*args, **kwargs)
        #: Why the posted value looks like a mistake (objectives.sanity), when the page asks before saving it.
        self.warnings: list[Any] = []
        if key_result is not None and key_result.kind == KeyResultKind.MILESTONE:
            self.fields["value"] = forms.TypedChoiceField(
                label="Status",
                choices=MILESTONE_CHOICES,
                coerce=int,
                initial="1" if key_result.current_value == 1 else "0",
            )
        if key_result is not None and key_result.confidence:
            self.fields["confidence"].initial = key_result.confidence

    def confirmed(self) -> bool:
        """Whether the person ticked "This value is right" for the value now posted (see :func:`confirmed_value`)."""
        return confirmed_value(self)


def confirmed_value(form: forms.BaseForm) -> bool:
    """Whether ``form``'s posted ``confirm`` box confirms exactly the ``value`` posted with it.

    A page that flags a value (``objectives.sanity``) shows a checkbox whose
    value is the flagged value; a confirmation counts only for that value, so
    changing the number after ticking the box asks again.
    """
    if not form.is_bound:
        return False
    posted = form.data.get(form.add_prefix("confirm"))
    value = form.data.get(form.add_prefix("value"))
    if not posted or value in (None, ""):
        return False
    try:
        return Decimal(str(posted).strip()) == Decimal(str(value).strip())
    except ArithmeticError:
        return False


class WeeklyRowForm(CheckInForm):
    """One key result's row on the weekly check-in page, prefilled with its current value and confidence.

    A row is *changed* (``changed_row`` after validation) when its value
    differs from the current one (by meaning: "5" equals 5.0000), its
    confidence differs from the last check-in's, or it has a note; only
    changed rows become check-ins. A row left blank on a key result that has
    never been checked in is unchanged; a new confidence or a note there
    without a value is refused ("Enter a value"). A cleared value on a key
    result that has one keeps the current value.
    """

    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

    def __init__(self, *args: Any, key_result: Any, **kwargs: Any) -> None:
        super().__init__(*args, key_result=key_result, **kwargs)
        self.key_result = key_result
        current = key_result.current_value
        if key_result.kind == KeyResultKind.MILESTONE:
            status = cast(forms.TypedChoiceField, self.fields["value"])
            status.empty_value = None
            if current is None:
                status.choices = [("", "Not checked in yet"), *MILESTONE_CHOICES]
                status.initial = ""
            status.required = False
        else:
            number = self.fields["value"]
            unit = {KeyResultKind.CURRENCY: key_result.currency, KeyResultKind.PERCENT: "%"}.get(
                key_result.kind, key_result.unit
            )
            number.label = f"Value ({unit})" if unit else "Value"
            number.required = False
            number.initial = current
        self.changed_row = False

    def baseline_confidence(self) -> str:
        return self.key_result.confidence or Confidence.ON_TRACK

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        current = self.key_result.current_value
        value = data.get("value")
        blank = value is None or value == ""
        value_changed = not blank and (current is None or Decimal(str(value)) != current)
        confidence_changed = data.get("confidence") != self.baseline_confidence()
        note = (data.get("note") or "").strip()
        data["note"] = note
        self.changed_row = value_changed or confidence_changed or bool(note)
        if self.changed_row and blank:
            if current is None:
                self.add_error("value", "Enter a value to check in.")
            else:
                data["value"] = current  # a new confidence or a note on the value as it stands
        return data


class WeeklyNoteForm(PageForm):
    """The weekly page's overall note, stored with each check-in it accompanies."""

    note = forms.CharField(
        label="Overall note (optional)",
        required=False,
        max_length=1000,
        help_text="Added to every check-in you save now, as its last paragraph.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CheckInCorrectionForm(CheckInForm):
    """A correction of one check-in: the check-in form, filled with the entry being corrected."""

    def __init__(self, *args, key_result=None, checkin=None, **kwargs):
        super().__init__(*args, key_result=key_result, **kwargs)
        milestone = key_result is not None and key_result.kind == KeyResultKind.MILESTONE
        if not milestone:
            self.fields["value"].label = "Corrected value"
        if checkin is not None and not self.is_bound:
            value = str(int(checkin.value)) if milestone else format(checkin.value.normalize(), "f")
            self.initial = {"value": value, "confidence": checkin.confidence, "note": checkin.note}


class ObjectiveForm(PageForm):
    title = forms.CharField(
        label="Objective", max_length=200, help_text="Qualitative and inspiring: where you want to be."
    )
    description = forms.CharField(
        label="Why it matters", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    cycle = forms.ModelChoiceField(label="Cycle", queryset=Cycle.objects.none(), empty_label=None)
    department = forms.ModelChoiceField(
        label="Department", queryset=Department.objects.none(), required=False, empty_label="Company-level"
    )
    parent = ObjectiveChoiceField(
        label="Ladders up to",
        queryset=Objective.objects.none(),
        required=False,
        empty_label="— nothing yet —",
        help_text="The company objective (or parent-department objective) this one serves.",
    )
    owner = MemberChoiceField(label="Owner", queryset=User.objects.none(), required=False, empty_label="— me —")
    weight = forms.DecimalField(
        label="Weight in its parent",
        initial=1,
        min_value=0.01,
        max_digits=7,
        decimal_places=2,
        widget=DecimalInput(attrs={"step": "any"}),
    )
    private = forms.BooleanField(label="Private (only its department and leaders can read it)", required=False)

    def __init__(
        self, *args, company: Company, actor: Actor, departments, cycle: Cycle | None = None, objective=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.company = company
        self.objective = objective
        cycle_field = cast(forms.ModelChoiceField, self.fields["cycle"])
        cycle_field.queryset = Cycle.objects.filter(company=company).exclude(status=CycleStatus.CLOSED)
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = departments
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = company_members(company)
        if objective is not None:
            # The cycle of an existing objective is fixed (its key results are measured in it).
            del self.fields["cycle"]
        cycle_id = (
            self._bound_id("cycle") or (cycle.pk if cycle else None) or (objective.cycle_id if objective else None)
        )
        department_id = self._bound_id("department")
        if department_id is None and not self.is_bound:
            initial = self.initial.get("department")
            department_id = getattr(initial, "pk", initial)
        parent_field = cast(ObjectiveChoiceField, self.fields["parent"])
        parent_field.queryset = parent_candidates(
            company=company,
            actor=actor,
            cycle_id=cycle_id,
            department_id=department_id,
            exclude_id=objective.pk if objective else None,
        )
        parent_field.cycle_id = cycle_id

    def _bound_id(self, name: str) -> int | None:
        if not self.is_bound or name not in self.fields:
            return None
        raw = self.data.get(self.add_prefix(name))
        return int(raw) if raw and str(raw).isdigit() else None


def parent_candidates(
    *, company: Company, actor: Actor, cycle_id: int | None, department_id: int | None, exclude_id=None, query=""
):
    """Objectives a department objective may ladder up to (DESIGN §1): company ones and enclosing departments'.

    Of a cycle that overlaps ``cycle_id``'s (``overlapping_cycles_q``, the
    rule the service checks): the same cycle's, and the enclosing annual
    cycle's for a quarter. Only those the actor may read: a private
    objective never appears in (or is accepted by) a picker.
    """
    qs = (
        visible_objectives(Objective.objects.filter(company=company), actor=actor)
        .exclude(status=ObjectiveStatus.ARCHIVED)
        .select_related("department", "cycle")
        .order_by("department__name", "title")
    )
    if cycle_id is not None:
        qs = qs.filter(overlapping_cycles_q(company_id=company.pk, cycle_id=cycle_id, prefix="cycle__"))
    if department_id is None:
        qs = qs.filter(department__isnull=True)
    else:
        enclosing = department_and_ancestors(company, department_id)
        qs = qs.filter(Q(department__isnull=True) | Q(department_id__in=enclosing))
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    if query:
        qs = qs.filter(title__icontains=query)
    return qs


class KeyResultForm(PageForm):
    title = forms.CharField(
        label="Key result",
        max_length=200,
        help_text="A measurable outcome, e.g. “Raise NPS from 31 to 45”.",
    )
    kind = forms.ChoiceField(label="Kind", choices=KeyResultKind.choices, initial=KeyResultKind.NUMBER)
    direction = forms.ChoiceField(label="Direction", choices=Direction.choices, initial=Direction.INCREASE)
    start_value = _value_field("Start", help_text="Where it stands at the start of the cycle.")
    target_value = _value_field("Target")
    unit = forms.CharField(label="Unit", required=False, max_length=24, help_text="e.g. leads, days, NPS points.")
    currency = forms.CharField(
        label="Currency",
        required=False,
        max_length=3,
        help_text="ISO code, for a currency key result (EUR, USD…).",
    )
    weight = forms.DecimalField(
        label="Weight",
        initial=1,
        min_value=0.01,
        max_digits=7,
        decimal_places=2,
        widget=DecimalInput(attrs={"step": "any"}),
    )
    owner = MemberChoiceField(
        label="Owner", queryset=User.objects.none(), required=False, empty_label="— objective's owner —"
    )

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = company_members(company)
        self.fields["start_value"].initial = 0

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("kind") == KeyResultKind.MILESTONE:
            # A milestone is done or not done: 0 → 1, whatever was typed.
            data["start_value"], data["target_value"], data["direction"] = 0, 1, Direction.INCREASE
            self.errors.pop("start_value", None)
            self.errors.pop("target_value", None)
        return data


class DependencyForm(PageForm):
    to_objective = ObjectiveChoiceField(label="Add an objective this one needs", queryset=Objective.objects.none())
    note = forms.CharField(label="What for", required=False, max_length=500)

    def __init__(self, *args, company: Company, actor: Actor, objective: Objective, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["to_objective"]).queryset = (
            visible_objectives(Objective.objects.filter(company=company, cycle_id=objective.cycle_id), actor=actor)
            .exclude(pk=objective.pk)
            .exclude(status=ObjectiveStatus.ARCHIVED)
            .select_related("department")
            .order_by("department__name", "title")
        )


class ImportForm(PageForm):
    """A CSV of objectives and key results, uploaded or pasted (objectives/transfer.py reads it)."""

    csv_file = forms.FileField(label="CSV file", required=False)
    csv_text = forms.CharField(
        label="…or paste the CSV",
        required=False,
        max_length=512 * 1024,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        upload = data.get("csv_file")
        if upload is not None:
            if upload.size > 512 * 1024:
                raise forms.ValidationError({"csv_file": "Use a file under 512 KB."})
            try:
                data["csv_text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError({"csv_file": "Save the file as UTF-8 CSV."}) from None
        if not data.get("csv_text", "").strip():
            raise forms.ValidationError({"csv_text": "Upload a CSV file or paste its text."})
        return data


class ActivityFilterForm(PageForm):
    """The activity page's filters (a GET form): the period and the kind of event; the cursor pages."""

    period = forms.ChoiceField(label="Period", required=False, choices=[(k, v[0]) for k, v in feed.PERIODS.items()])
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "Everything"), *((k, v[0]) for k, v in feed.VERB_FAMILIES.items())],
    )
    cursor = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args, default_period: str = "week", **kwargs):
        super().__init__(*args, **kwargs)
        self.default_period = default_period

    def clean_period(self) -> str:
        return self.cleaned_data["period"] or self.default_period

    def clean_cursor(self) -> feed.Cursor | None:
        text = self.cleaned_data["cursor"]
        if not text:
            return None
        cursor = feed.Cursor.parse(text)
        if cursor is None:
            raise forms.ValidationError(feed.INVALID_CURSOR, code="invalid")
        return cursor


class PlanDecisionForm(PageForm):
    """A department plan's return on the planning board: the comment. The rules (required, length) are the service's."""

    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What to change before it is submitted again: required to return the plan.",
    )
