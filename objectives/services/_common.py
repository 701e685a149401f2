"""Checks shared by every objectives write: same company, owners, decimals, closed cycles, focus."""

from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Protocol, overload

from companies.models import Company, FocusMode, Membership
from objectives import quality
from objectives.models import (
    VALUE_DIGITS,
    Cycle,
    CycleStatus,
    Objective,
    objective_is_editable,
    plan_lock_refusal,
)
from okrhub.errors import invalid, not_found

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


def _refuse_plan_locked(objective: Objective) -> None:
    """Refuse writes to a draft whose department's plan is under review (``plan_lock_refusal``)."""
    refusal = plan_lock_refusal(objective, lock=True)
    if refusal is not None:
        raise invalid(*refusal)
