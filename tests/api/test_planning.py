"""The planning board and a department plan's review over the API: the whole round, errors naming fields, tenancy."""

import datetime

import pytest

from objectives import services as okr
from objectives.models import CycleStatus, Objective, ObjectiveStatus
from tests.factories import CycleFactory, DepartmentFactory, KeyResultFactory, ObjectiveFactory
from tests.helpers import db_state


@pytest.fixture
def planning(team):
    cycle = CycleFactory(
        company=team.company,
        name="2027 Q1",
        start_date=datetime.date(2027, 1, 1),
        end_date=datetime.date(2027, 3, 31),
        status=CycleStatus.PLANNING,
    )
    top = ObjectiveFactory(company=team.company, cycle=cycle, owner=team.leader, title="Grow revenue")
    draft = okr.objective_create(
        company=team.company,
        actor=team.actor(team.member),
        cycle=cycle,
        title="Win the north",
        department=team.department,
        parent=top,
    )
    okr.key_result_create(
        company=team.company, actor=team.actor(team.member), objective=draft, title="Send 3 surveys", target_value=3
    )
    okr.objective_create(
        company=team.company, actor=team.actor(team.member), cycle=cycle, title="Unaligned", department=team.department
    )
    return cycle, top, draft


def _url(team, cycle, tail=""):
    return f"/api/v1/companies/{team.company.slug}/cycles/{cycle.pk}/planning/{tail}"


def test_the_board_shows_drafts_against_company_objectives_with_hints(team, planning, api):
    cycle, top, _ = planning
    board = api(team.member).get(_url(team, cycle)).json()
    assert board["cycle"]["status"] == "planning"
    assert [o["title"] for o in board["company_objectives"]] == ["Grow revenue"]
    sales = next(d for d in board["departments"] if d["name"] == "Sales")
    assert sales["state"] == "drafting"
    assert sales["can_submit"] is False  # the member is no lead
    assert sales["can_review"] is False
    rows = {row["title"]: row for row in sales["drafts"]}
    assert rows["Win the north"]["parent_id"] == top.pk
    assert rows["Win the north"]["parent_title"] == "Grow revenue"
    assert rows["Win the north"]["key_result_count"] == 1
    assert [h["code"] for h in rows["Win the north"]["hints"]] == ["activity_key_result"]
    assert [h["code"] for h in rows["Unaligned"]["hints"]] == ["unaligned"]
    assert api(team.lead).get(_url(team, cycle)).json()["departments"][0]["can_submit"] is True


def test_the_focus_hint_counts_the_drafts_as_if_approved(team, planning, api):
    cycle, _, _ = planning
    team.company.max_objectives_per_department = 1
    team.company.save()
    sales = api(team.member).get(_url(team, cycle)).json()["departments"][0]
    assert [h["code"] for h in sales["hints"]] == ["focus_limit"]
    assert "2 objectives in Sales" in sales["hints"][0]["message"]


def test_submit_return_resubmit_approve(team, planning, api):
    cycle, _, draft = planning
    dept = team.department.pk
    submitted = api(team.lead).post(_url(team, cycle, f"{dept}/submit/"))
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "submitted"
    locked = api(team.member).patch(
        f"/api/v1/companies/{team.company.slug}/objectives/{draft.pk}/", {"title": "Changed"}, format="json"
    )
    assert locked.status_code == 400
    assert locked.json()["errors"][0]["field"] == "status"
    board = api(team.leader).get(_url(team, cycle)).json()["departments"][0]
    assert board["can_review"] is True
    returned = api(team.leader).post(_url(team, cycle, f"{dept}/return/"), {"comment": "Align it"}, format="json")
    assert returned.json()["state"] == "returned"
    assert returned.json()["returned_comment"] == "Align it"
    assert api(team.lead).post(_url(team, cycle, f"{dept}/submit/")).json()["state"] == "submitted"
    approved = api(team.admin).post(_url(team, cycle, f"{dept}/approve/"))
    assert approved.json()["state"] == "approved"
    assert set(Objective.objects.filter(department=team.department).values_list("status", flat=True)) == {
        ObjectiveStatus.ACTIVE
    }


@pytest.mark.parametrize("body", [{}, {"comment": ""}, {"comment": "  "}])
def test_a_return_without_a_comment_is_a_problem_naming_comment(team, planning, api, body):
    cycle, _, _ = planning
    api(team.lead).post(_url(team, cycle, f"{team.department.pk}/submit/"))
    before = db_state()
    response = api(team.leader).post(_url(team, cycle, f"{team.department.pk}/return/"), body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert {e["field"] for e in response.json()["errors"]} == {"comment"}
    assert db_state() == before


@pytest.mark.parametrize(("who", "action"), [("lead", "approve"), ("member", "return"), ("leader", "submit")])
def test_roles_outside_the_matrix_are_refused(team, planning, api, who, action):
    cycle, _, _ = planning
    if action != "submit":
        api(team.lead).post(_url(team, cycle, f"{team.department.pk}/submit/"))
    before = db_state()
    response = api(getattr(team, who)).post(
        _url(team, cycle, f"{team.department.pk}/{action}/"), {"comment": "x"}, format="json"
    )
    assert response.status_code == 403
    assert db_state() == before


def test_another_companys_department_or_cycle_is_404(team, other_team, planning, api):
    cycle, _, _ = planning
    admin = api(team.admin)
    assert admin.post(_url(team, cycle, f"{other_team.department.pk}/submit/")).status_code == 404
    assert admin.post(_url(team, other_team.cycle, f"{team.department.pk}/submit/")).status_code == 404
    assert admin.get(_url(team, other_team.cycle)).status_code == 404
    assert api(other_team.admin).get(_url(team, cycle)).status_code == 404


def test_private_drafts_stay_off_other_peoples_boards(team, planning, api):
    cycle, _, _ = planning
    okr.objective_create(
        company=team.company,
        actor=team.actor(team.member),
        cycle=cycle,
        title="Quiet idea",
        department=team.department,
        private=True,
    )
    outsider_board = api(team.viewer).get(_url(team, cycle)).json()
    assert "Quiet idea" not in {row["title"] for d in outsider_board["departments"] for row in d["drafts"]}
    member_board = api(team.member).get(_url(team, cycle)).json()
    assert "Quiet idea" in {row["title"] for d in member_board["departments"] for row in d["drafts"]}


def _grow(team, cycle, top, departments: int, per_department: int, start: int = 0) -> None:
    for n in range(start, start + departments):
        department = DepartmentFactory(company=team.company, name=f"Dept {n}", slug=f"dept-{n}")
        for m in range(per_department):
            objective = ObjectiveFactory(
                company=team.company,
                cycle=cycle,
                department=department,
                parent=top,
                owner=team.member,
                status=ObjectiveStatus.DRAFT,
                title=f"Idea {n}.{m}",
            )
            KeyResultFactory(company=team.company, objective=objective, owner=team.member)


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_board_costs_the_same_at_two_sizes(team, planning, api):
    cycle, top, _ = planning
    client = api(team.member)
    _grow(team, cycle, top, 1, 1)
    client.get(_url(team, cycle))  # warm the session
    small = _queries(client, _url(team, cycle))
    _grow(team, cycle, top, 8, 6, start=1)
    assert _queries(client, _url(team, cycle)) == small
