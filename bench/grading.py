"""Closing a cycle at scale (issue 15): check-ins freeze, every final score is computed and stored.

The close of the generated company's cycle (10,000 objectives and 40,000 key
results at scale 1) runs in a transaction that is then rolled back, so the
fixture stays as it was for the other entries and for ``--reuse``: the
figure includes every write (the locks, the full recompute, the key results'
and objectives' final scores, the grading window, the event) but not the
commit's flush. Run three times; target: median <= 5 s at scale 1.
"""

import statistics
import time
from typing import Any

from django.db import transaction

from objectives import services as okr
from objectives.models import Cycle, KeyResult, Objective

RUNS = 3


class _RollBack(Exception):
    """Raised inside the measured transaction to undo the close."""


def measure_close(built: Any) -> dict[str, Any]:
    cycle = Cycle.objects.get(pk=built.cycle_id, company=built.company)
    seconds = []
    scored = 0
    for _ in range(RUNS):
        started = time.perf_counter()
        try:
            with transaction.atomic():
                okr.cycle_close(company=built.company, actor=None, cycle=cycle)
                seconds.append(time.perf_counter() - started)
                scored = KeyResult.objects.filter(
                    company=built.company, objective__cycle=cycle, final_score__isnull=False
                ).count()
                raise _RollBack
        except _RollBack:
            pass
    return {
        "runs_s": [round(s, 3) for s in seconds],
        "median_s": round(statistics.median(seconds), 3),
        "objectives": Objective.objects.filter(company=built.company, cycle=cycle).count(),
        "key_results": KeyResult.objects.filter(company=built.company, objective__cycle=cycle).count(),
        "key_results_scored": scored,
    }


def run(fixture: Any, small: Any, base_url: str, args: Any) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    results = measure_close(fixture.built)
    label = f"cycle close ({results['objectives']:,} objectives, {results['key_results']:,} key results), median"
    return {"cycle_close": results}, [(label, f"{results['median_s']:.2f} s", "<= 5 s at scale 1")]
