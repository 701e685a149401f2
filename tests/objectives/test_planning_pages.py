"""The planning board page: every department's drafts and hints, and submit / approve / return with or without htmx."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from objectives import services as okr
from objectives.models import CycleStatus, DepartmentPlan, PlanState
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
        owner=team.member,
    )
    okr.key_result_create(
        company=team.company, actor=team.actor(team.member), objective=draft, title="Send 3 surveys", target_value=3
    )
    return cycle, top, draft


def _page(team, cycle):
    return f"/c/{team.company.slug}/cycles/{cycle.pk}/planning/"


def _action(team, cycle, action):
    return f"/c/{team.company.slug}/cycles/{cycle.pk}/planning/{team.department.pk}/{action}/"


def test_the_board_lists_drafts_against_company_objectives_with_their_hints(team, planning, client_for):
    cycle, _, _ = planning
    page = client_for(team.viewer).get(_page(team, cycle)).content.decode()
    assert "Grow revenue" in page
    assert "Win the north" in page
    assert "describes an activity" in page  # "Send 3 surveys": the activity hint of objectives.quality
    assert "Drafting" in page
    assert "Submit for review" not in page  # a viewer takes no action
    lead_page = client_for(team.lead).get(_page(team, cycle)).content.decode()
    assert "Submit for review" in lead_page
    assert "Approve" not in lead_page


def test_the_departments_page_and_settings_link_to_the_board_of_a_cycle_in_planning(team, planning, client_for):
    cycle, _, _ = planning
    url = _page(team, cycle)
    assert url in client_for(team.member).get(f"/c/{team.company.slug}/departments/").content.decode()
    assert url in client_for(team.admin).get(f"/c/{team.company.slug}/settings/").content.decode()


def test_the_round_without_javascript(team, planning, client_for):
    cycle, _, _ = planning
    lead, leader = client_for(team.lead), client_for(team.leader)
    response = lead.post(_action(team, cycle, "submit"))
    assert response.status_code == 302
    assert response["Location"].endswith(f"{_page(team, cycle)}#plan-{team.department.pk}")
    assert "Approve" in leader.get(_page(team, cycle)).content.decode()
    response = leader.post(_action(team, cycle, "return"), {f"plan{team.department.pk}-comment": "Measure outcomes"})
    assert response.status_code == 302
    page = lead.get(_page(team, cycle)).content.decode()
    assert "Measure outcomes" in page
    assert "Returned" in page
    lead.post(_action(team, cycle, "submit"))
    leader.post(_action(team, cycle, "approve"))
    assert DepartmentPlan.objects.get().state == PlanState.APPROVED


def test_an_empty_return_comment_is_shown_beside_its_field(team, planning, client_for):
    cycle, _, _ = planning
    client_for(team.lead).post(_action(team, cycle, "submit"))
    before = db_state()
    plain = client_for(team.leader).post(_action(team, cycle, "return"), {f"plan{team.department.pk}-comment": ""})
    assert plain.status_code == 422
    assert "a returned plan always comes with a comment" in plain.content.decode()
    htmx = client_for(team.leader, htmx=True).post(
        _action(team, cycle, "return"), {f"plan{team.department.pk}-comment": " "}
    )
    assert htmx.status_code == 422
    body = htmx.content.decode()
    assert body.lstrip().startswith('<section class="card plan-column"')
    assert f'id="id_plan{team.department.pk}-comment"' in body
    # The error sits in the comment's field group (Django's as_field_group), not only in the summary.
    assert "a returned plan always comes with a comment" in body[body.index('class="field has-error"') :]
    assert db_state() == before


def test_htmx_answers_with_the_departments_section(team, planning, client_for):
    cycle, _, _ = planning
    response = client_for(team.lead, htmx=True).post(_action(team, cycle, "submit"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card plan-column"')
    assert "Plan submitted for review." in body
    assert "Submitted for review" in body


def test_a_refused_state_is_named_in_the_error_summary(team, planning, client_for):
    cycle, _, _ = planning
    response = client_for(team.leader, htmx=True).post(_action(team, cycle, "approve"))
    assert response.status_code == 422
    assert "cannot be approved now" in response.content.decode()


def test_a_viewer_or_member_is_refused(team, planning, client_for):
    cycle, _, _ = planning
    before = db_state()
    assert client_for(team.member).post(_action(team, cycle, "submit")).status_code == 403
    assert client_for(team.viewer).post(_action(team, cycle, "approve")).status_code == 403
    assert db_state() == before


def test_another_companys_cycle_or_department_is_404(team, other_team, planning, client_for):
    cycle, _, _ = planning
    admin = client_for(team.admin)
    assert admin.get(_page(team, other_team.cycle)).status_code == 404
    url = f"/c/{team.company.slug}/cycles/{cycle.pk}/planning/{other_team.department.pk}/submit/"
    assert admin.post(url).status_code == 404
    assert admin.post(_action(team, cycle, "explode")).status_code == 404
    assert client_for(other_team.admin).get(_page(team, cycle)).status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_page_costs_the_same_at_two_sizes(team, planning, client_for):
    cycle, top, _ = planning
    client = client_for(team.lead)
    client.get(_page(team, cycle))
    small = _queries(client, _page(team, cycle))
    for n in range(6):
        department = DepartmentFactory(company=team.company, name=f"Dept {n}", slug=f"dept-{n}")
        for m in range(5):
            objective = ObjectiveFactory(
                company=team.company, cycle=cycle, department=department, parent=top, title=f"Idea {n}.{m}"
            )
            KeyResultFactory(company=team.company, objective=objective)
    client.get(_page(team, cycle))  # the possible overlaps are computed once per company revision, then kept
    # + at most one: the department tree, read once when the first possible overlap's actions are checked
    # (the "Idea" objectives of different departments overlap), however many pairs there are.
    assert small <= _queries(client, _page(team, cycle)) <= small + 1


def test_the_activity_feed_tells_the_plans_story_with_the_comment(team, planning, client_for):
    cycle, _, _ = planning
    client_for(team.lead).post(_action(team, cycle, "submit"))
    client_for(team.leader).post(_action(team, cycle, "return"), {f"plan{team.department.pk}-comment": "Fewer, please"})
    page = client_for(team.viewer).get(f"/c/{team.company.slug}/activity/?period=all").content.decode()
    assert "submitted for review the plan of" in page
    assert "returned the plan of" in page
    assert "for 2027 Q1: Fewer, please" in page
    assert f'href="{_page(team, cycle)}"' in page


def test_editing_a_submitted_draft_on_its_page_says_why_and_changes_nothing(team, planning, client_for):
    cycle, _, draft = planning
    client_for(team.lead).post(_action(team, cycle, "submit"))
    before = db_state()
    response = client_for(team.member).post(
        f"/c/{team.company.slug}/objectives/{draft.pk}/edit/",
        {"title": "Win the south", "department": team.department.pk, "weight": "1"},
    )
    assert response.status_code == 422
    assert "submitted for review; its drafts cannot change" in response.content.decode()
    assert db_state() == before
