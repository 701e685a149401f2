"""The demo company: the seed cascade of DESIGN §1, built through the services.

Used by ``manage.py load_demo`` and by tests, so the demo always exercises
the same code paths as real use.
"""

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from companies import services as company_services
from companies.models import Company, Role, User
from companies.tenancy import Actor
from departments import services as department_services
from departments.models import Department, DepartmentRole
from insights import snapshots
from objectives import services as okr
from objectives.models import CheckIn, Confidence, Cycle, CycleStatus, Event, KeyResultKind, Objective
from objectives.progress import expected_progress
from okrhub.errors import invalid
from okrhub.permissions import Action

DEMO_SLUG = "demo"
DEMO_PASSWORD = "okrhub-demo"

#: (email, full name, company role, department name or None, department role)
PEOPLE = [
    ("admin@demo.okrhub.test", "Ada Admin", Role.ADMIN, None, None),
    ("leader@demo.okrhub.test", "Lea Leader", Role.LEADER, None, None),
    ("sales.lead@demo.okrhub.test", "Sam Sales", Role.MEMBER, "Sales", DepartmentRole.LEAD),
    (
        "marketing.lead@demo.okrhub.test",
        "Mia Marketing",
        Role.MEMBER,
        "Marketing",
        DepartmentRole.LEAD,
    ),
    ("product.lead@demo.okrhub.test", "Pat Product", Role.MEMBER, "Product", DepartmentRole.LEAD),
    ("member@demo.okrhub.test", "Max Member", Role.MEMBER, "Marketing", DepartmentRole.MEMBER),
    ("viewer@demo.okrhub.test", "Vic Viewer", Role.VIEWER, None, None),
]


def current_quarter(today: datetime.date) -> tuple[str, datetime.date, datetime.date]:
    quarter = (today.month - 1) // 3
    start = datetime.date(today.year, quarter * 3 + 1, 1)
    end = datetime.date(today.year + (quarter == 3), (quarter * 3 + 3) % 12 + 1, 1) - datetime.timedelta(days=1)
    return f"{today.year} Q{quarter + 1}", start, end


@dataclass
class Demo:
    company: Company
    users: dict[str, User]
    created: bool


