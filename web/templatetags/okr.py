"""The site's template tags (``{% load okr %}``): progress, values and labels as people read them."""

from django import forms, template
from django.conf import settings
from django.forms import BoundField
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from companies.models import Membership
from objectives import formatting, quality
from objectives.forms import DecimalInput
from objectives.models import Confidence, ObjectiveStatus
from objectives.progress import status as computed_status
from objectives.selectors import can_read_objective

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """Progress as people read it: a whole percent, or "—" when unknown (never 0)."""
    return "—" if value is None else f"{round(value * 100)}%"


@register.filter
def percent_int(value: float | None) -> int:
    return 0 if value is None else round(value * 100)


@register.simple_tag
def progress_bar(value: float | None, expected: float | None = None) -> SafeString:
    """A progress bar coloured by status (DESIGN §3), with the expected-pace mark and the percent as text.

    The colour is ``objectives.progress.status(value, expected)`` and nothing else: the
    owner's confidence never colours a bar. Without an expected pace (no
    cycle) the fill stays neutral.

    A tag rather than an included template, built with plain string
    formatting (numbers, and escaped text): the alignment tree draws one per
    objective and key result, and an include per bar cost most of the page's
    render time at a few hundred nodes.
    """
    tone = f" {computed_status(value, expected).value}" if expected is not None else ""
    fill = f'<rect class="bar-fill{tone}" width="{percent_int(value)}" height="10"/>' if value is not None else ""
    mark = percent_int(expected) if expected is not None else None
    pace = f'<line class="bar-pace" x1="{mark}" x2="{mark}" y1="0" y2="10"/>' if mark is not None else ""
    return mark_safe(  # noqa: S308 - every interpolated value is a number or a fixed enum value
        '<span class="progress"><svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"'
        f' focusable="false"><rect class="bar-track" width="100" height="10"/>{fill}{pace}</svg>'
        f'<span class="value">{percent(value)}</span></span>'
    )


@register.simple_tag
def status_badge(value: float | None, expected: float | None) -> SafeString:
    """The computed status as a badge in the bar's colour: "On track", "Behind pace", "Done", "No check-in yet"."""
    if expected is None:
        return mark_safe("")
    current = computed_status(value, expected)
    return mark_safe(  # noqa: S308 - a fixed enum value and its fixed label
        f'<span class="badge pace-status {current.value}">{escape(current.label)}</span>'
    )


@register.simple_tag
def confidence_badge(value: str) -> SafeString:
    """The owner's confidence, labelled as such and neutral in colour: "Confidence: at risk"."""
    if value not in Confidence.values:
        return mark_safe("")
    label = Confidence(value).label.lower()
    return mark_safe(  # noqa: S308 - a fixed label from the model's choices
        f'<span class="badge confidence" title="The owner\'s judgement at the last check-in">Confidence: {label}</span>'
    )


@register.simple_tag
def field_group(field: BoundField) -> SafeString:
    """``components/field.html`` for a field, with a fast path for the inline check-in forms.

    "My key results" carries one check-in form per key result; rendering
    their widgets through Django's widget templates was most of the page's
    time. A fresh (unbound) form's plain inputs, selects and text areas are
    written here directly, with the attributes Django would render (a test
    holds the two to the same markup); anything else (errors, help text,
    other widgets) goes through Django's templates.
    """
    widget = field.field.widget
    if field.form.is_bound or field.help_text or type(widget) not in _FAST_WIDGETS:
        return render_to_string("components/field.html", {"field": field})
    attrs = field.build_widget_attrs(dict(widget.attrs))
    attrs["id"] = field.auto_id
    value = field.value()
    if isinstance(widget, forms.Select):
        selected = str(value) if value is not None else None
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if str(v) == selected else ""}>{escape(label)}</option>'
            # A Select's field is a ChoiceField (the stubs know only Field here, and type a ChoiceField's
            # choices as what its setter accepts, not the normalised list it reads back).
            for v, label in field.field.choices  # type: ignore[attr-defined]
        )
        control = f'<select name="{escape(field.html_name)}"{_attributes(attrs)}>{options}</select>'
    elif isinstance(widget, forms.Textarea):
        text = "" if value is None else escape(value)
        control = f'<textarea name="{escape(field.html_name)}"{_attributes(attrs)}>\n{text}</textarea>'
    else:
        rendered_value = widget.format_value(value)
        value_attr = f' value="{escape(rendered_value)}"' if rendered_value is not None else ""
        name = escape(field.html_name)
        control = f'<input type="{escape(widget.input_type)}" name="{name}"{value_attr}{_attributes(attrs)}>'
    return mark_safe(  # noqa: S308 - names, values and labels are escaped above; so does _attributes
        f'<div class="field"><label for="{escape(field.auto_id)}">{escape(field.label)}</label>{control}</div>'
    )


