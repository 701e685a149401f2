"""Resolving the actor: membership per company, department roles through parents."""

import pytest

from companies.tenancy import Actor, resolve_actor
from okrhub.errors import NotFound
from okrhub.permissions import Action
from tests.factories import DepartmentFactory


def test_resolve_actor_for_member(team):
    actor = resolve_actor(user=team.lead, company_slug=team.company.slug)
    assert actor.company == team.company
    assert actor.role == "member"
    assert actor.department_role(team.department.pk) == "lead"


def test_non_member_and_missing_company_are_the_same_not_found(team, other_team):
    with pytest.raises(NotFound) as not_member:
        resolve_actor(user=other_team.admin, company_slug=team.company.slug)
    with pytest.raises(NotFound) as missing:
        resolve_actor(user=other_team.admin, company_slug="nope")
    assert str(not_member.value) == str(missing.value)


def test_department_role_applies_to_teams_inside(team):
    dach = DepartmentFactory(company=team.company, name="DACH", slug="dach", parent=team.department)
    berlin = DepartmentFactory(company=team.company, name="Berlin", slug="berlin", parent=dach)
    lead = Actor.for_user(team.company, team.lead)
    member = Actor.for_user(team.company, team.member)
    assert lead.department_role(berlin.pk) == "lead"
    assert member.department_role(berlin.pk) == "member"
    assert lead.can(Action.MANAGE_OBJECTIVE, department_id=berlin.pk)
    assert not member.can(Action.MANAGE_OBJECTIVE, department_id=berlin.pk)
    other = DepartmentFactory(company=team.company, name="Finance", slug="finance")
    assert lead.department_role(other.pk) is None


def test_actor_for_user_of_other_company_is_not_found(team, other_team):
    with pytest.raises(NotFound):
        Actor.for_user(team.company, other_team.member)
