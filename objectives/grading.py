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
from dataclasses import dataclass

from objectives.progress import Weighted, mean_progress, weighted_progress


def objective_score(key_results: Iterable[tuple[float | None, float]]) -> float | None:
    """The weighted mean of ``(final_score, weight)`` pairs, leaving out the ``None`` scores; None when all are."""
    return weighted_progress(Weighted(score, weight) for score, weight in key_results)


# ---------------------------------------------------------------- the distribution of a cycle's scores

#: The bands a cycle report counts objective scores in, as (label, lowest score in it): below 40% is
#: missed, 40-69% partly delivered, 70% or more delivered (the usual reading of OKR grades, where 0.7 is
#: the mark of an ambitious objective well met). A score belongs to the last band whose lowest it reaches.
SCORE_BANDS: tuple[tuple[str, float], ...] = (("0\u201339%", 0.0), ("40\u201369%", 0.4), ("70\u2013100%", 0.7))


@dataclass(frozen=True)
class ScoreDistribution:
    """How many objectives scored in each band of :data:`SCORE_BANDS`, how many have no score, and the mean."""

    counts: tuple[int, ...]
    not_scored: int
    mean: float | None  # the plain mean of the scores: objectives side by side count alike

    @property
    def total(self) -> int:
        return sum(self.counts) + self.not_scored

    @property
    def bands(self) -> list[tuple[str, int]]:
        return [(label, count) for (label, _), count in zip(SCORE_BANDS, self.counts, strict=True)]


def score_band(score: float) -> int:
    """The index in :data:`SCORE_BANDS` of a score in [0, 1] (compared at a whole percent, as pages show it)."""
    shown = round(score * 100)
    return max(i for i, (_, lowest) in enumerate(SCORE_BANDS) if shown >= round(lowest * 100))


def score_distribution(scores: Iterable[float | None]) -> ScoreDistribution:
    """The :class:`ScoreDistribution` of objective scores (``None``: not scored). Example: 0.2, 0.5, 0.7, None
    → counts (1, 1, 1), one not scored, mean 0.4667."""
    known = []
    counts = [0] * len(SCORE_BANDS)
    missing = 0
    for score in scores:
        if score is None:
            missing += 1
            continue
        known.append(score)
        counts[score_band(score)] += 1
    return ScoreDistribution(counts=tuple(counts), not_scored=missing, mean=mean_progress(known))
