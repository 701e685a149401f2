"""Every dashboard page, endpoint and the export cost the same number of queries for 4 objectives as for 60."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from insights import snapshots
from objectives.models import CheckIn, Event, KeyResult, Objective, Verb
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

DAYS = [datetime.date(2026, 11, day) for day in (11, 12, 13, 14)]


def grow(team, n: int) -> None:
    """``n`` objectives over nested departments, with key results, check-ins, events and four days of history."""
    company, cycle = team.company, team.cycle
    teams = [DepartmentFactory(company=company, parent=team.department) for _ in range(max(1, n // 10))]
    others = [DepartmentFactory(company=company) for _ in range(max(1, n // 10))]
    places = [team.department, *teams, *others, None]
    owners = [team.lead, team.member, *UserFactory.create_batch(2)]
    objectives = Objective.objects.bulk_create(
        Objective(
            company=company,
            cycle=cycle,
            department=places[i % len(places)],
            owner=owners[i % 2],
            title=f"Objective {n}-{i}",
            status="closed" if i % 9 == 4 else "active",
            progress=None if i % 5 == 0 else (i % 11) / 10,
            private=i % 3 == 1,  # from the first rows on: both sizes take the same paths
        )
        for i in range(n)
    )
    krs = KeyResult.objects.bulk_create(
        KeyResult(
            company=company,
            objective=objective,
            owner=owners[i % len(owners)],
            title=f"Raise metric {i} from 0 to 100",
            target_value=100,
            current_value=i % 100,
            progress=(i % 100) / 100,
            confidence=["on_track", "at_risk", "off_track", ""][i % 4],
            last_checkin_at=datetime.datetime(2026, 11, 1 + i % 14, tzinfo=datetime.UTC),
        )
        for i, objective in enumerate(objectives * 2)
    )
    CheckIn.objects.bulk_create(
        CheckIn(company=company, key_result=kr, value=i, confidence="on_track") for i, kr in enumerate(krs)
    )
    Event.objects.bulk_create(
        Event(
            company=company,
            verb=Verb.CHECKIN_CREATED,
            subject_kind="objective",
            subject_id=o.pk,
            cycle=cycle,
            objective=o,
            department_id=o.department_id,
        )
        for o in objectives
    )
    for day in DAYS:
        snapshots.snapshot_day(company=company, day=day)


def _count(client: Client, path: str) -> int:
    assert client.get(path).status_code == 200, path  # warm: sessions, caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries)


def _counts(team, api_key) -> dict[str, int]:
    slug, sales = team.company.slug, team.department.pk
    leader, member, key = Client(), Client(), Client(headers={"Authorization": f"Api-Key {api_key}"})
    leader.force_login(team.leader)
    member.force_login(team.member)
    return {
        "company page": _count(leader, f"/c/{slug}/dashboard/"),
        "department page (reads private)": _count(leader, f"/c/{slug}/dashboard/departments/{sales}/"),
        "department page (member)": _count(member, f"/c/{slug}/dashboard/departments/{sales}/"),
        "export": _count(member, f"/c/{slug}/dashboard/export/?kind=key_result&department={sales}"),
        "company API (key)": _count(key, f"/api/v1/companies/{slug}/dashboard/"),
        "department API (key)": _count(key, f"/api/v1/companies/{slug}/dashboard/departments/{sales}/"),
    }


def test_query_counts_do_not_grow_with_the_company(team, api_key, frozen_clock):
    secret = api_key(team.company, "write")
    grow(team, 4)
    small = _counts(team, secret)
    grow(team, 60)
    large = _counts(team, secret)
    assert small == large
    # The budgets (raise one only with a reason in the commit). The company page: session, user, membership,
    # department roles (4); cycles, departments (2); objective and key result tallies, stale key results by
    # person, the daily totals, the at-risk and off-track rows (one query), the behind-pace rows and the
    # cycles the search's behind-pace condition reads, this week's events (8); the header's companies (1).
    # A department's page adds the department (1); a reader of only some private objectives the department
    # tree their roles walk (1) and the snapshots to take out of the chart (1). An API key has no session,
    # user or header, but its key and its company.
    assert large == {
        "company page": 15,
        "department page (reads private)": 16,
        "department page (member)": 18,
        "export": 9,
        "company API (key)": 12,
        "department API (key)": 13,
    }