_FAST_WIDGETS = (forms.NumberInput, DecimalInput, forms.TextInput, forms.Select, forms.Textarea)


def _attributes(attrs: dict) -> str:
    """HTML attributes in the widget's own order, as Django's ``attrs.html`` writes them."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not None and value is not False
    )


@register.filter
def confidence_label(value: str) -> str:
    """'at_risk' → 'At risk', from the model's own choices."""
    return Confidence(value).label if value in Confidence.values else ""


@register.simple_tag
def user_companies(user):
    """The companies a person belongs to, for the switcher (one query, only where the header asks)."""
    cached = getattr(user, "_okr_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("company").order_by("company__name"))
        user._okr_memberships = cached
    return cached


@register.simple_tag
def open_signup() -> bool:
    """Whether the operator lets anyone create a company (``OKRHUB_OPEN_SIGNUP``)."""
    return settings.OKRHUB_OPEN_SIGNUP


@register.simple_tag
def kr_value(kr, value="current"):
    """A key result value as people read it: €2,300,000 · 620 leads · 21% · Done (``objectives.formatting``)."""
    if isinstance(value, str):
        value = _field(kr, "current_value" if value == "current" else value)
    return formatting.kr_value(kr, value)


def _field(kr, name: str):
    return kr.get(name) if isinstance(kr, dict) else getattr(kr, name, None)


@register.simple_tag
def kr_standing(kr) -> str:
    """Current against target: "620 leads of 1,000 leads"; a decrease reads "€108 → €80 target"."""
    return formatting.kr_standing(kr)


@register.filter
def status_label(value: str) -> str:
    return ObjectiveStatus(value).label if value in ObjectiveStatus.values else value


TRANSITION_LABELS = {"active": "Activate", "closed": "Close objective", "archived": "Archive", "draft": "Back to draft"}


@register.filter
def transition_label(value: str, current: str = "") -> str:
    """The button text for moving an objective to ``value`` (from ``current``: a closed one is reopened)."""
    if value == "active" and current in ("closed", "archived"):
        return "Reopen"
    return TRANSITION_LABELS.get(value, value)


@register.inclusion_tag("components/hints.html", takes_context=True)
def outcome_hint(context, kr, can_edit: bool = False) -> dict:
    """The outcome check's hint on a saved key result, for as long as its title reads as an activity.

    People who may edit get "Use this suggestion": the edit form with the suggested title filled in.
    """
    hints = quality.key_result_title_hints(kr.title, kind=kr.kind, unit=kr.unit)
    fill_url = None
    if hints and can_edit:
        fill_url = reverse(
            "objectives:key_result_edit",
            kwargs={"company_slug": context["request"].company.slug, "key_result_id": kr.pk},
        )
    return {"hints": hints, "fill_url": fill_url}


@register.filter
def readable_by(objective, actor) -> bool:
    """``{% if objective.parent|readable_by:request.actor %}``: the visibility rule, for titles a page prints."""
    return objective is not None and actor is not None and can_read_objective(actor, objective)


@register.simple_tag(takes_context=True)
def event_time(context, moment) -> SafeString:
    """When something happened as people say it ("3 hours ago"), the date and time in the company's zone on hover.

    A ``<time>`` element: its ``datetime`` is the exact instant, its title the
    local date and time with the zone's name, so the relative words never
    hide when it was.
    """
    company = context["request"].company
    local = timezone.localtime(moment, company.tzinfo)
    now = timezone.localtime(timezone.now(), company.tzinfo)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        moment.isoformat(),
        f"{local.day} {local:%b %Y, %H:%M} ({company.timezone})",
        formatting.ago(local, now),
    )
