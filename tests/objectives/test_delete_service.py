"""Deleting objectives: drafts and archived ones only, never one others ladder up to."""

from objectives import services as okr
from objectives.models import KeyResult, Objective, ObjectiveStatus
from okrhub.errors import NotFound, PermissionDenied
from tests.factories import KeyResultFactory, ObjectiveFactory
from tests.helpers import refused


def test_a_draft_is_deleted_with_its_key_results(team):
    draft = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, status="draft")
    KeyResultFactory(company=team.company, objective=draft)
    okr.objective_delete(company=team.company, actor=team.actor(team.lead), objective=draft)
    assert not Objective.objects.filter(pk=draft.pk).exists()
    assert not KeyResult.objects.filter(objective_id=draft.pk).exists()


def test_active_objectives_are_archived_not_deleted(team):
    active = ObjectiveFactory(company=team.company, cycle=team.cycle, status=ObjectiveStatus.ACTIVE)
    with refused("status", code="not_deletable"):
        okr.objective_delete(company=team.company, actor=team.actor(team.admin), objective=active)
    okr.objective_set_status(company=team.company, actor=None, objective=active, status="archived")
    okr.objective_delete(company=team.company, actor=team.actor(team.admin), objective=active)
    assert not Objective.objects.filter(pk=active.pk).exists()


def test_a_parent_is_not_deleted_under_its_children(team):
    parent = ObjectiveFactory(company=team.company, cycle=team.cycle, status="draft")
    ObjectiveFactory(company=team.company, cycle=team.cycle, parent=parent, status="draft")
    with refused("parent", code="has_children"):
        okr.objective_delete(company=team.company, actor=team.actor(team.admin), objective=parent)


def test_delete_follows_the_matrix_and_the_tenant(team, other_team):
    draft = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, status="draft")
    with refused("objective", exc=PermissionDenied):
        okr.objective_delete(company=team.company, actor=team.actor(team.viewer), objective=draft)
    with refused("objective", exc=NotFound):
        okr.objective_delete(company=other_team.company, actor=other_team.actor(other_team.admin), objective=draft)
