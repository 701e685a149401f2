"""The cycle report: a printable page per closed cycle, the CSV of its scores, and what each reader sees of it.

Hand-written example (numbers chosen before the code), 2026 Q4 closed on 15 Nov 2026. The company counts
no child objectives in their parents (``rollup_child_objectives`` off), so each score below is its own key
results' (how children count is worked through in ``test_nested_cycles.py``):

- "Grow revenue" (company level, the leader's): "Bookings 0 to 10" checked in at 9 → 90%.
- "Win the market" (Sales, the member's):
  - "Revenue from 0 to 10", weight 2, checked in at 6 → 60%;
  - "Deals from 0 to 100", weight 1, checked in at 30 → 30%, then graded 0.48 by its owner (the lead),
    with the reason "Two deals signed after the last check-in";
  - "Referrals from 0 to 20", never checked in, marked not scored by the member ("No referral programme").
  Score: (2 x 0.6 + 1 x 0.48) / 3 = 0.56. Retrospective written. Carried into 2027 Q1 with "Revenue".
- "Secret launch" (Marketing, private, the leader's): "Signups 0 to 100" checked in at 20 → 20%.
  The Sales member may not read it.
- "Brand awareness" (Marketing): "Mentions 0 to 50" never checked in: no score, the objective neither.
- "Draft idea" (Sales) stayed a draft: it never ran, so it is in no report.

Distribution (bands 0-39%, 40-69%, 70-100%; not scored):
- an admin: (1, 1, 1), 1 not scored; company score (0.9 + 0.56 + 0.2) / 3 = 0.5533 → 55%;
- the Sales member: (0, 1, 1), 1 not scored; company score (0.9 + 0.56) / 2 = 0.73 → 73%.
"""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from objectives import services as okr
from objectives.grading import score_band, score_distribution
from objectives.models import CycleStatus, KeyResult, Objective
from objectives.report import cycle_report, report_refusal
from tests.factories import CycleFactory, DepartmentFactory

SECRET = "Secret launch"


@pytest.fixture
def quarter(team, frozen_clock):
    company, admin = team.company, team.actor(team.admin)
    company.rollup_child_objectives = False
    company.save(update_fields=["rollup_child_objectives"])
    marketing = DepartmentFactory(company=company, name="Marketing", slug="marketing")
    next_quarter = CycleFactory(
        company=company,
        name="2027 Q1",
        start_date=datetime.date(2027, 1, 1),
        end_date=datetime.date(2027, 3, 31),
        status=CycleStatus.PLANNING,
    )

    def objective(title, **extra):
        return okr.objective_create(company=company, actor=admin, cycle=team.cycle, title=title, **extra)

    def key_result(objective_, title, target, **extra):
        return okr.key_result_create(
            company=company, actor=admin, objective=objective_, title=title, target_value=target, **extra
        )

    def check_in(kr, value):
        okr.checkin_create(company=company, actor=admin, key_result=kr, value=value, confidence="on_track")

    top = objective("Grow revenue", owner=team.leader, activate=True)
    check_in(key_result(top, "Bookings 0 to 10", 10, owner=team.leader), 9)
    market = objective("Win the market", department=team.department, owner=team.member, parent=top, activate=True)
    revenue = key_result(market, "Revenue from 0 to 10", 10, weight=Decimal(2), owner=team.member)
    deals = key_result(market, "Deals from 0 to 100", 100, owner=team.lead)
    referrals = key_result(market, "Referrals from 0 to 20", 20, owner=team.member)
    check_in(revenue, 6)
    check_in(deals, 30)
    secret = objective(SECRET, department=marketing, owner=team.leader, private=True, activate=True)
    check_in(key_result(secret, "Signups 0 to 100", 100, owner=team.leader), 20)
    brand = objective("Brand awareness", department=marketing, owner=team.admin, activate=True)
    key_result(brand, "Mentions 0 to 50", 50, owner=team.admin)
    objective("Draft idea", department=team.department, owner=team.member)

    okr.cycle_close(company=company, actor=admin, cycle=team.cycle)
    okr.key_result_grade(
        company=company,
        actor=team.actor(team.lead),
        key_result=deals,
        score="0.48",
        reason="Two deals signed after the last check-in",
    )
    okr.key_result_grade(
        company=company,
        actor=team.actor(team.member),
        key_result=referrals,
        reason="No referral programme",
        not_scored=True,
    )
    market.refresh_from_db()
    okr.objective_retrospective_write(
        company=company,
        actor=team.actor(team.member),
        objective=market,
        went_well="Germany came in early",
        learned="Start the fairs sooner",
        change="Hire in France",
    )
    (copy,) = okr.cycle_carry_over(
        company=company,
        actor=admin,
        cycle=team.cycle,
        target=next_quarter,
        items=[okr.CarryItem(objective=market, key_results=[revenue.pk])],
    )
    team.cycle.refresh_from_db()
    return {
        "top": top,
        "market": market,
        "revenue": revenue,
        "deals": deals,
        "referrals": referrals,
        "secret": secret,
        "brand": brand,
        "copy": copy,
        "next": next_quarter,
        "marketing": marketing,
    }


