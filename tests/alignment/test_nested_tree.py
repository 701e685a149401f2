"""Annual and quarterly cycles on the tree, and a closed cycle's pages and API: final scores, never pace.

The company: the annual cycle 2026 (1 Jan - 31 Dec) holds "Grow revenue by 25%" (company level). Under it
ladder "Q3 expansion" (Sales, 2026 Q3, closed, scored 90%) and "Q4 expansion" (Sales, 2026 Q4, running, at
30%). Today is 15 Nov 2026: 2026 is 87% through (318 of 364 days), 2026 Q4 49% (45 of 91).
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from objectives import services as okr
from objectives.models import Objective
from tests.factories import CycleFactory, DepartmentFactory


@pytest.fixture
def nested(team, frozen_clock, django_capture_on_commit_callbacks):
    admin = team.actor(team.admin)
    company = team.company
    annual = CycleFactory(company=company, name="2026", start_date=datetime.date(2026, 1, 1),
                          end_date=datetime.date(2026, 12, 31))  # fmt: skip
    q3 = CycleFactory(company=company, name="2026 Q3", start_date=datetime.date(2026, 7, 1),
                      end_date=datetime.date(2026, 9, 30))  # fmt: skip

    def objective(cycle, title, parent=None, private=False, department=None):
        return okr.objective_create(
            company=company, actor=admin, cycle=cycle, title=title, parent=parent, department=department,
            owner=team.lead if department else team.admin, private=private, activate=True,
        )  # fmt: skip

    def key_result(objective, value):
        kr = okr.key_result_create(
            company=company, actor=admin, objective=objective, title=f"{objective.title}: 0 to 10", target_value=10,
            owner=objective.owner,
        )  # fmt: skip
        okr.checkin_create(company=company, actor=admin, key_result=kr, value=value, confidence="on_track")
        return kr

    with django_capture_on_commit_callbacks(execute=True):
        grow = objective(annual, "Grow revenue by 25%")
        key_result(grow, 5)
        q3_expansion = objective(q3, "Q3 expansion", parent=grow, department=team.department)
        key_result(q3_expansion, 9)
        q4_expansion = objective(team.cycle, "Q4 expansion", parent=grow, department=team.department)
        key_result(q4_expansion, 3)
        okr.cycle_close(company=company, actor=admin, cycle=q3)
    q3.refresh_from_db()
    return {"annual": annual, "q3": q3, "q4": team.cycle, "grow": grow, "q3_expansion": q3_expansion,
            "q4_expansion": q4_expansion}  # fmt: skip


def tree_url(company, cycle, **params):
    query = "&".join(f"{k}={v}" for k, v in {"cycle": cycle.pk, **params}.items())
    return reverse("alignment:tree", kwargs={"company_slug": company.slug}) + "?" + query


def _card(html: str, objective_id: int) -> str:
    """One node's card (up to its children's list)."""
    start = html.index(f'id="node-{objective_id}"')
    ends = [end for end in (html.find('<ul class="tree"', start), html.find('<li class="node"', start)) if end != -1]
    return html[start : min(ends, default=len(html))]


def test_the_annual_tree_shows_quarterly_children_labelled_with_their_cycle(team, nested, client_for):
    html = client_for(team.viewer).get(tree_url(team.company, nested["annual"])).content.decode()
    annual_card = _card(html, nested["grow"].pk)
    # (1·0.5 + 1·0.9 + 1·0.3) / 3 = 0.5667: the closed quarter's child counts with its final score.
    assert ">57%<" in annual_card
    q3_card = _card(html, nested["q3_expansion"].pk)
    assert '<span class="badge cycle-label">2026 Q3</span>' in q3_card
    assert ">90%<" in q3_card
    assert "final score" in q3_card
    assert "bar-pace" not in q3_card
    assert "pace-status" not in q3_card
    q4_card = _card(html, nested["q4_expansion"].pk)
    assert '<span class="badge cycle-label">2026 Q4</span>' in q4_card
    # Its own quarter's pace (49%), not the year's (87%): the mark sits at 49.
    assert 'x1="49"' in q4_card
    assert "Behind pace" in q4_card


def test_the_quarter_tree_shows_the_annual_parent_as_context(team, nested, client_for):
    html = client_for(team.viewer).get(tree_url(team.company, nested["q4"])).content.decode()
    card = _card(html, nested["q4_expansion"].pk)
    assert "Ladders up to" in card
    assert "Grow revenue by 25%" in card
    assert "(2026)" in card
    assert "cycle-label" not in card  # its own cycle's tree: no label
    assert f'id="node-{nested["grow"].pk}"' not in html  # context, not a node of this tree


def test_a_private_quarterly_child_stays_hidden_on_the_annual_tree(team, nested, client_for):
    Objective.objects.filter(pk=nested["q4_expansion"].pk).update(private=True)
    outsider_html = client_for(team.viewer).get(tree_url(team.company, nested["annual"])).content.decode()
    assert "Q4 expansion" not in outsider_html
    assert "Q4 expansion" in client_for(team.lead).get(tree_url(team.company, nested["annual"])).content.decode()


@pytest.mark.parametrize("quarters", [1, 8])
def test_the_annual_tree_costs_the_same_queries_however_many_quarterly_children(
    team, nested, client_for, django_assert_num_queries, quarters
):
    for n in range(quarters):
        Objective.objects.create(company=team.company, cycle=nested["q4"], parent=nested["grow"], status="active",
                                 title=f"More {n}", department=team.department, weight=Decimal(1))  # fmt: skip
    client = client_for(team.member)
    # As the single-cycle tree (tests/alignment/test_views.py): 16.
    with django_assert_num_queries(16):
        response = client.get(tree_url(team.company, nested["annual"]))
    assert response.content.decode().count('class="badge cycle-label"') == 2 + quarters
    # The quarter's tree: its roots have no children (two queries fewer: no second level, nor its child
    # counts) and one more reads the annual parents shown as context: 15.
    with django_assert_num_queries(15):
        response = client.get(tree_url(team.company, nested["q4"]))
    assert "Ladders up to" in response.content.decode()


def test_the_tree_api_nests_quarterly_children_with_their_cycle_and_pace(team, nested, api):
    body = (
        api(team.viewer)
        .get(f"/api/v1/companies/{team.company.slug}/alignment/tree/", {"cycle": nested["annual"].pk})
        .json()
    )
    [root] = body["roots"]
    assert root["id"] == nested["grow"].pk
    assert root["progress"] == pytest.approx(1.7 / 3)
    children = {child["title"]: child for child in root["children"]}
    q3, q4 = children["Q3 expansion"], children["Q4 expansion"]
    assert (q3["cycle_id"], q3["final_score"], q3["pace_status"], q3["behind_pace"]) == (
        nested["q3"].pk, pytest.approx(0.9), None, None)  # fmt: skip
    assert (q4["cycle_id"], q4["final_score"], q4["pace_status"], q4["behind_pace"]) == (
        nested["q4"].pk, None, "behind_pace", True)  # fmt: skip
    assert q3["key_results"][0]["pace_status"] is None


# ---------------------------------------------------------------- a closed cycle: final scores, no pace


def test_a_closed_cycles_tree_shows_final_scores_and_no_pace(team, nested, client_for):
    html = client_for(team.viewer).get(tree_url(team.company, nested["q3"])).content.decode()
    assert "2026 Q3 is closed: each bar is the final score" in html
    assert "Expected progress today" not in html
    assert "bar-pace" not in html
    assert "pace-status" not in html
    assert "Behind pace" not in html
    assert ">90%<" in _card(html, nested["q3_expansion"].pk)


def test_a_closed_cycle_has_no_pace_in_the_api(team, nested, api):
    client = api(team.viewer)
    base = f"/api/v1/companies/{team.company.slug}"
    tree = client.get(f"{base}/alignment/tree/", {"cycle": nested["q3"].pk}).json()
    assert tree["expected_progress"] is None
    [root] = tree["roots"]
    assert (root["pace_status"], root["behind_pace"], root["final_score"]) == (None, None, pytest.approx(0.9))
    objective = client.get(f"{base}/objectives/{nested['q3_expansion'].pk}/").json()
    assert (objective["expected_progress"], objective["behind_pace"], objective["pace_status"]) == (None, None, None)
    assert objective["final_score"] == pytest.approx(0.9)
    [kr] = client.get(f"{base}/key-results/", {"objective": nested["q3_expansion"].pk}).json()["results"]
    assert (kr["behind_pace"], kr["pace_status"], kr["final_score"]) == (None, None, pytest.approx(0.9))
    cycle = client.get(f"{base}/cycles/{nested['q3'].pk}/").json()
    assert cycle["expected_progress"] is None
    # A running cycle keeps its pace.
    running = client.get(f"{base}/objectives/{nested['q4_expansion'].pk}/").json()
    assert (running["pace_status"], running["behind_pace"]) == ("behind_pace", True)
    assert running["expected_progress"] == pytest.approx(45 / 91)


def test_a_closed_cycles_department_page_shows_final_scores_no_pace_and_no_check_in(team, nested, client_for):
    url = reverse("departments:department", kwargs={"company_slug": team.company.slug, "department_slug": "sales"})
    html = client_for(team.lead).get(url + f"?cycle={nested['q3'].pk}").content.decode()
    assert "Q3 expansion" in html
    assert "final score" in html
    assert ">90%<" in html
    assert "bar-pace" not in html
    assert "pace-status" not in html
    assert "expected" not in html.lower().split("<main")[-1]
    # The running quarter's page keeps its pace mark.
    running = client_for(team.lead).get(url + f"?cycle={nested['q4'].pk}").content.decode()
    assert "bar-pace" in running
    assert "Behind pace" in running
    listing = (
        client_for(team.lead)
        .get(
            reverse("departments:departments", kwargs={"company_slug": team.company.slug}) + f"?cycle={nested['q3'].pk}"
        )
        .content.decode()
    )
    assert "mean final score" in listing
    assert "bar-pace" not in listing


def test_a_closed_cycles_key_result_page_has_no_pace_and_no_check_in_form(team, nested, client_for):
    kr = nested["q3_expansion"].key_results.get()
    url = reverse("objectives:key_result", kwargs={"company_slug": team.company.slug, "key_result_id": kr.pk})
    html = client_for(team.lead).get(url).content.decode()  # the owner: would check in on a running cycle
    assert "checkin-form" not in html
    assert "bar-pace" not in html
    assert "pace-status" not in html
    objective_url = reverse(
        "objectives:objective", kwargs={"company_slug": team.company.slug, "objective_id": nested["q3_expansion"].pk}
    )
    page = client_for(team.lead).get(objective_url).content.decode()
    assert "bar-pace" not in page
    assert "pace-status" not in page
    assert re.search(r"final score", page)


def test_a_check_in_on_a_quarterly_child_refreshes_the_annual_tree(team, nested, api,
                                                                   django_capture_on_commit_callbacks):  # fmt: skip
    """The company revision moves with any write, so the year's cached tree never shows a quarter's stale bar."""
    client = api(team.viewer)
    url = f"/api/v1/companies/{team.company.slug}/alignment/tree/?cycle={nested['annual'].pk}"
    first = client.get(url)
    tag = first["ETag"]
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
    kr = nested["q4_expansion"].key_results.get()
    with django_capture_on_commit_callbacks(execute=True):
        okr.checkin_create(company=team.company, actor=team.actor(team.admin), key_result=kr, value=6,
                           confidence="on_track")  # fmt: skip
    fresh = client.get(url, headers={"If-None-Match": tag})
    assert fresh.status_code == 200
    [root] = fresh.json()["roots"]
    q4 = next(child for child in root["children"] if child["title"] == "Q4 expansion")
    assert q4["progress"] == pytest.approx(0.6)
    assert root["progress"] == pytest.approx((0.5 + 0.9 + 0.6) / 3)


def test_search_and_the_behind_pace_filter_know_a_closed_cycle_has_no_pace(team, nested, api):
    """A closed quarter's objective at 10% would be far behind a running quarter's pace: it is never 'behind'."""
    Objective.objects.filter(pk=nested["q3_expansion"].pk).update(progress=0.1)
    client = api(team.viewer)
    base = f"/api/v1/companies/{team.company.slug}"
    found = client.get(f"{base}/search/", {"q": "expansion", "kind": "objective", "cycle": nested["q3"].pk}).json()
    [row] = [r for r in found["results"] if r["id"] == nested["q3_expansion"].pk]
    assert row["pace_status"] is None
    behind = client.get(f"{base}/objectives/", {"behind_pace": "true"}).json()["results"]
    # The year (57% against 87%) and Q4 (30% against 49%) are behind; the closed Q3 never is.
    assert [o["title"] for o in behind] == ["Grow revenue by 25%", "Q4 expansion"]


def test_the_annual_objectives_page_lists_its_quarterly_children_with_their_quarter(team, nested, client_for):
    url = reverse("objectives:objective", kwargs={"company_slug": team.company.slug, "objective_id": nested["grow"].pk})
    html = client_for(team.viewer).get(url).content.decode()
    section = html[html.index('id="children-h"') :]
    assert '<span class="cycle-label">2026 Q3</span>' in section
    assert "90% <span" in section  # the closed quarter's child: its final score, as it counts
    assert '<span class="cycle-label">2026 Q4</span>' in section


@pytest.mark.parametrize("quarters", [1, 8])
def test_the_tree_api_costs_the_same_queries_however_many_quarterly_children(
    team, nested, api, django_assert_num_queries, quarters
):
    for n in range(quarters):
        Objective.objects.create(company=team.company, cycle=nested["q4"], parent=nested["grow"], status="active",
                                 title=f"More {n}", department=team.department, weight=Decimal(1))  # fmt: skip
    client = api(team.member)
    url = f"/api/v1/companies/{team.company.slug}/alignment/tree/?cycle={nested['annual'].pk}"
    # session, user, membership, department roles, departments map, owns private (the reader, for the ETag);
    # the cycle; the tree's one query; the other cycles' paces (read once, for the quarterly children)
    with django_assert_num_queries(9):
        body = client.get(url).json()
    assert len(body["roots"][0]["children"]) == 2 + quarters


# ---------------------------------------------------------------- a department's branch of the annual tree


@pytest.fixture
def branches(team, nested):
    """Beside the nested company: Marketing's "Q4 brand push" ladders up to "Grow revenue"; Sales' "Q4 deals"
    ladders up to "Q4 expansion" (a quarterly chain); Sales' "Q4 side project" ladders up to nothing."""
    marketing = DepartmentFactory(company=team.company, name="Marketing", slug="marketing")
    admin = team.actor(team.admin)

    def objective(title, department, parent=None):
        return okr.objective_create(company=team.company, actor=admin, cycle=nested["q4"], title=title,
                                    parent=parent, department=department, owner=team.lead, activate=True)  # fmt: skip

    push = objective("Q4 brand push", marketing, parent=nested["grow"])
    co = objective("Q4 deals", team.department, parent=nested["q4_expansion"])
    side = objective("Q4 side project", team.department)
    return {**nested, "marketing": marketing, "push": push, "co": co, "side": side}


