"""The grading maths, and how a child objective counts in its parent: pure functions, no database.

A key result's final score is a number in [0, 1]: its progress at the
cycle's close (when it was checked in at least once), or what its owner
gave it during the grading window, with a reason. A key result marked "not
scored" has no final score, and neither has one nobody scored.

**How a child objective counts** (DESIGN §3, "Final scores"), in its
parent's progress and in its parent's final score alike, when the company's
"child objectives count in their parent" setting is on and the child is
active or closed (drafts and archived ones never count), weighted by the
child's own ``weight`` (:func:`child_value`):

- a child whose cycle is **closed** counts with its **final score**: during
  its grading window the score as it stands (a grade moves the parent), and
  once grading ends the frozen score, for good;
- a child whose cycle is still **running** (an active quarter under an
  annual objective) counts with its **live progress**;
- a child with no score or no known progress is **left out** of the mean,
  never counted as 0.

An objective's final score is the weighted mean of its key results' final
scores and its counted children's values as above, leaving out those
without one. When none has a value, the objective is not scored either
(``None``). Examples (checked in ``tests/objectives/test_nested_cycles.py``):

- key results weighted 2 and 1, scored 0.6 and 0.3 → (2·0.6 + 1·0.3) / 3 = 0.5;
  the second marked "not scored" → 0.6;
- an annual objective with one key result at 0.5 (weight 1), a child in a
  closed quarter scored 0.9 (weight 2) and a child in the active quarter at
  progress 0.3 (weight 1): progress = (0.5 + 2·0.9 + 0.3) / 4 = 0.65; a
  further child in a closed quarter that nobody scored changes nothing.

The progress roll-up (``objectives.rollup``) and the stored scores
(``objectives.services.grading``) both call these functions: there is no
second copy of the rule.
"""

import math
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from objectives.progress import Weighted, clamp, weighted_progress


def child_value(*, cycle_closed: bool, progress: float | None, final_score: float | None) -> float | None:
    """What a counted child objective brings to its parent: its final score once its cycle closed, else its progress."""
    return final_score if cycle_closed else progress


def objective_score(
    key_results: Iterable[tuple[float | None, float]], children: Iterable[tuple[float | None, float]] = ()
) -> float | None:
    """The weighted mean of ``(final_score, weight)`` pairs of key results and counted children (their
    :func:`child_value`), leaving out the ``None`` ones; None when all are."""
    items = [Weighted(score, weight) for score, weight in key_results]
    items += [Weighted(value, weight) for value, weight in children]
    return weighted_progress(items)


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
    def scored(self) -> int:
        return sum(self.counts)

    @property
    def total(self) -> int:
        return self.scored + self.not_scored

    @property
    def bands(self) -> list[tuple[str, int]]:
        return [(label, count) for (label, _), count in zip(SCORE_BANDS, self.counts, strict=True)]


#: Each band's lowest score as the whole percent pages show, ascending (``SCORE_BANDS`` is in order).
_BAND_LOWEST_PERCENTS = [round(lowest * 100) for _, lowest in SCORE_BANDS]


def score_band(score: float) -> int:
    """The index in :data:`SCORE_BANDS` of a score in [0, 1] (compared at a whole percent, as pages show it)."""
    # The last band whose lowest the shown percent reaches (a report counts tens of thousands: one bisect each).
    return max(bisect_right(_BAND_LOWEST_PERCENTS, round(score * 100)) - 1, 0)


def mean_of_known(values: list[float]) -> float | None:
    """``objectives.progress.mean_progress`` of values none of which is None (the same fsum, without a
    ``Weighted`` per value): a report takes the mean of 10,000 scores."""
    return clamp(math.fsum(values) / len(values)) if values else None


def score_distribution(scores: Iterable[float | None]) -> ScoreDistribution:
    """The :class:`ScoreDistribution` of objective scores (``None``: not scored). Example: 0.2, 0.5, 0.7, None
    → counts (1, 1, 1), one not scored, mean 0.4667."""
    known = []
    counts = [0] * len(SCORE_BANDS)
    missing = 0
    lowest = _BAND_LOWEST_PERCENTS
    for score in scores:
        if score is None:
            missing += 1
            continue
        known.append(score)
        counts[max(bisect_right(lowest, round(score * 100)) - 1, 0)] += 1  # score_band, inlined
    return ScoreDistribution(counts=tuple(counts), not_scored=missing, mean=mean_of_known(known))
