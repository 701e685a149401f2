"""The progress maths of DESIGN §3, example by example."""

import datetime
from decimal import Decimal

import pytest

from objectives.progress import (
    Weighted,
    expected_progress,
    is_behind_pace,
    key_result_progress,
    weighted_progress,
)

D = Decimal


@pytest.mark.parametrize(
    ("direction", "start", "target", "current", "expected"),
    [
        ("increase", D(0), D(1000), D(250), 0.25),
        ("increase", D(0), D(1000), D(-5), 0.0),
        ("increase", D(0), D(1000), D(1500), 1.0),
        ("decrease", D(120), D(80), D(100), 0.5),
        ("decrease", D(120), D(80), D(130), 0.0),
        ("decrease", D(120), D(80), D(10), 1.0),
        ("at_least", D(0), D(95), D(95), 1.0),
        ("at_least", D(0), D(95), D("94.99"), 0.0),
        ("at_most", D(0), D(2), D(2), 1.0),
        ("at_most", D(0), D(2), D("2.01"), 0.0),
    ],
)
def test_key_result_progress(direction, start, target, current, expected):
    assert key_result_progress(
        kind="number", direction=direction, start=start, target=target, current=current
    ) == pytest.approx(expected)


def test_unknown_until_first_value():
    assert key_result_progress(kind="number", direction="increase", start=D(0), target=D(5), current=None) is None


def test_milestone_is_done_or_not():
    def milestone(value):
        return key_result_progress(kind="milestone", direction="increase", start=D(0), target=D(1), current=value)

    assert milestone(D(1)) == 1.0
    assert milestone(D(0)) == 0.0


def test_start_equal_to_target_is_invalid_for_increase():
    with pytest.raises(ValueError, match="differ"):
        key_result_progress(kind="number", direction="increase", start=D(5), target=D(5), current=D(5))


def test_weighted_mean_leaves_unknowns_out():
    items = [Weighted(0.5, 1), Weighted(None, 5), Weighted(1.0, 3)]
    assert weighted_progress(items) == pytest.approx((0.5 + 3.0) / 4)


def test_nothing_measurable_is_unknown_not_zero():
    assert weighted_progress([]) is None
    assert weighted_progress([Weighted(None, 1), Weighted(None, 2)]) is None


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2026, 9, 1), 0.0),
        (datetime.date(2026, 10, 1), 0.0),
        (datetime.date(2026, 11, 15), 45 / 91),
        (datetime.date(2026, 12, 31), 1.0),
        (datetime.date(2027, 2, 1), 1.0),
    ],
)
def test_expected_progress_counts_whole_days(today, expected):
    start, end = datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)
    assert expected_progress(today=today, start=start, end=end) == pytest.approx(expected)


def test_behind_pace_means_more_than_fifteen_points_below_expected():
    assert is_behind_pace(0.34, 0.5)
    assert not is_behind_pace(0.36, 0.5)
    assert not is_behind_pace(None, 0.9)
