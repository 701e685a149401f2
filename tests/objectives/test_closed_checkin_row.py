"""A check-in refused on a closed cycle answers its key result's row without a pace mark (``progress.pace``)."""

import pytest
from django.urls import reverse

from objectives import services as okr
from objectives.models import CheckIn

pytestmark = pytest.mark.django_db


@pytest.fixture
def behind(team, frozen_clock):
    """A Sales key result at 10% on 15 Nov (expected 49%): behind pace while the cycle runs."""
    objective = okr.objective_create(
        company=team.company, actor=None, cycle=team.cycle, department=team.department, title="Win", activate=True
    )
    kr = okr.key_result_create(
        company=team.company, actor=None, objective=objective, owner=team.member, title="Deals 0 to 10", target_value=10
    )
    okr.checkin_create(company=team.company, actor=None, key_result=kr, value=1, confidence="on_track")
    return kr


def _post(client_for, team, kr, value):
    url = reverse("objectives:check_in", args=[team.company.slug, kr.pk])
    return client_for(team.member, htmx=True).post(
        url, {f"kr{kr.pk}-value": value, f"kr{kr.pk}-confidence": "on_track"}
    )


def test_the_refused_row_of_a_closed_cycle_has_no_pace_mark(team, behind, client_for):
    running = _post(client_for, team, behind, "lots")  # invalid: the row again, with its pace mark
    assert running.status_code == 422
    assert "bar-pace" in running.content.decode()
    assert "Behind pace" in running.content.decode()

    okr.cycle_close(company=team.company, actor=team.actor(team.admin), cycle=team.cycle)
    closed = _post(client_for, team, behind, "5")
    assert closed.status_code == 422
    html = closed.content.decode()
    assert "bar-pace" not in html
    assert "Behind pace" not in html
    assert CheckIn.objects.filter(key_result=behind).count() == 1