def test_a_departments_branch_of_the_annual_tree_shows_its_quarterly_children(team, branches, client_for):
    html = (
        client_for(team.viewer)
        .get(tree_url(team.company, branches["annual"], department=team.department.pk, depth=3))
        .content.decode()
    )
    shown = set(map(int, re.findall(r'id="node-(\d+)"', html)))
    # As on the whole annual tree: the annual objective, under it Sales' quarterly children (closed Q3 with its
    # final score, running Q4, and the Q4 deals below it), not Marketing's push nor the unaligned side project.
    assert shown == {branches[k].pk for k in ("grow", "q3_expansion", "q4_expansion", "co")}
    assert '<span class="badge cycle-label">2026 Q3</span>' in _card(html, branches["q3_expansion"].pk)
    assert ">90%<" in _card(html, branches["q3_expansion"].pk)
    # Marketing's own branch: the push under the annual objective, not Sales' objectives beside it.
    marketing = (
        client_for(team.viewer)
        .get(tree_url(team.company, branches["annual"], department=branches["marketing"].pk, depth=3))
        .content.decode()
    )
    assert set(map(int, re.findall(r'id="node-(\d+)"', marketing))) == {branches["grow"].pk, branches["push"].pk}


def test_the_quarter_trees_branch_is_unchanged(team, branches, client_for):
    html = (
        client_for(team.viewer)
        .get(tree_url(team.company, branches["q4"], department=team.department.pk, depth=3))
        .content.decode()
    )
    shown = set(map(int, re.findall(r'id="node-(\d+)"', html)))
    # The quarter's own objectives of Sales with their ancestors in the quarter; the annual parent is context.
    assert shown == {branches[k].pk for k in ("q4_expansion", "co", "side")}