def _page(team, cycle=None):
    return reverse("objectives:cycle_report", args=[team.company.slug, (cycle or team.cycle).pk])


def _csv_url(team, cycle=None):
    return reverse("objectives:cycle_report_csv", args=[team.company.slug, (cycle or team.cycle).pk])


# ---------------------------------------------------------------- the maths of the distribution


def test_score_bands_cut_at_the_percent_the_pages_show():
    assert [score_band(s) for s in (0.0, 0.394, 0.395, 0.69, 0.694, 0.695, 1.0)] == [0, 0, 1, 1, 1, 2, 2]
    distribution = score_distribution([0.2, 0.5, 0.7, None])
    assert distribution.counts == (1, 1, 1)
    assert distribution.not_scored == 1
    assert distribution.total == 4
    assert distribution.mean == pytest.approx(1.4 / 3)
    assert score_distribution([]).mean is None


def test_the_distribution_counts_and_averages_as_the_band_and_the_mean_of_each_score_say():
    """The report's fast path (one bisect and one fsum) agrees with ``score_band`` and ``mean_progress`` everywhere."""
    from objectives.grading import SCORE_BANDS
    from objectives.progress import mean_progress

    scores = [n / 1000 for n in range(1001)] + [0.3949999, 0.395, 0.6949999, 0.695, None, None]
    distribution = score_distribution(scores)
    known = [s for s in scores if s is not None]
    for s in known:  # the band is the last one whose lowest the shown percent reaches
        assert score_band(s) == max(i for i, (_, low) in enumerate(SCORE_BANDS) if round(s * 100) >= round(low * 100))
    assert distribution.counts == tuple(sum(score_band(s) == i for s in known) for i in range(len(SCORE_BANDS)))
    assert distribution.not_scored == 2
    assert distribution.mean == mean_progress(known)  # to the last bit


# ---------------------------------------------------------------- the selector


def test_the_report_holds_the_hand_computed_scores(team, quarter):
    report = cycle_report(company=team.company, actor=team.actor(team.admin), cycle=team.cycle)
    assert [s.name for s in report.sections] == ["Company objectives", "Marketing", "Sales"]
    company, marketing, sales = report.sections
    assert [o.title for o in company.objectives] == ["Grow revenue"]
    assert [o.title for o in marketing.objectives] == [SECRET, "Brand awareness"]
    (market,) = sales.objectives  # the draft never ran
    assert market.final_score == pytest.approx(0.56)
    revenue, deals, referrals = market.key_results
    assert (revenue.progress, revenue.final_score, revenue.weight) == (pytest.approx(0.6), pytest.approx(0.6), 2)
    assert (deals.progress, deals.final_score) == (pytest.approx(0.3), pytest.approx(0.48))
    assert deals.reason == "Two deals signed after the last check-in"
    assert referrals.not_scored
    assert referrals.final_score is None
    assert not referrals.needs_score
    assert market.retrospective is not None
    assert market.retrospective.change == "Hire in France"
    assert [(link.cycle_name, link.objective_id) for link in market.carried_into] == [("2027 Q1", quarter["copy"].pk)]
    assert [link.cycle_name for link in revenue.carried_into] == ["2027 Q1"]
    assert deals.carried_into == []
    brand = marketing.objectives[1]
    assert brand.final_score is None
    assert brand.key_results[0].needs_score
    assert report.distribution.counts == (1, 1, 1)
    assert report.distribution.not_scored == 1
    assert report.distribution.mean == pytest.approx((0.9 + 0.56 + 0.2) / 3)
    assert marketing.distribution.counts == (1, 0, 0)
    assert marketing.distribution.not_scored == 1
    assert report.grading_open  # the window of 7 days runs from the close
    assert report.carried_over == 1


