"""Lists and the tree cost the same number of queries for 3 rows as for 300."""

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from companies.models import Membership
from departments.models import Department
from objectives.models import CheckIn, Cycle, Dependency, Event, KeyResult, Objective, Verb
from tests.factories import UserFactory

BASE = "/api/v1/companies/acme"


def grow(team, n: int) -> None:
    """Add ``n`` of everything: objectives (half in Sales, laddering), key results, check-ins, ..."""
    company, cycle = team.company, team.cycle
    top = Objective.objects.create(company=company, cycle=cycle, title="Top", status="active", progress=0.5)
    objectives = Objective.objects.bulk_create(
        Objective(
            company=company,
            cycle=cycle,
            department=team.department if i % 2 else None,
            parent=top,
            owner=team.lead,
            title=f"Objective {i}",
            status="active",
            progress=i / n,
            private=i % 7 == 1,  # from the first rows on: both sizes take the same paths
        )
        for i in range(n - 1)
    )
    krs = KeyResult.objects.bulk_create(
        KeyResult(
            company=company,
            objective=objective,
            owner=team.member,
            title=f"Raise metric {i} from 0 to 100",
            target_value=100,
            current_value=i % 100,
            progress=(i % 100) / 100,
            confidence="at_risk",
        )
        for i, objective in enumerate([top, *objectives])
    )
    CheckIn.objects.bulk_create(
        CheckIn(company=company, key_result=krs[0], value=i, confidence="on_track") for i in range(n)
    )
    Dependency.objects.bulk_create(
        Dependency(company=company, from_objective=objective, to_objective=top) for objective in objectives[: n - 1]
    )
    Department.objects.bulk_create(
        Department(company=company, name=f"Team {n}-{i}", slug=f"team-{n}-{i}") for i in range(n)
    )
    Cycle.objects.bulk_create(
        Cycle(
            company=company,
            name=f"Cycle {n}-{i}",
            start_date=f"{2000 + i % 20}-01-01",
            end_date=f"{2000 + i % 20}-12-31",
        )
        for i in range(n)
    )
    grow_events(team, top, objectives, krs)
    users = UserFactory.create_batch(n) if n <= 3 else [UserFactory.build() for _ in range(n)]
    if n > 3:
        from companies.models import User

        for user in users:
            user.password = "!"
        users = User.objects.bulk_create(users)
    Membership.objects.bulk_create(Membership(company=company, user=user, role="viewer") for user in users)


def grow_events(team, top, objectives, krs) -> None:
    """Three events per objective, naming everything a sentence can name: a check-in, an edit that re-parents,
    changes the owner and moves it, and a dependency on ``top``; and a company-wide cycle event."""
    company, cycle, now = team.company, team.cycle, timezone.now()
    rows = [Event(company=company, verb=Verb.CYCLE_ACTIVATED, subject_kind="cycle", subject_id=cycle.pk, cycle=cycle)]
    for objective, kr in zip(objectives, krs[1:], strict=True):
        # All in Sales when they happened: at the small size the only Sales objective is private, and the
        # department feed must read events (and the names they need) at both sizes.
        common = {"company": company, "actor": team.admin, "objective": objective, "cycle": cycle}
        common["department_id"] = team.department.pk
        rows += [
            Event(
                **common,
                verb=Verb.CHECKIN_CREATED,
                subject_kind="checkin",
                subject_id=kr.pk,
                key_result=kr,
                payload={"value": "5", "previous_value": "4", "confidence": "at_risk", "recorded_at": now.isoformat()},
            ),
            Event(
                **common,
                verb=Verb.OBJECTIVE_UPDATED,
                subject_kind="objective",
                subject_id=objective.pk,
                payload={
                    "title": objective.title,
                    "changes": {
                        "parent_id": [None, top.pk],
                        "owner_id": [team.member.pk, team.lead.pk],
                        "department_id": [None, team.department.pk],
                    },
                    "parent_id": top.pk,
                    "previous_parent_id": None,
                },
            ),
            Event(
                **common,
                verb=Verb.DEPENDENCY_CREATED,
                subject_kind="dependency",
                subject_id=objective.pk,
                payload={"to_objective_id": top.pk, "to_objective_title": top.title},
            ),
        ]
    Event.objects.bulk_create(rows)


def most_checked_in(team) -> KeyResult:
    """The key result with the longest check-in history (each ``grow`` gives one ``n`` check-ins)."""
    return (
        KeyResult.objects.filter(company=team.company)
        .annotate(checkin_count=Count("checkins"))
        .order_by("-checkin_count", "id")
        .first()
    )


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


ENDPOINTS = [
    "objectives/?page_size=200",
    "objectives/?page_size=200&behind_pace=true&status=active",
    "key-results/?page_size=200&confidence=at_risk",
    "key-results/?page_size=200&behind_pace=false",
    "check-ins",
    "dependencies/?page_size=200",
    "departments/?page_size=200",
    "cycles/?page_size=200",
    "members/?page_size=200",
    "alignment/tree/?include_drafts=true",
    "alignment/gaps/",
    "events/?page_size=200",
    "events-of-sales",
]


