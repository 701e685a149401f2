"""The roll-up on a real Celery worker over the real Redis: exact, and coalesced in bursts."""

import time
from decimal import Decimal
from functools import partial

import pytest
from django.conf import settings

from conftest import make_team
from objectives import services as okr
from objectives.models import CheckIn, Objective
from objectives.rollup import company_full_recompute
from tests.concurrency import run_concurrently
from tests.workers.helpers import cascade, rollup_pending, stale_rows
from tests.workers.support import Worker, free_port, reset_redis, tasks_on_redis, wait_for

BURST = 200
THREADS = 4  # 200 is a multiple of 4 and of the 20 key results: thread t owns key results t, t+4, …


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        reset_redis()
        running = Worker("rollup")
    yield running
    running.stop()


def settled(worker: Worker, company) -> bool:
    """No roll-up left in Redis, every drain that started has finished, and nothing is stale."""
    starts = worker.events("rollup.drain.start", company=company.pk)
    ends = worker.events("rollup.drain", company=company.pk)
    return not rollup_pending(company.pk) and len(starts) == len(ends) and not stale_rows(company)


def burst(team, krs, count: int) -> float:
    """``count`` check-ins from THREADS threads at once, each on its own key results; return the seconds taken."""
    actor = team.actor(team.member)

    def check_in(thread: int) -> None:
        for n in range(thread, count, THREADS):
            okr.checkin_create(
                company=team.company,
                actor=actor,
                key_result=krs[n % len(krs)],
                value=Decimal(n * 5 % 1000),
                confidence="on_track",
            )

    started = time.monotonic()
    run_concurrently(*[partial(check_in, t) for t in range(THREADS)])
    return time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_worker_rolls_up_a_correction_and_an_undo(worker):
    """A correction and an undo move the ancestors through the same queue as a check-in, to exact values."""
    team = make_team("worker-correction")
    top, (objective,), (kr,) = cascade(team)
    actor = team.actor(team.member)
    with tasks_on_redis():
        earlier = okr.checkin_create(company=team.company, actor=actor, key_result=kr, value=100, confidence="on_track")
        latest = okr.checkin_create(company=team.company, actor=actor, key_result=kr, value=600, confidence="on_track")
        wait_for(lambda: settled(worker, team.company), timeout=30, what="the check-ins' roll-up")
        assert Objective.objects.get(pk=top.pk).progress == 0.6
        okr.checkin_correct(company=team.company, actor=actor, checkin=latest, value=400, confidence="at_risk")
        assert Objective.objects.get(pk=objective.pk).progress == 0.4  # in the correction's transaction
        wait_for(lambda: settled(worker, team.company), timeout=30, what="the correction's roll-up")
        assert Objective.objects.get(pk=top.pk).progress == 0.4
        undone = okr.checkin_create(company=team.company, actor=actor, key_result=kr, value=900, confidence="on_track")
        okr.checkin_undo(company=team.company, actor=actor, checkin=undone)
        wait_for(lambda: settled(worker, team.company), timeout=30, what="the undo's roll-up")

    assert Objective.objects.get(pk=top.pk).progress == 0.4
    assert [c.value for c in CheckIn.objects.effective().filter(key_result=kr).order_by("created_at", "id")] == [
        earlier.value,
        Decimal(400),
    ]
    assert stale_rows(team.company) == []
    assert company_full_recompute(company=team.company) == 0


@pytest.mark.django_db(transaction=True)
def test_worker_rolls_up_a_checkin_made_through_the_service(worker):
    team = make_team("worker-rollup")
    top, (objective,), (kr,) = cascade(team)
    with tasks_on_redis():
        okr.checkin_create(
            company=team.company, actor=team.actor(team.member), key_result=kr, value=250, confidence="on_track"
        )
        # The key result and its own objective moved in the check-in's
        # transaction; the web process only enqueued the ancestors' roll-up.
        assert Objective.objects.get(pk=objective.pk).progress == 0.25
        assert Objective.objects.get(pk=top.pk).progress is None
        wait_for(lambda: settled(worker, team.company), timeout=30, what="the worker's roll-up")

    assert Objective.objects.get(pk=objective.pk).progress == 0.25
    assert Objective.objects.get(pk=top.pk).progress == 0.25
    assert stale_rows(team.company) == []
    assert company_full_recompute(company=team.company) == 0
    (drain,) = worker.events("rollup.drain", company=team.company.pk)
    assert drain["objectives"] == "1"
    assert worker.events("task.done", task="objectives.tasks.drain_rollups_task", id=drain["task_id"], state="SUCCESS")


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_checkins_is_rolled_up_by_a_handful_of_recomputes(worker):
    team = make_team("worker-burst")
    _, objectives, krs = cascade(team, departments=4, key_results=5)
    chain_tasks_before = len(worker.events("task.done", task="objectives.tasks.rollup_objective_chain_task"))
    with tasks_on_redis():
        burst_seconds = burst(team, krs, BURST)
        wait_for(lambda: settled(worker, team.company), timeout=60, what="the burst's roll-ups")

    assert CheckIn.objects.filter(company=team.company).count() == BURST
    drains = worker.events("rollup.drain", company=team.company.pk)
    print(f"{BURST} check-ins in {burst_seconds:.2f}s → {len(drains)} recompute executions")
    # At most one drain per coalescing window the burst spans, plus the one in flight at its end.
    # The windows come from the burst's measured duration, so a loaded machine (a slower burst)
    # widens the bound with it; a fixed ratio to the check-ins would fail there without a fault.
    # A drain that starts late only makes its window longer: fewer drains, never more.
    windows = burst_seconds / settings.OKRHUB_ROLLUP_COALESCE_SECONDS
    assert 1 <= len(drains) <= windows + 2
    assert sum(int(d["objectives"]) for d in drains) <= len(drains) * len(objectives)
    # Nothing fell back to one task per check-in.
    assert len(worker.events("task.done", task="objectives.tasks.rollup_objective_chain_task")) == chain_tasks_before
    assert stale_rows(team.company) == []
    assert company_full_recompute(company=team.company) == 0


@pytest.mark.django_db(transaction=True)
def test_a_checkin_still_rolls_up_when_redis_for_coalescing_is_unreachable(worker, settings, caplog):
    team = make_team("worker-fallback")
    top, (objective,), (kr,) = cascade(team)
    with tasks_on_redis():
        settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # coalescing state unreachable; the broker is fine
        okr.checkin_create(company=team.company, actor=None, key_result=kr, value=300, confidence="on_track")
        wait_for(lambda: Objective.objects.get(pk=top.pk).progress == 0.3, timeout=30, what="the uncoalesced roll-up")
    assert "event=rollup.mark_failed" in caplog.text
    assert worker.events("task.done", task="objectives.tasks.rollup_objective_chain_task", state="SUCCESS")
    assert Objective.objects.get(pk=objective.pk).progress == 0.3
    assert stale_rows(team.company) == []


@pytest.mark.django_db(transaction=True)
def test_overlapping_drains_of_one_company_leave_no_stale_value(worker, settings):
    # No coalescing window: drains start while others still run, on both pool processes.
    settings.OKRHUB_ROLLUP_COALESCE_SECONDS = 0
    team = make_team("worker-overlap")
    _, _, krs = cascade(team, departments=4, key_results=5)
    with tasks_on_redis():
        burst(team, krs, 100)
        wait_for(lambda: settled(worker, team.company), timeout=60, what="the overlapping drains")
    assert len(worker.events("rollup.drain", company=team.company.pk)) > 1
    assert stale_rows(team.company) == []
    assert company_full_recompute(company=team.company) == 0