def test_a_member_reads_no_trace_of_a_private_objective_of_another_department(team, quarter):
    report = cycle_report(company=team.company, actor=team.actor(team.member), cycle=team.cycle)
    titles = [o.title for s in report.sections for o in s.objectives]
    assert titles == ["Grow revenue", "Brand awareness", "Win the market"]
    assert report.distribution.counts == (0, 1, 1)
    assert report.distribution.total == 3
    assert report.distribution.mean == pytest.approx(0.73)
    marketing = report.sections[1]
    assert marketing.distribution.total == 1  # not even counted


def test_a_carried_copy_links_back_to_its_origin_in_the_next_cycles_report(team, quarter):
    admin = team.actor(team.admin)
    nxt, copy = quarter["next"], quarter["copy"]
    okr.cycle_activate(company=team.company, actor=admin, cycle=nxt)
    okr.objective_activate(company=team.company, actor=admin, objective=copy)
    okr.cycle_close(company=team.company, actor=admin, cycle=nxt)
    nxt.refresh_from_db()
    report = cycle_report(company=team.company, actor=admin, cycle=nxt)
    (objective,) = report.sections[0].objectives
    assert objective.carried_from is not None
    assert (objective.carried_from.objective_id, objective.carried_from.cycle_name) == (quarter["market"].pk, "2026 Q4")
    assert objective.key_results[0].carried_from.key_result_id == quarter["revenue"].pk


# ---------------------------------------------------------------- the page


def test_the_page_shows_scores_reasons_retrospectives_and_carry_overs(team, quarter, client_for):
    response = client_for(team.admin).get(_page(team))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Report of 2026 Q4" in body
    assert "Grading is open until <strong>22 Nov 2026, 12:00</strong>" in body
    assert 'data-score="company">55%' in body
    assert 'data-score="objective">56%' in body
    assert 'data-score="objective">90%' in body
    assert 'data-score="objective">not scored' in body  # Brand awareness
    assert 'data-score="key-result">48%' in body
    assert 'data-score="key-result">not scored' in body
    assert 'data-score="key-result">no score' in body  # Mentions, never checked in
    assert "Two deals signed after the last check-in" in body
    assert "No referral programme" in body
    for part in ("Germany came in early", "Start the fairs sooner", "Hire in France"):
        assert part in body
    copy_url = reverse("objectives:objective", args=[team.company.slug, quarter["copy"].pk])
    assert f'Carried into <a href="{copy_url}">Win the market</a> (2027 Q1)' in body
    assert SECRET in body
    assert "Draft idea" not in body
    # Company objectives first, then the departments by name.
    assert body.index("Grow revenue") < body.index("Brand awareness") < body.index("Win the market")
    assert 'class="report-section"' in body
    assert body.count('class="report-section"') == 3
    assert _csv_url(team) in body


def test_the_page_after_the_window_says_the_scores_are_frozen(team, quarter, client_for):
    ended = team.cycle.grading_ends_at + datetime.timedelta(minutes=1)
    assert okr.cycle_grading_end(company=team.company, cycle=team.cycle, now=ended)
    body = client_for(team.member).get(_page(team)).content.decode()
    assert "Scores frozen since 22 Nov 2026" in body
    assert "Grading is open" not in body


