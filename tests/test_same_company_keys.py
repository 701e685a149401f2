"""The database refuses a row that points at another company's row (``okrhub.tenant_keys``).

One case per tenant-to-tenant reference: a raw UPDATE that points a row of
company A at company B's row fails with an IntegrityError; the same UPDATE
pointing at another row of A succeeds, so the key refuses only the crossing.
"""

from dataclasses import dataclass

import pytest
from django.db import IntegrityError, connection, transaction

from companies.models import Company
from departments.models import Department, DepartmentMembership
from objectives.models import CheckIn, Cycle, Dependency, KeyResult, Objective, SharedKeyResult
from tests.factories import (
    CompanyFactory,
    CycleFactory,
    DepartmentFactory,
    DepartmentMembershipFactory,
    KeyResultFactory,
    ObjectiveFactory,
    UserFactory,
)

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the composite keys exist on PostgreSQL only")


@dataclass
class Tenant:
    company: Company
    root: Department
    team: Department
    membership: DepartmentMembership
    cycle: Cycle
    other_cycle: Cycle
    goal: Objective
    objective: Objective
    key_result: KeyResult
    other_key_result: KeyResult
    checkin: CheckIn
    dependency: Dependency
    other_checkin: CheckIn
    shared: SharedKeyResult


def build_tenant() -> Tenant:
    company = CompanyFactory()
    root = DepartmentFactory(company=company)
    team = DepartmentFactory(company=company, parent=root)
    membership = DepartmentMembershipFactory(company=company, department=team, user=UserFactory())
    cycle = CycleFactory(company=company)
    other_cycle = CycleFactory(company=company)
    goal = ObjectiveFactory(company=company, cycle=cycle)
    objective = ObjectiveFactory(company=company, cycle=cycle, department=team, parent=goal)
    key_result = KeyResultFactory(company=company, objective=objective)
    other_key_result = KeyResultFactory(company=company, objective=goal)
    checkin = CheckIn.objects.create(company=company, key_result=key_result, value=10, confidence="on_track")
    dependency = Dependency.objects.create(company=company, from_objective=objective, to_objective=goal)
    other_checkin = CheckIn.objects.create(company=company, key_result=key_result, value=11, confidence="on_track")
    shared = SharedKeyResult.objects.create(company=company, objective=objective, key_result=other_key_result)
    return Tenant(
        company, root, team, membership, cycle, other_cycle, goal, objective, key_result, other_key_result, checkin,
        dependency, other_checkin, shared,
    )  # fmt: skip


# (table, column, the row of A to change, the referenced row: another of A's, or the same one in B)
REFERENCES = [
    ("departments_department", "parent_id", "root", "team"),
    ("departments_departmentmembership", "department_id", "membership", "root"),
    ("objectives_objective", "cycle_id", "objective", "other_cycle"),
    ("objectives_objective", "department_id", "objective", "root"),
    ("objectives_objective", "parent_id", "goal", "objective"),
    ("objectives_keyresult", "objective_id", "key_result", "goal"),
    ("objectives_checkin", "key_result_id", "checkin", "other_key_result"),
    ("objectives_checkin", "corrects_id", "checkin", "other_checkin"),
    ("objectives_dependency", "from_objective_id", "dependency", "objective"),
    ("objectives_dependency", "to_objective_id", "dependency", "goal"),
    ("objectives_sharedkeyresult", "objective_id", "shared", "goal"),
    ("objectives_sharedkeyresult", "key_result_id", "shared", "key_result"),
]


def point(table: str, column: str, row_id: int, target_id: int) -> None:
    """Run the raw UPDATE and check every constraint now, not at commit."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [target_id, row_id])  # noqa: S608
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "column", "row", "target"), REFERENCES, ids=[f"{t}.{c}" for t, c, *_ in REFERENCES])
def test_a_reference_cannot_cross_companies(table, column, row, target):
    a, b = build_tenant(), build_tenant()
    row_id = getattr(a, row).pk

    point(table, column, row_id, getattr(a, target).pk)

    with pytest.raises(IntegrityError, match="same_company"):
        point(table, column, row_id, getattr(b, target).pk)


@pytest.mark.django_db
def test_an_insert_through_the_orm_cannot_cross_companies():
    a, b = build_tenant(), build_tenant()
    with pytest.raises(IntegrityError, match="objectives_keyresult_objective_same_company"):
        insert_key_result(a.company, b.goal)


def insert_key_result(company: Company, objective: Objective) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        KeyResultFactory(company=company, objective=objective)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_a_null_reference_is_not_checked():
    """MATCH SIMPLE: a root department and a company-level objective have no company to match."""
    a = build_tenant()
    point("departments_department", "parent_id", a.team.pk, None)
    point("objectives_objective", "department_id", a.objective.pk, None)
    point("objectives_objective", "parent_id", a.objective.pk, None)
