"""The first cycle a new company starts with: this period, the next one, or custom dates (pure date maths).

A company signing up on 29 November used to start in a quarter 65% over.
Now it chooses a quarter or a calendar year, and this one, the next one, or
dates of its own. The default is this period unless it is more than half
over (by :func:`objectives.progress.expected_progress`, the share of the
cycle elapsed that pace uses), then the next one; a period more than half
over is only ever chosen with an explicit confirmation (refused on
``first_cycle`` otherwise), never silently.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from objectives.progress import expected_progress
from okrhub.errors import invalid
from onboarding.demo import current_quarter

QUARTERLY, ANNUAL = "quarterly", "annual"
THIS, NEXT, CUSTOM = "this", "next", "custom"
LENGTHS = {QUARTERLY: "A quarter", ANNUAL: "A year (the calendar year)"}
PERIODS = {THIS: "This one", NEXT: "The next one", CUSTOM: "Custom dates"}


@dataclass(frozen=True)
class Period:
    name: str
    start: datetime.date
    end: datetime.date

    def elapsed(self, today: datetime.date) -> float:
        """The share of the period gone by on ``today`` (0 before it starts, 1 after it ends)."""
        return expected_progress(today=today, start=self.start, end=self.end)

    def more_than_half_over(self, today: datetime.date) -> bool:
        return self.elapsed(today) > 0.5


def period(today: datetime.date, *, length: str, which: str) -> Period:
    """This or the next quarter (``2026 Q4``, 1 Oct to 31 Dec) or calendar year (``2026``) of ``today``."""
    if length == ANNUAL:
        year = today.year + (which == NEXT)
        return Period(str(year), datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    name, start, end = current_quarter(today)
    if which == NEXT:
        name, start, end = current_quarter(end + datetime.timedelta(days=1))
    return Period(name, start, end)


def default_choice(today: datetime.date, length: str = QUARTERLY) -> str:
    """This period, unless it is more than half over: then the next."""
    return NEXT if period(today, length=length, which=THIS).more_than_half_over(today) else THIS


def choose(
    today: datetime.date,
    *,
    which: str = "",
    length: str = QUARTERLY,
    start: Any = None,
    end: Any = None,
    confirmed: bool = False,
) -> Period:
    """The first cycle for the choice, or a ``ValidationError`` naming the field at fault (nothing is written).

    ``which`` empty is the default (:func:`default_choice`). Custom dates
    need both ends, the end after the start and not already past.
    """
    if length not in LENGTHS:
        raise invalid("cycle_length", f"Choose one of: {', '.join(LENGTHS)}.", "invalid_choice")
    which = which or default_choice(today, length)
    if which not in PERIODS:
        raise invalid("first_cycle", f"Choose one of: {', '.join(PERIODS)}.", "invalid_choice")
    if which == CUSTOM:
        chosen = Period("", _date("cycle_start", start), _date("cycle_end", end))
        if chosen.end <= chosen.start:
            raise invalid("cycle_end", "The cycle must end after it starts.", "dates")
        if chosen.end < today:
            raise invalid("cycle_end", "This cycle would already be over; choose an end from today on.", "past")
        chosen = Period(f"{chosen.start:%-d %b %Y} to {chosen.end:%-d %b %Y}", chosen.start, chosen.end)
    else:
        chosen = period(today, length=length, which=which)
    if chosen.more_than_half_over(today) and not confirmed:
        raise invalid(
            "first_cycle",
            f"{chosen.name} is {round(chosen.elapsed(today) * 100)}% over. Start with the next one, "
            "or confirm that you want to start in a cycle that is more than half over.",
            "more_than_half_over",
        )
    return chosen


def _date(field: str, value: Any) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    if value in (None, ""):
        raise invalid(field, "Enter a date for custom dates.", "required")
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise invalid(field, "Enter a date as YYYY-MM-DD.", "invalid") from None