def test_a_member_reads_the_page_without_the_private_objective(team, quarter, client_for):
    body = client_for(team.member).get(_page(team)).content.decode()
    assert "Win the market" in body
    assert SECRET not in body
    assert "Signups 0 to 100" not in body
    assert 'data-score="company">73%' in body


def test_a_cycle_not_closed_answers_409_with_why(team, quarter, client_for):
    response = client_for(team.member).get(_page(team, quarter["next"]))
    assert response.status_code == 409
    body = response.content.decode()
    assert "2027 Q1 is still planning: its report is available once it closes" in body
    assert "Win the market" not in body
    csv_response = client_for(team.member).get(_csv_url(team, quarter["next"]))
    assert csv_response.status_code == 409
    assert report_refusal(quarter["next"])[2] == "cycle_not_closed"


def test_another_companys_cycle_is_not_found(team, other_team, quarter, client_for):
    outsider = client_for(other_team.admin)
    for url in (_page(team), _csv_url(team)):
        assert outsider.get(url).status_code == 404
    # Their own slug with our cycle's id: no such cycle in their company.
    theirs = reverse("objectives:cycle_report", args=[other_team.company.slug, team.cycle.pk])
    assert outsider.get(theirs).status_code == 404
    assert client_for(other_team.admin).get(theirs.replace("report/", "report.csv")).status_code == 404


def test_the_page_is_linked_from_grading_settings_and_a_closed_objective(team, quarter, client_for):
    client = client_for(team.admin)
    report = _page(team)
    assert (
        report
        in client.get(reverse("objectives:cycle_grading", args=[team.company.slug, team.cycle.pk])).content.decode()
    )
    assert report in client.get(reverse("companies:settings", args=[team.company.slug])).content.decode()
    detail = reverse("objectives:objective", args=[team.company.slug, quarter["market"].pk])
    assert f"{report}#objective-{quarter['market'].pk}" in client.get(detail).content.decode()


def test_the_page_reads_a_constant_number_of_queries(team, quarter, client_for, django_assert_max_num_queries):
    client = client_for(team.admin)
    client.get(_page(team))
    with django_assert_max_num_queries(12) as small:
        assert client.get(_page(team)).status_code == 200
    # Four more departments of objectives, key results, retrospectives and copies: not one query more.
    admin = team.actor(team.admin)
    for n in range(4):
        department = DepartmentFactory(company=team.company, name=f"Team {n}", slug=f"team-{n}")
        for m in range(3):
            objective = Objective.objects.create(
                company=team.company,
                cycle=team.cycle,
                department=department,
                owner=team.member,
                title=f"Objective {n}.{m}",
                status="closed",
                final_score=0.5,
            )
            KeyResult.objects.create(
                company=team.company, objective=objective, title=f"Key result {n}.{m}", target_value=10, final_score=0.5
            )
            okr.objective_retrospective_write(company=team.company, actor=admin, objective=objective, went_well="Yes")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(_page(team))
    assert response.content.decode().count('class="report-section"') == 7


# ---------------------------------------------------------------- the CSV


def _rows(response) -> list[dict[str, str]]:
    text = b"".join(response).decode() if response.streaming else response.content.decode()
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_csv_has_one_row_per_key_result(team, quarter, client_for):
    response = client_for(team.admin).get(_csv_url(team))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = _rows(response)
    assert [(r["department"], r["objective"], r["key result"]) for r in rows] == [
        ("Company objectives", "Grow revenue", "Bookings 0 to 10"),
        ("Marketing", SECRET, "Signups 0 to 100"),
        ("Marketing", "Brand awareness", "Mentions 0 to 50"),
        ("Sales", "Win the market", "Revenue from 0 to 10"),
        ("Sales", "Win the market", "Deals from 0 to 100"),
        ("Sales", "Win the market", "Referrals from 0 to 20"),
    ]
    revenue, deals, referrals = rows[3:]
    assert revenue == {
        "department": "Sales",
        "objective": "Win the market",
        "objective score": "0.56",
        "key result": "Revenue from 0 to 10",
        "weight": "2",
        "progress at close": "0.6",
        "final score": "0.6",
        "not scored": "no",
        "reason": "",
        "owner": team.member.display_name,
        "carried into": "2027 Q1: Revenue from 0 to 10",
    }
    assert (deals["progress at close"], deals["final score"], deals["reason"]) == (
        "0.3",
        "0.48",
        "Two deals signed after the last check-in",
    )
    assert (referrals["final score"], referrals["not scored"], referrals["reason"]) == (
        "",
        "yes",
        "No referral programme",
    )
    assert rows[2]["final score"] == ""
    assert rows[2]["objective score"] == ""


