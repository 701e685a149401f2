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

from collections.abc import Iterable

from objectives.progress import Weighted, weighted_progress


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
