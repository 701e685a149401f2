"""The change history in people's words: names and titles, no trailing zeros, no check-ins (issue 17.5)."""

import html as htmllib

import pytest
from django.urls import reverse

from objectives import services as okr
from objectives.models import ObjectiveStatus
from tests.factories import ObjectiveFactory


def page(client, team, name, pk) -> str:
    return htmllib.unescape(client.get(reverse(f"objectives:{name}", args=[team.company.slug, pk])).content.decode())


def edit_post(objective, **changes):
    data = {
        "title": objective.title,
        "description": "",
        "department": objective.department_id or "",
        "parent": objective.parent_id or "",
        "owner": objective.owner_id or "",
        "weight": "1",
    }
    return data | changes


@pytest.fixture
def tree(team):
    top = okr.objective_create(
        company=team.company, actor=None, cycle=team.cycle, title="Expand into new markets", activate=True
    )
    child = okr.objective_create(
        company=team.company, actor=None, cycle=team.cycle, department=team.department, title="Sell more", activate=True
    )
    return top, child


def test_reparenting_reads_as_a_sentence_with_the_parent_title(team, tree, client_for):
    top, child = tree
    admin = client_for(team.admin)
    url = reverse("objectives:objective_edit", args=[team.company.slug, child.pk])
    assert admin.post(url, edit_post(child, parent=top.pk)).status_code == 302
    html = page(admin, team, "objective", child.pk)
    assert f"{team.admin.full_name} moved it under “Expand into new markets”" in html
    assert "parent:" not in html
    assert "OKRHub changed it" not in html
    # Made by no one (a service call without a person): the system.
    assert "The system created it" in html


def test_a_parent_the_viewer_may_not_read_is_a_private_objective(team, tree, client_for):
    _, child = tree
    secret = ObjectiveFactory(
        company=team.company, cycle=team.cycle, title="Secret plan", private=True, status=ObjectiveStatus.ACTIVE
    )
    url = reverse("objectives:objective_edit", args=[team.company.slug, child.pk])
    assert client_for(team.admin).post(url, edit_post(child, parent=secret.pk)).status_code == 302
    audit = page(client_for(team.viewer), team, "objective", child.pk).split('id="audit-h"', 1)[1]
    assert "moved it under a private objective" in audit
    assert "Secret plan" not in audit


def test_key_result_history_leaves_check_ins_out_and_drops_trailing_zeros(team, tree, client_for):
    _, child = tree
    kr = okr.key_result_create(
        company=team.company, actor=None, objective=child, title="Reach 518 customers", start_value=0, target_value=518
    )
    admin = client_for(team.admin)
    okr.checkin_create(
        company=team.company, actor=team.actor(team.admin), key_result=kr, value=620, confidence="on_track"
    )
    edit = reverse("objectives:key_result_edit", args=[team.company.slug, kr.pk])
    data = {"title": kr.title, "kind": "number", "direction": "increase", "start_value": "0", "target_value": "700"}
    assert admin.post(edit, data | {"weight": "1"}).status_code == 302
    html = page(admin, team, "key_result", kr.pk)
    audit = html.split('id="audit-h"', 1)[1]
    assert f"{team.admin.full_name} changed the target from 518 to 700" in audit
    assert "518.0000" not in audit
    assert "current_value" not in audit
    assert "checked in" not in audit.split("Check-ins are listed", 1)[0]


def test_api_history_keeps_its_shape_and_adds_a_summary(team, tree, api):
    _, child = tree
    okr.objective_update(company=team.company, actor=None, objective=child, title="Sell much more")
    body = api(team.admin).get(f"/api/v1/companies/{team.company.slug}/objectives/{child.pk}/history/").json()
    newest = body["results"][0]
    assert {"field": "title", "from": "Sell more", "to": "Sell much more"} in newest["changes"]
    assert newest["summary"] == "The system renamed it from “Sell more” to “Sell much more”"


@pytest.mark.parametrize("moves", [1, 6])
def test_objective_page_query_count_does_not_grow_with_history(
    team, tree, client_for, django_assert_num_queries, moves
):
    _, child = tree
    admin = client_for(team.admin)
    url = reverse("objectives:objective_edit", args=[team.company.slug, child.pk])
    others = [ObjectiveFactory(company=team.company, cycle=team.cycle, title=f"Goal {i}") for i in range(moves)]
    for other in others:
        assert admin.post(url, edit_post(child, parent=other.pk)).status_code == 302
    admin.get(reverse("objectives:objective", args=[team.company.slug, child.pk]))
    # The objective page plus one read of the titles its history names, however many moves; its recent
    # activity: the events and one read of the parents they name; "similar work elsewhere" (the overlaps);
    # its shared key results.
    with django_assert_num_queries(18):
        html = page(admin, team, "objective", child.pk)
    assert f"moved it under “Goal {moves - 1}”" in html
