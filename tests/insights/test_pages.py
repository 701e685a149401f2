"""The dashboard pages, their API and the export: who reads what, private objectives, bad input, landing."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from companies.models import Role
from companies.tenancy import Actor
from insights import snapshots
from insights.selectors import dashboard
from objectives.models import Confidence, Objective, ObjectiveStatus
from okrhub.permissions import INTEGRATION
from tests.factories import (
    CompanyFactory,
    DepartmentFactory,
    DepartmentMembershipFactory,
    KeyResultFactory,
    MembershipFactory,
    ObjectiveFactory,
    UserFactory,
)
from tests.helpers import db_state

pytestmark = pytest.mark.django_db

SECRET = "zq-secret-plan"
DAY = datetime.date(2026, 11, 14)


class Setting:
    """Sales (the team's department) holds a public and a private objective; Marketing has its own person."""

    def __init__(self, team) -> None:
        company = team.company
        self.team, self.company, self.cycle = team, company, team.cycle
        self.sales = team.department
        self.marketing = DepartmentFactory(company=company, name="Marketing", slug="marketing")
        self.mallory = MembershipFactory(company=company, role=Role.MEMBER, user=UserFactory(email="m@acme.test")).user
        DepartmentMembershipFactory(company=company, department=self.marketing, user=self.mallory)
        self.public = ObjectiveFactory(
            company=company, cycle=self.cycle, department=self.sales, owner=team.lead, progress=0.2, title="Win"
        )
        self.private = ObjectiveFactory(
            company=company,
            cycle=self.cycle,
            department=self.sales,
            owner=team.lead,
            private=True,
            progress=0.9,
            title=f"Acquire rival {SECRET}",
        )
        KeyResultFactory(company=company, objective=self.public, owner=team.member, progress=0.2, confidence="on_track")
        KeyResultFactory(
            company=company,
            objective=self.private,
            owner=team.lead,
            progress=0.9,
            confidence=Confidence.AT_RISK,
            title=f"Sign {SECRET} term sheet",
        )
        ObjectiveFactory(company=company, cycle=self.cycle, department=self.marketing, progress=0.5)
        snapshots.snapshot_day(company=company, day=DAY)

    def url(self, name: str, **kwargs) -> str:
        return reverse(f"insights:{name}", kwargs={"company_slug": self.company.slug, **kwargs})


@pytest.fixture
def setting(team, frozen_clock) -> Setting:
    return Setting(team)


def _body(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- who reads which dashboard


def test_leaders_and_admins_read_the_company_dashboard_others_go_to_their_departments(setting, client_for):
    team = setting.team
    company_url = setting.url("company")
    sales_url = setting.url("department", department_id=setting.sales.pk)
    assert client_for(team.admin).get(company_url).status_code == 200
    assert client_for(team.leader).get(company_url).status_code == 200
    for user in (team.lead, team.member):
        response = client_for(user).get(company_url)
        assert (response.status_code, response["Location"]) == (302, sales_url)
    # No department: the departments page, which says why and links every department's dashboard.
    response = client_for(team.viewer).get(company_url, follow=True)
    assert response.redirect_chain == [(reverse("departments:departments", args=[team.company.slug]), 302)]
    assert "every department has a dashboard of its own" in _body(response)
    assert sales_url in _body(response)
    # Every member reads every department's dashboard, as they read its page.
    for user in (team.viewer, team.member, setting.mallory, team.leader):
        assert client_for(user).get(sales_url).status_code == 200


def test_another_companys_department_is_missing(setting, other_team, client_for):
    response = client_for(setting.team.admin).get(setting.url("department", department_id=other_team.department.pk))
    assert response.status_code == 404
    assert client_for(setting.team.admin).get(setting.url("department", department_id=987654)).status_code == 404


def test_the_company_dashboard_page_shows_every_tile_linking_its_list(setting, client_for):
    body = _body(client_for(setting.team.leader).get(setting.url("company")))
    cycle = setting.cycle.pk
    slug = setting.company.slug
    for query in (
        f"kind=objective&amp;cycle={cycle}&amp;counted=1",
        f"kind=objective&amp;cycle={cycle}&amp;pace=behind&amp;counted=1",
        f"kind=key_result&amp;cycle={cycle}&amp;confidence=at_risk&amp;counted=1",
        f"kind=key_result&amp;cycle={cycle}&amp;confidence=off_track&amp;counted=1",
        f"kind=key_result&amp;cycle={cycle}&amp;stale=1&amp;counted=1",
        f"kind=objective&amp;cycle={cycle}&amp;department={setting.sales.pk}&amp;status=behind_pace&amp;counted=1",
        f"kind=key_result&amp;cycle={cycle}&amp;department={setting.marketing.pk}&amp;confidence=at_risk&amp;counted=1",
    ):
        assert f'href="/c/{slug}/search/?{query}"' in body, query
    assert f'href="/c/{slug}/dashboard/departments/{setting.sales.pk}/?cycle={cycle}"' in body
    assert SECRET in body  # leaders read private objectives: the at-risk list names it
    assert "Progress over time" in body
    assert "The chart as a table" in body


# ---------------------------------------------------------------- private objectives


def test_a_private_objective_never_reaches_a_department_dashboard_reader_who_may_not_read_it(setting, client_for):
    sales_url = setting.url("department", department_id=setting.sales.pk)
    outsider = _body(client_for(setting.mallory).get(sales_url))
    insider = _body(client_for(setting.team.member).get(sales_url))
    assert SECRET not in outsider
    assert SECRET in insider
    outsider_data = dashboard(
        company=setting.company,
        actor=Actor.for_user(setting.company, setting.mallory),
        cycle=setting.cycle,
        department=setting.sales,
    )
    insider_data = dashboard(
        company=setting.company,
        actor=Actor.for_user(setting.company, setting.team.member),
        cycle=setting.cycle,
        department=setting.sales,
    )
    assert (outsider_data["total"].objectives, outsider_data["total"].progress) == (1, pytest.approx(0.2))
    assert (insider_data["total"].objectives, insider_data["total"].progress) == (2, pytest.approx(0.55))
    assert (outsider_data["at_risk"]["count"], insider_data["at_risk"]["count"]) == (0, 1)
    # The chart's past: the snapshot of the private objective is taken out for the outsider.
    outsider_day = next(p for p in outsider_data["series"] if p["day"] == DAY)
    insider_day = next(p for p in insider_data["series"] if p["day"] == DAY)
    assert (outsider_day["objectives"], outsider_day["progress"]) == (1, pytest.approx(0.2))
    assert (insider_day["objectives"], insider_day["progress"]) == (2, pytest.approx(0.55))
    # The export of the department's history too.
    export = client_for(setting.mallory).get(setting.url("export") + f"?department={setting.sales.pk}")
    assert export.status_code == 200
    assert SECRET not in export.content.decode("utf-8-sig")
    assert "Win" in export.content.decode("utf-8-sig")


def test_an_owner_reads_their_own_private_objective_on_any_dashboard(setting):
    Objective.objects.filter(pk=setting.private.pk).update(owner=setting.mallory)
    data = dashboard(
        company=setting.company,
        actor=Actor.for_user(setting.company, setting.mallory),
        cycle=setting.cycle,
        department=setting.sales,
    )
    assert data["total"].objectives == 2
    assert next(p for p in data["series"] if p["day"] == DAY)["objectives"] == 2


def test_a_write_keys_company_figures_leave_private_objectives_out(setting, api, api_key):
    key = api(key=api_key(setting.company, "write"))
    body = key.get(f"/api/v1/companies/{setting.company.slug}/dashboard/").json()
    assert SECRET not in str(body)
    assert body["objectives"] == 2  # Sales' public one and Marketing's
    assert body["progress"] == pytest.approx(0.35)
    assert body["at_risk"]["count"] == 0
    day = next(p for p in body["series"] if p["day"] == DAY.isoformat())
    assert (day["objectives"], day["progress"]) == (2, pytest.approx(0.35))
    actor = Actor(company=setting.company, role=INTEGRATION)
    assert dashboard(company=setting.company, actor=actor, cycle=setting.cycle)["total"].objectives == 2
    leader = api(setting.team.leader).get(f"/api/v1/companies/{setting.company.slug}/dashboard/").json()
    assert (leader["objectives"], leader["at_risk"]["count"]) == (3, 1)


def test_the_api_returns_the_pages_figures(setting, api):
    body = api(setting.team.admin).get(
        f"/api/v1/companies/{setting.company.slug}/dashboard/departments/{setting.sales.pk}/",
        {"cycle": setting.cycle.pk},
    )
    assert body.status_code == 200, body.content
    body = body.json()
    data = dashboard(
        company=setting.company,
        actor=Actor.for_user(setting.company, setting.team.admin),
        cycle=setting.cycle,
        department=setting.sales,
    )
    assert body["department"] == {"id": setting.sales.pk, "name": "Sales"}
    assert body["progress"] == pytest.approx(data["total"].progress)
    assert body["objectives_by_status"] == {s.value: n for s, n in data["total"].by_status.items()}
    assert body["key_results_by_confidence"] == {c.value: n for c, n in data["total"].by_confidence.items()}
    assert [p["day"] for p in body["series"]] == [p["day"].isoformat() for p in data["series"]]
    assert body["at_risk"]["items"][0]["title"] == f"Sign {SECRET} term sheet"


def test_the_api_refuses_bad_input_naming_the_parameter(setting, api):
    client = api(setting.team.admin)
    base = f"/api/v1/companies/{setting.company.slug}/dashboard/"
    for query, field in (({"cycle": "soon"}, "cycle"), ({"department": "1"}, "department"), ({"cycle": "0"}, "cycle")):
        response = client.get(base, query)
        assert response.status_code == 400, query
        assert field in {error["field"] for error in response.json()["errors"]}
    assert client.get(base, {"cycle": 987654}).status_code == 404
    assert client.get(f"{base}departments/987654/").status_code == 404


# ---------------------------------------------------------------- the export


def test_the_export_holds_each_rows_history_in_both_formats(setting, client_for):
    client = client_for(setting.team.leader)
    csv = client.get(setting.url("export"))
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv["Content-Disposition"] == f'attachment; filename="progress-{setting.company.slug}-2026-q4.csv"'
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == f"id,objective,department,owner,{DAY.isoformat()},2026-11-15"
    rows = {line.split(",")[1]: line.split(",")[4:] for line in lines[1:]}
    assert rows["Win"] == ["20.0", "20.0"]
    assert rows[f"Acquire rival {SECRET}"] == ["90.0", "90.0"]
    xlsx = client.get(setting.url("export") + "?format=xlsx&kind=key_result&confidence=at_risk")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.values)
    assert values[0][:2] == ("id", "key result")
    assert [row[1] for row in values[1:]] == [f"Sign {SECRET} term sheet"]


def test_the_export_refuses_bad_input_naming_the_field_and_writes_nothing(setting, client_for, other_team):
    client = client_for(setting.team.leader)
    before = db_state()
    for query, field in (
        ("kind=goal", "kind"),
        ("department=sales", "department"),
        ("owner=-3", "owner"),
        ("status=great", "status"),
        ("confidence=high", "confidence"),
        ("pace=ahead", "pace"),
        ("stale=yes", "stale"),
        ("format=pdf", "format"),
    ):
        response = client.get(f"{setting.url('export')}?{query}")
        assert response.status_code == 400, query
        assert response.content.decode().startswith(f"{field}:"), response.content
    assert client.get(f"{setting.url('export')}?department={other_team.department.pk}").status_code == 404
    assert client.get(f"{setting.url('export')}?owner={other_team.admin.pk}").status_code == 404
    assert client.get(f"{setting.url('export')}?cycle={other_team.cycle.pk}").status_code == 404
    assert db_state() == before


# ---------------------------------------------------------------- landing


def test_leaders_and_admins_land_on_the_dashboard_everyone_else_on_their_key_results(setting, client_for):
    slug = setting.company.slug
    for user in (setting.team.leader, setting.team.admin):
        assert client_for(user).get("/")["Location"] == f"/c/{slug}/dashboard/"
    for user in (setting.team.member, setting.team.viewer, setting.team.lead):
        assert client_for(user).get("/")["Location"] == f"/c/{slug}/"


def test_an_empty_companys_admin_lands_on_the_first_run_page(db, client_for):
    company = CompanyFactory(slug="empty", name="Empty")
    admin = MembershipFactory(company=company, role=Role.ADMIN).user
    assert client_for(admin).get("/")["Location"] == "/c/empty/"


def test_the_department_page_and_the_departments_page_link_the_dashboards(setting, client_for):
    client = client_for(setting.team.member)
    dashboard_url = setting.url("department", department_id=setting.sales.pk)
    assert dashboard_url in _body(client.get(reverse("departments:departments", args=[setting.company.slug])))
    page = client.get(reverse("departments:department", args=[setting.company.slug, "sales"]))
    assert dashboard_url in _body(page)


def test_a_department_with_teams_shows_a_row_per_team(setting, client_for):
    east = DepartmentFactory(company=setting.company, name="Sales East", slug="sales-east", parent=setting.sales)
    ObjectiveFactory(company=setting.company, cycle=setting.cycle, department=east, progress=0.1, title="East goal")
    ObjectiveFactory(
        company=setting.company, cycle=setting.cycle, department=east, status=ObjectiveStatus.DRAFT, progress=1
    )
    data = dashboard(
        company=setting.company,
        actor=Actor.for_user(setting.company, setting.team.leader),
        cycle=setting.cycle,
        department=setting.sales,
    )
    assert [(row.name, row.tally.objectives) for row in data["rows"]] == [("Sales East", 1)]
    assert data["total"].objectives == 3  # Sales' own two and East's one; the draft counts nowhere
    company = dashboard(
        company=setting.company, actor=Actor.for_user(setting.company, setting.team.leader), cycle=setting.cycle
    )
    assert {row.name: row.tally.objectives for row in company["rows"]} == {"Marketing": 1, "Sales": 3}


@pytest.mark.parametrize("who", ["leader", "mallory"])
def test_each_this_week_count_is_the_activity_list_its_link_opens(setting, client_for, who):
    import re

    from discussion.selectors import Target
    from discussion.services import comment_create
    from objectives.services.checkins import checkin_create

    for objective in (setting.public, setting.private):
        kr = objective.key_results.get()
        owner = Actor.for_user(setting.company, kr.owner)
        checkin_create(company=setting.company, actor=owner, key_result=kr, value=7, confidence="on_track")
        comment_create(company=setting.company, actor=owner, target=Target(objective=objective), body="Numbers in")
    client = client_for(setting.team.leader if who == "leader" else setting.mallory)
    url = setting.url("company") if who == "leader" else setting.url("department", department_id=setting.sales.pk)
    body = _body(client.get(url))
    links = re.findall(r'<li><a href="([^"]+)">([^<]+)</a> <span class="numbers">(\d+)</span></li>', body)
    assert len(links) == 6, body
    counts = {}
    for href, label, count in links:
        href = href.replace("&amp;", "&")
        assert f"cycle={setting.cycle.pk}" in href
        assert "period=week" in href
        listed = _body(client.get(href))
        assert listed.count('<li class="feed-item">') == int(count), (label, href)
        assert who == "leader" or SECRET not in listed
        counts[label] = int(count)
    # The leader reads both objectives' check-ins and comments; Mallory, outside Sales, only the public one's.
    assert (counts["Check-ins"], counts["Comments"]) == ((2, 2) if who == "leader" else (1, 1))
