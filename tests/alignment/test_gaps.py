"""The gaps page and API: an empty cycle is not "all green"; stale key results are a gap (issue 17.8)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from objectives.models import ObjectiveStatus
from tests.factories import KeyResultFactory, ObjectiveFactory

NOW = datetime.datetime(2026, 11, 15, 12, tzinfo=datetime.UTC)


def gaps_url(team):
    return reverse("alignment:gaps", args=[team.company.slug])


def test_empty_cycle_shows_an_empty_state_not_all_green(team, client_for):
    html = client_for(team.admin).get(gaps_url(team)).content.decode()
    assert "No objectives in this cycle yet" in html
    assert reverse("objectives:objective_create", args=[team.company.slug]) in html
    assert reverse("objectives:import", args=[team.company.slug]) in html
    assert "Every department objective ladders up" not in html


@pytest.fixture
def stale_world(team):
    days = datetime.timedelta(days=1)
    active = ObjectiveFactory(company=team.company, cycle=team.cycle, title="Grow", status=ObjectiveStatus.ACTIVE)
    draft = ObjectiveFactory(company=team.company, cycle=team.cycle, title="Maybe", status=ObjectiveStatus.DRAFT)
    secret = ObjectiveFactory(
        company=team.company, cycle=team.cycle, department=team.department, private=True, title="Hush"
    )
    made = NOW - 30 * days
    return {
        "late": KeyResultFactory(
            company=team.company, objective=active, title="Late one", created_at=made, last_checkin_at=NOW - 10 * days
        ),
        "never": KeyResultFactory(company=team.company, objective=active, title="Never one", created_at=made),
        "fresh": KeyResultFactory(
            company=team.company, objective=active, title="Fresh one", created_at=made, last_checkin_at=NOW - 7 * days
        ),
        "new": KeyResultFactory(company=team.company, objective=active, title="New one", created_at=NOW - 2 * days),
        "draft": KeyResultFactory(company=team.company, objective=draft, title="Draft one", created_at=made),
        "secret": KeyResultFactory(company=team.company, objective=secret, title="Secret one", created_at=made),
    }


@time_machine.travel(NOW, tick=False)
def test_key_results_with_no_check_in_within_the_cadence_are_a_gap(team, stale_world, client_for):
    html = client_for(team.viewer).get(gaps_url(team)).content.decode()
    assert 'Key results with no recent check-in <span class="count">2' in html
    assert "Late one" in html
    assert "Never one" in html
    assert "never checked in" in html
    for title in ("Fresh one", "New one", "Draft one", "Secret one"):
        assert title not in html


@time_machine.travel(NOW, tick=False)
def test_gaps_api_lists_stale_key_results(team, stale_world, api):
    body = api(team.admin).get(f"/api/v1/companies/{team.company.slug}/alignment/gaps/").json()
    assert body["objective_count"] == 3
    ids = [kr["id"] for kr in body["stale_key_results"]]
    assert set(ids) == {stale_world["never"].pk, stale_world["late"].pk, stale_world["secret"].pk}
    assert {"objective_title", "owner_name", "last_checkin_at"} <= set(body["stale_key_results"][0])


@time_machine.travel(NOW, tick=False)
def test_nothing_is_stale_in_a_closed_cycle(team, stale_world, client_for):
    team.cycle.status = "closed"
    team.cycle.save()
    html = client_for(team.admin).get(gaps_url(team)).content.decode()
    assert 'Key results with no recent check-in <span class="count">0' in html
