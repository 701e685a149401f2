"""A worker killed in the middle of a roll-up loses nothing (late acknowledgement).

Worker A takes the roll-up and pauses inside it (a test-only hook, read from
its environment). First its pool process is SIGKILLed: the worker main
process rejects the task back to the queue (``reject_on_worker_lost``) and
runs it again. Then the whole of worker A is SIGKILLed, main process included,
so nothing is acknowledged or rejected; worker B, started afterwards, takes
the unacknowledged task back once its visibility timeout passes, runs it
again under the same task id, and the stored progress ends exact.
"""

import os
import signal

import pytest

from conftest import make_team
from objectives import services as okr
from objectives import tasks
from objectives.models import Objective
from objectives.rollup import company_full_recompute
from tests.workers.helpers import cascade, rollup_pending, stale_rows
from tests.workers.support import Worker, reset_redis, tasks_on_redis, wait_for


@pytest.mark.django_db(transaction=True)
def test_a_roll_up_killed_midway_runs_again_on_the_next_worker():
    reset_redis()
    team = make_team("worker-crash")
    top, (objective,), (kr,) = cascade(team)
    a = Worker("crash-a", env={tasks.PAUSE_ENV: "60"})
    b = None
    try:
        with tasks_on_redis():
            okr.checkin_create(company=team.company, actor=None, key_result=kr, value=400, confidence="at_risk")
        company_id = team.company.pk

        (first,) = wait_for(lambda: a.events("rollup.drain.start", company=company_id), timeout=20, what="the drain")
        task_id = first["task_id"]
        assert first["objectives"] == "1"
        # Mid-task: the check-in's objective moved with it; its parent was taken from the dirty set
        # but not recomputed.
        assert Objective.objects.get(pk=objective.pk).progress == 0.4
        assert Objective.objects.get(pk=top.pk).progress is None
        os.kill(int(first["pid"]), signal.SIGKILL)
        again = wait_for(
            lambda: [e for e in a.events("rollup.drain.start", task_id=task_id) if e["pid"] != first["pid"]],
            timeout=20,
            what="the rejected task to run again on worker A",
        )
        # The rerun found the objective in the dead run's in-flight set.
        assert again[0]["objectives"] == "1"
        assert "WorkerLostError" in a.log()

        a.kill()
        assert Objective.objects.get(pk=top.pk).progress is None
        assert rollup_pending(company_id)

        b = Worker("crash-b", env={"CELERY_VISIBILITY_TIMEOUT": "2"})
        (done,) = wait_for(lambda: b.events("rollup.drain", company=company_id), timeout=30, what="worker B")
        assert done["task_id"] == task_id
        assert done["objectives"] == "1"
        wait_for(lambda: not rollup_pending(company_id), timeout=10, what="the in-flight set to be cleared")
    finally:
        a.stop()
        if b is not None:
            b.stop()

    assert Objective.objects.get(pk=objective.pk).progress == 0.4
    assert Objective.objects.get(pk=top.pk).progress == 0.4
    assert stale_rows(team.company) == []
    assert company_full_recompute(company=team.company) == 0
