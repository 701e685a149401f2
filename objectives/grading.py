"""The grading maths: an objective's final score from its key results' final scores, as a pure function.

A key result's final score is a number in [0, 1]: its progress at the
cycle's close (when it was checked in at least once), or what its owner
gave it during the grading window, with a reason. A key result marked "not
scored" has no final score, and neither has one nobody scored.

An objective's final score is the weighted mean of its key results' final
scores, leaving out those without one (never counted as 0, as unknown
progress is never 0). When none of them has a score, the objective is not
scored either (``None``). Example: weights 2 and 1, scores 0.6 and 0.3 →
(2·0.6 + 1·0.3) / 3 = 0.5; the second marked "not scored" → 0.6.

Child objectives do not count in their parent's final score: a score
grades the key results an objective set itself (the progress roll-up,
which may count children, is the other number on the page).
"""

from collections.abc import Iterable

from objectives.progress import Weighted, weighted_progress


def objective_score(key_results: Iterable[tuple[float | None, float]]) -> float | None:
    """The weighted mean of ``(final_score, weight)`` pairs, leaving out the ``None`` scores; None when all are."""
    return weighted_progress(Weighted(score, weight) for score, weight in key_results)
