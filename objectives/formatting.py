"""Key result values and counts as people read them: one home for number display.

Used by the template tags (``web/templatetags/okr.py``), the forms' initial
values and the emails, so a value reads the same everywhere: no trailing
zeros ("1,000", not "1000.0000"), currency with its symbol, milestones as
done or not done, and a decrease read as "€108 → €80 target".
"""

import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import ngettext

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹", "CHF": "CHF "}
_TOWARDS = ("decrease", "at_most")


def plain_decimal(value: Any) -> str:
    """A number for a form input: "1000", "12.5", "0" (never "1000.0000" or "1E+3")."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def _grouped(number: Decimal, *, places: int | None = None) -> str:
    if places is not None:
        return f"{number:,.{places}f}"
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    return f"{number.normalize():,f}"


def format_value(value: Any, *, kind: str, unit: str = "", currency: str = "") -> str:
    """One value of a key result: €2,300,000 · 620 leads · 45% · 1,000 · Done · "—" when unknown."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value))
    if kind == "milestone":
        return "Done" if number >= 1 else "Not done"
    if kind == "currency":
        # Whole amounts without decimals; cents as two places (€12.50, not €12.5).
        text = _grouped(number, places=None if number == number.to_integral_value() else 2)
        if text.startswith("-"):
            text = text[1:]
            sign = "-"
        else:
            sign = ""
        symbol = CURRENCY_SYMBOLS.get((currency or "").upper())
        return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}".strip()
    text = _grouped(number)
    if kind == "percent" or unit == "%":
        return f"{text}%"
    return f"{text} {unit or ''}".strip()


def _field(kr: Any, name: str) -> Any:
    return kr[name] if isinstance(kr, dict) else getattr(kr, name)


def kr_value(kr: Any, value: Any) -> str:
    return format_value(
        value, kind=_field(kr, "kind"), unit=_field(kr, "unit") or "", currency=_field(kr, "currency") or ""
    )


def kr_standing(kr: Any) -> str:
    """Where a key result stands against its target, in its direction's words.

    Increase and at least: "620 of 1,000 leads". Decrease and at most:
    "€108 → €80 target" (never "€108 of €80"). Milestone: "Done"/"Not done".
    No value yet: "target 1,000 leads".
    """
    kind, value = _field(kr, "kind"), _field(kr, "current_value")
    current = kr_value(kr, value)
    if kind == "milestone":
        return current
    target = kr_value(kr, _field(kr, "target_value"))
    if value is None:
        return f"target {target}"
    if _field(kr, "direction") in _TOWARDS:
        return f"{current} → {target} target"
    if kind == "number" and (_field(kr, "unit") or "") != "%":
        # The unit once, after the target: "620 of 1,000 leads".
        current = format_value(value, kind=kind)
    return f"{current} of {target}"


def count(number: int, singular: str, plural: str) -> str:
    """A count with the right noun, through Django's ``ngettext``: "1 check-in", "3 check-ins", "1,200 people"."""
    return f"{number:,} {ngettext(singular, plural, number)}"


def ago(moment: datetime.datetime, now: datetime.datetime) -> str:
    """How long ago, as people say it: "just now", "5 minutes ago", "3 hours ago", "yesterday", "4 days ago".

    Past a week the date reads better than a count: "12 Nov" (this year) or
    "12 Nov 2025"; ``moment`` should then be in the reader's time zone.
    """
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        minutes = int(seconds // 60)
        return f"{count(minutes, 'minute', 'minutes')} ago"
    if seconds < 86400:
        hours = int(seconds // 3600)
        return f"{count(hours, 'hour', 'hours')} ago"
    days = int(seconds // 86400)
    if days == 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    return f"{moment.day} {moment:%b}" if moment.year == now.year else f"{moment.day} {moment:%b %Y}"