@pytest.mark.parametrize("quarters", [1, 8])
def test_a_departments_annual_branch_costs_the_same_queries_however_many_quarterly_children(
    team, branches, client_for, django_assert_num_queries, quarters
):
    for n in range(quarters):
        Objective.objects.create(company=team.company, cycle=branches["q4"], parent=branches["grow"],
                                 status="active", title=f"More {n}", department=team.department,
                                 weight=Decimal(1))  # fmt: skip
    client = client_for(team.member)
    url = tree_url(team.company, branches["annual"], department=team.department.pk)
    # The branch is read whole in two queries (its ids, then its rows) where the whole tree reads its roots, its
    # size and each level opened: 13, however many quarterly children.
    with django_assert_num_queries(13):
        response = client.get(url)
    assert response.content.decode().count('class="badge cycle-label"') == 2 + quarters


def test_a_departments_annual_branch_holds_children_of_a_cycle_that_only_overlaps_the_year(team, branches, client_for):
    winter = CycleFactory(company=team.company, name="Winter 26/27", start_date=datetime.date(2026, 12, 1),
                          end_date=datetime.date(2027, 2, 28))  # fmt: skip
    child = okr.objective_create(company=team.company, actor=team.actor(team.admin), cycle=winter,
                                 title="Winter campaign", parent=branches["grow"], department=team.department,
                                 owner=team.lead, activate=True)  # fmt: skip
    whole = client_for(team.viewer).get(tree_url(team.company, branches["annual"], depth=3)).content.decode()
    branch = (
        client_for(team.viewer)
        .get(tree_url(team.company, branches["annual"], department=team.department.pk, depth=3))
        .content.decode()
    )
    assert f'id="node-{child.pk}"' in whole  # the whole year's tree shows it,
    assert f'id="node-{child.pk}"' in branch  # so Sales' branch of it does too
