"""A quarter's objective ladders up to one of the annual cycle that encloses it: pages, API and CSV import.

DESIGN §2 keeps "the parent's cycle overlaps the child's" (so a quarter under its year, or two cycles of the
same dates); a cycle that ended before the child's began is never offered, and refused naming ``parent``.
"""

import datetime

import pytest
from django.urls import reverse

from objectives import services as okr
from objectives.models import Cycle, Objective
from tests.factories import CycleFactory


@pytest.fixture
def years(team, frozen_clock):
    """2026 (annual, encloses 2026 Q4 = team.cycle) with "Grow revenue by 25%"; 2025 Q4 (ended) with "Old"."""
    annual = CycleFactory(company=team.company, name="2026", start_date=datetime.date(2026, 1, 1),
                          end_date=datetime.date(2026, 12, 31))  # fmt: skip
    past = CycleFactory(company=team.company, name="2025 Q4", start_date=datetime.date(2025, 10, 1),
                        end_date=datetime.date(2025, 12, 31))  # fmt: skip
    admin = team.actor(team.admin)
    grow = okr.objective_create(company=team.company, actor=admin, cycle=annual, title="Grow revenue by 25%",
                                activate=True)  # fmt: skip
    old = okr.objective_create(company=team.company, actor=admin, cycle=past, title="Old goal", activate=True)
    return annual, grow, old


def test_the_form_offers_the_enclosing_years_objectives_named_with_their_cycle(team, years, client_for):
    _, grow, _ = years
    url = reverse("objectives:objective_create", kwargs={"company_slug": team.company.slug})
    html = client_for(team.lead).get(url + f"?cycle={team.cycle.pk}&department={team.department.pk}").content.decode()
    assert f'<option value="{grow.pk}">Company: Grow revenue by 25% (2026)</option>' in html
    assert "Old goal" not in html
    options = (
        client_for(team.lead)
        .get(
            reverse("objectives:parent_options", kwargs={"company_slug": team.company.slug}),
            {"cycle": team.cycle.pk, "department": team.department.pk, "parent_search": "grow"},
        )
        .content.decode()
    )
    assert f'<option value="{grow.pk}">Company: Grow revenue by 25% (2026)</option>' in options


def test_the_form_creates_a_quarterly_objective_under_the_annual_one(team, years, client_for):
    _, grow, _ = years
    url = reverse("objectives:objective_create", kwargs={"company_slug": team.company.slug})
    response = client_for(team.lead).post(url, {
        "title": "Open the Berlin office", "cycle": team.cycle.pk, "department": team.department.pk,
        "parent": grow.pk, "weight": "1",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    child = Objective.objects.get(company=team.company, title="Open the Berlin office")
    assert (child.cycle_id, child.parent_id) == (team.cycle.pk, grow.pk)


def test_the_api_accepts_the_enclosing_parent_and_refuses_an_ended_cycles_naming_parent(team, years, api):
    _, grow, old = years
    url = f"/api/v1/companies/{team.company.slug}/objectives/"
    client = api(team.admin)
    body = {"title": "Open the Berlin office", "cycle": team.cycle.pk, "department": team.department.pk}
    created = client.post(url, {**body, "parent": grow.pk}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["parent"] == grow.pk
    refused = client.post(url, {**body, "title": "Under an ended cycle", "parent": old.pk}, format="json")
    assert refused.status_code == 400
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [("parent", "parent_cycle_window")]


def test_the_csv_import_ladders_a_quarter_row_to_an_annual_row(team, years, api):
    annual, grow, _ = years
    text = (
        "type,ref,title,cycle,department,parent,activate\n"
        "objective,Y,Win the DACH region,2026,,,yes\n"
        f"objective,,Open the Berlin office,2026 Q4,sales,Y,no\n"
        f"objective,,Hire a Munich team,2026 Q4,sales,#{grow.pk},no\n"
    )
    response = api(team.admin).post(
        f"/api/v1/companies/{team.company.slug}/import/", {"csv": text, "dry_run": False}, format="json"
    )
    assert response.status_code == 200, response.content
    berlin = Objective.objects.get(company=team.company, title="Open the Berlin office")
    assert (berlin.cycle_id, berlin.parent.title, berlin.parent.cycle_id) == (team.cycle.pk, "Win the DACH region",
                                                                            annual.pk)  # fmt: skip
    assert Objective.objects.get(company=team.company, title="Hire a Munich team").parent_id == grow.pk


def test_an_annual_cycle_may_enclose_its_quarters(team, api):
    response = api(team.admin).post(
        f"/api/v1/companies/{team.company.slug}/cycles/",
        {"name": "2026", "start_date": "2026-01-01", "end_date": "2026-12-31", "status": "active"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Cycle.objects.filter(company=team.company, start_date__lte=team.cycle.start_date).count() == 2
