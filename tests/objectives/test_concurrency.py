"""Concurrent check-ins on one key result, on real PostgreSQL connections."""

from decimal import Decimal
from functools import partial

import pytest

from conftest import make_team
from objectives import services as okr
from objectives.models import CheckIn, KeyResult, Objective
from objectives.rollup import company_full_recompute
from tests.concurrency import run_concurrently

THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_checkins_lose_none():
    team = make_team("concurrent")
    top = okr.objective_create(company=team.company, actor=None, cycle=team.cycle, title="Grow", activate=True)
    objective = okr.objective_create(
        company=team.company,
        actor=None,
        cycle=team.cycle,
        department=team.department,
        parent=top,
        title="Win DACH",
        activate=True,
    )
    kr = okr.key_result_create(
        company=team.company,
        actor=None,
        objective=objective,
        owner=team.member,
        title="Grow qualified leads from 0 to 1000",
        target_value=1000,
    )
    actor = team.actor(team.member)

    def check_in(n: int) -> None:
        okr.checkin_create(
            company=team.company, actor=actor, key_result=kr, value=Decimal(10 * (n + 1)), confidence="on_track"
        )

    run_concurrently(*[partial(check_in, n) for n in range(THREADS)])

    checkins = list(CheckIn.objects.filter(key_result=kr).order_by("created_at", "id"))
    assert len(checkins) == THREADS
    assert sorted(c.value for c in checkins) == [Decimal(10 * (n + 1)) for n in range(THREADS)]
    # The row lock serialises the writers: the last committed check-in is the newest one.
    last = checkins[-1]
    assert max(c.id for c in checkins) == last.id
    stored = KeyResult.objects.get(pk=kr.pk)
    assert stored.current_value == last.value
    assert stored.last_checkin_at == last.created_at
    assert stored.progress == float(last.value) / 1000
    # Every roll-up ran after its commit, concurrently; nothing is stale.
    assert Objective.objects.get(pk=objective.pk).progress == stored.progress
    assert Objective.objects.get(pk=top.pk).progress == stored.progress
    assert company_full_recompute(company=team.company) == 0
