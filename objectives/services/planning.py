"""Writes of planning: a department submits its draft objectives of a cycle; a leader or admin approves or returns them.

A department's plan (``DepartmentPlan``) moves drafting → submitted →
approved, or submitted → returned → (the drafts edited) → submitted again.
An approved plan may be submitted again when the department has drafted
more since (the new drafts need their own review). While submitted, the
department's drafts in the cycle are locked for every writer
(``objectives.models.plan_lock_refusal``).

Approval activates the department's drafts in the cycle **at once**,
whether the cycle is in planning or already running, through the one
activation (``objective_set_status``): the focus limit applies (in "block"
mode an approval that would pass it is refused whole, naming
``department``), every draft gets its ``objective.activated`` event, and the
roll-up follows. In a cycle still in planning the approved objectives are
then committed objectives of a cycle that has not started: they count
against the focus limit and show as active on the tree; check-ins on them
follow the cycle's own rules.

Each write locks the plan row (made on the first submission; an insert
that ignores a concurrent twin, then ``SELECT … FOR UPDATE``), so two
reviewers racing on one plan decide once: the second sees the state the
first left and is refused naming ``state``. Writes to drafts take the same
row (``plan_lock_refusal(lock=True)``) after their objective's, and a
submission or approval locks the drafts before the plan, in that same
order: an edit racing a submission lands before it or is refused.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from companies import revision
from companies.models import Company
from companies.tenancy import Actor
from departments.models import Department
from objectives import events
from objectives.models import Cycle, DepartmentPlan, Objective, ObjectiveStatus, PlanState, Verb
from objectives.services._common import _refuse_closed_cycle, _same_company
from objectives.services.objectives import objective_set_status
from okrhub.errors import invalid
from okrhub.permissions import Action

#: A return's comment, at most (the column's ``max_length``, which Django checks in forms only).
COMMENT_MAX_LENGTH = DepartmentPlan._meta.get_field("returned_comment").max_length or 2000

#: state → the states a plan may move to.
PLAN_TRANSITIONS: dict[str, set[str]] = {
    PlanState.DRAFTING: {PlanState.SUBMITTED},
    PlanState.SUBMITTED: {PlanState.APPROVED, PlanState.RETURNED},
    PlanState.RETURNED: {PlanState.SUBMITTED},
    PlanState.APPROVED: {PlanState.SUBMITTED},
}


def _locked_plan(company: Company, cycle: Cycle, department: Department) -> tuple[Cycle, DepartmentPlan]:
    """The cycle (refused when closed) and the plan row, locked; the row is made when missing."""
    _same_company(company, cycle=cycle, department=department)
    cycle = Cycle.objects.get(pk=cycle.pk, company=company)
    _refuse_closed_cycle(cycle)
    DepartmentPlan.objects.bulk_create(
        [DepartmentPlan(company=company, cycle=cycle, department=department)], ignore_conflicts=True
    )
    plan = DepartmentPlan.objects.select_for_update().get(company=company, cycle=cycle, department=department)
    plan.cycle, plan.department = cycle, department
    return cycle, plan


def _lock_drafts(company: Company, cycle: Cycle, department: Department) -> None:
    """Lock the department's drafts of the cycle, before the plan's row.

    The order every write to a draft takes them in (its objective, then the
    plan: ``plan_lock_refusal``): an edit in flight finishes first and is
    seen; one that comes after waits and is refused; and an edit waiting on
    the plan never holds a row this needs. (A brand-new draft has no row to
    wait on; it waits on the plan's row, once there is one.)
    """
    list(
        Objective.objects.select_for_update(of=("self",))
        .filter(company=company, cycle=cycle, department=department, status=ObjectiveStatus.DRAFT)
        .order_by("id")
        .values_list("id", flat=True)
    )


def _refuse_transition(plan: DepartmentPlan, to: str, doing: str) -> None:
    if to not in PLAN_TRANSITIONS[plan.state]:
        raise invalid(
            "state",
            f"{plan.department.name}'s plan is {plan.get_state_display().lower()}; it cannot be {doing} now.",
            "invalid_transition",
        )


def _drafts(company: Company, cycle: Cycle, department: Department) -> list[Objective]:
    return list(
        Objective.objects.filter(
            company=company, cycle=cycle, department=department, status=ObjectiveStatus.DRAFT
        ).order_by("id")
    )


def _record(verb: Verb, company: Company, actor: Actor, plan: DepartmentPlan, count: int, comment: str = "") -> None:
    """A plan's event: about no objective (plans are read company-wide), in the department's feed."""
    payload = {
        "plan_id": plan.pk,
        "department_id": plan.department_id,
        "department_name": plan.department.name,
        "cycle_id": plan.cycle_id,
        "cycle_name": plan.cycle.name,
        "objective_count": count,
    }
    if verb != Verb.PLAN_SUBMITTED:
        payload["comment"] = comment
    events.record(
        verb,
        company_id=company.pk,
        actor=actor,
        cycle=plan.cycle,
        subject=("plan", plan.pk),
        department_id=plan.department_id,
        payload=payload,
    )


@transaction.atomic
def plan_submit(*, company: Company, actor: Actor, cycle: Cycle, department: Department) -> DepartmentPlan:
    """Submit the department's drafts of the cycle for review (its lead, or an admin: ``Action.SUBMIT_PLAN``).

    Refused naming ``department`` when it has no draft in the cycle, ``state``
    when already submitted, ``cycle`` when the cycle is closed.
    """
    _same_company(company, cycle=cycle, department=department)
    actor.require(Action.SUBMIT_PLAN, department_id=department.pk)
    _lock_drafts(company, cycle, department)
    cycle, plan = _locked_plan(company, cycle, department)
    _refuse_transition(plan, PlanState.SUBMITTED, "submitted")
    drafts = _drafts(company, cycle, department)
    if not drafts:
        raise invalid(
            "department", f"{department.name} has no draft objectives in {cycle.name} to submit.", "empty_plan"
        )
    plan.state = PlanState.SUBMITTED
    plan.submitted_at = timezone.now()
    plan.submitted_by = actor.user
    plan.save(update_fields=["state", "submitted_at", "submitted_by"])
    revision.bump(company.pk)  # the plan's state is on the planning board and locks the drafts' edit buttons
    _record(Verb.PLAN_SUBMITTED, company, actor, plan, len(drafts))
    return plan


@transaction.atomic
def plan_approve(*, company: Company, actor: Actor, cycle: Cycle, department: Department) -> DepartmentPlan:
    """Approve a submitted plan (a leader or admin: ``Action.REVIEW_PLAN``), activating its drafts at once.

    The drafts go live through ``objective_set_status`` (focus limit, events,
    roll-up); when the focus limit refuses one, nothing is approved and the
    refusal names ``department``.
    """
    _same_company(company, cycle=cycle, department=department)
    actor.require(Action.REVIEW_PLAN, department_id=department.pk)
    _lock_drafts(company, cycle, department)
    cycle, plan = _locked_plan(company, cycle, department)
    _refuse_transition(plan, PlanState.APPROVED, "approved")
    drafts = _drafts(company, cycle, department)
    plan.state = PlanState.APPROVED
    plan.returned_comment = ""
    plan.decided_at = timezone.now()
    plan.decided_by = actor.user
    plan.save(update_fields=["state", "returned_comment", "decided_at", "decided_by"])
    for draft in drafts:
        try:
            objective_set_status(
                company=company, actor=actor, objective=draft, status=ObjectiveStatus.ACTIVE, reviewed=True
            )
        except ValidationError as error:
            message = " ".join(error.messages)
            raise invalid(
                "department", f"“{draft.title}” cannot be activated: {message}", "activation_refused"
            ) from None
    revision.bump(company.pk)
    _record(Verb.PLAN_APPROVED, company, actor, plan, len(drafts))
    return plan


@transaction.atomic
def plan_return(
    *, company: Company, actor: Actor, cycle: Cycle, department: Department, comment: str
) -> DepartmentPlan:
    """Return a submitted plan with a comment (a leader or admin): its drafts unlock for the department to edit.

    Refused naming ``comment`` when it is empty or too long: a return
    always says what to change.
    """
    _same_company(company, cycle=cycle, department=department)
    actor.require(Action.REVIEW_PLAN, department_id=department.pk)
    comment = (comment or "").strip()
    if not comment:
        raise invalid("comment", "Say what to change: a returned plan always comes with a comment.", "required")
    if len(comment) > COMMENT_MAX_LENGTH:
        raise invalid("comment", f"Keep the comment to {COMMENT_MAX_LENGTH:,} characters.", "max_length")
    cycle, plan = _locked_plan(company, cycle, department)
    _refuse_transition(plan, PlanState.RETURNED, "returned")
    plan.state = PlanState.RETURNED
    plan.returned_comment = comment
    plan.decided_at = timezone.now()
    plan.decided_by = actor.user
    plan.full_clean(exclude=["company", "cycle", "department", "submitted_by", "decided_by"])
    plan.save(update_fields=["state", "returned_comment", "decided_at", "decided_by"])
    revision.bump(company.pk)
    _record(Verb.PLAN_RETURNED, company, actor, plan, len(_drafts(company, cycle, department)), comment=comment)
    return plan
