"""The periodic full recompute never writes a value older than a concurrent roll-up's."""

import threading
import time

import pytest
from django.db import transaction

from conftest import make_team
from objectives.models import KeyResult, Objective
from objectives.rollup import company_full_recompute
from tests.concurrency import run_concurrently
from tests.workers.helpers import cascade, stale_rows


@pytest.mark.django_db(transaction=True)
def test_full_recompute_waits_for_a_roll_up_in_flight_and_keeps_its_value(caplog):
    team = make_team("fresh")
    top, (objective,), (kr,) = cascade(team)
    # Drift: a stored value no recomputation gives (as after a lost roll-up).
    Objective.objects.filter(pk=objective.pk).update(progress=0.9)
    locked, release = threading.Event(), threading.Event()

    def check_in_and_roll_up() -> None:
        # What a check-in followed by its roll-up writes, held open while the full recompute starts.
        with transaction.atomic():
            Objective.objects.select_for_update().filter(pk=objective.pk).values_list("id").get()
            KeyResult.objects.filter(pk=kr.pk).update(current_value=500, progress=0.5)
            Objective.objects.filter(pk=objective.pk).update(progress=0.5)
            Objective.objects.filter(pk=top.pk).update(progress=0.5)
            locked.set()
            release.wait(timeout=10)

    def full_recompute_once_locked() -> tuple[int, float]:
        assert locked.wait(timeout=10)
        threading.Timer(0.5, release.set).start()
        started = time.monotonic()
        # Its first read sees the drift (the writer has not committed); it locks the
        # drifted row, waits for the writer, reads again and finds nothing to change.
        changed = company_full_recompute(company=team.company)
        return changed, time.monotonic() - started

    _, (changed, waited) = run_concurrently(check_in_and_roll_up, full_recompute_once_locked, timeout=20)

    assert waited >= 0.4, "the full recompute did not wait for the row lock"
    assert changed == 0
    assert Objective.objects.get(pk=objective.pk).progress == 0.5  # not the 0.1 of its first read
    assert stale_rows(team.company) == []
    assert "event=rollup.full_recompute" in caplog.text
    assert f"company={team.company.pk} cycle=all changed=0" in caplog.text


@pytest.mark.django_db
def test_full_recompute_repairs_drift_and_reports_it(team, caplog):
    _, (objective,), (kr,) = cascade(team)
    KeyResult.objects.filter(pk=kr.pk).update(current_value=250)
    Objective.objects.filter(pk=objective.pk).update(progress=0.7)
    assert company_full_recompute(company=team.company, cycle_id=team.cycle.pk) == 3  # the key result, both objectives
    assert f"company={team.company.pk} cycle={team.cycle.pk} changed=3" in caplog.text
    assert stale_rows(team.company) == []
    assert company_full_recompute(company=team.company, cycle_id=team.cycle.pk) == 0
