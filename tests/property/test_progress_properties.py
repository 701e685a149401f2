"""Properties of the progress maths that must hold for every input."""

from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from objectives.progress import Weighted, key_result_progress, weighted_progress

values = st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False, allow_infinity=False)
directions = st.sampled_from(["increase", "decrease", "at_least", "at_most"])
progresses = st.one_of(st.none(), st.floats(min_value=0, max_value=1))
weights = st.floats(min_value=0.01, max_value=1000)


@given(direction=directions, start=values, target=values, current=values)
def test_key_result_progress_is_in_unit_interval(direction, start, target, current):
    if direction in ("increase", "decrease"):
        assume(start != target)
    p = key_result_progress(kind="number", direction=direction, start=start, target=target, current=current)
    assert 0.0 <= p <= 1.0


@given(start=values, target=values, a=values, b=values)
def test_progress_is_monotone_in_current_value(start, target, a, b):
    assume(start != target)
    low, high = min(a, b), max(a, b)
    direction = "increase" if target > start else "decrease"
    p_low = key_result_progress(kind="number", direction=direction, start=start, target=target, current=low)
    p_high = key_result_progress(kind="number", direction=direction, start=start, target=target, current=high)
    if direction == "increase":
        assert p_low <= p_high
    else:
        assert p_low >= p_high


@given(st.lists(st.tuples(progresses, weights), max_size=30))
def test_weighted_progress_in_unit_interval_and_ignores_unknowns(items):
    result = weighted_progress(Weighted(p, w) for p, w in items)
    known = [(p, w) for p, w in items if p is not None]
    if not known:
        assert result is None
        return
    assert 0.0 <= result <= 1.0
    # Unknown items change nothing: the same mean as over the known ones alone.
    assert result == weighted_progress(Weighted(p, w) for p, w in known)
    assert min(p for p, _ in known) - 1e-12 <= result <= max(p for p, _ in known) + 1e-12


@given(p1=st.floats(0, 1), p2=st.floats(0, 1), w=st.floats(min_value=1.01, max_value=100))
def test_heavier_item_pulls_the_mean_towards_itself(p1, p2, w):
    assume(abs(p1 - p2) > 1e-6)
    equal = weighted_progress([Weighted(p1, 1), Weighted(p2, 1)])
    heavy_first = weighted_progress([Weighted(p1, w), Weighted(p2, 1)])
    assert abs(heavy_first - p1) < abs(equal - p1)


@given(st.lists(st.tuples(st.floats(0, 1), weights), min_size=1, max_size=20), st.randoms())
def test_weighted_progress_does_not_depend_on_order(items, rnd):
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert weighted_progress(Weighted(p, w) for p, w in items) == weighted_progress(Weighted(p, w) for p, w in shuffled)


def test_decimal_inputs_keep_exact_ratio():
    assert (
        key_result_progress(
            kind="number",
            direction="increase",
            start=Decimal("0.1"),
            target=Decimal("0.4"),
            current=Decimal("0.2"),
        )
        == 1 / 3
    )
