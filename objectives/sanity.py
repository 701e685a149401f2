"""Sanity checks on a check-in's value: the one home of "are you sure?".

A check-in whose value looks like a slip of the finger (an extra zero, a
minus sign, last quarter's figure) is not refused: the value may be right.
It is *flagged*. The pages ask for confirmation before saving a flagged
value (the weekly check-in and the inline check-in on My key results); the
API saves it and answers with the same warnings (``warnings`` on the
check-in). Every surface calls :func:`checkin_warnings`; the check-in
service computes them under the key result's row lock, against the value
the check-in replaces.

The rules, with ``span = |target - start|`` and the band running from the
lower to the higher of start and target:

- ``far_outside_range``: the value lies more than one span beyond the band
  (below ``low - span`` or above ``high + span``). For 0 → 1,000 leads that
  is below -1,000 or above 2,000; exceeding a target by a little is normal,
  twice over is worth a second look. Key results with start equal to
  target (``at_least``/``at_most`` may have them) have no span: no check.
- ``negative``: a value below zero on a ``number`` or ``currency`` key
  result whose own start and target are not negative (a count or an
  amount). A ``percent`` may well go below zero (a margin, a growth rate),
  so it is not flagged by this rule, only when far outside its band. The
  direction does not matter: a decrease from 120 to 80 still never
  reaches -5.
- ``big_jump``: the value moves more than half the span from the current
  value in one check-in. The first check-in has no current value to jump
  from, so it is not checked (the start is a plan, not a reading).

Milestones (0 or 1) are never flagged: done in one step is their nature.
"""

from dataclasses import dataclass
from decimal import Decimal

from objectives.formatting import kr_value
from objectives.models import KeyResult, KeyResultKind

#: Kinds whose values are counts or amounts: below zero is suspicious.
NON_NEGATIVE_KINDS = (KeyResultKind.NUMBER, KeyResultKind.CURRENCY)


@dataclass(frozen=True)
class CheckInWarning:
    """One reason to confirm a value: a stable ``code``, the ``field`` at issue and a sentence for people."""

    code: str
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "message": self.message}


def checkin_warnings(kr: KeyResult, value: Decimal) -> list[CheckInWarning]:
    """Why ``value`` may be a mistake for ``kr`` (empty when it looks fine), per the rules in the module docstring.

    ``kr.current_value`` is the reading the check-in would replace: call this
    before the key result is updated.
    """
    if kr.kind == KeyResultKind.MILESTONE:
        return []
    start, target = Decimal(kr.start_value), Decimal(kr.target_value)
    low, high = min(start, target), max(start, target)
    span = high - low
    shown = kr_value(kr, value)
    warnings: list[CheckInWarning] = []
    if kr.kind in NON_NEGATIVE_KINDS and value < 0 <= low:
        what = "An amount" if kr.kind == KeyResultKind.CURRENCY else "A count"
        warnings.append(
            CheckInWarning("negative", "value", f"{shown} is below zero. {what} is rarely negative: is the sign right?")
        )
    if span > 0 and (value < low - span or value > high + span):
        warnings.append(
            CheckInWarning(
                "far_outside_range",
                "value",
                f"{shown} is far outside this key result's range ({kr_value(kr, start)} to {kr_value(kr, target)}):"
                " is it in the right unit?",
            )
        )
    if span > 0 and kr.current_value is not None:
        current = Decimal(kr.current_value)
        if abs(value - current) * 2 > span:
            share = round(abs(value - current) / span * 100)
            warnings.append(
                CheckInWarning(
                    "big_jump",
                    "value",
                    f"From {kr_value(kr, current)} to {shown} moves {share}% of the way between start and target"
                    " in one check-in: is that right?",
                )
            )
    return warnings
