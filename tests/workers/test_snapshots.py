"""Daily snapshots on a real worker: beat finds the company whose day has turned, a correction is replayed.

Beat runs with the snapshot interval shortened through the environment (the
variable an operator would set); the worker snapshots the company's
yesterday and replays its cycle so far from the check-ins. A correction
committed by the web process afterwards is published (to the test Redis) and
the worker rewrites the days it changed.
"""

import datetime

import pytest
from django.utils import timezone

from conftest import make_team
from insights.models import KeyResultSnapshot, ObjectiveSnapshot, SnapshotRun
from objectives import services as okr
from objectives.models import CheckIn, Confidence, Cycle
from objectives.services import corrections
from tests.workers.helpers import cascade
from tests.workers.support import Beat, Worker, reset_redis, tasks_on_redis, wait_for

QUIET = {
    "OKRHUB_SNAPSHOT_INTERVAL_SECONDS": "1",
    "OKRHUB_DISPATCH_INTERVAL_SECONDS": "3600",
    "OKRHUB_FULL_RECOMPUTE_INTERVAL_SECONDS": "3600",
}


@pytest.mark.django_db(transaction=True)
def test_beat_snapshots_the_company_and_the_worker_replays_a_correction(tmp_path):
    team = make_team("worker-snapshots")
    company = team.company
    today = company.local_today()
    Cycle.objects.filter(pk=team.cycle.pk).update(
        start_date=today - datetime.timedelta(days=20), end_date=today + datetime.timedelta(days=60)
    )
    team.cycle.refresh_from_db()
    _, (objective,), (kr,) = cascade(team)
    reading = timezone.now() - datetime.timedelta(days=10)
    original = okr.checkin_create(
        company=company, actor=None, key_result=kr, value=100, confidence="on_track", recorded_at=reading
    )
    day = reading.astimezone(company.tzinfo).date()
    reset_redis()
    worker = Worker("snapshot-worker")
    beat = None
    try:
        beat = Beat("snapshot-beat", schedule_dir=tmp_path, env=QUIET)
        run = wait_for(
            lambda: SnapshotRun.objects.filter(company=company).first(), timeout=30, what="the nightly snapshot"
        )
        beat.stop()
        beat = None
        assert run.day == today - datetime.timedelta(days=1)
        assert run.backfilled_days == 19  # the cycle's days before yesterday, replayed from the check-ins
        assert ObjectiveSnapshot.objects.get(company=company, day=day, objective=objective).progress == 0.1
        assert worker.events("snapshot.company", company=company.pk)

        with tasks_on_redis():
            corrections.checkin_correct(
                company=company,
                actor=None,
                checkin=CheckIn.objects.with_standing().get(pk=original.pk),
                value=500,
                confidence=Confidence.AT_RISK,
            )
            wait_for(
                lambda: KeyResultSnapshot.objects.filter(company=company, day=day, key_result=kr, value=500).exists(),
                timeout=30,
                what="the replay of the corrected days",
            )
        assert worker.events("snapshot.replay", company=company.pk, key_result=kr.pk)
    finally:
        if beat is not None:
            beat.stop()
        worker.stop()
    assert ObjectiveSnapshot.objects.get(company=company, day=day, objective=objective).progress == 0.5
