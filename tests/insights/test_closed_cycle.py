"""A closed cycle's dashboards: final scores, no pace (``objectives.progress.pace``).

Hand-written example (numbers chosen before the code), 2026 Q4 (1 Oct - 31 Dec) on 15 Nov 2026, when the
expected pace is 45 / 91 days = 49.5%, so "behind pace" is below 34.5%. The company counts no child
objectives in their parents, so each objective's score is its own key result's:

- "Grow revenue" (company level): "Bookings 0 to 10" checked in at 9 → 90%;
- "Win the market" (Sales): "Revenue 0 to 10" checked in at 3 → 30%: behind pace while the cycle runs;
- "Launch abroad" (Marketing): "Signups 0 to 100" checked in at 55 → 55%;
- "Brand awareness" (Marketing): "Mentions 0 to 50" never checked in → not scored.

Closed that day: bands 0-39% / 40-69% / 70-100% hold 1 / 1 / 1 objectives, 1 not scored, mean score
(0.9 + 0.3 + 0.55) / 3 = 0.5833 → 58%. Marketing: 0 / 1 / 0, 1 not scored, 55%; Sales: 1 / 0 / 0, 30%.
The lowest scores, lowest first: Win the market, Launch abroad, Grow revenue, then Brand awareness.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from objectives import services as okr
from objectives.models import CheckIn, KeyResult, Objective, ObjectiveStatus
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def quarter(team, frozen_clock):
    company, admin = team.company, team.actor(team.admin)
    company.rollup_child_objectives = False
    company.save(update_fields=["rollup_child_objectives"])
    marketing = DepartmentFactory(company=company, name="Marketing", slug="marketing")

    def objective(title, **extra):
        return okr.objective_create(company=company, actor=admin, cycle=team.cycle, title=title, activate=True, **extra)

    def key_result(objective_, title, target, value=None):
        kr = okr.key_result_create(
            company=company, actor=admin, objective=objective_, title=title, target_value=target, owner=team.lead
        )
        if value is not None:
            okr.checkin_create(company=company, actor=admin, key_result=kr, value=value, confidence="on_track")
        return kr

    key_result(objective("Grow revenue", owner=team.leader), "Bookings 0 to 10", 10, 9)
    key_result(objective("Win the market", department=team.department, owner=team.lead), "Revenue 0 to 10", 10, 3)
    key_result(objective("Launch abroad", department=marketing, owner=team.admin), "Signups 0 to 100", 100, 55)
    key_result(objective("Brand awareness", department=marketing, owner=team.admin), "Mentions 0 to 50", 50)
    team.marketing = marketing
    return team


def close(team) -> None:
    okr.cycle_close(company=team.company, actor=team.actor(team.admin), cycle=team.cycle)
    team.cycle.refresh_from_db()


def _page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_the_running_cycle_shows_its_pace_then_the_closed_one_its_final_scores(quarter, client):
    slug = quarter.company.slug
    client.force_login(quarter.leader)
    running = _page(client, f"/c/{slug}/dashboard/")
    assert "expected pace today 49%" in running or "expected pace today 50%" in running
    assert "Objectives behind pace" in running
    assert "bar-pace" in running
    assert "day 46 of 92" in running
    assert "Final scores" not in running

    close(quarter)
    page = _page(client, f"/c/{slug}/dashboard/")
    # No pace anywhere: no expected line or mark, no "today", no behind-pace tally or list, no status badges.
    assert "expected pace" not in page.lower()
    assert "bar-pace" not in page
    assert "Behind pace" not in page
    assert "behind-pace" not in page
    assert "pace=behind" not in page
    assert 'class="expected"' not in page
    assert "today-label" not in page
    assert "(today)" not in page
    assert "day 46 of 92" not in page
    assert "pace-status" not in page
    # The final-score view, with the cycle report's bands, and the report's link.
    assert "closed: final scores" in page
    report = f"/c/{slug}/cycles/{quarter.cycle.pk}/report/"
    assert f'href="{report}"' in page
    final = page[page.index("data-final-scores") :]
    final = final[: final.index("</section>")]
    bands = re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', final)
    assert bands == [("0\u201339%", "1"), ("40\u201369%", "1"), ("70\u2013100%", "1"), ("Not scored", "1")]
    assert '<td class="num">58%</td>' in final
    titles = re.findall(r'<li class="goal"><a href="[^"]+">([^<]+)</a>', final)
    assert titles == ["Win the market", "Launch abroad", "Grow revenue", "Brand awareness"]
    assert 'data-final-score="dashboard">58%<' in page
    # The heatmap counts each department's scores in the same bands.
    marketing = page[page.index(">Marketing</a>") :]
    marketing = marketing[: marketing.index("</tr>")]
    assert re.findall(r'aria-label="Marketing: (\d+) (?:scored [^"]+|not scored)"', marketing) == ["0", "1", "0", "1"]


def test_a_department_dashboard_of_a_closed_cycle_links_its_report_section(quarter, client):
    close(quarter)
    slug, marketing = quarter.company.slug, quarter.marketing
    client.force_login(quarter.leader)
    page = _page(client, f"/c/{slug}/dashboard/departments/{marketing.pk}/")
    assert f'href="/c/{slug}/cycles/{quarter.cycle.pk}/report/?department={marketing.pk}"' in page
    assert "expected pace" not in page.lower()
    assert "Behind pace" not in page
    final = page[page.index("data-final-scores") :]
    titles = re.findall(r'<li class="goal"><a href="[^"]+">([^<]+)</a>', final[: final.index("</section>")])
    assert titles == ["Launch abroad", "Brand awareness"]
    # The report's section is one of the report's: it opens.
    assert client.get(f"/c/{slug}/cycles/{quarter.cycle.pk}/report/?department={marketing.pk}").status_code == 200


def test_the_dashboard_api_has_no_pace_fields_for_a_closed_cycle(quarter, api):
    client = api(quarter.leader)
    url = f"/api/v1/companies/{quarter.company.slug}/dashboard/"
    running = client.get(url).json()
    assert running["expected_progress"] == pytest.approx(45 / 91)
    assert running["behind_pace"]["count"] == 1
    assert running["final_scores"] is None
    assert running["lowest_scores"] is None
    assert running["report_url"] is None

    close(quarter)
    body = client.get(url).json()
    assert body["expected_progress"] is None
    assert body["status"] is None
    assert body["objectives_by_status"] is None
    assert body["behind_pace"] is None
    assert all(point["expected"] is None for point in body["series"])
    assert body["series"], "the closed cycle's progress history is still drawn"
    assert body["final_scores"] == {
        "mean": pytest.approx((0.9 + 0.3 + 0.55) / 3),
        "bands": [
            {"band": "0\u201339%", "objectives": 1},
            {"band": "40\u201369%", "objectives": 1},
            {"band": "70\u2013100%", "objectives": 1},
        ],
        "not_scored": 1,
    }
    assert [(i["title"], i["final_score"], i["status"]) for i in body["lowest_scores"]["items"]] == [
        ("Win the market", pytest.approx(0.3), None),
        ("Launch abroad", pytest.approx(0.55), None),
        ("Grow revenue", pytest.approx(0.9), None),
        ("Brand awareness", None, None),
    ]
    assert body["lowest_scores"]["count"] == 4
    assert body["report_url"] == f"/c/{quarter.company.slug}/cycles/{quarter.cycle.pk}/report/"
    rows = {row["name"]: row for row in body["departments"]}
    assert rows["Marketing"]["status"] is None
    assert rows["Marketing"]["objectives_by_status"] is None
    assert rows["Marketing"]["final_scores"]["mean"] == pytest.approx(0.55)
    assert [b["objectives"] for b in rows["Marketing"]["final_scores"]["bands"]] == [0, 1, 0]
    assert rows["Marketing"]["final_scores"]["not_scored"] == 1
    assert rows["Sales"]["final_scores"]["mean"] == pytest.approx(0.3)
    for tile in ("at_risk", "off_track"):
        assert all(item["status"] is None for item in body[tile]["items"])

    department = client.get(f"{url}departments/{quarter.marketing.pk}/").json()
    assert department["expected_progress"] is None
    assert department["behind_pace"] is None
    assert department["final_scores"]["mean"] == pytest.approx(0.55)


def _count(client: Client, path: str) -> int:
    assert client.get(path).status_code == 200, path  # warm
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200, path
    return len(queries)


def _counts(team) -> dict[str, int]:
    slug, sales = team.company.slug, team.department.pk
    leader, member = Client(), Client()
    leader.force_login(team.leader)
    member.force_login(team.member)
    return {
        "company page": _count(leader, f"/c/{slug}/dashboard/"),
        "department page (member)": _count(member, f"/c/{slug}/dashboard/departments/{sales}/"),
        "company API": _count(leader, f"/api/v1/companies/{slug}/dashboard/"),
        "department API (member)": _count(member, f"/api/v1/companies/{slug}/dashboard/departments/{sales}/"),
    }


def _more(team, n: int) -> None:
    """``n`` more closed objectives with scores (some none) and a key result each, private ones among them."""
    objectives = Objective.objects.bulk_create(
        Objective(
            company=team.company,
            cycle=team.cycle,
            department=[team.department, team.marketing, None][i % 3],
            owner=team.lead,
            title=f"More {n}-{i}",
            status=ObjectiveStatus.CLOSED,
            progress=(i % 10) / 10,
            final_score=None if i % 4 == 0 else (i % 10) / 10,
            private=i % 5 == 1,
        )
        for i in range(n)
    )
    krs = KeyResult.objects.bulk_create(
        KeyResult(company=team.company, objective=o, owner=team.member, title=f"KR {o.title}", target_value=10)
        for o in objectives
    )
    CheckIn.objects.bulk_create(
        CheckIn(company=team.company, key_result=kr, value=1, confidence="on_track") for kr in krs
    )


def test_a_closed_cycle_costs_no_more_queries_and_does_not_grow(quarter):
    running = _counts(quarter)
    close(quarter)
    closed = _counts(quarter)
    # The final scores take two queries (every score, then the lowest few) where the behind-pace list took two
    # (its rows, and the cycles the search's behind-pace condition reads); a closed cycle's key results take
    # no check-in, so nobody is stale and the owners of stale key results need no query.
    assert closed == {name: count - 1 for name, count in running.items()}
    _more(quarter, 40)
    assert _counts(quarter) == closed