def test_the_csv_holds_what_the_member_reads_and_no_formula(team, quarter, client_for):
    Objective.objects.filter(pk=quarter["brand"].pk).update(title='=HYPERLINK("http://evil")')
    rows = _rows(client_for(team.member).get(_csv_url(team)))
    assert SECRET not in {r["objective"] for r in rows}
    assert len(rows) == 5
    assert '\'=HYPERLINK("http://evil")' in {r["objective"] for r in rows}


@pytest.mark.parametrize("role", ["member", "lead", "viewer"])
def test_no_surface_of_the_report_shows_the_private_objective_to_who_may_not_read_it(
    team, quarter, client_for, api, api_key, role
):
    """Page, htmx page, CSV and API, for every person and key outside Marketing who is no leader or admin."""
    person = getattr(team, role)
    api_path = f"/api/v1/companies/{team.company.slug}/cycles/{team.cycle.pk}/report/"
    answers = [
        client_for(person).get(_page(team)),
        client_for(person, htmx=True).get(_page(team)),
        client_for(person).get(_csv_url(team)),
        api(person).get(api_path),
        api(key=api_key(team.company, "read")).get(api_path),
        api(key=api_key(team.company, "write")).get(api_path),
    ]
    for response in answers:
        assert response.status_code == 200
        body = response.content.decode()
        assert "Win the market" in body  # what they may read is there
        assert SECRET not in body
        assert "Signups 0 to 100" not in body
    # The control: a leader reads it everywhere.
    assert SECRET in client_for(team.leader).get(_page(team)).content.decode()
    assert SECRET in api(team.leader).get(api_path).content.decode()


def test_a_large_report_reads_in_pages_of_whole_departments(team, quarter, client_for, monkeypatch):
    """Two objectives a page: Company (1) | Marketing (2) | Sales (1); every page sums up all three."""
    monkeypatch.setattr("objectives.report.PAGE_OBJECTIVES", 2)
    client = client_for(team.admin)
    pages = {n: client.get(_page(team) + f"?page={n}").content.decode() for n in (1, 2, 3)}
    assert "Grow revenue" in pages[1]
    assert "Brand awareness" not in pages[1]
    assert SECRET in pages[2]
    assert "Brand awareness" in pages[2]
    assert "Win the market" not in pages[2]
    assert "Win the market" in pages[3]
    assert "Grow revenue" not in pages[3]
    for body in pages.values():
        assert "Page " in body
        assert " of 3" in body
        assert 'data-score="company">55%' in body  # the summary is of every department
    sales = client.get(_page(team) + f"?department={team.department.pk}").content.decode()
    assert "Win the market" in sales
    assert "Grow revenue" not in sales
    for bad in ("?page=4", "?page=0", "?page=two", f"?department={quarter['marketing'].pk + 999}", "?department=x"):
        assert client.get(_page(team) + bad).status_code == 404, bad
    # The member reads nothing of Marketing but Brand awareness: their pages are their own (two of them).
    member = client_for(team.member)
    assert "Win the market" in member.get(_page(team) + "?page=2").content.decode()
    assert member.get(_page(team) + "?page=3").status_code == 404
    # The CSV holds every page.
    assert len(_rows(client.get(_csv_url(team)))) == 6
