"""Celery beat drives the periodic full recompute on a real worker.

Beat runs with its intervals shortened through the environment (the same
variables an operator would set); the worker's log shows each company and
active cycle recomputed, repairing drift once and then changing nothing.
"""

import pytest

from conftest import make_team
from objectives.models import Objective
from tests.workers.helpers import cascade, stale_rows
from tests.workers.support import Beat, Worker, reset_redis, wait_for


@pytest.mark.django_db(transaction=True)
def test_beat_schedules_the_full_recompute_which_repairs_drift_then_changes_nothing(tmp_path):
    team = make_team("beat")
    _, (objective,), _ = cascade(team)
    Objective.objects.filter(pk=objective.pk).update(progress=0.42)  # drift no roll-up was asked to fix
    reset_redis()
    worker = Worker("beat-worker")
    beat = None
    try:
        beat = Beat(
            "beat",
            schedule_dir=tmp_path,
            env={"OKRHUB_FULL_RECOMPUTE_INTERVAL_SECONDS": "1", "OKRHUB_DISPATCH_INTERVAL_SECONDS": "3600"},
        )
        runs = wait_for(
            lambda: (r := worker.events("rollup.full_recompute", company=team.company.pk)) and len(r) >= 2 and r,
            timeout=30,
            what="two full recomputes",
        )
    finally:
        if beat is not None:
            beat.stop()
        worker.stop()

    assert runs[0]["cycle"] == str(team.cycle.pk)
    assert runs[0]["changed"] == "1"
    assert {r["changed"] for r in runs[1:]} == {"0"}
    assert Objective.objects.get(pk=objective.pk).progress is None
    assert stale_rows(team.company) == []
