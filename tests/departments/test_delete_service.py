"""Deleting departments: only empty ones, only by admins, only in their company."""

from departments import services
from departments.models import Department, DepartmentMembership
from okrhub.errors import NotFound, PermissionDenied
from tests.factories import DepartmentFactory, ObjectiveFactory
from tests.helpers import refused


def test_an_empty_department_goes_with_its_memberships(team):
    services.department_delete(company=team.company, actor=team.actor(team.admin), department=team.department)
    assert not Department.objects.filter(pk=team.department.pk).exists()
    assert not DepartmentMembership.objects.filter(department_id=team.department.pk).exists()


def test_a_department_with_objectives_or_teams_stays(team):
    ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department)
    with refused("department", code="has_objectives"):
        services.department_delete(company=team.company, actor=team.actor(team.admin), department=team.department)
    parent = DepartmentFactory(company=team.company)
    DepartmentFactory(company=team.company, parent=parent)
    with refused("parent", code="has_teams"):
        services.department_delete(company=team.company, actor=team.actor(team.admin), department=parent)


def test_only_admins_of_the_company_delete(team, other_team):
    with refused("department", exc=PermissionDenied):
        services.department_delete(company=team.company, actor=team.actor(team.lead), department=team.department)
    with refused("department", exc=NotFound):
        services.department_delete(
            company=other_team.company, actor=other_team.actor(other_team.admin), department=team.department
        )