@pytest.mark.parametrize("who", ["member", "key"])
def test_lists_and_tree_cost_the_same_for_3_and_300_rows(team, api, api_key, who):
    client = api(team.member) if who == "member" else api(key=api_key(team.company, "write"))

    def url(endpoint: str) -> str:
        if endpoint == "check-ins":
            return f"{BASE}/key-results/{most_checked_in(team).pk}/check-ins/?page_size=200"
        if endpoint == "events-of-sales":
            return f"{BASE}/events/?page_size=200&department={team.department.pk}&verb=objective.updated"
        return f"{BASE}/{endpoint}"

    grow(team, 3)
    client.get("/api/v1/me/")  # the session's first request may write; measure steady state
    small = {endpoint: queries(client, url(endpoint)) for endpoint in ENDPOINTS}
    grow(team, 300)
    assert most_checked_in(team).checkins.count() == 300
    large = {endpoint: queries(client, url(endpoint)) for endpoint in ENDPOINTS}
    assert large == small
    # The gaps report is the largest: its four reads (objectives, supported ids, stale key results, departments).
    assert max(small.values()) <= 10, small


def test_tree_of_300_objectives_has_all_of_them(team, api, django_assert_num_queries):
    grow(team, 300)
    client = api(team.admin)
    client.get("/api/v1/me/")
    # session, user, membership, department roles, cycle, the tree (objectives, key results, dependencies)
    with django_assert_num_queries(6):
        body = client.get(f"{BASE}/alignment/tree/").json()
    assert body["count"] == 300
    [top] = [root for root in body["roots"] if root["title"] == "Top"]
    assert len(top["children"]) == 299
    assert all(len(child["key_results"]) == 1 for child in top["children"])
    assert all(child["depends_on"] == [top["id"]] for child in top["children"])


@pytest.mark.parametrize("n", [3, 300])
def test_tree_for_a_key_takes_three_queries_at_any_size(team, api, api_key, django_assert_num_queries, n):
    grow(team, n)
    client = api(key=api_key(team.company, "read"))
    # the key (with its company), the cycle, the tree
    with django_assert_num_queries(3):
        body = client.get(f"{BASE}/alignment/tree/", {"include_drafts": "true"}).json()
    # A key never sees private objectives, nor their ids in anyone's dependencies.
    private = set(Objective.objects.filter(company=team.company, private=True).values_list("id", flat=True))
    stack, seen = list(body["roots"]), set()
    while stack:
        node = stack.pop()
        seen.add(node["id"])
        assert not private & set(node["depends_on"])
        stack += node["children"]
    assert private
    assert not private & seen
    assert body["count"] == len(seen) == n - len(private)


def test_single_objects_and_writes_cost_the_same_for_3_and_300_rows(team, api):
    """Details, a check-in, its undo and correction, an objective edit and a key result: none scales with size."""
    client = api(team.admin)

    def measure(value: str) -> dict[str, int]:
        objective = Objective.objects.filter(company=team.company, department=team.department).order_by("id").first()
        kr = most_checked_in(team)
        counts = {}
        for name, call in {
            "objective": lambda: client.get(f"{BASE}/objectives/{objective.pk}/"),
            "key_result": lambda: client.get(f"{BASE}/key-results/{kr.pk}/"),
            "check_in": lambda: client.post(
                f"{BASE}/key-results/{kr.pk}/check-ins/", {"value": value, "confidence": "on_track"}
            ),
            # A new title each time: an edit that changes nothing records no event.
            "objective_edit": lambda: client.patch(f"{BASE}/objectives/{objective.pk}/", {"title": f"Renamed {value}"}),
            "key_result_add": lambda: client.post(
                f"{BASE}/key-results/", {"objective": objective.pk, "title": "Grow from 0 to 9", "target_value": "9"}
            ),
        }.items():
            with CaptureQueriesContext(connection) as captured:
                response = call()
            assert response.status_code in (200, 201), response.content
            counts[name] = len(captured)
        # Undo the check-in just recorded, then correct the entry that stands again.
        mine = CheckIn.objects.filter(key_result=kr, author=team.admin, corrects__isnull=True).latest("id")
        with CaptureQueriesContext(connection) as captured:
            response = client.post(f"{BASE}/check-ins/{mine.pk}/undo/")
        assert response.status_code == 201, response.content
        counts["undo"] = len(captured)
        standing = CheckIn.objects.effective().filter(key_result=kr).latest("created_at", "id")
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                f"{BASE}/check-ins/{standing.pk}/correction/", {"value": value, "confidence": "at_risk"}
            )
        assert response.status_code == 201, response.content
        counts["correction"] = len(captured)
        return counts

    grow(team, 3)
    client.get("/api/v1/me/")
    small = measure("5")
    grow(team, 300)
    assert most_checked_in(team).checkins.count() >= 300
    assert measure("6") == small  # a new value: the check-in writes its objective both times
