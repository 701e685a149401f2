"""Writes to objectives: laddering, create, update, status, delete; owners leaving."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from companies import revision
from companies.models import Company
from companies.tenancy import Actor
from departments.ancestry import department_and_ancestors
from departments.models import Department
from objectives import events, quality
from objectives.models import (
    COUNTED_STATUSES,
    PLAN_LOCKED,
    Cycle,
    KeyResult,
    Objective,
    ObjectiveStatus,
    Verb,
    cycles_overlap,
    plan_under_review,
)
from objectives.scheduling import schedule_rollup
from objectives.selectors import can_read_objective, focus_count
from objectives.services import _payloads
from objectives.services._common import (
    _check_owner,
    _decimal,
    _enforce_focus,
    _refuse_closed_cycle,
    _refuse_frozen,
    _refuse_plan_locked,
    _same_company,
)
from okrhub.errors import PermissionDenied, invalid
from okrhub.permissions import Action


def _validate_parent(
    *,
    company: Company,
    cycle: Cycle,
    department: Department | None,
    parent: Objective | None,
    objective_id: int | None = None,
) -> None:
    """Laddering rules the database cannot check.

    The parent is in the same company, its cycle overlaps the child's, it is
    a company-level objective or one of the same or an enclosing department,
    and the link creates no loop.
    """
    if parent is None:
        return
    _same_company(company, parent=parent)
    if objective_id is not None and parent.pk == objective_id:
        raise invalid("parent", "An objective cannot ladder up to itself.", "parent_cycle")
    if objective_id is not None:
        parents = dict(Objective.objects.filter(company=company).values_list("id", "parent_id"))
        current: int | None = parent.pk
        seen: set[int] = set()
        while current is not None and current not in seen:
            if current == objective_id:
                raise invalid(
                    "parent",
                    "This link would make the objective ladder up to itself.",
                    "parent_cycle",
                )
            seen.add(current)
            current = parents.get(current)
    parent_cycle = parent.cycle if parent.cycle_id != cycle.pk else cycle
    if not cycles_overlap(parent_cycle, cycle):
        raise invalid(
            "parent",
            f"The parent's cycle ({parent_cycle}) does not overlap this objective's ({cycle}).",
            "parent_cycle_window",
        )
    if parent.department_id is not None:
        if department is None:
            raise invalid(
                "parent",
                "A company-level objective can only ladder up to another company-level objective.",
                "parent_department",
            )
        enclosing = department_and_ancestors(company, department.pk)
        if parent.department_id not in enclosing:
            raise invalid(
                "parent",
                "A department objective ladders up to a company objective or to an objective "
                "of its own or an enclosing department; link other departments as dependencies.",
                "parent_department",
            )


def _focus_check(
    company: Company,
    *,
    cycle_id: int,
    department: Department | None,
    exclude: int | None,
    enforce: bool,
    hints: list[quality.Hint],
) -> None:
    """The objectives-per-department focus limit, one rule for every write.

    Only committed objectives count (active or closed): drafts are proposals,
    and co-creation means a department may propose more than it runs. A
    write that would make one more committed objective (creating one active,
    activating a draft, moving an active one between departments) is
    enforced per company mode; drafting past the limit only earns a hint.
    """
    hint = quality.focus_hint(
        what=_department_label(department),
        count=focus_count(
            company=company, cycle_id=cycle_id, department_id=department.pk if department else None, exclude_id=exclude
        ),
        limit=company.max_objectives_per_department,
    )
    if enforce:
        _enforce_focus(company, hint, hints)
    elif hint is not None:
        hints.append(hint)


def _department_label(department: Department | None) -> str:
    return f"objectives in {department.name}" if department else "company-level objectives"


@transaction.atomic
def objective_create(
    *,
    company: Company,
    actor: Actor | None,
    cycle: Cycle,
    title: str,
    department: Department | None = None,
    owner: Any = None,
    parent: Objective | None = None,
    description: str = "",
    weight: Decimal | int | str = 1,
    private: bool = False,
    activate: bool = False,
    carried_from: Objective | None = None,
) -> Objective:
    """Create an objective, as a draft unless ``activate`` (which needs manage rights).

    ``carried_from`` is the objective of a closed cycle this one continues
    (``cycle_carry_over`` checks it).

    Members draft objectives in their departments; leads, leaders (company
    level) and admins may create them active. Focus limits warn or block
    per company setting; ``objective.hints`` lists practice warnings.
    """
    _same_company(company, cycle=cycle, department=department)
    if actor is not None and not may_place_objective(actor, department=department, committed=activate):
        raise PermissionDenied("Your role does not allow creating this objective here.")
    _refuse_closed_cycle(cycle)
    if not activate and plan_under_review(
        company_id=company.pk, cycle_id=cycle.pk, department_id=department.pk if department else None, lock=True
    ):
        raise invalid("department", PLAN_LOCKED[1], PLAN_LOCKED[2])
    _check_owner(company, owner)
    _refuse_unreadable(actor, parent=parent)
    _validate_parent(company=company, cycle=cycle, department=department, parent=parent)
    hints: list[quality.Hint] = []
    _focus_check(company, cycle_id=cycle.pk, department=department, exclude=None, enforce=activate, hints=hints)
    hint = quality.missing_parent_hint(
        department_id=department.pk if department else None, parent_id=parent.pk if parent else None
    )
    if hint:
        hints.append(hint)
    objective = Objective(
        company=company,
        cycle=cycle,
        department=department,
        owner=owner if owner is not None else (actor.user if actor else None),
        parent=parent,
        title=title,
        description=description,
        weight=_decimal("weight", weight),
        private=private,
        status=ObjectiveStatus.ACTIVE if activate else ObjectiveStatus.DRAFT,
        carried_from=carried_from,
    )
    objective.full_clean()
    objective.save()
    events.record(
        Verb.OBJECTIVE_CREATED,
        company_id=company.pk,
        actor=actor,
        objective=objective,
        payload=_payloads.objective_created(objective),
    )
    objective.hints = hints
    return objective


def may_place_objective(actor: Actor, *, department: Department | None, committed: bool) -> bool:
    """Whether the actor may have an objective in ``department`` (None: company level): create or move it there.

    The one rule for creating an objective and for moving one between
    departments: a draft needs the right to draft there, an active (or
    closed) objective the right to manage there.
    """
    return actor.can(
        Action.MANAGE_OBJECTIVE if committed else Action.DRAFT_OBJECTIVE,
        department_id=department.pk if department else None,
    )


def _refuse_unreadable(actor: Actor | None, **objectives: Objective | None) -> None:
    """Refuse, as a choice that does not exist, an objective the actor may not read (a private one)."""
    for field, objective in objectives.items():
        if actor is not None and objective is not None and not can_read_objective(actor, objective):
            raise invalid(field, "Select a valid objective; that one does not exist.", "does_not_exist")


#: What an edit may change: the columns its event reports, by field name (``owner`` for ``owner_id``).
OBJECTIVE_EDITABLE = {name.removesuffix("_id") for name in _payloads.OBJECTIVE_FIELDS}


def _require_edit(actor: Actor | None, objective: Objective) -> None:
    if actor is None:
        return
    draft = objective.status == ObjectiveStatus.DRAFT
    actor.require(
        Action.EDIT_DRAFT if draft else Action.MANAGE_OBJECTIVE,
        department_id=objective.department_id,
        owner_id=objective.owner_id,
        is_draft=draft,
    )


@transaction.atomic
def objective_update(*, company: Company, actor: Actor | None, objective: Objective, **changes: Any) -> Objective:
    """Edit an objective. Re-parenting or re-weighting rolls up both old and new parents."""
    _same_company(company, objective=objective)
    unknown = set(changes) - OBJECTIVE_EDITABLE
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)}")
    objective = (
        Objective.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=objective.pk, company=company)
    )
    _require_edit(actor, objective)
    _refuse_frozen(objective)
    _refuse_plan_locked(objective)
    before = _payloads.snapshot(objective, _payloads.OBJECTIVE_FIELDS)
    old_parent_id, old_weight, old_department_id = (
        objective.parent_id,
        objective.weight,
        objective.department_id,
    )
    if "department" in changes:
        _same_company(company, department=changes["department"])
        moved = (changes["department"].pk if changes["department"] else None) != objective.department_id
        if (
            moved
            and actor is not None
            and not may_place_objective(
                actor, department=changes["department"], committed=objective.status != ObjectiveStatus.DRAFT
            )
        ):
            raise invalid("department", "Your role does not allow moving this objective there.", "permission_denied")
    if "parent" in changes and changes["parent"] is not None and changes["parent"].pk != objective.parent_id:
        _refuse_unreadable(actor, parent=changes["parent"])
    if "owner" in changes:
        _check_owner(company, changes["owner"])
    if "weight" in changes:
        changes["weight"] = _decimal("weight", changes["weight"])
    for name, value in changes.items():
        setattr(objective, name, value)
    hints: list[quality.Hint] = []
    if objective.parent_id != old_parent_id or objective.department_id != old_department_id:
        _validate_parent(
            company=company,
            cycle=objective.cycle,
            department=objective.department,
            parent=objective.parent,
            objective_id=objective.pk,
        )
    if objective.department_id != old_department_id:
        _focus_check(
            company,
            cycle_id=objective.cycle_id,
            department=objective.department,
            exclude=objective.pk,
            enforce=objective.status in COUNTED_STATUSES,
            hints=hints,
        )
    hint = quality.missing_parent_hint(department_id=objective.department_id, parent_id=objective.parent_id)
    if hint:
        hints.append(hint)
    objective.full_clean()
    objective.save()
    changed = _payloads.changes(before, _payloads.snapshot(objective, _payloads.OBJECTIVE_FIELDS))
    if changed:
        events.record(
            Verb.OBJECTIVE_UPDATED,
            company_id=company.pk,
            actor=actor,
            objective=objective,
            payload=_payloads.objective_updated(objective, changed),
        )
    if objective.parent_id != old_parent_id or objective.weight != old_weight:
        schedule_rollup(company_id=company.pk, objective_id=old_parent_id)
        if objective.parent_id != old_parent_id:
            schedule_rollup(company_id=company.pk, objective_id=objective.parent_id)
    objective.hints = hints
    return objective


#: status → statuses it may move to.
OBJECTIVE_TRANSITIONS: dict[str, set[str]] = {
    ObjectiveStatus.DRAFT: {ObjectiveStatus.ACTIVE, ObjectiveStatus.ARCHIVED},
    ObjectiveStatus.ACTIVE: {
        ObjectiveStatus.CLOSED,
        ObjectiveStatus.ARCHIVED,
        ObjectiveStatus.DRAFT,
    },
    ObjectiveStatus.CLOSED: {ObjectiveStatus.ACTIVE, ObjectiveStatus.ARCHIVED},
    ObjectiveStatus.ARCHIVED: {ObjectiveStatus.DRAFT},
}


@transaction.atomic
def objective_set_status(
    *, company: Company, actor: Actor | None, objective: Objective, status: str, reviewed: bool = False
) -> Objective:
    """Activate, close, archive or reopen an objective (department lead, leader or admin).

    Drafts and archived objectives never count in their parent's roll-up, so
    the parent chain is recomputed after every transition. ``reviewed``: the
    activation is a department plan's approval (``services.planning``),
    which ``Action.REVIEW_PLAN`` already allowed; the manage check and the
    plan's lock are skipped, the focus limit and the events are not.
    """
    _same_company(company, objective=objective)
    objective = (
        Objective.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=objective.pk, company=company)
    )
    if actor is not None and not reviewed:
        actor.require(
            Action.MANAGE_OBJECTIVE,
            department_id=objective.department_id,
            owner_id=objective.owner_id,
        )
    _refuse_closed_cycle(objective.cycle)
    if not reviewed:
        _refuse_plan_locked(objective)
    if status not in OBJECTIVE_TRANSITIONS.get(objective.status, set()):
        raise invalid(
            "status",
            f"An objective cannot go from {objective.status} to {status}.",
            "invalid_transition",
        )
    if status == ObjectiveStatus.ACTIVE and objective.status == ObjectiveStatus.DRAFT:
        # Going live is the last chance to reword activity-style key results: repeat their hints.
        objective.hints = [
            hint
            for kr in KeyResult.objects.filter(company=company, objective=objective).order_by("pk")
            for hint in quality.key_result_title_hints(kr.title, kind=kr.kind, unit=kr.unit, field="key_results")
        ]
        _focus_check(
            company,
            cycle_id=objective.cycle_id,
            department=objective.department,
            exclude=objective.pk,
            enforce=True,
            hints=objective.hints,
        )
    previous = objective.status
    objective.status = status
    objective.save(update_fields=["status", "updated_at"])
    # Going live (a draft activated, a closed or archived one reopened) is the feed's "activated".
    events.record(
        Verb.OBJECTIVE_ACTIVATED if status == ObjectiveStatus.ACTIVE else Verb.OBJECTIVE_STATUS_CHANGED,
        company_id=company.pk,
        actor=actor,
        objective=objective,
        payload=_payloads.objective_status(objective, previous=previous),
    )
    schedule_rollup(company_id=company.pk, objective_id=objective.parent_id)
    return objective


@transaction.atomic
def objective_delete(*, company: Company, actor: Actor | None, objective: Objective) -> None:
    """Delete a draft or archived objective with its key results and check-ins.

    Active and closed objectives carry history: archive them instead. An
    objective others ladder up to is refused until they are re-parented, so
    no child is silently left unaligned. Its events go with it and no event
    records the deletion (``objectives.models.Event``): an event that outlived
    the objective could show a private title to anyone.
    """
    _same_company(company, objective=objective)
    objective = (
        Objective.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=objective.pk, company=company)
    )
    if objective.status == ObjectiveStatus.ARCHIVED:
        if actor is not None:
            actor.require(Action.MANAGE_OBJECTIVE, department_id=objective.department_id, owner_id=objective.owner_id)
    else:
        _require_edit(actor, objective)
    _refuse_closed_cycle(objective.cycle)
    _refuse_plan_locked(objective)
    if objective.status not in (ObjectiveStatus.DRAFT, ObjectiveStatus.ARCHIVED):
        raise invalid("status", "Only draft or archived objectives can be deleted; archive it first.", "not_deletable")
    if Objective.objects.filter(company=company, parent_id=objective.pk).exists():
        raise invalid("parent", "Other objectives ladder up to this one; re-parent them first.", "has_children")
    objective.delete()


def objective_activate(*, company: Company, actor: Actor | None, objective: Objective) -> Objective:
    return objective_set_status(company=company, actor=actor, objective=objective, status=ObjectiveStatus.ACTIVE)


def owned_count(*, company: Company, user_id: int) -> int:
    """How many objectives and key results ``user_id`` owns in ``company``."""
    return (
        Objective.objects.filter(company=company, owner_id=user_id).count()
        + KeyResult.objects.filter(company=company, owner_id=user_id).count()
    )


@transaction.atomic
def owner_reassign(*, company: Company, from_user_id: int, to_user: Any, actor: Actor | None = None) -> int:
    """Give everything ``from_user_id`` owns in ``company`` to ``to_user`` (a system step of removal).

    Called by the membership services once they have checked the actor and
    that ``to_user`` is a member; ownership does not affect progress, so
    nothing is recomputed. Each objective and key result moved gets its
    ``objective.updated`` / ``key_result.updated`` event (an owner change),
    as an edit would. Returns how many objectives and key results moved.
    """
    _check_owner(company, to_user)
    now = timezone.now()
    objectives = list(Objective.objects.select_for_update(of=("self",)).filter(company=company, owner_id=from_user_id))
    key_results = list(
        KeyResult.objects.select_for_update(of=("self",))
        .filter(company=company, owner_id=from_user_id)
        .select_related("objective")
    )
    moved = Objective.objects.filter(company=company, owner_id=from_user_id).update(owner=to_user, updated_at=now)
    moved += KeyResult.objects.filter(company=company, owner_id=from_user_id).update(owner=to_user, updated_at=now)
    owner_change = {"owner_id": [from_user_id, to_user.pk]}
    for objective in objectives:
        objective.owner_id = to_user.pk
        events.record(
            Verb.OBJECTIVE_UPDATED,
            company_id=company.pk,
            actor=actor,
            objective=objective,
            payload=_payloads.objective_updated(objective, dict(owner_change)),
        )
    for kr in key_results:
        kr.owner_id = to_user.pk
        events.record(
            Verb.KEY_RESULT_UPDATED,
            company_id=company.pk,
            actor=actor,
            key_result=kr,
            payload=_payloads.key_result_updated(kr, dict(owner_change)),
        )
    if moved:
        revision.bump(company.pk)  # owners are shown; a bulk update sends no model signal
    return moved
