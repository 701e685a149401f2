"""A populated company for endpoint tables: one object of every kind, and who may do what."""

import datetime
from dataclasses import dataclass, field

import pytest

from companies.models import CompanyAPIKey, Invitation, Membership
from conftest import Team, make_team
from departments.models import Department
from discussion.models import Comment
from objectives.models import CheckIn, Cycle, CycleStatus, Dependency, KeyResult, Objective, ObjectiveStatus
from tests.factories import DepartmentFactory, KeyResultFactory, MembershipFactory, ObjectiveFactory, UserFactory
from webhooks.models import Delivery, DeliveryStatus, Endpoint
from webhooks.services import new_secret

ROLES = ["admin", "leader", "lead", "member", "viewer", "read_key", "write_key"]


@dataclass
class World:
    team: Team
    company_objective: Objective
    sales_objective: Objective
    draft: Objective
    kr: KeyResult
    checkin: CheckIn
    dependency: Dependency
    planning_cycle: Cycle
    ops: Department
    extra: Membership
    admin_key: CompanyAPIKey
    invitation: Invitation
    comment: Comment
    webhook_endpoint: Endpoint
    webhook_delivery: Delivery
    secrets: dict[str, str] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.team.company.slug


def _key(company, scope: str) -> tuple[CompanyAPIKey, str]:
    from django.utils import timezone

    key = CompanyAPIKey(company=company, name=f"{scope} key", scope=scope, last_used_at=timezone.now())
    secret = CompanyAPIKey.objects.assign_key(key)
    key.save(force_insert=True)
    return key, secret


def build_world(team: Team) -> World:
    company = team.company
    company_objective = ObjectiveFactory(company=company, cycle=team.cycle, owner=team.leader, title="Grow revenue")
    sales = ObjectiveFactory(
        company=company,
        cycle=team.cycle,
        department=team.department,
        parent=company_objective,
        owner=team.lead,
        title="Close new business",
    )
    draft = ObjectiveFactory(
        company=company,
        cycle=team.cycle,
        department=team.department,
        owner=team.member,
        status=ObjectiveStatus.DRAFT,
        title="Open a partner channel",
    )
    kr = KeyResultFactory(company=company, objective=sales, owner=team.member, current_value=10, progress=0.1)
    checkin = CheckIn.objects.create(
        company=company, key_result=kr, author=team.member, value=10, confidence="on_track"
    )
    dependency = Dependency.objects.create(company=company, from_objective=sales, to_objective=company_objective)
    planning = Cycle.objects.create(
        company=company,
        name="2027 Q1",
        start_date=datetime.date(2027, 1, 1),
        end_date=datetime.date(2027, 3, 31),
        status=CycleStatus.PLANNING,
    )
    ops = DepartmentFactory(company=company, name="Operations", slug="ops")
    extra = MembershipFactory(company=company, role="member", user=UserFactory(email=f"extra@{company.slug}.test"))
    admin_key, _ = _key(company, "read")
    invitation = Invitation.objects.create(
        company=company, email=f"invited@{company.slug}.test", role="viewer", invited_by=team.admin, nonce="first"
    )
    comment = Comment.objects.create(
        company=company, objective=sales, author=team.member, body="Two deals closed in Lyon this week"
    )
    # A documentation address (203.0.113.0/24): saved as it is, refused at delivery, so no test reaches a network.
    endpoint = Endpoint.objects.create(
        company=company, url=f"https://203.0.113.10/{company.slug}", description="CRM sync", secret=new_secret()
    )
    delivery = Delivery.objects.create(
        company=company,
        endpoint=endpoint,
        event_type="webhook.test",
        msg_id=f"msg_world_{company.slug}",
        payload={"type": "webhook.test", "timestamp": "2026-11-16T09:00:00Z", "data": {}},
        status=DeliveryStatus.FAILED,
        attempts=1,
    )
    world = World(
        team=team,
        company_objective=company_objective,
        sales_objective=sales,
        draft=draft,
        kr=kr,
        checkin=checkin,
        dependency=dependency,
        planning_cycle=planning,
        ops=ops,
        extra=extra,
        admin_key=admin_key,
        invitation=invitation,
        comment=comment,
        webhook_endpoint=endpoint,
        webhook_delivery=delivery,
    )
    world.secrets["read_key"] = _key(company, "read")[1]
    world.secrets["write_key"] = _key(company, "write")[1]
    return world


@pytest.fixture
def world(team) -> World:
    return build_world(team)


@pytest.fixture
def other_world(db) -> World:
    return build_world(make_team("globex"))


@pytest.fixture
def as_role(api):
    """``as_role(world, role)``: a client for a person of that role, or a key of that scope."""

    def make(world: World, role: str):
        if role.endswith("_key"):
            return api(key=world.secrets[role])
        return api(getattr(world.team, role))

    return make
