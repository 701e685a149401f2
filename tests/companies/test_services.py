"""Company, membership and department services."""

import pytest

from companies import services as company_services
from companies.models import Company, Membership
from departments import services as department_services
from departments.models import DepartmentMembership
from objectives import services as okr
from objectives.models import Objective
from okrhub.errors import NotFound, PermissionDenied
from tests.factories import DepartmentFactory
from tests.helpers import refused


def test_company_create_makes_creator_admin_with_unique_slug(db):
    founder = company_services.user_create(email="Founder@Example.TEST", password="x" * 12)
    first = company_services.company_create(name="Acme Corp", creator=founder)
    second = company_services.company_create(name="Acme Corp")
    assert founder.email == "founder@example.test"
    assert (first.slug, second.slug) == ("acme-corp", "acme-corp-2")
    assert Membership.objects.get(company=first, user=founder).role == "admin"


def test_settings_update_is_admin_only_and_validated(team):
    admin = team.actor(team.admin)
    company_services.company_settings_update(company=team.company, actor=admin, focus_mode="block", checkin_hour=8)
    team.company.refresh_from_db()
    assert (team.company.focus_mode, team.company.checkin_hour) == ("block", 8)
    with refused("timezone"):
        company_services.company_settings_update(company=team.company, actor=admin, timezone="Mars/Olympus")
    with refused("focus_mode"):
        company_services.company_settings_update(company=team.company, actor=admin, focus_mode="shout")
    with refused("checkin_hour"):
        company_services.company_settings_update(company=team.company, actor=admin, checkin_hour=24)
    for days in (0, 61):
        with refused("grading_window_days"):
            company_services.company_settings_update(company=team.company, actor=admin, grading_window_days=days)
    company_services.company_settings_update(company=team.company, actor=admin, grading_window_days=14)
    team.company.refresh_from_db()
    assert team.company.grading_window_days == 14
    with refused("checkin_hour", exc=PermissionDenied):
        company_services.company_settings_update(company=team.company, actor=team.actor(team.leader), checkin_hour=7)


def test_turning_child_rollup_off_recomputes(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        top = okr.objective_create(company=team.company, actor=None, cycle=team.cycle, title="Grow", activate=True)
        child = okr.objective_create(
            company=team.company,
            actor=None,
            cycle=team.cycle,
            department=team.department,
            parent=top,
            title="Sell",
            activate=True,
        )
        okr.key_result_create(
            company=team.company,
            actor=None,
            objective=child,
            title="Grow from 0 to 10",
            target_value=10,
            current_value=5,
        )
    assert Objective.objects.get(pk=top.pk).progress == 0.5
    with django_capture_on_commit_callbacks(execute=True):
        company_services.company_settings_update(
            company=team.company, actor=team.actor(team.admin), rollup_child_objectives=False
        )
    assert Objective.objects.get(pk=top.pk).progress is None


def test_last_admin_cannot_be_demoted(team):
    admin_membership = Membership.objects.get(company=team.company, user=team.admin)
    with refused("role", code="last_admin"):
        company_services.membership_update_role(
            company=team.company, actor=team.actor(team.admin), membership=admin_membership, role="member"
        )


def test_membership_of_other_company_is_not_found(team, other_team):
    theirs = Membership.objects.get(company=other_team.company, user=other_team.member)
    with refused("role", exc=NotFound):
        company_services.membership_update_role(
            company=team.company, actor=team.actor(team.admin), membership=theirs, role="viewer"
        )


def test_invalid_role_is_refused(team):
    membership = Membership.objects.get(company=team.company, user=team.member)
    with refused("role"):
        company_services.membership_update_role(
            company=team.company, actor=team.actor(team.admin), membership=membership, role="overlord"
        )


def test_department_cannot_sit_inside_itself(team):
    child = DepartmentFactory(company=team.company, name="DACH", slug="dach", parent=team.department)
    with refused("parent", code="department_cycle"):
        department_services.department_update(
            company=team.company, actor=team.actor(team.admin), department=team.department, parent=child
        )


def test_department_parent_of_other_company_is_not_found(team, other_team):
    with refused("parent", exc=NotFound):
        department_services.department_create(
            company=team.company, actor=None, name="Ops", parent=other_team.department
        )


def test_department_names_unique_per_company(team, other_team):
    department_services.department_create(company=other_team.company, actor=None, name="Marketing")
    department_services.department_create(company=team.company, actor=None, name="Marketing")
    with refused("name", code="unique"):
        department_services.department_create(company=team.company, actor=None, name="Marketing")


def test_only_company_members_join_departments(team, other_team):
    with refused("user"):
        department_services.department_member_set(
            company=team.company, actor=None, department=team.department, user=other_team.member
        )
    with refused("role"):
        department_services.department_member_set(
            company=team.company, actor=None, department=team.department, user=team.viewer, role="boss"
        )
    department_services.department_member_set(
        company=team.company, actor=team.actor(team.admin), department=team.department, user=team.viewer
    )
    assert DepartmentMembership.objects.filter(department=team.department, user=team.viewer).exists()


@pytest.mark.parametrize("field", ["max_objectives_per_department", "max_key_results_per_objective"])
def test_focus_limits_must_be_positive(team, field):
    with refused(field):
        company_services.company_settings_update(company=team.company, actor=team.actor(team.admin), **{field: 0})
    assert Company.objects.get(pk=team.company.pk).max_objectives_per_department == 3
