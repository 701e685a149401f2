"""The progress maths of DESIGN §3, as pure functions with no database access.

Progress is a float in [0, 1], or ``None`` when it is unknown. Unknown is never
zero: an unmeasured key result or objective is left out of every mean.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

INCREASE = "increase"
DECREASE = "decrease"
AT_LEAST = "at_least"
AT_MOST = "at_most"
MILESTONE = "milestone"

#: An item this far below expected pace is "behind pace".
BEHIND_PACE_MARGIN = 0.15


def clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def key_result_progress(
    *,
    kind: str,
    direction: str,
    start: Decimal,
    target: Decimal,
    current: Decimal | None,
) -> float | None:
    """Progress of one key result; ``None`` until it has a current value."""
    if current is None:
        return None
    if kind == MILESTONE:
        return 1.0 if current >= 1 else 0.0
    if direction == AT_LEAST:
        return 1.0 if current >= target else 0.0
    if direction == AT_MOST:
        return 1.0 if current <= target else 0.0
    if direction not in (INCREASE, DECREASE):
        raise ValueError(f"unknown direction {direction!r}")
    if start == target:
        raise ValueError("start and target must differ for increase/decrease")
    # Decimal division keeps the ratio exact to 28 digits before one rounding to float.
    return clamp(float((Decimal(current) - start) / (Decimal(target) - start)))


@dataclass(frozen=True, slots=True)
class Weighted:
    """One contribution to a roll-up: a progress (or None = unknown) and its weight."""

    progress: float | None
    weight: float


def weighted_progress(items: Iterable[Weighted]) -> float | None:
    """Weighted mean of the known items; ``None`` when none is known.

    ``math.fsum`` makes the result independent of the order of the items, so
    an incremental roll-up and a full recompute agree to the last bit.
    """
    known = [(item.progress, item.weight) for item in items if item.progress is not None]
    if not known:
        return None
    total_weight = math.fsum(weight for _, weight in known)
    if total_weight <= 0:
        return None
    return clamp(math.fsum(progress * weight for progress, weight in known) / total_weight)


def mean_progress(values: Iterable[float | None]) -> float | None:
    """The plain mean of the known values (a department's, a dashboard scope's): ``None`` when none is known.

    Objectives side by side (not laddered) count alike: their weights only
    apply in their parent's roll-up. :func:`mean_of_sums` is the same mean
    from sums a query already added up.
    """
    return weighted_progress(Weighted(value, 1.0) for value in values)


def mean_of_sums(total: float, known: int) -> float | None:
    """:func:`mean_progress` of ``known`` values whose sum is ``total`` (what ``SUM``/``COUNT`` return)."""
    return clamp(total / known) if known else None


def expected_progress(*, today: date, start: date, end: date) -> float:
    """Share of the cycle elapsed on ``today``, in whole days, clamped to [0, 1]."""
    span = (end - start).days
    if span <= 0:
        return 1.0 if today >= end else 0.0
    return clamp((today - start).days / span)


def pace(*, today: date, start: date, end: date, closed: bool) -> float | None:
    """The expected progress a cycle's items are compared with today: None once the cycle closed.

    The one home of "a closed cycle has no pace": its pages, tree and API show
    final scores with no pace mark, no "expected today" line and no status
    (:func:`status_or_none`, ``behind_pace`` and ``pace_status`` are null).
    """
    return None if closed else expected_progress(today=today, start=start, end=end)


def behind_pace_threshold(expected: float) -> float:
    """Known progress below this is behind pace (the SQL filters use it as the bound)."""
    return expected - BEHIND_PACE_MARGIN


def is_behind_pace(progress: float | None, expected: float) -> bool:
    """True when known progress is more than the margin below the expected pace: the one home of the rule."""
    return progress is not None and progress < behind_pace_threshold(expected)


class Status(StrEnum):
    """A key result's or objective's status (DESIGN §3): computed from progress and pace alone.

    The owner's confidence is a separate judgement and never changes it.
    """

    ON_TRACK = "on_track"
    BEHIND_PACE = "behind_pace"
    DONE = "done"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


#: The statuses' values, in the model's order (the API schema names this choice set PaceStatusEnum).
STATUS_VALUES = tuple(s.value for s in Status)

STATUS_LABELS = {
    Status.ON_TRACK: "On track",
    Status.BEHIND_PACE: "Behind pace",
    Status.DONE: "Done",
    Status.UNKNOWN: "No check-in yet",
}


def status(progress: float | None, expected: float) -> Status:
    """The one status rule: unknown without progress, done at 100%, behind pace past the margin, else on track."""
    if progress is None:
        return Status.UNKNOWN
    if progress >= 1.0:
        return Status.DONE
    if is_behind_pace(progress, expected):
        return Status.BEHIND_PACE
    return Status.ON_TRACK


def status_or_none(progress: float | None, expected: float | None) -> Status | None:
    """:func:`status` against a :func:`pace`; None without one (a closed cycle has final scores, not a status)."""
    return None if expected is None else status(progress, expected)


def behind_pace_or_none(progress: float | None, expected: float | None) -> bool | None:
    """:func:`is_behind_pace` against a :func:`pace`; None without one (a closed cycle)."""
    return None if expected is None else is_behind_pace(progress, expected)
