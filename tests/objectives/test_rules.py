"""One home per rule (issue 12) and the defects seen from outside (issue 13).

Visibility of private objectives in pickers, forms and titles; focus counting
shared by the service, the live hint and the department page; department
ancestry with a loop guard; the last-admin rule; moving an objective between
departments checked like creating it there; drafting departments asked of
the matrix.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from companies.models import FocusMode, Membership, Role
from companies.services import is_last_admin
from companies.tenancy import Actor
from departments import services as department_services
from departments.ancestry import department_and_ancestors, walk_up
from departments.models import Department, DepartmentRole
from objectives import services as okr
from objectives.models import Dependency, KeyResult, Objective, ObjectiveStatus
from tests.factories import DepartmentFactory, DepartmentMembershipFactory, KeyResultFactory, ObjectiveFactory

SECRET = "Quietly acquire Initech"


def url(name, team, *args):
    namespace = "departments" if name in ("departments", "department") else "objectives"
    return reverse(f"{namespace}:{name}", args=[team.company.slug, *args])


@pytest.fixture
def marketing(team):
    """A Marketing department; the team's member belongs to it as well as to Sales."""
    department = DepartmentFactory(company=team.company, name="Marketing", slug="marketing")
    DepartmentMembershipFactory(
        company=team.company, department=department, user=team.member, role=DepartmentRole.MEMBER
    )
    return department


@pytest.fixture
def secret(team):
    """A private company objective (the leader's) with a public Sales child laddering up to it."""
    hidden = ObjectiveFactory(company=team.company, cycle=team.cycle, owner=team.leader, title=SECRET, private=True)
    child = ObjectiveFactory(
        company=team.company,
        cycle=team.cycle,
        department=team.department,
        owner=team.lead,
        parent=hidden,
        title="Open the Nordics",
    )
    return hidden, child


# ---------------------------------------------------------------- 13.1 pickers and page forms


def test_new_objective_picker_hides_a_private_parent_and_the_form_refuses_it(team, marketing, secret, client_for):
    hidden, _ = secret
    client = client_for(team.member)
    page = client.get(url("objective_create", team) + f"?department={marketing.pk}")
    assert page.status_code == 200
    assert SECRET not in page.content.decode()
    options = client.get(
        url("parent_options", team) + f"?department={marketing.pk}&cycle={team.cycle.pk}&parent={hidden.pk}"
    )
    assert SECRET not in options.content.decode()
    before = Objective.objects.count()
    response = client.post(
        url("objective_create", team),
        {
            "title": "Double qualified leads",
            "cycle": team.cycle.pk,
            "department": marketing.pk,
            "parent": hidden.pk,
            "weight": "1",
        },
    )
    assert response.status_code == 422
    assert 'name="parent"' in response.content.decode()
    assert Objective.objects.count() == before


def test_the_objective_service_refuses_a_parent_the_actor_may_not_read(team, marketing, secret):
    hidden, _ = secret
    actor = Actor.for_user(team.company, team.member)
    with pytest.raises(ValidationError) as error:
        okr.objective_create(
            company=team.company, actor=actor, cycle=team.cycle, title="Leads", department=marketing, parent=hidden
        )
    assert "parent" in error.value.message_dict


def test_dependency_picker_hides_a_private_objective_and_refuses_it(team, secret, client_for):
    hidden, child = secret
    client = client_for(team.lead)  # leads Sales, so may link the child; may not read the company secret
    page = client.get(url("objective", team, child.pk)).content.decode()
    assert 'name="to_objective"' in page
    assert SECRET not in page
    client.post(url("dependency_add", team, child.pk), {"to_objective": hidden.pk})
    assert not Dependency.objects.filter(from_objective=child, to_objective=hidden).exists()
    with pytest.raises(ValidationError) as error:
        okr.dependency_create(
            company=team.company,
            actor=Actor.for_user(team.company, team.lead),
            from_objective=child,
            to_objective=hidden,
        )
    assert "to_objective" in error.value.message_dict


