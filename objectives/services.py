"""Every write to cycles, objectives, key results, check-ins and dependencies.

Each service takes the company and the acting :class:`~companies.tenancy.Actor`
explicitly, checks the permission matrix, validates (``full_clean`` plus the
rules the database cannot check) and writes in one transaction. Objects of
another company are refused as not found. Writes that change progress inputs
schedule the roll-up after commit.
"""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Protocol, overload

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from companies.models import Company, FocusMode, Membership
from companies.tenancy import Actor
from departments.ancestry import department_and_ancestors
from departments.models import Department
from objectives import quality
from objectives.models import (
    COUNTED_STATUSES,
    VALUE_DIGITS,
    CheckIn,
    Confidence,
    Cycle,
    CycleStatus,
    Dependency,
    Direction,
    KeyResult,
    KeyResultKind,
    Objective,
    ObjectiveStatus,
    objective_is_editable,
)
from objectives.progress import key_result_progress
from objectives.rollup import company_full_recompute, recompute_objective
from objectives.scheduling import schedule_rollup
from objectives.selectors import can_read_objective, focus_count
from okrhub.errors import PermissionDenied, invalid, not_found
from okrhub.permissions import Action

MAX_VALUE = Decimal(10) ** (VALUE_DIGITS["max_digits"] - VALUE_DIGITS["decimal_places"])


class _CompanyRow(Protocol):
    @property
    def company_id(self) -> int: ...


def _same_company(company: Company, **objects: _CompanyRow | None) -> None:
    """Refuse, as not found, any object that belongs to another company."""
    for name, obj in objects.items():
        if obj is not None and obj.company_id != company.pk:
            raise not_found(name.replace("_", " "))


def _check_owner(company: Company, owner: Any) -> None:
    if owner is not None and not Membership.objects.filter(company=company, user=owner).exists():
        raise invalid("owner", "The owner must be a member of this company.", "owner")


@overload
def _decimal(field: str, value: Any, *, required: Literal[True] = True) -> Decimal: ...
@overload
def _decimal(field: str, value: Any, *, required: bool) -> Decimal | None: ...
def _decimal(field: str, value: Any, *, required: bool = True) -> Decimal | None:
    """Parse a value as a finite decimal that fits the value columns."""
    if value is None or value == "":
        if required:
            raise invalid(field, "This value is required.", "required")
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise invalid(field, "Enter a number.", "invalid") from None
    if not number.is_finite():
        raise invalid(field, "Enter a finite number.", "invalid")
    if abs(number) >= MAX_VALUE:
        raise invalid(field, f"Enter a number smaller than {MAX_VALUE:,}.", "max_value")
    return number


def _checkin_moment(moment: datetime.datetime, *, company: Company, cycle: Cycle) -> datetime.datetime:
    """When a backdated check-in happened: from the cycle's first day (in the company's time zone) to now.

    A moment without a time zone is read in the company's; a local time its
    clocks skip (a daylight-saving gap) names no moment and is refused.
    """
    zone = company.tzinfo
    if timezone.is_naive(moment):
        aware = moment.replace(tzinfo=zone)
        if aware.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None) != moment:
            raise invalid(
                "recorded_at",
                f"{moment:%Y-%m-%d %H:%M} does not exist in {company.timezone} (the clocks skip it); "
                "send another time or one with a UTC offset.",
                "nonexistent_time",
            )
        moment = aware
    if moment > timezone.now():
        raise invalid("recorded_at", "A check-in cannot be in the future.", "future")
    cycle_start = datetime.datetime.combine(cycle.start_date, datetime.time.min, tzinfo=zone)
    if moment < cycle_start:
        raise invalid(
            "recorded_at",
            f"A check-in cannot be before its cycle starts ({cycle.start_date:%Y-%m-%d}, {company.timezone}).",
            "before_cycle",
        )
    return moment


def _refuse_closed_cycle(cycle: Cycle) -> None:
    if cycle.status == CycleStatus.CLOSED:
        raise invalid("cycle", "This cycle is closed; its OKRs are frozen.", "cycle_closed")


def _refuse_frozen(objective: Objective) -> None:
    """Refuse edits to a closed or archived objective, or one in a closed cycle (``objective_is_editable``)."""
    if objective_is_editable(objective):
        return
    _refuse_closed_cycle(objective.cycle)
    raise invalid(
        "status",
        f"This objective is {objective.get_status_display().lower()}; reopen it to change it or its key results.",
        "objective_frozen",
    )


