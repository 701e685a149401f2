"""The alignment tree page: tenancy, privacy, filters and a constant query count."""

import pytest
from django.test import Client
from django.urls import reverse

from objectives import services as okr
from objectives.models import ObjectiveStatus
from tests.factories import DepartmentFactory, KeyResultFactory, ObjectiveFactory


def tree_url(company, **params):
    url = reverse("alignment:tree", kwargs={"company_slug": company.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def build_tree(team, n_departments: int, per_department: int = 2):
    top = ObjectiveFactory(company=team.company, cycle=team.cycle, title="Expand into new markets", progress=0.4)
    for d in range(n_departments):
        department = DepartmentFactory(company=team.company)
        for o in range(per_department):
            objective = ObjectiveFactory(
                company=team.company,
                cycle=team.cycle,
                department=department,
                parent=top,
                progress=0.5,
                title=f"Department {d} objective {o}",
            )
            KeyResultFactory(company=team.company, objective=objective, progress=0.5, confidence="at_risk")
            KeyResultFactory(company=team.company, objective=objective)
    return top


def test_tree_shows_cascade_with_progress(team, client_for):
    top = build_tree(team, 1)
    ObjectiveFactory(company=team.company, cycle=team.cycle, title="Secret draft", status=ObjectiveStatus.DRAFT)
    response = client_for(team.viewer).get(tree_url(team.company))
    assert response.status_code == 200
    html = response.content.decode()
    assert top.title in html
    assert "Department 0 objective 1" in html
    assert "40%" in html
    assert "at risk" in html.lower()
    assert "Secret draft" not in html
    # Unknown progress is a dash, never 0%.
    assert "—" in html


def test_anonymous_goes_to_login(team):
    response = Client().get(tree_url(team.company))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_other_company_answers_404_like_a_missing_one(team, other_team, client_for):
    client = client_for(other_team.admin)
    assert client.get(tree_url(team.company)).status_code == 404
    assert client.get("/c/no-such-company/").status_code == 404


def test_cycle_or_department_of_another_company_answers_404(team, other_team, client_for):
    client = client_for(team.admin)
    assert client.get(tree_url(team.company, cycle=other_team.cycle.pk)).status_code == 404
    assert client.get(tree_url(team.company, department=other_team.department.pk)).status_code == 404


def test_private_objectives_are_hidden_from_outsiders(team, client_for):
    other_department = DepartmentFactory(company=team.company, name="Finance", slug="finance")
    ObjectiveFactory(company=team.company, cycle=team.cycle, department=other_department, private=True, title="Layoffs")
    assert "Layoffs" not in client_for(team.member).get(tree_url(team.company)).content.decode()
    assert "Layoffs" in client_for(team.leader).get(tree_url(team.company)).content.decode()


def test_department_filter_keeps_the_branch_in_context(team, client_for):
    top = okr.objective_create(company=team.company, actor=None, cycle=team.cycle, title="Grow", activate=True)
    okr.objective_create(
        company=team.company,
        actor=None,
        cycle=team.cycle,
        department=team.department,
        parent=top,
        title="Sales objective",
        activate=True,
    )
    marketing = DepartmentFactory(company=team.company, name="Marketing", slug="marketing")
    okr.objective_create(
        company=team.company,
        actor=None,
        cycle=team.cycle,
        department=marketing,
        parent=top,
        title="Marketing objective",
        activate=True,
    )
    html = client_for(team.member).get(tree_url(team.company, department=marketing.pk)).content.decode()
    assert "Marketing objective" in html
    assert "Grow" in html
    assert "Sales objective" not in html


@pytest.mark.parametrize("n_departments", [1, 12])
def test_tree_query_count_does_not_grow_with_data(team, client_for, django_assert_num_queries, n_departments):
    build_tree(team, n_departments)
    client = client_for(team.member)
    # session, user, membership, department roles, cycles, departments, objectives, key results, dependencies
    with django_assert_num_queries(9):
        response = client.get(tree_url(team.company))
    assert response.status_code == 200
    assert response.content.decode().count('class="node"') == 1 + 2 * n_departments
