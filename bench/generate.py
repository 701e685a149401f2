"""Build a large company fast, straight into PostgreSQL with COPY.

At ``scale=1``: 200 departments (20 divisions of 10 teams), 10,000 objectives
in a three-level laddering tree, 40,000 key results, 200,000 check-ins, one
active cycle. Stored progress is computed with the same maths as the
services, so a full recompute afterwards changes nothing.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from companies.models import Company
from objectives.progress import key_result_progress
from objectives.rollup import compute_company_progress

BENCH_SLUG = "bench"
BENCH_PASSWORD = "bench-password"
CONFIDENCES = ("on_track", "on_track", "on_track", "at_risk", "off_track")


@dataclass(frozen=True)
class Sizes:
    departments: int
    objectives: int
    key_results_per_objective: int
    checkins_per_key_result: int
    users: int

    @classmethod
    def at(cls, scale: float) -> "Sizes":
        departments = max(2, round(200 * scale))
        return cls(
            departments=departments,
            objectives=max(departments + 2, round(10_000 * scale)),
            key_results_per_objective=4,
            checkins_per_key_result=5,
            users=max(5, round(1_000 * scale)),
        )


def _next_ids(cursor, table: str, count: int) -> int:
    """Reserve ``count`` ids from the table's sequence; return the first."""
    cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")
    first = cursor.fetchone()[0]
    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [first + count])
    return first


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def delete_company(slug: str = BENCH_SLUG) -> None:
    """Remove a bench company and everything it owns, in bulk."""
    company = Company.objects.filter(slug=slug).first()
    if company is None:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for table in (
            # Notifications refer to events (and people); the conversation to check-ins and objectives;
            # events to check-ins, key results, objectives and cycles: all before what they name.
            "notifications_notification",
            "notifications_notificationpreference",
            "notifications_notificationdigest",
            "discussion_reaction",
            "discussion_mention",
            "discussion_comment",
            "objectives_event",
            "insights_objectivesnapshot",
            "insights_keyresultsnapshot",
            "insights_dailytotal",
            "insights_snapshotrun",
            "objectives_checkin",
            "objectives_dependency",
            "objectives_keyresult",
            "objectives_periodicemail",
            "companies_companyapikey",
            "companies_idempotencyrecord",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE company_id = %s", [company.pk])
        cursor.execute("UPDATE objectives_objective SET parent_id = NULL WHERE company_id = %s", [company.pk])
        cursor.execute("DELETE FROM objectives_objective WHERE company_id = %s", [company.pk])
        cursor.execute("DELETE FROM objectives_cycle WHERE company_id = %s", [company.pk])
        cursor.execute("DELETE FROM departments_departmentmembership WHERE company_id = %s", [company.pk])
        cursor.execute("UPDATE departments_department SET parent_id = NULL WHERE company_id = %s", [company.pk])
        cursor.execute("DELETE FROM departments_department WHERE company_id = %s", [company.pk])
        cursor.execute(
            "DELETE FROM companies_user WHERE id IN (SELECT user_id FROM companies_membership WHERE company_id = %s)"
            " AND email LIKE %s",
            [company.pk, f"%@{slug}.bench.test"],
        )
        cursor.execute("DELETE FROM companies_membership WHERE company_id = %s", [company.pk])
        cursor.execute("DELETE FROM companies_company WHERE id = %s", [company.pk])


@dataclass
class Built:
    company: Company
    sizes: Sizes
    cycle_id: int
    leader_email: str
    member_email: str
    seconds: float


def build_company(*, scale: float = 1.0, slug: str = BENCH_SLUG, seed: int = 1) -> Built:
    """Create the bench company (replacing an old one) and return what was built."""
    started = timezone.now()
    delete_company(slug)
    sizes = Sizes.at(scale)
    rng = random.Random(seed)
    now = timezone.now()
    today = now.date()
    cycle_start = today - datetime.timedelta(days=45)
    cycle_end = cycle_start + datetime.timedelta(days=90)
    password = make_password(BENCH_PASSWORD)

    with transaction.atomic(), connection.cursor() as cursor:
        company = Company.objects.create(name=f"Bench {scale:g}", slug=slug, timezone="UTC")
        cid = company.pk

        # People: one leader, one admin, the rest members spread over the teams.
        first_user = _next_ids(cursor, "companies_user", sizes.users)
        user_ids = list(range(first_user, first_user + sizes.users))
        emails = [f"user{n}@{slug}.bench.test" for n in range(sizes.users)]
        _copy(
            cursor,
            "companies_user",
            (
                "id",
                "password",
                "is_superuser",
                "email",
                "full_name",
                "is_active",
                "is_staff",
                "checkin_reminders",
                "email_verified",
                "date_joined",
            ),
            (
                (uid, password, False, email, f"Bench Person {n}", True, False, True, True, now)
                for n, (uid, email) in enumerate(zip(user_ids, emails, strict=True))
            ),
        )
        roles = ["leader", "admin"] + ["member"] * (sizes.users - 2)
        first_membership = _next_ids(cursor, "companies_membership", sizes.users)
        _copy(
            cursor,
            "companies_membership",
            ("id", "company_id", "user_id", "role", "created_at"),
            ((first_membership + n, cid, uid, roles[n], now) for n, uid in enumerate(user_ids)),
        )

        # Departments: divisions with teams inside.
        divisions = max(1, sizes.departments // 10)
        first_department = _next_ids(cursor, "departments_department", sizes.departments)
        department_ids = list(range(first_department, first_department + sizes.departments))
        department_parent = {
            did: (None if n < divisions else department_ids[n % divisions]) for n, did in enumerate(department_ids)
        }
        _copy(
            cursor,
            "departments_department",
            ("id", "company_id", "name", "slug", "parent_id"),
            ((did, cid, f"Department {n}", f"department-{n}", None) for n, did in enumerate(department_ids)),
        )
        for did, parent in department_parent.items():
            if parent is not None:
                cursor.execute("UPDATE departments_department SET parent_id = %s WHERE id = %s", [parent, did])
        members = user_ids[2:]
        first_dm = _next_ids(cursor, "departments_departmentmembership", len(members))
        _copy(
            cursor,
            "departments_departmentmembership",
            ("id", "company_id", "department_id", "user_id", "role"),
            (
                (
                    first_dm + n,
                    cid,
                    department_ids[n % len(department_ids)],
                    uid,
                    "lead" if n < len(department_ids) else "member",
                )
                for n, uid in enumerate(members)
            ),
        )

        cursor.execute(
            "INSERT INTO objectives_cycle (company_id, name, start_date, end_date, status) "
            "VALUES (%s, %s, %s, %s, 'active') RETURNING id",
            [cid, "Bench cycle", cycle_start, cycle_end],
        )
        cycle_id = cursor.fetchone()[0]

        # Objectives: company level, then divisions laddering to them, then teams to their division.
        company_count = max(2, sizes.objectives // 500)
        # Every department gets its share and the first ones one more, so the total is exactly the size asked.
        per_department, remainder = divmod(sizes.objectives - company_count, sizes.departments)
        first_objective = _next_ids(cursor, "objectives_objective", sizes.objectives)
        objectives: list[dict] = []
        by_department: dict[int, list[int]] = {}
        next_id = first_objective
        for n in range(company_count):
            objectives.append({"id": next_id, "parent_id": None, "department_id": None, "n": n})
            next_id += 1
        company_ids = [o["id"] for o in objectives]
        ordered = department_ids[:divisions] + department_ids[divisions:]
        for position, did in enumerate(ordered):
            parent_department = department_parent[did]
            for _ in range(per_department + (1 if position < remainder else 0)):
                if next_id >= first_objective + sizes.objectives:
                    break
                if parent_department is None:
                    parent = rng.choice(company_ids)
                else:
                    parent = rng.choice(by_department[parent_department])
                if rng.random() < 0.03:
                    parent = None  # a few unaligned objectives, as in real companies
                objectives.append({"id": next_id, "parent_id": parent, "department_id": did})
                by_department.setdefault(did, []).append(next_id)
                next_id += 1
        for o in objectives:
            o["status"] = "draft" if rng.random() < 0.02 else "active"
            o["weight"] = Decimal(1)
            # A few private objectives, so every read exercises the privacy filter.
            o["private"] = o["department_id"] is not None and rng.random() < 0.01
        # Cross-team dependencies on about one objective in twenty.
        department_objectives = [o["id"] for o in objectives if o["department_id"] is not None]
        dependencies = sorted(
            {
                (from_id, to_id)
                for from_id in department_objectives
                if rng.random() < 0.05
                for to_id in [rng.choice(department_objectives)]
                if to_id != from_id
            }
        )

        # Key results and check-ins.
        key_results: list[dict] = []
        checkins: list[tuple] = []
        first_kr = _next_ids(cursor, "objectives_keyresult", len(objectives) * sizes.key_results_per_objective)
        first_checkin = _next_ids(
            cursor,
            "objectives_checkin",
            len(objectives) * sizes.key_results_per_objective * sizes.checkins_per_key_result,
        )
        checkin_id = first_checkin
        kr_id = first_kr
        for o in objectives:
            owner = rng.choice(user_ids)
            o["owner_id"] = owner
            for k in range(sizes.key_results_per_objective):
                target = Decimal(rng.choice([10, 100, 1000, 5000]))
                kind = "percent" if k == 1 else "number"
                kr = {
                    "id": kr_id,
                    "objective_id": o["id"],
                    "owner_id": owner,
                    "kind": kind,
                    "direction": "increase",
                    "start_value": Decimal(0),
                    "target_value": target,
                    "weight": Decimal(1),
                    "title": f"Grow metric {k}",
                }
                value = None
                confidence = ""
                last_at = None
                for c in range(sizes.checkins_per_key_result):
                    value = (target * Decimal(rng.randint(0, 100)) / 100).quantize(Decimal(1))
                    confidence = rng.choice(CONFIDENCES)
                    last_at = now - datetime.timedelta(days=7 * (sizes.checkins_per_key_result - c), hours=k)
                    checkins.append((checkin_id, cid, kr_id, owner, value, confidence, "", last_at, last_at))
                    checkin_id += 1
                kr.update(current_value=value, confidence=confidence, last_checkin_at=last_at)
                kr["progress"] = key_result_progress(
                    kind=kind, direction="increase", start=kr["start_value"], target=target, current=value
                )
                key_results.append(kr)
                kr_id += 1

        _, objective_progress = compute_company_progress(
            objectives=objectives, key_results=key_results, rollup_children=True
        )
        _copy(
            cursor,
            "objectives_objective",
            (
                "id",
                "company_id",
                "cycle_id",
                "department_id",
                "owner_id",
                "title",
                "description",
                "status",
                "parent_id",
                "weight",
                "private",
                "progress",
                "created_at",
                "updated_at",
            ),
            (
                (
                    o["id"],
                    cid,
                    cycle_id,
                    o["department_id"],
                    o["owner_id"],
                    f"Objective {o['id']}",
                    "",
                    o["status"],
                    None,
                    o["weight"],
                    o["private"],
                    objective_progress[o["id"]],
                    now,
                    now,
                )
                for o in objectives
            ),
        )
        cursor.execute(
            "UPDATE objectives_objective o SET parent_id = v.parent_id "
            "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::bigint[]) AS parent_id) v WHERE o.id = v.id",
            [[o["id"] for o in objectives if o["parent_id"]], [o["parent_id"] for o in objectives if o["parent_id"]]],
        )
        _copy(
            cursor,
            "objectives_keyresult",
            (
                "id",
                "company_id",
                "objective_id",
                "owner_id",
                "title",
                "kind",
                "direction",
                "start_value",
                "target_value",
                "current_value",
                "unit",
                "currency",
                "weight",
                "confidence",
                "last_checkin_at",
                "progress",
                "created_at",
                "updated_at",
            ),
            (
                (
                    kr["id"],
                    cid,
                    kr["objective_id"],
                    kr["owner_id"],
                    kr["title"],
                    kr["kind"],
                    "increase",
                    kr["start_value"],
                    kr["target_value"],
                    kr["current_value"],
                    "",
                    "",
                    kr["weight"],
                    kr["confidence"],
                    kr["last_checkin_at"],
                    kr["progress"],
                    now,
                    now,
                )
                for kr in key_results
            ),
        )
        _copy(
            cursor,
            "objectives_checkin",
            (
                "id",
                "company_id",
                "key_result_id",
                "author_id",
                "value",
                "confidence",
                "note",
                "created_at",
                "entered_at",
            ),
            checkins,
        )
        first_dependency = _next_ids(cursor, "objectives_dependency", len(dependencies))
        _copy(
            cursor,
            "objectives_dependency",
            ("id", "company_id", "from_objective_id", "to_objective_id", "note", "created_at"),
            ((first_dependency + n, cid, from_id, to_id, "", now) for n, (from_id, to_id) in enumerate(dependencies)),
        )
        cursor.execute("ANALYZE")

    member_email = emails[2]
    return Built(
        company=company,
        sizes=sizes,
        cycle_id=cycle_id,
        leader_email=emails[0],
        member_email=member_email,
        seconds=(timezone.now() - started).total_seconds(),
    )
