"""Shared fixtures: two companies, a member of each role, a cycle, the demo cascade."""

import datetime
from dataclasses import dataclass

import pytest

from companies.models import Company, Role, User
from departments.models import Department, DepartmentRole
from objectives.models import Cycle
from okrhub.tenancy import Actor
from tests.factories import (
    CompanyFactory,
    CycleFactory,
    DepartmentFactory,
    DepartmentMembershipFactory,
    MembershipFactory,
    UserFactory,
)


@dataclass
class Team:
    """A company with one person per role and a department with a lead and a member."""

    company: Company
    cycle: Cycle
    department: Department
    admin: User
    leader: User
    lead: User
    member: User
    viewer: User

    def actor(self, user: User) -> Actor:
        return Actor.for_user(self.company, user)


def make_team(slug: str) -> Team:
    company = CompanyFactory(slug=slug, name=slug.title())
    cycle = CycleFactory(company=company, name="2026 Q4")
    department = DepartmentFactory(company=company, name="Sales", slug="sales")
    people = {}
    for key, role in [
        ("admin", Role.ADMIN),
        ("leader", Role.LEADER),
        ("lead", Role.MEMBER),
        ("member", Role.MEMBER),
        ("viewer", Role.VIEWER),
    ]:
        people[key] = MembershipFactory(company=company, role=role, user=UserFactory(email=f"{key}@{slug}.test")).user
    DepartmentMembershipFactory(company=company, department=department, user=people["lead"], role=DepartmentRole.LEAD)
    DepartmentMembershipFactory(
        company=company, department=department, user=people["member"], role=DepartmentRole.MEMBER
    )
    return Team(company=company, cycle=cycle, department=department, **people)


@pytest.fixture
def team(db) -> Team:
    return make_team("acme")


@pytest.fixture
def other_team(db) -> Team:
    return make_team("globex")


@pytest.fixture
def company(team: Team) -> Company:
    return team.company


@pytest.fixture
def other_company(other_team: Team) -> Company:
    return other_team.company


@pytest.fixture
def today() -> datetime.date:
    return datetime.date(2026, 11, 15)


@pytest.fixture
def client_for():
    """A test client signed in as ``user``; ``htmx=True`` makes every request look like htmx's."""
    from django.test import Client

    def make(user: User, *, htmx: bool = False) -> Client:
        client = Client(headers={"HX-Request": "true"}) if htmx else Client()
        client.force_login(user)
        return client

    return make