def _enforce_focus(company: Company, hint: quality.Hint | None, hints: list[quality.Hint]) -> None:
    if hint is None:
        return
    if company.focus_mode == FocusMode.BLOCK:
        raise invalid(hint.field or "__all__", hint.message, hint.code)
    hints.append(hint)


# ---------------------------------------------------------------- cycles


@transaction.atomic
def cycle_create(
    *,
    company: Company,
    actor: Actor | None,
    name: str,
    start_date: datetime.date,
    end_date: datetime.date,
    status: str = CycleStatus.PLANNING,
) -> Cycle:
    if actor is not None:
        actor.require(Action.MANAGE_COMPANY)
    if status == CycleStatus.CLOSED:
        raise invalid("status", "A new cycle cannot start closed.", "invalid")
    if Cycle.objects.filter(company=company, name=name).exists():
        raise invalid("name", f"A cycle named “{name}” already exists.", "unique")
    cycle = Cycle(company=company, name=name, start_date=start_date, end_date=end_date, status=status)
    cycle.full_clean()
    cycle.save()
    return cycle


@transaction.atomic
def cycle_update(*, company: Company, actor: Actor, cycle: Cycle, **changes: Any) -> Cycle:
    actor.require(Action.MANAGE_COMPANY)
    _same_company(company, cycle=cycle)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk, company=company)
    _refuse_closed_cycle(cycle)
    allowed = {"name", "start_date", "end_date"}
    if set(changes) - allowed:
        raise ValueError(f"cannot change {sorted(set(changes) - allowed)}")
    if "name" in changes and Cycle.objects.filter(company=company, name=changes["name"]).exclude(pk=cycle.pk).exists():
        raise invalid("name", f"A cycle named “{changes['name']}” already exists.", "unique")
    for name, value in changes.items():
        setattr(cycle, name, value)
    cycle.full_clean()
    cycle.save()
    return cycle


@transaction.atomic
def cycle_activate(*, company: Company, actor: Actor, cycle: Cycle) -> Cycle:
    actor.require(Action.MANAGE_COMPANY)
    _same_company(company, cycle=cycle)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk, company=company)
    if cycle.status != CycleStatus.PLANNING:
        raise invalid("status", "Only a cycle in planning can be activated.", "invalid")
    cycle.status = CycleStatus.ACTIVE
    cycle.save(update_fields=["status"])
    return cycle


@transaction.atomic
def cycle_close(*, company: Company, actor: Actor | None, cycle: Cycle) -> Cycle:
    """Close a cycle: freeze check-ins and store every final score.

    The cycle row and then its key result rows are locked (in id order, as
    check-ins lock them), so a concurrent check-in either commits before the
    close and counts in the final scores, or waits and is then refused.
    """
    if actor is not None:
        actor.require(Action.MANAGE_COMPANY)
    _same_company(company, cycle=cycle)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk, company=company)
    _refuse_closed_cycle(cycle)
    # Only the key result rows: check-ins lock their objective after their key result.
    list(
        KeyResult.objects.select_for_update(of=("self",))
        .filter(company=company, objective__cycle=cycle)
        .order_by("id")
        .values_list("id", flat=True)
    )
    cycle.status = CycleStatus.CLOSED
    cycle.closed_at = timezone.now()
    cycle.save(update_fields=["status", "closed_at"])
    # Final scores come from a recomputation, not from a cache that may lag.
    company_full_recompute(company=company)
    objectives = Objective.objects.filter(company=company, cycle=cycle)
    KeyResult.objects.filter(company=company, objective__cycle=cycle).update(final_score=_progress_ref())
    objectives.filter(status=ObjectiveStatus.ACTIVE).update(status=ObjectiveStatus.CLOSED)
    objectives.update(final_score=_progress_ref())
    return cycle


def _progress_ref() -> F:
    return F("progress")


# ---------------------------------------------------------------- laddering


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
    if parent_cycle.start_date > cycle.end_date or parent_cycle.end_date < cycle.start_date:
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


# ---------------------------------------------------------------- objectives


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
) -> Objective:
    """Create an objective, as a draft unless ``activate`` (which needs manage rights).

    Members draft objectives in their departments; leads, leaders (company
    level) and admins may create them active. Focus limits warn or block
    per company setting; ``objective.hints`` lists practice warnings.
    """
    _same_company(company, cycle=cycle, department=department)
    if actor is not None and not may_place_objective(actor, department=department, committed=activate):
        raise PermissionDenied("Your role does not allow creating this objective here.")
    _refuse_closed_cycle(cycle)
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
    )
    objective.full_clean()
    objective.save()
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


