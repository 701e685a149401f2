"""Closed and archived objectives are frozen: no Edit / Add key result offered, and the services refuse (issue 17.9)."""

import pytest
from django.urls import reverse

from objectives import services as okr
from objectives.models import ObjectiveStatus, objective_is_editable
from tests.factories import KeyResultFactory, ObjectiveFactory
from tests.helpers import refused


def _url(name, team, *args):
    return reverse(f"objectives:{name}", args=[team.company.slug, *args])


@pytest.fixture
def frozen(team):
    def make(status):
        objective = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, status=status)
        kr = KeyResultFactory(company=team.company, objective=objective)
        return objective, kr

    return make


@pytest.mark.parametrize("status", [ObjectiveStatus.ARCHIVED, ObjectiveStatus.CLOSED])
def test_frozen_objective_pages_offer_no_edit_or_add_key_result(team, frozen, client_for, status):
    objective, kr = frozen(status)
    client = client_for(team.admin)
    html = client.get(_url("objective", team, objective.pk)).content.decode()
    assert "Edit objective" not in html
    assert "Add key result" not in html
    assert _url("key_result_edit", team, kr.pk) not in html
    assert "Edit key result" not in client.get(_url("key_result", team, kr.pk)).content.decode()
    # The forms themselves send the person back with the reason.
    forms = [("objective_edit", objective.pk), ("key_result_create", objective.pk), ("key_result_edit", kr.pk)]
    for name, arg in forms:
        response = client.get(_url(name, team, arg))
        assert response.status_code == 302
        assert response.url == _url("objective", team, objective.pk)


def test_active_objective_still_offers_edit(team, frozen, client_for):
    objective, _ = frozen(ObjectiveStatus.ACTIVE)
    assert objective_is_editable(objective)
    html = client_for(team.admin).get(_url("objective", team, objective.pk)).content.decode()
    assert "Edit objective" in html
    assert "Add key result" in html


@pytest.mark.parametrize("status", [ObjectiveStatus.ARCHIVED, ObjectiveStatus.CLOSED])
def test_services_refuse_edits_of_frozen_objectives(team, frozen, status):
    objective, kr = frozen(status)
    actor = team.actor(team.admin)
    assert not objective_is_editable(objective)
    with refused("status", code="objective_frozen"):
        okr.objective_update(company=team.company, actor=actor, objective=objective, title="New title")
    with refused("status", code="objective_frozen"):
        okr.key_result_create(company=team.company, actor=actor, objective=objective, title="More", target_value=5)
    with refused("status", code="objective_frozen"):
        okr.key_result_update(company=team.company, actor=actor, key_result=kr, title="Renamed")
    with refused("status", code="objective_frozen"):
        okr.key_result_delete(company=team.company, actor=actor, key_result=kr)


def test_department_page_offers_no_edit_for_closed_objectives(team, frozen, client_for):
    objective, _ = frozen(ObjectiveStatus.CLOSED)
    html = (
        client_for(team.admin)
        .get(reverse("departments:department", args=[team.company.slug, team.department.slug]))
        .content.decode()
    )
    assert _url("objective_edit", team, objective.pk) not in html
