"""The sanity checks on a check-in's value (objectives/sanity.py), as a table of hand-computed cases."""

from decimal import Decimal

import pytest

from objectives.models import Direction, KeyResult, KeyResultKind
from objectives.sanity import checkin_warnings


def kr(kind="number", start=0, target=1000, current=None, direction="increase", unit="leads", currency=""):
    return KeyResult(
        kind=kind,
        direction=direction,
        start_value=Decimal(start),
        target_value=Decimal(target),
        current_value=None if current is None else Decimal(current),
        unit=unit,
        currency=currency,
    )


LEADS = {"kind": "number", "start": 0, "target": 1000, "unit": "leads"}
EUR = {"kind": "currency", "start": 0, "target": 5_000_000, "unit": "", "currency": "EUR"}
COST = {"kind": "currency", "start": 120, "target": 80, "direction": Direction.DECREASE, "unit": "", "currency": "EUR"}
WIN_RATE = {"kind": "percent", "start": 18, "target": 25, "unit": ""}
MARGIN = {"kind": "percent", "start": -5, "target": 10, "unit": ""}
TEMPERATURE = {"kind": "number", "start": -20, "target": -5, "unit": "°C"}
UPTIME = {"kind": "percent", "start": 99, "target": 99, "direction": Direction.AT_LEAST, "unit": ""}
MILESTONE = {"kind": KeyResultKind.MILESTONE, "start": 0, "target": 1, "unit": ""}

#: (key result, current value, new value, expected warning codes); span = |target - start|.
CASES = [
    # 0 -> 1,000 leads, span 1,000: "far" is below -1,000 or above 2,000.
    (LEADS, None, 620, []),
    (LEADS, None, 2000, []),  # exactly one span beyond: not far
    (LEADS, None, 2001, ["far_outside_range"]),
    (LEADS, None, 6200, ["far_outside_range"]),  # an extra zero
    (LEADS, None, -1, ["negative"]),  # first check-in: no jump to measure
    (LEADS, None, -1001, ["negative", "far_outside_range"]),
    # Jumps: more than half the span (500) from the current value.
    (LEADS, 100, 600, []),  # exactly half: not more
    (LEADS, 100, 601, ["big_jump"]),
    (LEADS, 900, 399, ["big_jump"]),  # down as well as up
    (LEADS, 620, 6200, ["far_outside_range", "big_jump"]),
    (LEADS, 620, -5, ["negative", "big_jump"]),
    # €0 -> €5M, span €5M: far above €10M; a jump is more than €2.5M.
    (EUR, 1_000_000, 2_300_000, []),
    (EUR, 1_000_000, 3_500_001, ["big_jump"]),
    (EUR, 1_000_000, 23_000_000, ["far_outside_range", "big_jump"]),
    # A decrease from €120 to €80: band 80..120, span 40; far below 40 or above 160; jump over 20.
    (COST, 100, 90, []),
    (COST, 100, 79, ["big_jump"]),
    (COST, 100, 39, ["far_outside_range", "big_jump"]),
    (COST, None, -5, ["negative", "far_outside_range"]),
    # A percent may go below zero: only the band and jumps count (18% -> 25%, span 7).
    (WIN_RATE, 20, 21, []),
    (WIN_RATE, 20, 24, ["big_jump"]),  # 4 > 3.5
    (WIN_RATE, None, 12, []),  # one span below the band is 11
    (WIN_RATE, None, -2, ["far_outside_range"]),  # not for its sign, for being below 11
    (MARGIN, 2, -3, []),  # a margin of -3% on a -5% -> 10% key result: below zero is expected
    (TEMPERATURE, -10, -12, []),  # a count whose own range is negative is not flagged for its sign
    (UPTIME, 99, 12, []),  # start equals target: no span to judge by
    (MILESTONE, 0, 1, []),  # done in one step is what a milestone does
    (MILESTONE, None, 1, []),
]


@pytest.mark.parametrize(("fields", "current", "value", "codes"), CASES)
def test_warnings(fields, current, value, codes):
    warnings = checkin_warnings(kr(current=current, **fields), Decimal(value))
    assert [w.code for w in warnings] == codes
    assert all(w.field == "value" and w.message for w in warnings)


def test_messages_read_in_the_key_results_units():
    (far,) = checkin_warnings(kr(**LEADS), Decimal(6200))
    assert far.message == (
        "6,200 leads is far outside this key result's range (0 leads to 1,000 leads): is it in the right unit?"
    )
    negative, _far = checkin_warnings(kr(**COST), Decimal(-5))
    assert negative.message == "-€5 is below zero. An amount is rarely negative: is the sign right?"
    (jump,) = checkin_warnings(kr(current=100, **LEADS), Decimal(700))
    assert jump.message == (
        "From 100 leads to 700 leads moves 60% of the way between start and target in one check-in: is that right?"
    )
    assert jump.as_dict() == {"code": "big_jump", "field": "value", "message": jump.message}
