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
