"""Shared fixtures: two companies, a member of each role, a cycle, the demo cascade."""

import datetime
from dataclasses import dataclass

import pytest

from companies.models import Company, Role, User
from companies.tenancy import Actor
from departments.models import Department, DepartmentRole
from objectives.models import Cycle
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


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counts live in the shared cache (Redis): each test starts from none."""
    from django.core.cache import cache

    cache.clear()


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
def api(db):
    """An API client factory: ``api(user)`` signs in with a session, ``api(key=secret)`` sends a key.

    ``api()`` is anonymous. JSON is the default format.
    """
    from rest_framework.test import APIClient

    def make(user: User | None = None, *, key: str | None = None) -> APIClient:
        client = APIClient()
        client.default_format = "json"
        if user is not None:
            client.force_login(user)
        if key is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        return client

    return make


@pytest.fixture
def api_key(db):
    """``api_key(company, scope)`` → the secret of a new key of ``company`` (created by the system).

    The key counts as just used, so requests in a test do not write
    ``last_used_at`` and ``db_state()`` comparisons see only the API's writes.
    """
    from django.utils import timezone

    from companies.models import CompanyAPIKey

    def make(company: Company, scope: str = "write", name: str = "integration") -> str:
        key = CompanyAPIKey(company=company, name=name, scope=scope, last_used_at=timezone.now())
        secret = CompanyAPIKey.objects.assign_key(key)
        key.save(force_insert=True)
        return secret

    return make


@pytest.fixture
def client_for():
    """A test client signed in as ``user``; ``htmx=True`` makes every request look like htmx's."""
    from django.test import Client

    def make(user: User, *, htmx: bool = False) -> Client:
        client = Client(headers={"HX-Request": "true"}) if htmx else Client()
        client.force_login(user)
        return client

    return make