def _user(email: str, full_name: str, password: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = company_services.user_create(email=email, password=password, full_name=full_name)
    return user


@transaction.atomic
def load_demo(*, slug: str = DEMO_SLUG, password: str = DEMO_PASSWORD, seed: int = 7) -> Demo:
    """Create the demo company unless it exists; return it with its people by role."""
    existing = Company.objects.filter(slug=slug).first()
    if existing is not None:
        users = {m.user.email: m.user for m in existing.memberships.select_related("user")}
        return Demo(existing, users, created=False)

    company = company_services.company_create(name="Northwind (demo)", slug=slug, timezone="Europe/Berlin")
    users = {}
    departments = {}
    for name in ("Sales", "Marketing", "Product"):
        departments[name] = department_services.department_create(company=company, actor=None, name=name)
    for email, full_name, role, department, department_role in PEOPLE:
        user = _user(email, full_name, password)
        if role == Role.ADMIN and slug == DEMO_SLUG:
            # The demo's admin doubles as the operator, so the Django admin is one click away.
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        company_services.membership_create(company=company, actor=None, user=user, role=role)
        if department:
            department_services.department_member_set(
                company=company,
                actor=None,
                department=departments[department],
                user=user,
                role=department_role,
            )
        users[email] = user

    today = company.local_today()
    name, start, end = current_quarter(today)
    annual = _load_year(company=company, leader=users["leader@demo.okrhub.test"], today=today, quarter_start=start)
    story_began = timezone.now()  # the cycle's activation is part of the story too
    cycle = okr.cycle_create(
        company=company,
        actor=None,
        name=name,
        start_date=start,
        end_date=end,
        status=CycleStatus.ACTIVE,
    )
    _load_cascade(
        company=company,
        cycle=cycle,
        departments=departments,
        person=lambda prefix: users[f"{prefix}@demo.okrhub.test"],
        seed=seed,
        story_began=story_began,
        parent=annual,
    )
    # The quarter so far, replayed from its check-ins: the dashboard's chart starts on day one.
    snapshots.backfill_company(company=company)
    return Demo(company, users, created=True)


def _load_year(*, company: Company, leader: User, today: datetime.date, quarter_start: datetime.date) -> Objective:
    """The annual cycle enclosing the quarter, with the year's company objective the quarter's ladders up to.

    So the demo shows nesting (DESIGN §2): the year's tree holds the
    quarter's company objective under the annual one, labelled with its
    quarter, and the annual objective's progress counts it.
    """
    began = timezone.now()
    year = okr.cycle_create(
        company=company,
        actor=None,
        name=str(today.year),
        start_date=datetime.date(today.year, 1, 1),
        end_date=datetime.date(today.year, 12, 31),
        status=CycleStatus.ACTIVE,
    )
    annual = okr.objective_create(
        company=company,
        actor=None,
        cycle=year,
        owner=leader,
        title="Become a European company: a third of revenue from outside the home market",
        description="The year's strategy: each quarter's company objectives ladder up to it.",
        activate=True,
    )
    share = okr.key_result_create(
        company=company,
        actor=None,
        objective=annual,
        owner=leader,
        title="Raise revenue from new markets from 10% to 33% of the total",
        kind=KeyResultKind.PERCENT,
        start_value=10,
        target_value=33,
    )
    # The year's figure as of the quarter's latest weekly check-in, on the year's pace that day.
    day = quarter_start + datetime.timedelta(weeks=max(1, (today - quarter_start).days // 7))
    on_pace = expected_progress(today=min(day, today), start=year.start_date, end=year.end_date)
    recorded_at = min(
        timezone.now(), timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)), company.tzinfo)
    )
    okr.checkin_create(
        company=company,
        actor=Actor.for_user(company, leader),
        key_result=share,
        value=Decimal(10 + round(23 * on_pace)),
        confidence=Confidence.ON_TRACK,
        note="Where the year stands.",
        recorded_at=recorded_at,
    )
    _date_the_story(company=company, cycle=year, since=began)
    return annual


#: The example cascade's departments (DESIGN §1).
CASCADE_DEPARTMENTS = ("Sales", "Marketing", "Product")


