from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

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


@register.filter
def confidence_label(value: str) -> str:
    """'at_risk' → 'At risk', from the model's own choices."""
    from objectives.models import Confidence

    return Confidence(value).label if value in Confidence.values else ""


@register.simple_tag
def user_companies(user):
    """The companies a person belongs to, for the switcher (one query, only where the header asks)."""
    from companies.models import Membership

    return list(Membership.objects.filter(user=user).select_related("company").order_by("company__name"))


def _number(value) -> str:
    from decimal import Decimal

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
    from objectives.models import ObjectiveStatus

    return ObjectiveStatus(value).label if value in ObjectiveStatus.values else value


TRANSITION_LABELS = {"active": "Activate", "closed": "Close objective", "archived": "Archive", "draft": "Back to draft"}


@register.filter
def transition_label(value: str, current: str = "") -> str:
    """The button text for moving an objective to ``value`` (from ``current``: a closed one is reopened)."""
    if value == "active" and current in ("closed", "archived"):
        return "Reopen"
    return TRANSITION_LABELS.get(value, value)
