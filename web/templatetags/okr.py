"""The site's template tags (``{% load okr %}``): progress, values and labels as people read them."""

from decimal import Decimal

from django import forms, template
from django.conf import settings
from django.forms import BoundField
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from companies.models import Membership
from objectives import quality
from objectives.models import Confidence, ObjectiveStatus

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """Progress as people read it: a whole percent, or "—" when unknown (never 0)."""
    return "—" if value is None else f"{round(value * 100)}%"


@register.filter
def percent_int(value: float | None) -> int:
    return 0 if value is None else round(value * 100)


@register.simple_tag
def progress_bar(value: float | None, expected: float | None = None, tone: str = "") -> SafeString:
    """A progress bar with the expected-pace mark and the percent as text.

    A tag rather than an included template, built with plain string
    formatting (numbers, and escaped text): the alignment tree draws one per
    objective and key result, and an include per bar cost most of the page's
    render time at a few hundred nodes.
    """
    fill = (
        f'<rect class="bar-fill{" " + escape(tone) if tone else ""}" width="{percent_int(value)}" height="10"/>'
        if value is not None
        else ""
    )
    mark = percent_int(expected) if expected is not None else None
    pace = f'<line class="bar-pace" x1="{mark}" x2="{mark}" y1="0" y2="10"/>' if mark is not None else ""
    return mark_safe(  # noqa: S308 - every interpolated value is a number or escaped above
        '<span class="progress"><svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"'
        f' focusable="false"><rect class="bar-track" width="100" height="10"/>{fill}{pace}</svg>'
        f'<span class="value">{percent(value)}</span></span>'
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


_FAST_WIDGETS = (forms.NumberInput, forms.TextInput, forms.Select, forms.Textarea)


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


def _number(value) -> str:
    number = Decimal(value)
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    return f"{number.normalize():,f}"


@register.simple_tag
def kr_value(kr, value="current"):
    """A key result value as people read it: €2,300,000 · 620 leads · 21% · Done."""
    raw = getattr(kr, "current_value" if value == "current" else value, None) if isinstance(value, str) else value
    if raw is None:
        return "—"
    kind = kr["kind"] if isinstance(kr, dict) else kr.kind
    unit = (kr["unit"] if isinstance(kr, dict) else kr.unit) or ""
    currency = (kr["currency"] if isinstance(kr, dict) else kr.currency) or ""
    if kind == "milestone":
        return "Done" if raw >= 1 else "Not done"
    text = _number(raw)
    if kind == "currency":
        symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(currency)
        return f"{symbol}{text}" if symbol else f"{text} {currency}"
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}".strip()


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
