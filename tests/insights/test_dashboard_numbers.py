"""The dashboards' numbers agree with an independent computation, with the lists and with the tree.

A generated company (``bench.generate.build_company``, small: divisions with
teams, laddering, private objectives, drafts) is varied (closed objectives,
key results never measured, stale key results, events) and then:

- every figure of the company and of a division's dashboard is computed here
  again, in plain Python over the raw rows, with the rules written out (not
  the app's functions), and compared;
- every tile's number equals the count the search page (its API) gives for
  the tile's link: the list the tile opens;
- the company's status counts equal the alignment tree's, node by node;
- the API returns exactly the page's figures.
"""

import datetime
import random
from collections import Counter

import pytest
from django.utils import timezone

from alignment.selectors import alignment_tree
from bench.generate import build_company
from companies.models import User
from companies.tenancy import Actor
from departments.models import Department
from insights import snapshots
from insights.filters import ListFilter
from insights.selectors import dashboard
from objectives.models import Cycle, Event, KeyResult, Objective, Verb
from okrhub.permissions import INTEGRATION

pytestmark = pytest.mark.django_db

MARGIN = 0.15


@pytest.fixture
def generated(frozen_clock):
    built = build_company(scale=0.03, slug="generated", seed=3)
    company = built.company
    rng = random.Random(5)
    # One division with five teams: make two of the teams departments of their own (three heatmap rows).
    teams = list(Department.objects.filter(company=company, parent__isnull=False).order_by("id"))
    Department.objects.filter(pk__in=[teams[0].pk, teams[1].pk]).update(parent=None)
    objectives = list(Objective.objects.filter(company=company))
    for objective in rng.sample(objectives, 20):
        Objective.objects.filter(pk=objective.pk).update(status="closed")
    key_results = list(KeyResult.objects.filter(company=company).order_by("id"))
    now = timezone.now()
    for kr in rng.sample(key_results, 40):  # never measured
        KeyResult.objects.filter(pk=kr.pk).update(current_value=None, progress=None, confidence="")
    for kr in rng.sample(key_results, 60):  # silent for weeks: stale
        KeyResult.objects.filter(pk=kr.pk).update(last_checkin_at=now - datetime.timedelta(days=rng.randint(9, 30)))
    for kr in rng.sample(key_results, 30):  # done
        KeyResult.objects.filter(pk=kr.pk).update(progress=1.0)
    for objective in rng.sample(objectives, 25):
        Objective.objects.filter(pk=objective.pk).update(progress=rng.choice([None, 1.0, 0.0, 0.95]))
    cycle = Cycle.objects.get(pk=built.cycle_id)
    for n, objective in enumerate(rng.sample(objectives, 30)):
        verb = [Verb.CHECKIN_CREATED, Verb.OBJECTIVE_UPDATED, Verb.COMMENT_CREATED, Verb.KEY_RESULT_CREATED][n % 4]
        Event.objects.create(
            company=company,
            verb=verb,
            subject_kind="objective",
            subject_id=objective.pk,
            cycle=cycle,
            objective=objective,
            department_id=objective.department_id,
            created_at=now - datetime.timedelta(days=n % 10),  # a third of them older than a week
        )
    Event.objects.create(
        company=company, verb=Verb.CYCLE_ACTIVATED, subject_kind="cycle", subject_id=cycle.pk, cycle=cycle
    )
    return built


# ---------------------------------------------------------------- the rules, written out again


def raw(company, cycle):
    objectives = {
        row["id"]: row
        for row in Objective.objects.filter(company=company).values(
            "id", "cycle_id", "status", "department_id", "owner_id", "private", "progress"
        )
    }
    key_results = list(
        KeyResult.objects.filter(company=company).values(
            "id", "objective_id", "owner_id", "confidence", "progress", "last_checkin_at", "created_at"
        )
    )
    parents = dict(Department.objects.filter(company=company).values_list("id", "parent_id"))
    return objectives, key_results, parents


def inside(parents, department_id, top):
    while department_id is not None:
        if department_id == top:
            return True
        department_id = parents[department_id]
    return False


def expected_pace(cycle, today):
    return min(1.0, max(0.0, (today - cycle.start_date).days / (cycle.end_date - cycle.start_date).days))


def status_of(progress, expected):
    if progress is None:
        return "unknown"
    if progress >= 1:
        return "done"
    if progress < expected - MARGIN:
        return "behind_pace"
    return "on_track"