OBJECTIVE_EDITABLE = {"title", "description", "owner", "parent", "weight", "private", "department"}


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
def objective_set_status(*, company: Company, actor: Actor | None, objective: Objective, status: str) -> Objective:
    """Activate, close, archive or reopen an objective (department lead, leader or admin).

    Drafts and archived objectives never count in their parent's roll-up, so
    the parent chain is recomputed after every transition.
    """
    _same_company(company, objective=objective)
    objective = (
        Objective.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=objective.pk, company=company)
    )
    if actor is not None:
        actor.require(
            Action.MANAGE_OBJECTIVE,
            department_id=objective.department_id,
            owner_id=objective.owner_id,
        )
    _refuse_closed_cycle(objective.cycle)
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
    objective.status = status
    objective.save(update_fields=["status", "updated_at"])
    schedule_rollup(company_id=company.pk, objective_id=objective.parent_id)
    return objective


@transaction.atomic
def objective_delete(*, company: Company, actor: Actor | None, objective: Objective) -> None:
    """Delete a draft or archived objective with its key results and check-ins.

    Active and closed objectives carry history: archive them instead. An
    objective others ladder up to is refused until they are re-parented, so
    no child is silently left unaligned.
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
    if objective.status not in (ObjectiveStatus.DRAFT, ObjectiveStatus.ARCHIVED):
        raise invalid("status", "Only draft or archived objectives can be deleted; archive it first.", "not_deletable")
    if Objective.objects.filter(company=company, parent_id=objective.pk).exists():
        raise invalid("parent", "Other objectives ladder up to this one; re-parent them first.", "has_children")
    objective.delete()


def objective_activate(*, company: Company, actor: Actor | None, objective: Objective) -> Objective:
    return objective_set_status(company=company, actor=actor, objective=objective, status=ObjectiveStatus.ACTIVE)


# ---------------------------------------------------------------- key results

KEY_RESULT_EDITABLE = {
    "title",
    "kind",
    "direction",
    "start_value",
    "target_value",
    "unit",
    "currency",
    "weight",
    "owner",
}


def _normalise_key_result(kr: KeyResult, *, target_given: bool) -> None:
    """Fill what a kind implies and check what the kind requires, field by field.

    A milestone is done (1) or not (0): it runs from 0 up to 1. A target the
    caller gave other than 1 is refused, not silently replaced.
    """
    if kr.kind == KeyResultKind.MILESTONE:
        if target_given and kr.target_value != 1:
            raise invalid("target_value", "A milestone's target is 1 (done); send 1 or no target.", "milestone")
        kr.direction, kr.start_value, kr.target_value = Direction.INCREASE, Decimal(0), Decimal(1)
    if kr.kind == KeyResultKind.CURRENCY:
        kr.currency = (kr.currency or "").upper()
        if len(kr.currency) != 3 or not kr.currency.isalpha():
            raise invalid("currency", "Give the ISO 4217 currency code, e.g. EUR.", "currency")
    else:
        kr.currency = ""
    if kr.kind == KeyResultKind.PERCENT and kr.unit == "":
        kr.unit = "%"
    if kr.direction == Direction.INCREASE and not kr.target_value > kr.start_value:
        raise invalid("target_value", "To increase, the target must be above the start value.", "target")
    if kr.direction == Direction.DECREASE and not kr.target_value < kr.start_value:
        raise invalid("target_value", "To decrease, the target must be below the start value.", "target")


def _refresh_progress(kr: KeyResult) -> None:
    kr.progress = key_result_progress(
        kind=kr.kind,
        direction=kr.direction,
        start=kr.start_value,
        target=kr.target_value,
        current=kr.current_value,
    )


@transaction.atomic
def key_result_create(
    *,
    company: Company,
    actor: Actor | None,
    objective: Objective,
    title: str,
    target_value: Any = None,
    kind: str = KeyResultKind.NUMBER,
    direction: str = Direction.INCREASE,
    start_value: Any = 0,
    current_value: Any = None,
    unit: str = "",
    currency: str = "",
    weight: Any = 1,
    owner: Any = None,
) -> KeyResult:
    """Add a measurable key result to an objective.

    Every key result has a start and a target; activity-style titles get a
    hint with a suggested outcome form; the per-objective focus limit warns
    or blocks per company setting.
    """
    _same_company(company, objective=objective)
    objective = (
        Objective.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=objective.pk, company=company)
    )
    _require_edit(actor, objective)
    _refuse_frozen(objective)
    _check_owner(company, owner)
    target_given = target_value is not None
    if kind == KeyResultKind.MILESTONE and not target_given:
        target_value = 1
    kr = KeyResult(
        company=company,
        objective=objective,
        owner=owner if owner is not None else (objective.owner or (actor.user if actor else None)),
        title=title,
        kind=kind,
        direction=direction,
        start_value=_decimal("start_value", start_value),
        target_value=_decimal("target_value", target_value),
        current_value=_decimal("current_value", current_value, required=False),
        unit=unit,
        currency=currency,
        weight=_decimal("weight", weight),
    )
    _normalise_key_result(kr, target_given=target_given)
    kr.full_clean(exclude=["objective", "company"])
    hints = quality.key_result_title_hints(title, kind=kind, unit=kr.unit)
    _enforce_focus(
        company,
        quality.focus_hint(
            what="key results on this objective",
            count=KeyResult.objects.filter(company=company, objective=objective).count(),
            limit=company.max_key_results_per_objective,
        ),
        hints,
    )
    _refresh_progress(kr)
    kr.save()
    if kr.progress is not None:
        schedule_rollup(company_id=company.pk, objective_id=objective.pk)
    kr.hints = hints
    return kr


@transaction.atomic
def key_result_update(*, company: Company, actor: Actor | None, key_result: KeyResult, **changes: Any) -> KeyResult:
    """Edit a key result's definition; its progress is recomputed from its current value."""
    _same_company(company, key_result=key_result)
    unknown = set(changes) - KEY_RESULT_EDITABLE
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)}")
    kr = (
        KeyResult.objects.select_for_update(of=("self",))
        .select_related("objective__cycle")
        .get(pk=key_result.pk, company=company)
    )
    _require_edit(actor, kr.objective)
    _refuse_frozen(kr.objective)
    if "owner" in changes:
        _check_owner(company, changes["owner"])
    for name in ("start_value", "target_value", "weight"):
        if name in changes:
            changes[name] = _decimal(name, changes[name])
    old = (kr.progress, kr.weight)
    for name, value in changes.items():
        setattr(kr, name, value)
    _normalise_key_result(kr, target_given="target_value" in changes)
    kr.full_clean(exclude=["objective", "company"])
    _refresh_progress(kr)
    kr.save()
    if (kr.progress, kr.weight) != old:
        schedule_rollup(company_id=company.pk, objective_id=kr.objective_id)
    kr.hints = quality.key_result_title_hints(kr.title, kind=kr.kind, unit=kr.unit)
    return kr


