"""A department's plan for a cycle: submit, return with a comment, resubmit, approve (activating the drafts).

States: drafting → submitted → approved, or submitted → returned → submitted.
While submitted, the department's drafts are locked for every writer; an
approval activates them at once through the one activation (focus limit,
events). Drafts of a planning cycle are read, and commented on, company-wide.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from companies.models import FocusMode
from discussion import services as discussion
from discussion.selectors import Target
from objectives import selectors
from objectives import services as okr
from objectives.models import (
    PLAN_LOCKED,
    CycleStatus,
    DepartmentPlan,
    Event,
    Objective,
    ObjectiveStatus,
    PlanState,
    Verb,
)
from okrhub.errors import NotFound, PermissionDenied
from tests.factories import CycleFactory, DepartmentFactory, MembershipFactory, UserFactory
from tests.helpers import refused


@pytest.fixture
def planning(team):
    """A cycle in planning where the Sales member drafted two objectives (one with a key result)."""
    cycle = CycleFactory(
        company=team.company,
        name="2027 Q1",
        start_date=datetime.date(2027, 1, 1),
        end_date=datetime.date(2027, 3, 31),
        status=CycleStatus.PLANNING,
    )
    member = team.actor(team.member)
    first = okr.objective_create(
        company=team.company, actor=member, cycle=cycle, title="Win the north", department=team.department
    )
    okr.key_result_create(
        company=team.company, actor=member, objective=first, title="Revenue from 0 to 10", target_value=10
    )
    second = okr.objective_create(
        company=team.company, actor=member, cycle=cycle, title="Keep customers", department=team.department
    )
    return cycle, first, second


def _submit(team, cycle, user=None):
    return okr.plan_submit(
        company=team.company, actor=team.actor(user or team.lead), cycle=cycle, department=team.department
    )


def _return(team, cycle, comment="Tie the second to a company objective"):
    return okr.plan_return(
        company=team.company, actor=team.actor(team.leader), cycle=cycle, department=team.department, comment=comment
    )


def _approve(team, cycle, user=None):
    return okr.plan_approve(
        company=team.company, actor=team.actor(user or team.leader), cycle=cycle, department=team.department
    )


def test_the_lead_submits_and_the_event_names_the_department_and_cycle(team, planning):
    cycle, _, _ = planning
    plan = _submit(team, cycle)
    assert plan.state == PlanState.SUBMITTED
    assert plan.submitted_by == team.lead
    assert plan.submitted_at is not None
    event = Event.objects.get(verb=Verb.PLAN_SUBMITTED)
    assert event.subject_kind == "plan"
    assert event.subject_id == plan.pk
    assert event.objective_id is None
    assert event.department_id == team.department.pk
    assert event.cycle_id == cycle.pk
    assert event.payload["department_name"] == "Sales"
    assert event.payload["cycle_name"] == "2027 Q1"
    assert event.payload["objective_count"] == 2


def test_an_empty_plan_is_refused_naming_department(team):
    cycle = CycleFactory(company=team.company, status=CycleStatus.PLANNING)
    with refused("department", code="empty_plan"):
        _submit(team, cycle)
    assert not DepartmentPlan.objects.exists()


@pytest.mark.parametrize("who", ["member", "viewer", "leader"])
def test_only_the_lead_or_an_admin_submits(team, planning, who):
    cycle, _, _ = planning
    with refused("", exc=PermissionDenied):
        _submit(team, cycle, getattr(team, who))


def test_an_admin_submits_for_the_department(team, planning):
    assert _submit(team, planning[0], team.admin).state == PlanState.SUBMITTED


def test_a_submitted_plans_drafts_are_locked_for_everyone(team, planning):
    cycle, first, second = planning
    _submit(team, cycle)
    member, lead = team.actor(team.member), team.actor(team.lead)
    with refused("status", code="plan_submitted"):
        okr.objective_update(company=team.company, actor=member, objective=first, title="Win the south")
    with refused("status", code="plan_submitted"):
        okr.objective_update(company=team.company, actor=lead, objective=first, title="Win the south")
    with refused("status", code="plan_submitted"):
        okr.key_result_create(
            company=team.company, actor=member, objective=second, title="NPS from 30 to 40", target_value=40
        )
    kr = first.key_results.get()
    with refused("status", code="plan_submitted"):
        okr.key_result_update(company=team.company, actor=member, key_result=kr, title="Revenue from 0 to 12")
    with refused("status", code="plan_submitted"):
        okr.key_result_delete(company=team.company, actor=member, key_result=kr)
    with refused("status", code="plan_submitted"):
        okr.objective_delete(company=team.company, actor=member, objective=second)
    with refused("status", code="plan_submitted"):
        okr.objective_set_status(company=team.company, actor=lead, objective=second, status=ObjectiveStatus.ACTIVE)
    with refused("department", code="plan_submitted"):
        okr.objective_create(
            company=team.company, actor=member, cycle=cycle, title="Third idea", department=team.department
        )


def test_another_departments_drafts_stay_open_while_sales_is_under_review(team, planning):
    cycle, _, _ = planning
    _submit(team, cycle)
    support = DepartmentFactory(company=team.company, name="Support", slug="support")
    draft = okr.objective_create(
        company=team.company, actor=team.actor(team.admin), cycle=cycle, title="Answer faster", department=support
    )
    okr.objective_update(company=team.company, actor=team.actor(team.admin), objective=draft, title="Answer in a day")


@pytest.mark.parametrize(
    ("steps", "action"),
    [
        ([], "approve"),
        ([], "return"),
        (["submit"], "submit"),
        (["submit", "return"], "approve"),
        (["submit", "return"], "return"),
        (["submit", "approve"], "approve"),
        (["submit", "approve"], "return"),
    ],
)
def test_illegal_transitions_are_refused_naming_state(team, planning, steps, action):
    cycle, _, _ = planning
    do = {
        "submit": lambda: _submit(team, cycle),
        "return": lambda: _return(team, cycle),
        "approve": lambda: _approve(team, cycle),
    }
    for step in steps:
        do[step]()
    with refused("state", code="invalid_transition"):
        do[action]()


@pytest.mark.parametrize("comment", ["", "   \n "])
def test_a_return_without_a_comment_is_refused_naming_comment(team, planning, comment):
    cycle, _, _ = planning
    _submit(team, cycle)
    with refused("comment", code="required"):
        _return(team, cycle, comment)


def test_a_too_long_comment_is_refused(team, planning):
    cycle, _, _ = planning
    _submit(team, cycle)
    with refused("comment", code="max_length"):
        _return(team, cycle, "x" * 2001)


def test_returned_unlocks_the_drafts_and_the_lead_resubmits(team, planning):
    cycle, first, _ = planning
    _submit(team, cycle)
    plan = _return(team, cycle, "  Ladder both to a company objective  ")
    assert plan.state == PlanState.RETURNED
    assert plan.returned_comment == "Ladder both to a company objective"
    assert plan.decided_by == team.leader
    event = Event.objects.get(verb=Verb.PLAN_RETURNED)
    assert event.payload["comment"] == "Ladder both to a company objective"
    assert event.payload["department_name"] == "Sales"
    okr.objective_update(company=team.company, actor=team.actor(team.member), objective=first, title="Win the south")
    assert _submit(team, cycle).state == PlanState.SUBMITTED


@pytest.mark.parametrize("who", ["lead", "member", "viewer"])
def test_only_leaders_and_admins_review(team, planning, who):
    cycle, _, _ = planning
    _submit(team, cycle)
    with refused("", exc=PermissionDenied):
        _approve(team, cycle, getattr(team, who))
    with refused("", exc=PermissionDenied):
        okr.plan_return(
            company=team.company,
            actor=team.actor(getattr(team, who)),
            cycle=cycle,
            department=team.department,
            comment="No",
        )


def test_approval_activates_the_departments_drafts_at_once_with_their_events(team, planning):
    """Decided: approval activates at once, even while the cycle is still in planning."""
    cycle, first, second = planning
    _submit(team, cycle)
    plan = _approve(team, cycle, team.admin)
    assert plan.state == PlanState.APPROVED
    assert plan.decided_by == team.admin
    statuses = set(Objective.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True))
    assert statuses == {ObjectiveStatus.ACTIVE}
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.PLANNING
    activated = Event.objects.filter(verb=Verb.OBJECTIVE_ACTIVATED).values_list("objective_id", "actor_id")
    assert sorted(activated) == sorted([(first.pk, team.admin.pk), (second.pk, team.admin.pk)])
    approved = Event.objects.get(verb=Verb.PLAN_APPROVED)
    assert approved.payload["objective_count"] == 2
    assert approved.payload["comment"] == ""


def test_an_approval_past_a_blocking_focus_limit_is_refused_whole(team, planning):
    cycle, _first, _second = planning
    team.company.focus_mode = FocusMode.BLOCK
    team.company.max_objectives_per_department = 1
    team.company.save()
    _submit(team, cycle)
    with refused("department", code="activation_refused"):
        _approve(team, cycle)
    assert DepartmentPlan.objects.get().state == PlanState.SUBMITTED
    assert set(Objective.objects.values_list("status", flat=True)) == {ObjectiveStatus.DRAFT}


def test_an_approved_plan_takes_a_second_round_for_new_drafts(team, planning):
    cycle, _, _ = planning
    _submit(team, cycle)
    _approve(team, cycle)
    with refused("department", code="empty_plan"):
        _submit(team, cycle)
    okr.objective_create(
        company=team.company, actor=team.actor(team.member), cycle=cycle, title="Late idea", department=team.department
    )
    assert _submit(team, cycle).state == PlanState.SUBMITTED


def test_a_closed_cycle_takes_no_plan(team, planning):
    cycle, _, _ = planning
    cycle.status = CycleStatus.CLOSED
    cycle.save()
    with refused("cycle", code="cycle_closed"):
        _submit(team, cycle)


def test_another_companys_department_or_cycle_is_not_found(team, other_team, planning):
    cycle, _, _ = planning
    with refused("", exc=NotFound):
        okr.plan_submit(
            company=team.company, actor=team.actor(team.admin), cycle=cycle, department=other_team.department
        )
    with refused("", exc=NotFound):
        okr.plan_submit(
            company=team.company, actor=team.actor(team.admin), cycle=other_team.cycle, department=team.department
        )


def test_drafts_of_a_planning_cycle_are_read_and_commented_on_company_wide(team, planning):
    """The one visibility rule already reads drafts company-wide; only private ones stay in their department."""
    cycle, first, _ = planning
    outsider = MembershipFactory(company=team.company, user=UserFactory()).user
    hidden = okr.objective_create(
        company=team.company,
        actor=team.actor(team.member),
        cycle=cycle,
        title="Quiet idea",
        department=team.department,
        private=True,
    )
    readable = set(
        selectors.objective_list(company=team.company, actor=team.actor(outsider)).values_list("pk", flat=True)
    )
    assert first.pk in readable
    assert hidden.pk not in readable
    comment = discussion.comment_create(
        company=team.company, actor=team.actor(outsider), target=Target(objective=first), body="Could Support help?"
    )
    assert comment.objective_id == first.pk
    assert Event.objects.filter(verb=Verb.COMMENT_CREATED, objective=first).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_an_edit_racing_the_submission_lands_before_it_or_is_refused(attempt):
    """The reviewer judges what was submitted: an edit either commits before the submission reads the drafts or
    waits for it and is refused; never after it, unseen."""
    from conftest import make_team
    from tests.concurrency import run_concurrently

    team = make_team(f"race{attempt}")
    cycle = CycleFactory(company=team.company, status=CycleStatus.PLANNING)
    draft = okr.objective_create(
        company=team.company, actor=team.actor(team.member), cycle=cycle, title="First", department=team.department
    )

    def edit():
        try:
            okr.objective_update(company=team.company, actor=team.actor(team.member), objective=draft, title="Edited")
        except ValidationError as error:
            return error.message_dict
        return "edited"

    def submit():
        return _submit(team, cycle).state

    edited, submitted = run_concurrently(edit, submit)
    assert submitted == PlanState.SUBMITTED
    events = list(Event.objects.filter(company=team.company).order_by("id").values_list("verb", flat=True))
    if edited == "edited":
        assert events.index(Verb.OBJECTIVE_UPDATED) < events.index(Verb.PLAN_SUBMITTED), events
    else:
        assert edited == {"status": [PLAN_LOCKED[1]]}
        assert Objective.objects.get(pk=draft.pk).title == "First"