def independent(company, cycle, *, reads_private, department=None):
    """Every figure of a dashboard, from the raw rows."""
    objectives, key_results, parents = raw(company, cycle)
    today = company.local_today()
    expected = expected_pace(cycle, today)
    now = timezone.now()
    cutoff = now - datetime.timedelta(days=8)

    def in_scope(o, top=department):
        return (
            o["cycle_id"] == cycle.pk
            and o["status"] in ("active", "closed")
            and (reads_private or not o["private"])
            and (top is None or inside(parents, o["department_id"], top))
        )

    def figures(top):
        mine = [o for o in objectives.values() if in_scope(o, top)]
        known = [o["progress"] for o in mine if o["progress"] is not None]
        ids = {o["id"] for o in mine}
        krs = [kr for kr in key_results if kr["objective_id"] in ids]
        active = [kr for kr in krs if objectives[kr["objective_id"]]["status"] == "active"]
        cycle_start = datetime.datetime.combine(cycle.start_date, datetime.time(), tzinfo=company.tzinfo)
        stale = [
            kr
            for kr in active
            if cycle.status == "active"
            and cycle_start <= cutoff
            and (kr["last_checkin_at"] < cutoff if kr["last_checkin_at"] is not None else kr["created_at"] < cutoff)
        ]
        return {
            "objectives": len(mine),
            "progress": sum(known) / len(known) if known else None,
            "by_status": Counter(status_of(o["progress"], expected) for o in mine),
            "key_results": len(krs),
            "by_confidence": Counter(kr["confidence"] for kr in krs if kr["confidence"]),
            "active": len(active),
            "stale": len(stale),
            "stale_by_owner": Counter(kr["owner_id"] for kr in stale),
        }

    whole = figures(department)
    heads = (
        [d for d, parent in parents.items() if parent == department]
        if department
        else [d for d, parent in parents.items() if parent is None]
    )
    if department is not None and not heads:
        heads = [department]
    week_ago = now - datetime.timedelta(days=7)
    events = [
        event
        for event in Event.objects.filter(company=company, cycle=cycle).values(
            "verb", "objective_id", "department_id", "created_at"
        )
        if event["created_at"] >= week_ago
        and (event["objective_id"] is None or reads_private or not objectives[event["objective_id"]]["private"])
        and (department is None or inside(parents, event["department_id"], department))
    ]
    return whole, {head: figures(head) for head in heads}, Counter(event["verb"] for event in events), expected


def assert_figures(tally, expected):
    assert tally.objectives == expected["objectives"]
    assert tally.progress == pytest.approx(expected["progress"])
    assert {k.value: v for k, v in tally.by_status.items()} == {
        s: expected["by_status"][s] for s in ("on_track", "behind_pace", "done", "unknown")
    }
    assert tally.key_results == expected["key_results"]
    assert {k.value: v for k, v in tally.by_confidence.items()} == {
        c: expected["by_confidence"][c] for c in ("on_track", "at_risk", "off_track")
    }
    assert (tally.active_key_results, tally.stale) == (expected["active"], expected["stale"])


def list_length(client, slug: str, f: ListFilter) -> int:
    """How many rows the search page lists for the tile's link (its API answers the same address)."""
    response = client.get(f"/api/v1/companies/{slug}/search/?{f.query()}")
    assert response.status_code == 200, response.content
    return response.json()["counts"][f.kind]


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("who", ["leader", "write_key"])
def test_company_dashboard_numbers_agree_with_an_independent_computation(generated, who):
    company = generated.company
    cycle = Cycle.objects.get(pk=generated.cycle_id)
    leader = User.objects.get(email=generated.leader_email)
    actor = Actor.for_user(company, leader) if who == "leader" else Actor(company=company, role=INTEGRATION)
    data = dashboard(company=company, actor=actor, cycle=cycle)
    whole, rows, verbs, expected = independent(company, cycle, reads_private=who == "leader")

    assert Objective.objects.filter(company=company, private=True, cycle=cycle, status="active").exists()
    # The data has teeth: every kind of figure is there to get wrong.
    assert whole["stale"]
    assert whole["by_status"]["done"]
    assert whole["by_status"]["behind_pace"]
    assert data["expected"] == pytest.approx(expected)
    assert_figures(data["total"], whole)
    assert {row.department_id for row in data["rows"]} == set(rows)
    assert len(rows) == 3
    for row in data["rows"]:
        assert_figures(row.tally, rows[row.department_id])
    assert data["at_risk"]["count"] == whole["by_confidence"]["at_risk"]
    assert data["off_track"]["count"] == whole["by_confidence"]["off_track"]
    assert data["behind_pace"]["count"] == whole["by_status"]["behind_pace"]
    people = {person["owner_id"]: person["stale"] for person in data["compliance"]["people"]}
    assert people == dict(whole["stale_by_owner"])
    counts = data["changes"]["counts"]
    assert counts["checkins"] == verbs[Verb.CHECKIN_CREATED]
    assert counts["objectives"] == verbs[Verb.OBJECTIVE_UPDATED]
    assert counts["discussion"] == verbs[Verb.COMMENT_CREATED]
    assert counts["key_results"] == verbs[Verb.KEY_RESULT_CREATED]
    assert counts["cycles"] == 1