@transaction.atomic
def key_result_delete(*, company: Company, actor: Actor | None, key_result: KeyResult) -> None:
    _same_company(company, key_result=key_result)
    kr = (
        KeyResult.objects.select_for_update(of=("self",))
        .select_related("objective__cycle")
        .get(pk=key_result.pk, company=company)
    )
    _require_edit(actor, kr.objective)
    _refuse_frozen(kr.objective)
    objective_id = kr.objective_id
    kr.delete()
    schedule_rollup(company_id=company.pk, objective_id=objective_id)


# ---------------------------------------------------------------- check-ins


@transaction.atomic
def checkin_create(
    *,
    company: Company,
    actor: Actor | None,
    key_result: KeyResult,
    value: Any,
    confidence: str,
    note: str = "",
    recorded_at: datetime.datetime | None = None,
) -> CheckIn:
    """Record a check-in: append it and update its key result in one transaction.

    The key result row is locked first, so concurrent check-ins serialise and
    none is lost; the latest check-in (by time) sets the current value. Its
    objective is recomputed in the same transaction, the ancestors after
    commit. Closed cycles and closed or archived objectives take no check-ins. ``recorded_at`` backdates a
    check-in (imports, demo data) within its cycle (see ``_checkin_moment``).
    """
    _same_company(company, key_result=key_result)
    kr = (
        KeyResult.objects.select_for_update(of=("self",))
        .select_related("objective__cycle")
        .get(pk=key_result.pk, company=company)
    )
    # Re-read the objective and cycle in a statement of its own, after the lock: when this
    # check-in waited for a concurrent cycle close, PostgreSQL re-reads only the locked key
    # result row, and the joined cycle above may still say "active".
    kr.objective = Objective.objects.select_related("cycle").get(pk=kr.objective_id, company=company)
    # Permission before validation: a refused caller learns nothing about the input rules.
    if actor is not None:
        actor.require(Action.CHECK_IN, department_id=kr.objective.department_id, owner_id=kr.owner_id)
    number = _decimal("value", value)
    if confidence not in Confidence.values:
        raise invalid("confidence", f"Choose one of: {', '.join(Confidence.values)}.", "invalid_choice")
    if recorded_at is not None:
        recorded_at = _checkin_moment(recorded_at, company=company, cycle=kr.objective.cycle)
    _refuse_closed_cycle(kr.objective.cycle)
    if kr.objective.status in (ObjectiveStatus.CLOSED, ObjectiveStatus.ARCHIVED):
        raise invalid(
            "key_result",
            f"The objective is {kr.objective.status}; it takes no check-ins.",
            "objective_closed",
        )
    if kr.kind == KeyResultKind.MILESTONE and number not in (0, 1):
        raise invalid("value", "A milestone is 1 (done) or 0 (not done).", "milestone")
    # Timestamp after the lock: check-ins on one key result are ordered as they commit.
    now = timezone.now()
    checkin = CheckIn(
        company=company,
        key_result=kr,
        author=actor.user if actor else None,
        value=number,
        confidence=confidence,
        note=note,
        created_at=recorded_at or now,
    )
    # Field checks only: Django validates a CheckConstraint with a query of its own (three round trips
    # with its savepoint), and the one constraint here, a valid confidence, was checked above and is
    # enforced by the database anyway. Check-ins are the hot write path.
    checkin.full_clean(exclude=["key_result", "company", "author"], validate_constraints=False)
    checkin.save(force_insert=True)
    if kr.last_checkin_at is None or checkin.created_at >= kr.last_checkin_at:
        kr.current_value = number
        kr.confidence = confidence
        kr.last_checkin_at = checkin.created_at
        _refresh_progress(kr)
        kr.save(
            update_fields=[
                "current_value",
                "confidence",
                "last_checkin_at",
                "progress",
                "updated_at",
            ]
        )
        # Its own objective now, so it never reads "unknown" after a check-in; the ancestors coalesced later.
        changed, parent_id = recompute_objective(company=company, objective_id=kr.objective_id)
        if changed:
            schedule_rollup(company_id=company.pk, objective_id=parent_id)
    return checkin


