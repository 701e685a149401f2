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


def children_url(company, objective, **params):
    url = reverse("alignment:tree_children", kwargs={"company_slug": company.slug, "objective_id": objective.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_tree_shows_roots_and_loads_children_on_expand(team, client_for):
    top = build_tree(team, 1)
    ObjectiveFactory(company=team.company, cycle=team.cycle, title="Secret draft", status=ObjectiveStatus.DRAFT)
    client = client_for(team.viewer)
    # By default two levels are open: the company objective and what ladders up to it.
    opened = client.get(tree_url(team.company)).content.decode()
    assert "Department 0 objective 1" in opened
    assert f'aria-controls="children-{top.pk}"' in opened
    response = client.get(tree_url(team.company, expand="none"))
    assert response.status_code == 200
    html = response.content.decode()
    assert top.title in html
    assert "40%" in html
    assert "Secret draft" not in html
    # Collapsed, children are not in the page: a disclosure button loads them on expand.
    assert "Department 0 objective 1" not in html
    assert f'aria-controls="children-{top.pk}"' in html
    assert 'aria-expanded="false"' in html
    assert (
        f'hx-get="{children_url(team.company, top)}?' in html or f'hx-get="{children_url(team.company, top)}"' in html
    )
    children = client.get(children_url(team.company, top), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in children
    assert "Department 0 objective 1" in children
    assert "at risk" in children.lower()
    # Unknown progress is a dash, never 0%.
    assert "—" in children


@pytest.mark.usefixtures("frozen_clock")
def test_tree_marks_unaligned_behind_pace_and_shows_dependencies(team, client_for):
    from objectives import services

    loose = ObjectiveFactory(
        company=team.company, cycle=team.cycle, department=team.department, title="Loose", progress=0.0
    )
    top = ObjectiveFactory(company=team.company, cycle=team.cycle, title="Top", progress=0.9)
    services.dependency_create(company=team.company, actor=None, from_objective=loose, to_objective=top, note="")
    html = client_for(team.member).get(tree_url(team.company)).content.decode()
    assert "Unaligned" in html
    assert "Behind pace" in html  # 0% in a cycle that is half over on the frozen 15 November
    assert "Depends on:" in html
    assert "Needed by:" in html


def test_children_of_a_hidden_or_foreign_objective_answer_404(team, other_team, client_for):
    other_department = DepartmentFactory(company=team.company, name="Finance", slug="finance")
    secret = ObjectiveFactory(company=team.company, cycle=team.cycle, department=other_department, private=True)
    client = client_for(team.member)
    assert client.get(children_url(team.company, secret)).status_code == 404
    foreign = ObjectiveFactory(company=other_team.company, cycle=other_team.cycle)
    assert client.get(children_url(team.company, foreign)).status_code == 404


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
    client = client_for(team.member)
    html = client.get(tree_url(team.company, department=marketing.pk)).content.decode()
    assert "Grow" in html
    assert "1 laddering up" in html  # Sales is filtered out
    children = client.get(children_url(team.company, top, department=marketing.pk)).content.decode()
    assert "Marketing objective" in children
    assert "Sales objective" not in children
    # The filter form swaps only the results for htmx.
    partial = client.get(
        tree_url(team.company, department=marketing.pk), headers={"HX-Request": "true", "HX-Target": "tree-results"}
    ).content.decode()
    assert partial.lstrip().startswith('<div id="tree-results"')


@pytest.mark.parametrize("n_departments", [1, 12])
def test_tree_query_count_does_not_grow_with_data(team, client_for, django_assert_num_queries, n_departments):
    top = build_tree(team, n_departments)
    client = client_for(team.member)
    # session, user, membership, department roles; the visibility class: departments map, owns a private
    # objective; header companies, cycles, departments; the first level (with its size), the whole tree's
    # size, their child counts; the second level, its child counts; key results, dependencies
    with django_assert_num_queries(16):
        response = client.get(tree_url(team.company))
    assert response.status_code == 200
    assert response.content.decode().count('class="node"') == 1 + 2 * n_departments
    # Expanding a node: session, user, membership, department roles, departments map, owns private, cycles,
    # departments, the parent, the level's objectives (with its size), their child counts, key results,
    # dependencies
    with django_assert_num_queries(13):
        response = client.get(children_url(team.company, top), headers={"HX-Request": "true"})
    assert response.content.decode().count('class="node"') == 2 * n_departments


@pytest.mark.parametrize("n_departments", [1, 12])
def test_gaps_query_count_does_not_grow_with_data(team, client_for, django_assert_max_num_queries, n_departments):
    build_tree(team, n_departments)
    for _d in range(n_departments):
        ObjectiveFactory(company=team.company, cycle=team.cycle, department=DepartmentFactory(company=team.company))
    DepartmentFactory(company=team.company, name="Empty dept")
    client = client_for(team.member)
    # session, user, membership, department roles, header companies, cycles, objectives, supported ids,
    # stale key results, departments; possible overlaps (computed, nothing cached yet): enclosing cycles,
    # objectives, key results, dependencies, dismissals; the department tree once a pair's actions are checked
    with django_assert_max_num_queries(16):
        response = client.get(reverse("alignment:gaps", args=[team.company.slug]))
    html = response.content.decode()
    assert "Empty dept" in html
    assert 'Department objectives with no parent <span class="count">' + str(n_departments + 0) in html
