"""The cycle report over the REST API: the hand-computed example of tests/objectives/test_report.py, as JSON."""

import pytest

from objectives.models import KeyResult, Objective
from tests.factories import DepartmentFactory
from tests.objectives.test_report import SECRET, quarter  # noqa: F401  # the example, as a fixture

pytestmark = pytest.mark.usefixtures("quarter")


def _url(team, cycle=None, slug=None):
    return f"/api/v1/companies/{slug or team.company.slug}/cycles/{(cycle or team.cycle).pk}/report/"


def test_an_admin_reads_the_whole_report(team, api, quarter):  # noqa: F811
    response = api(team.admin).get(_url(team))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["cycle"]["status"] == "closed"
    assert data["grading_open"] is True
    assert data["distribution"]["bands"] == [
        {"label": "0\u201339%", "count": 1},
        {"label": "40\u201369%", "count": 1},
        {"label": "70\u2013100%", "count": 1},
    ]
    assert data["distribution"]["not_scored"] == 1
    assert data["distribution"]["total"] == 4
    assert data["distribution"]["mean"] == pytest.approx(0.5533, abs=1e-4)
    assert [(s["department"], s["name"]) for s in data["sections"]] == [
        (None, "Company objectives"),
        (quarter["marketing"].pk, "Marketing"),
        (team.department.pk, "Sales"),
    ]
    (market,) = data["sections"][2]["objectives"]
    assert market["final_score"] == pytest.approx(0.56)
    assert market["retrospective"] == {
        "went_well": "Germany came in early",
        "learned": "Start the fairs sooner",
        "change": "Hire in France",
    }
    assert market["carried_into"] == [
        {
            "cycle": quarter["next"].pk,
            "cycle_name": "2027 Q1",
            "objective": quarter["copy"].pk,
            "key_result": None,
            "title": "Win the market",
        }
    ]
    revenue, deals, referrals = market["key_results"]
    assert (revenue["weight"], revenue["progress"], revenue["final_score"]) == ("2.00", 0.6, 0.6)
    copy_kr = KeyResult.objects.get(carried_from=quarter["revenue"])
    assert [link["key_result"] for link in revenue["carried_into"]] == [copy_kr.pk]
    assert (deals["final_score"], deals["reason"]) == (0.48, "Two deals signed after the last check-in")
    assert (referrals["not_scored"], referrals["final_score"], referrals["needs_score"]) == (True, None, False)
    brand = data["sections"][1]["objectives"][1]
    assert brand["final_score"] is None
    assert brand["key_results"][0]["needs_score"] is True


@pytest.mark.parametrize("who", ["member", "read_key"])
def test_those_who_may_not_read_the_private_objective_get_no_trace_of_it(team, api, api_key, who):
    client = api(team.member) if who == "member" else api(key=api_key(team.company, "read"))
    response = client.get(_url(team))
    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    assert "Signups" not in response.content.decode()
    data = response.json()
    assert data["distribution"]["total"] == 3
    assert data["distribution"]["bands"][0]["count"] == 0
    marketing = data["sections"][1]
    assert marketing["distribution"]["total"] == 1


def test_a_cycle_not_closed_answers_409_naming_why(team, api, quarter):  # noqa: F811
    response = api(team.admin).get(_url(team, quarter["next"]))
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "cycle_not_closed"
    assert "2027 Q1 is still planning" in problem["detail"]


def test_another_companys_cycle_answers_404(team, other_team, api):
    outsider = api(other_team.admin)
    assert outsider.get(_url(team)).status_code == 404
    through_their_slug = outsider.get(_url(team, slug=other_team.company.slug))
    assert through_their_slug.status_code == 404
    assert through_their_slug.json()["detail"] == "No such cycle."


def test_the_report_reads_a_constant_number_of_queries(team, api, django_assert_max_num_queries):
    client = api(team.admin)
    client.get(_url(team))
    with django_assert_max_num_queries(11) as small:
        assert client.get(_url(team)).status_code == 200
    for n in range(3):
        department = DepartmentFactory(company=team.company, name=f"Team {n}", slug=f"team-{n}")
        for m in range(3):
            objective = Objective.objects.create(
                company=team.company,
                cycle=team.cycle,
                department=department,
                title=f"Objective {n}.{m}",
                status="closed",
                final_score=0.9,
            )
            KeyResult.objects.create(
                company=team.company, objective=objective, title=f"Key result {n}.{m}", target_value=10
            )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(_url(team))
    assert len(response.json()["sections"]) == 6


def test_the_schema_documents_the_report_and_its_409(team, api):
    schema = api(team.admin).get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/companies/{slug}/cycles/{id}/report/"]["get"]
    assert set(operation["responses"]) >= {"200", "404", "409"}
    assert "application/problem+json" in operation["responses"]["409"]["content"]


def test_pages_and_departments_of_the_report(team, api, quarter, monkeypatch):  # noqa: F811
    monkeypatch.setattr("objectives.report.PAGE_OBJECTIVES", 2)
    client = api(team.admin)
    data = client.get(_url(team) + "?page=2").json()
    assert (data["page"], data["pages"]) == (2, 3)
    assert [(s["name"], s["page"], len(s["objectives"])) for s in data["sections"]] == [
        ("Company objectives", 1, 0),
        ("Marketing", 2, 2),
        ("Sales", 3, 0),
    ]
    sales = client.get(_url(team) + f"?department={team.department.pk}").json()
    assert sales["page"] is None
    assert [len(s["objectives"]) for s in sales["sections"]] == [0, 0, 1]
    for query, field in (
        ("?page=4", "page"),
        ("?page=0", "page"),
        ("?page=x", "page"),
        ("?department=999999", "department"),
    ):
        response = client.get(_url(team) + query)
        assert response.status_code == 400, query
        assert field in {e["field"] for e in response.json()["errors"]}, query