# ---------------------------------------------------------------- dependencies


@transaction.atomic
def dependency_create(
    *,
    company: Company,
    actor: Actor | None,
    from_objective: Objective,
    to_objective: Objective,
    note: str = "",
) -> Dependency:
    """Record that ``from_objective`` depends on ``to_objective`` (any department)."""
    _same_company(company, from_objective=from_objective, to_objective=to_objective)
    if actor is not None:
        actor.require(
            Action.MANAGE_DEPENDENCY,
            department_id=from_objective.department_id,
            owner_id=from_objective.owner_id,
        )
    _refuse_unreadable(actor, to_objective=to_objective)
    if from_objective.pk == to_objective.pk:
        raise invalid("to_objective", "An objective cannot depend on itself.", "self")
    if Dependency.objects.filter(company=company, from_objective=from_objective, to_objective=to_objective).exists():
        raise invalid("to_objective", "This dependency already exists.", "unique")
    dependency = Dependency(company=company, from_objective=from_objective, to_objective=to_objective, note=note)
    dependency.full_clean(exclude=["company", "from_objective", "to_objective"])
    dependency.save()
    return dependency


@transaction.atomic
def dependency_delete(*, company: Company, actor: Actor | None, dependency: Dependency) -> None:
    _same_company(company, dependency=dependency)
    if actor is not None:
        source = dependency.from_objective
        actor.require(Action.MANAGE_DEPENDENCY, department_id=source.department_id, owner_id=source.owner_id)
    Dependency.objects.filter(company=company, pk=dependency.pk).delete()


# ---------------------------------------------------------------- people leaving


def owned_count(*, company: Company, user_id: int) -> int:
    """How many objectives and key results ``user_id`` owns in ``company``."""
    return (
        Objective.objects.filter(company=company, owner_id=user_id).count()
        + KeyResult.objects.filter(company=company, owner_id=user_id).count()
    )


@transaction.atomic
def owner_reassign(*, company: Company, from_user_id: int, to_user: Any) -> int:
    """Give everything ``from_user_id`` owns in ``company`` to ``to_user`` (a system step of removal).

    Called by the membership services once they have checked the actor and
    that ``to_user`` is a member; ownership does not affect progress, so
    nothing is recomputed. Returns how many objectives and key results moved.
    """
    _check_owner(company, to_user)
    now = timezone.now()
    moved = Objective.objects.filter(company=company, owner_id=from_user_id).update(owner=to_user, updated_at=now)
    moved += KeyResult.objects.filter(company=company, owner_id=from_user_id).update(owner=to_user, updated_at=now)
    return moved
