from django import template

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """Progress as people read it: a whole percent, or "—" when unknown (never 0)."""
    return "—" if value is None else f"{round(value * 100)}%"


@register.filter
def percent_int(value: float | None) -> int:
    return 0 if value is None else round(value * 100)


@register.filter
def confidence_label(value: str) -> str:
    """'at_risk' → 'At risk', from the model's own choices."""
    from objectives.models import Confidence

    return Confidence(value).label if value in Confidence.values else ""


@register.simple_tag
def user_companies(user):
    """The companies a person belongs to, for the switcher (one query, only where the header asks)."""
    from companies.models import Membership

    cached = getattr(user, "_okr_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("company").order_by("company__name"))
        user._okr_memberships = cached
    return cached


@register.simple_tag
def open_signup() -> bool:
    """Whether the operator lets anyone create a company (``OKRHUB_OPEN_SIGNUP``)."""
    from django.conf import settings

    return settings.OKRHUB_OPEN_SIGNUP


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