def _load_cascade(
    *,
    company: Company,
    cycle: Cycle,
    departments: dict[str, Department],
    person: Callable[[str], User],
    seed: int,
    story_began: datetime.datetime | None = None,
    parent: Objective | None = None,
) -> None:
    """Build DESIGN §1's cascade, with weeks of check-ins, into ``cycle``.

    ``parent``: the annual objective the cascade's company objective ladders up to (the demo's).

    ``person`` maps a demo role ("leader", "sales.lead", …) to the user who
    owns that part of the cascade: the demo has a person per role, a real
    company's example gives everything to whoever loaded it.
    """
    began = story_began or timezone.now()
    start = cycle.start_date
    today = company.local_today()
    top = okr.objective_create(
        company=company,
        actor=None,
        cycle=cycle,
        owner=person("leader"),
        title="Expand into new markets and grow revenue by 25%",
        description="Our strategic priority this quarter: Germany and France.",
        parent=parent,
        activate=True,
    )
    sales = okr.objective_create(
        company=company,
        actor=None,
        cycle=cycle,
        department=departments["Sales"],
        owner=person("sales.lead"),
        parent=top,
        title="Close €5M in new business from target markets",
        activate=True,
    )
    marketing = okr.objective_create(
        company=company,
        actor=None,
        cycle=cycle,
        department=departments["Marketing"],
        owner=person("marketing.lead"),
        parent=top,
        title="Generate 1,000 qualified leads from Germany and France",
        activate=True,
    )
    product = okr.objective_create(
        company=company,
        actor=None,
        cycle=cycle,
        department=departments["Product"],
        owner=person("product.lead"),
        parent=top,
        title="Launch localized versions of the platform in French and German",
        activate=True,
    )
    okr.dependency_create(
        company=company,
        actor=None,
        from_objective=marketing,
        to_objective=product,
        note="Marketing's lead goal depends on Product's localisation.",
    )

    def kr(objective, owner, title, kind, start_value, target_value, **extra):
        return okr.key_result_create(
            company=company,
            actor=None,
            objective=objective,
            owner=person(owner),
            title=title,
            kind=kind,
            start_value=start_value,
            target_value=target_value,
            **extra,
        )

    plan = [
        # key result, final share of the way to target by today, confidence drift
        (
            kr(
                top,
                "leader",
                "Grow annual recurring revenue from €20M to €25M",
                KeyResultKind.CURRENCY,
                20_000_000,
                25_000_000,
                currency="EUR",
            ),
            0.45,
            Confidence.ON_TRACK,
        ),
        (
            kr(
                sales,
                "sales.lead",
                "Close €5M in new business from Germany and France",
                KeyResultKind.CURRENCY,
                0,
                5_000_000,
                currency="EUR",
            ),
            0.38,
            Confidence.AT_RISK,
        ),
        # Sales' pipeline and Marketing's leads chase one result: the overlap finder reports the pair (issue 19).
        (
            kr(
                sales,
                "sales.lead",
                "Grow qualified pipeline in DACH and France to €4M",
                KeyResultKind.CURRENCY,
                0,
                4_000_000,
                currency="EUR",
            ),
            0.45,
            Confidence.ON_TRACK,
        ),
        (
            kr(sales, "sales.lead", "Raise win rate in target markets from 18% to 25%", KeyResultKind.PERCENT, 18, 25),
            0.5,
            Confidence.ON_TRACK,
        ),
        (
            kr(
                marketing,
                "member",
                "Generate 1,000 qualified leads from Germany and France",
                KeyResultKind.NUMBER,
                0,
                1000,
                unit="leads",
            ),
            0.62,
            Confidence.ON_TRACK,
        ),
        (
            kr(
                marketing,
                "member",
                "Grow newsletter subscribers in Germany and France from 2,000 to 6,000",
                KeyResultKind.NUMBER,
                2000,
                6000,
                unit="subscribers",
            ),
            0.55,
            Confidence.ON_TRACK,
        ),
        (
            kr(
                marketing, "member", "Raise the lead-to-opportunity rate from 12% to 20%", KeyResultKind.PERCENT, 12, 20
            ),
            0.35,
            Confidence.AT_RISK,
        ),
        (
            kr(
                marketing,
                "member",
                "Grow monthly organic visits from France from 5,000 to 20,000",
                KeyResultKind.NUMBER,
                5000,
                20000,
                unit="visits",
            ),
            0.4,
            Confidence.ON_TRACK,
        ),
        (
            kr(
                marketing,
                "marketing.lead",
                "Reduce cost per lead from €120 to €80",
                KeyResultKind.CURRENCY,
                120,
                80,
                direction="decrease",
                currency="EUR",
            ),
            0.3,
            Confidence.OFF_TRACK,
        ),
        (
            kr(product, "product.lead", "French version live for all customers", KeyResultKind.MILESTONE, 0, 1),
            1.0,
            Confidence.ON_TRACK,
        ),
        (
            kr(product, "product.lead", "German version live for all customers", KeyResultKind.MILESTONE, 0, 1),
            0.0,
            Confidence.AT_RISK,
        ),
        # The demo member's fifth, on the company objective: the new markets' sign-ups are Marketing's to drive.
        (
            kr(
                top,
                "member",
                "Grow trial sign-ups from France and Germany from 0 to 400",
                KeyResultKind.NUMBER,
                0,
                400,
                unit="sign-ups",
            ),
            0.25,
            Confidence.AT_RISK,
        ),
    ]

    owners: dict[int, Actor] = {}

    def owner_actor(key_result) -> Actor:
        if key_result.owner_id not in owners:
            owners[key_result.owner_id] = Actor.for_user(company, key_result.owner)
        return owners[key_result.owner_id]

    rng = random.Random(seed)
    now = timezone.now()
    weeks = max(1, (today - start).days // 7)
    for key_result, share, confidence in plan:
        for week in range(1, weeks + 1):
            fraction = share * week / weeks
            if key_result.kind == KeyResultKind.MILESTONE:
                value = Decimal(1) if share == 1.0 and week == weeks else Decimal(0)
            else:
                span = key_result.target_value - key_result.start_value
                noise = Decimal(str(round(rng.uniform(-0.03, 0.03), 3))) if week < weeks else 0
                value = (key_result.start_value + span * Decimal(str(fraction)) + span * noise).quantize(Decimal(1))
            recorded_at = min(
                now,
                timezone.make_aware(
                    datetime.datetime.combine(start + datetime.timedelta(weeks=week), datetime.time(10)),
                    company.tzinfo,
                ),
            )
            okr.checkin_create(
                company=company,
                actor=owner_actor(key_result),
                key_result=key_result,
                value=value,
                confidence=confidence if week > weeks // 2 else Confidence.ON_TRACK,
                note=rng.choice(["", "Steady week.", "Two big deals slipped.", "Campaign launched.", ""]),
                recorded_at=recorded_at,
            )
    _date_the_story(company=company, cycle=cycle, since=began)


def _date_the_story(*, company: Company, cycle: Cycle, since: datetime.datetime) -> None:
    """Date the events the loader just wrote as the story they tell, not as the second it was loaded.

    Every week of check-ins is replayed now, so without this the activity feed
    and the dashboard's "this week" would show the whole quarter as having
    happened just now. A check-in's event takes its check-in's moment; the
    objectives, key results and dependencies the story starts with take the
    cycle's first morning. Only the loader's own, just-written events move:
    the event table is otherwise append-only.
    """
    story = Event.objects.filter(company=company, created_at__gte=since)
    story.filter(checkin__isnull=False).update(
        created_at=Subquery(CheckIn.objects.filter(pk=OuterRef("checkin_id")).values("created_at")[:1])
    )
    first_morning = timezone.make_aware(datetime.datetime.combine(cycle.start_date, datetime.time(9)), company.tzinfo)
    story.filter(checkin__isnull=True, cycle=cycle).update(created_at=min(first_morning, since))


def first_cycle(company: Company, actor: Actor) -> Cycle:
    """The company's cycle running today, else a new active cycle for the current quarter."""
    today = company.local_today()
    cycle = (
        Cycle.objects.filter(company=company, start_date__lte=today, end_date__gte=today)
        .exclude(status=CycleStatus.CLOSED)
        .order_by("-status", "start_date")
        .first()
    )
    if cycle is not None:
        if cycle.status == CycleStatus.PLANNING:
            cycle = okr.cycle_activate(company=company, actor=actor, cycle=cycle)
        return cycle
    name, start, end = current_quarter(today)
    if Cycle.objects.filter(company=company, name=name).exists():
        name = f"{name} (example)"
    return okr.cycle_create(
        company=company, actor=None, name=name, start_date=start, end_date=end, status=CycleStatus.ACTIVE
    )


@transaction.atomic
def load_example_cascade(*, company: Company, actor: Actor) -> Cycle:
    """Load the example cascade into an empty company (admins only); its loader owns all of it.

    Refused once the company has objectives: the example is a starting
    template, not something to mix into real OKRs. Departments named like the
    example's are reused. Everything loaded is ordinary data, editable after.
    """
    actor.require(Action.MANAGE_COMPANY)
    Company.objects.select_for_update().get(pk=company.pk)
    if Objective.objects.filter(company=company).exists():
        raise invalid("company", "The example loads only into a company with no objectives yet.", "not_empty")
    existing = {d.name: d for d in Department.objects.filter(company=company, name__in=CASCADE_DEPARTMENTS)}
    departments = {
        name: existing.get(name) or department_services.department_create(company=company, actor=None, name=name)
        for name in CASCADE_DEPARTMENTS
    }
    cycle = first_cycle(company, actor)
    _load_cascade(company=company, cycle=cycle, departments=departments, person=lambda _: actor.user, seed=7)
    snapshots.backfill_company(company=company, replace=True)
    return cycle