@pytest.mark.parametrize("who", ["leader", "member"])
def test_every_tile_counts_the_list_it_links_to(generated, api, who):
    """The search page's count for each tile's link (through its API, as the reader) is the tile's number."""
    company = generated.company
    cycle = Cycle.objects.get(pk=generated.cycle_id)
    user = User.objects.get(email=generated.leader_email if who == "leader" else generated.member_email)
    actor = Actor.for_user(company, user)
    data = dashboard(company=company, actor=actor, cycle=cycle)
    client = api(user)

    def length(f: ListFilter) -> int:
        return list_length(client, company.slug, f)

    objectives, key_results = data["filters"]["objectives"], data["filters"]["key_results"]
    checked = 0
    for tally, objective_list in [(data["total"], objectives)] + [
        (row.tally, objectives.but(department=row.department_id)) for row in data["rows"]
    ]:
        kr_list = objective_list.but(kind="key_result")
        assert length(objective_list) == tally.objectives
        assert length(kr_list) == tally.key_results
        assert length(kr_list.but(stale=True)) == tally.stale
        for status, count in tally.by_status.items():
            assert length(objective_list.but(status=status.value)) == count, status
        for confidence, count in tally.by_confidence.items():
            assert length(kr_list.but(confidence=confidence.value)) == count, confidence
        checked += 1
    for tile in ("at_risk", "off_track", "behind_pace"):
        assert length(data[tile]["filter"]) == data[tile]["count"], tile
        assert len(data[tile]["items"]) == min(6, data[tile]["count"])
    for person in data["compliance"]["people"]:
        if person["owner_id"] is not None:
            assert length(key_results.but(owner=person["owner_id"], stale=True)) == person["stale"]
    assert checked == len(data["rows"]) + 1
    # Without counted=1 the search lists drafts (and archived objectives) too: the tiles' links need it.
    drafts = Objective.objects.filter(company=company, cycle=cycle, status="draft").count()
    if who == "leader":
        assert drafts
        assert length(objectives.but(counted=False)) == data["total"].objectives + drafts


def test_company_status_counts_agree_with_the_alignment_tree(generated):
    company = generated.company
    cycle = Cycle.objects.get(pk=generated.cycle_id)
    actor = Actor.for_user(company, User.objects.get(email=generated.leader_email))
    data = dashboard(company=company, actor=actor, cycle=cycle)
    tree = alignment_tree(company=company, actor=actor, cycle=cycle)
    nodes, stack = [], list(tree["roots"])
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack += node["children"]
    assert len(nodes) == data["total"].objectives
    assert Counter(node["pace_status"] for node in nodes) == {
        status.value: count for status, count in data["total"].by_status.items() if count
    }
    at_risk = sum(1 for node in nodes for kr in node["key_results"] if kr["confidence"] == "at_risk")
    assert at_risk == data["at_risk"]["count"]


def test_a_divisions_dashboard_agrees_too(generated):
    company = generated.company
    cycle = Cycle.objects.get(pk=generated.cycle_id)
    division = Department.objects.filter(company=company, parent__isnull=True, children__isnull=False).first()
    actor = Actor.for_user(company, User.objects.get(email=generated.leader_email))
    data = dashboard(company=company, actor=actor, cycle=cycle, department=division)
    whole, rows, verbs, _ = independent(company, cycle, reads_private=True, department=division.pk)
    assert whole["objectives"] > 10
    assert_figures(data["total"], whole)
    assert {row.department_id for row in data["rows"]} == set(rows)
    assert len(rows) == 3  # the division's remaining teams
    for row in data["rows"]:
        assert_figures(row.tally, rows[row.department_id])
    assert sum(data["changes"]["counts"].values()) == sum(verbs.values())


def test_the_series_is_the_mean_of_each_days_snapshots(generated):
    company = generated.company
    cycle = Cycle.objects.get(pk=generated.cycle_id)
    today = company.local_today()
    days = [today - datetime.timedelta(days=n) for n in (3, 2, 1)]
    for day in days:
        snapshots.snapshot_day(company=company, day=day)
    Objective.objects.filter(
        company=company, pk__in=Objective.objects.filter(company=company).values("pk")[:50]
    ).update(progress=0.77)  # today moves on; the snapshots keep the past
    snapshots.snapshot_day(company=company, day=days[0])  # a second run changes nothing
    for who, reads_private in (("leader", True), ("write_key", False)):
        leader = User.objects.get(email=generated.leader_email)
        actor = Actor.for_user(company, leader) if who == "leader" else Actor(company=company, role=INTEGRATION)
        data = dashboard(company=company, actor=actor, cycle=cycle)
        series = {point["day"]: point for point in data["series"]}
        whole, *_ = independent(company, cycle, reads_private=reads_private)
        assert series[today]["progress"] == pytest.approx(whole["progress"])
        assert series[today]["objectives"] == whole["objectives"]
        for day in days:
            rows = [
                (s.progress, s.objective.private)
                for s in snapshots.ObjectiveSnapshot.objects.filter(
                    company=company, day=day, status__in=["active", "closed"]
                ).select_related("objective")
                if reads_private or not s.objective.private
            ]
            known = [p for p, _ in rows if p is not None]
            assert series[day]["objectives"] == len(rows), (who, day)
            assert series[day]["progress"] == pytest.approx(sum(known) / len(known)), (who, day)
            assert series[day]["expected"] == pytest.approx(expected_pace(cycle, day))