def test_hint_views_ignore_an_objective_the_actor_may_not_read(team, secret, client_for):
    hidden, _ = secret
    KeyResultFactory.create_batch(3, company=team.company, objective=hidden)
    team.company.max_key_results_per_objective = 3
    team.company.save()
    html = client_for(team.member).get(url("key_result_hints", team) + f"?objective={hidden.pk}").content.decode()
    assert "key results on this objective" not in html  # the count of a hidden objective's key results


# ---------------------------------------------------------------- 13.2 a public child's private parent


def test_a_public_child_does_not_show_its_private_parents_title(team, secret, client_for):
    _, child = secret
    for user in (team.viewer, team.member, team.lead):
        client = client_for(user)
        for page in (url("objective", team, child.pk), url("department", team, "sales")):
            html = client.get(page).content.decode()
            assert child.title in html, page
            assert SECRET not in html, (user.email, page)
            assert "a private objective" in html, page
    assert SECRET in client_for(team.leader).get(url("objective", team, child.pk)).content.decode()


def test_editing_a_child_keeps_the_private_parent_it_cannot_show(team, secret, client_for):
    hidden, child = secret
    client = client_for(team.lead)
    page = client.get(url("objective_edit", team, child.pk)).content.decode()
    assert SECRET not in page
    response = client.post(
        url("objective_edit", team, child.pk),
        {"title": "Open the Nordics and Baltics", "department": team.department.pk, "parent": "", "weight": "1"},
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.title == "Open the Nordics and Baltics"
    assert child.parent_id == hidden.pk


# ---------------------------------------------------------------- 13.3 my key results


def test_my_key_results_leaves_out_objectives_the_owner_may_not_read(team, secret, client_for):
    hidden, _ = secret
    KeyResultFactory(company=team.company, objective=hidden, owner=team.member, title="Sign the term sheet")
    html = client_for(team.member).get(url("my_key_results", team)).content.decode()
    assert SECRET not in html
    assert "Sign the term sheet" not in html


# ---------------------------------------------------------------- 13.4 moving a draft


@pytest.fixture
def own_draft(team):
    return ObjectiveFactory(
        company=team.company,
        cycle=team.cycle,
        department=team.department,
        owner=team.member,
        status=ObjectiveStatus.DRAFT,
        title="Run a partner webinar series",
    )


@pytest.mark.parametrize("target", ["other_department", "company_level"])
def test_a_member_cannot_move_an_own_draft_by_patch(team, own_draft, api, target):
    ops = DepartmentFactory(company=team.company, name="Operations", slug="operations")
    department = ops.pk if target == "other_department" else None
    response = api(team.member).patch(
        f"/api/v1/companies/{team.company.slug}/objectives/{own_draft.pk}/", {"department": department}
    )
    assert response.status_code == 400, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["department"]
    own_draft.refresh_from_db()
    assert own_draft.department_id == team.department.pk


def test_a_member_cannot_move_an_own_draft_by_the_edit_form(team, own_draft, client_for):
    ops = DepartmentFactory(company=team.company, name="Operations", slug="operations")
    client = client_for(team.member)
    for department in (ops.pk, ""):
        response = client.post(
            url("objective_edit", team, own_draft.pk),
            {"title": own_draft.title, "department": department, "weight": "1"},
        )
        assert response.status_code == 422
        assert "does not allow moving" in response.content.decode()
    own_draft.refresh_from_db()
    assert own_draft.department_id == team.department.pk


def test_a_member_may_move_an_own_draft_to_another_of_their_departments(team, own_draft, marketing):
    actor = Actor.for_user(team.company, team.member)
    moved = okr.objective_update(company=team.company, actor=actor, objective=own_draft, department=marketing)
    assert moved.department_id == marketing.pk


# ---------------------------------------------------------------- focus counting


def test_drafts_do_not_count_against_the_focus_limit_anywhere(team, client_for):
    company = team.company
    company.focus_mode = FocusMode.BLOCK
    company.max_objectives_per_department = 3
    company.save()
    for i in range(3):
        ObjectiveFactory(
            company=company, cycle=team.cycle, department=team.department, status=ObjectiveStatus.DRAFT, title=f"D{i}"
        )
    client = client_for(team.lead)
    hints = client.get(
        url("objective_hints", team) + f"?department={team.department.pk}&cycle={team.cycle.pk}"
    ).content.decode()
    assert "refuse this" not in hints
    assert "0 of 3 committed objectives" in client.get(url("department", team, "sales")).content.decode()
    actor = Actor.for_user(company, team.lead)
    created = okr.objective_create(
        company=company, actor=actor, cycle=team.cycle, title="Fourth", department=team.department, activate=True
    )
    assert created.status == ObjectiveStatus.ACTIVE
    # Three committed now (the fourth above and two activated drafts): the hint and the service agree.
    for draft in Objective.objects.filter(company=company, status=ObjectiveStatus.DRAFT)[:2]:
        okr.objective_activate(company=company, actor=actor, objective=draft)
    hints = client.get(
        url("objective_hints", team) + f"?department={team.department.pk}&cycle={team.cycle.pk}"
    ).content.decode()
    assert "refuse this" in hints
    with pytest.raises(ValidationError):
        okr.objective_create(
            company=company, actor=actor, cycle=team.cycle, title="Fifth", department=team.department, activate=True
        )


# ---------------------------------------------------------------- department ancestry


@pytest.mark.timeout(30)
def test_department_ancestry_stops_at_a_loop(team):
    a = DepartmentFactory(company=team.company, name="A", slug="a")
    b = DepartmentFactory(company=team.company, name="B", slug="b", parent=a)
    Department.objects.filter(pk=a.pk).update(parent=b)  # a corrupt chain: a → b → a
    assert department_and_ancestors(team.company, a.pk) == [a.pk, b.pk]
    assert list(walk_up({1: 2, 2: 1}, 1)) == [1, 2]
    admin = Actor.for_user(team.company, team.admin)
    moved = department_services.department_update(
        company=team.company, actor=admin, department=team.department, parent=a
    )
    assert moved.parent_id == a.pk


# ---------------------------------------------------------------- last admin


def test_last_admin_is_one_rule(team, client_for):
    assert is_last_admin(team.company, team.admin.pk)
    assert not is_last_admin(team.company, team.leader.pk)
    assert "only admin" in client_for(team.admin).get(f"/c/{team.company.slug}/leave/").content.decode()
    Membership.objects.filter(company=team.company, user=team.leader).update(role=Role.ADMIN)
    assert not is_last_admin(team.company, team.admin.pk)
    assert "only admin" not in client_for(team.admin).get(f"/c/{team.company.slug}/leave/").content.decode()


# ---------------------------------------------------------------- drafting departments


def test_a_leader_may_draft_in_any_department(team, client_for):
    ops = DepartmentFactory(company=team.company, name="Operations", slug="operations")
    client = client_for(team.leader)  # a leader with no department
    page = client.get(url("objective_create", team)).content.decode()
    assert f'value="{ops.pk}"' in page
    response = client.post(
        url("objective_create", team),
        {"title": "Halve onboarding time", "cycle": team.cycle.pk, "department": ops.pk, "weight": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = Objective.objects.get(company=team.company, title="Halve onboarding time")
    assert (draft.department_id, draft.status) == (ops.pk, ObjectiveStatus.DRAFT)


def test_drafting_departments_are_those_the_matrix_allows(team, marketing, client_for):
    page = client_for(team.member).get(url("objective_create", team)).content.decode()
    assert f'value="{marketing.pk}"' in page
    assert f'value="{team.department.pk}"' in page
    other = DepartmentFactory(company=team.company, name="Finance", slug="finance")
    assert f'value="{other.pk}"' not in client_for(team.member).get(url("objective_create", team)).content.decode()
    assert KeyResult.objects.count() == 0
