"""A small company whose every search and filter can be checked by hand.

Acme's cycle runs 2026-10-01 to 2026-12-31; on ``TODAY`` (2026-11-15, the
``frozen_clock``) the expected progress is 45/91, so "behind pace" is below
about 0.34.

- Company: "Expand into new markets and grow revenue by 25%" (leader, 0.62, on track)
- Marketing, with the team "Field marketing" inside it:
  - "Generate 1,000 qualified leads from Germany and France" (lead, 0.62, on track)
    - key result "Qualified leads from Germany" (at risk, checked in 2026-11-14)
  - "Open a trade fair stand in Munich" (team Field marketing, member, 0.1, behind pace)
    - key result "Book the Munich trade fair" (never checked in, created 2026-10-02: stale)
  - private "Secret leadership offsite" (Marketing, leader; the Sales people may not read it)
    - key result "Book the leadership venue" (off track)
- Sales (the team's department: lead and member):
  - "Close €5M in new business" whose *description* says "our team leads the entry" (lead, 1.0, done)
    - key result "Sign 12 distributors" (on track, last check-in 2026-11-01: stale)
  - draft "Hire two account executives" (member, no progress: unknown)
- another cycle (2026 Q3, closed) with "Leads pipeline review" (lead)
"""

import datetime
from dataclasses import dataclass

import pytest

from companies.models import Role
from conftest import Team
from departments.models import Department, DepartmentRole
from objectives.models import Cycle, CycleStatus, KeyResult, Objective, ObjectiveStatus
from tests.factories import DepartmentFactory, DepartmentMembershipFactory, MembershipFactory, UserFactory

UTC = datetime.UTC


@dataclass
class Okrs:
    team: Team
    marketing: Department
    field_marketing: Department
    company_goal: Objective
    leads: Objective
    fair: Objective
    secret: Objective
    close: Objective
    hire: Objective
    old: Objective
    old_cycle: Cycle
    leads_kr: KeyResult
    fair_kr: KeyResult
    secret_kr: KeyResult
    distributors_kr: KeyResult

    @property
    def slug(self) -> str:
        return self.team.company.slug


def _at(day: int, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, 9, tzinfo=UTC)


def build_okrs(team: Team) -> Okrs:
    company, cycle = team.company, team.cycle
    marketing = DepartmentFactory(company=company, name="Marketing", slug="marketing")
    field = DepartmentFactory(company=company, name="Field marketing", slug="field-marketing", parent=marketing)
    ana = MembershipFactory(
        company=company, role=Role.MEMBER, user=UserFactory(email="ana.lima@acme.test", full_name="Ana Lima")
    ).user
    DepartmentMembershipFactory(company=company, department=marketing, user=ana, role=DepartmentRole.MEMBER)

    def objective(title: str, **fields) -> Objective:
        fields.setdefault("cycle", cycle)
        fields.setdefault("status", ObjectiveStatus.ACTIVE)
        fields.setdefault("created_at", _at(2, 10))
        return Objective.objects.create(company=company, title=title, **fields)

    def key_result(objective: Objective, title: str, **fields) -> KeyResult:
        fields.setdefault("owner", objective.owner)
        fields.setdefault("created_at", _at(2, 10))
        return KeyResult.objects.create(company=company, objective=objective, title=title, target_value=100, **fields)

    goal = objective("Expand into new markets and grow revenue by 25%", owner=team.leader, progress=0.62)
    leads = objective(
        "Generate 1,000 qualified leads from Germany and France",
        department=marketing,
        parent=goal,
        owner=team.lead,
        progress=0.62,
    )
    fair = objective(
        "Open a trade fair stand in Munich", department=field, parent=leads, owner=team.member, progress=0.1
    )
    secret = objective("Secret leadership offsite", department=marketing, owner=team.leader, private=True, progress=0.5)
    close = objective(
        "Close €5M in new business",
        description="New markets first: our team leads the entry into Germany.",
        department=team.department,
        parent=goal,
        owner=team.lead,
        progress=1.0,
    )
    hire = objective(
        "Hire two account executives", department=team.department, owner=team.member, status=ObjectiveStatus.DRAFT
    )
    old_cycle = Cycle.objects.create(
        company=company,
        name="2026 Q3",
        start_date=datetime.date(2026, 7, 1),
        end_date=datetime.date(2026, 9, 30),
        status=CycleStatus.CLOSED,
    )
    old = objective("Leads pipeline review", cycle=old_cycle, department=team.department, owner=team.lead)
    leads_kr = key_result(
        leads,
        "Qualified leads from Germany",
        current_value=70,
        progress=0.7,
        confidence="at_risk",
        last_checkin_at=_at(14),
    )
    fair_kr = key_result(fair, "Book the Munich trade fair")
    secret_kr = key_result(
        secret, "Book the leadership venue", current_value=10, progress=0.1, confidence="off_track",
        last_checkin_at=_at(14),
    )  # fmt: skip
    distributors_kr = key_result(
        close, "Sign 12 distributors", current_value=100, progress=1.0, confidence="on_track", last_checkin_at=_at(1)
    )
    return Okrs(
        team=team,
        marketing=marketing,
        field_marketing=field,
        company_goal=goal,
        leads=leads,
        fair=fair,
        secret=secret,
        close=close,
        hire=hire,
        old=old,
        old_cycle=old_cycle,
        leads_kr=leads_kr,
        fair_kr=fair_kr,
        secret_kr=secret_kr,
        distributors_kr=distributors_kr,
    )


@pytest.fixture
def okrs(team, frozen_clock) -> Okrs:
    return build_okrs(team)
