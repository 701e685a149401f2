"""The audit history (objectives/history.py) in people's words, for the pages and the API.

Kept apart from history.py, which the models import to register its signal
receiver: this module reads through the selectors, which import the models.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Model

from companies.models import Company, User
from companies.tenancy import Actor
from departments.models import Department
from objectives.history import object_history
from objectives.models import ObjectiveStatus
from objectives.selectors import objective_list


def audit_history(*, company: Company, actor: Actor, model: type[Model], object_id: int) -> list[dict[str, Any]]:
    """``object_history`` with a ``summary`` and ``checkin_only`` on each entry (``describe``)."""
    entries = object_history(company=company, model=model, object_id=object_id)
    describe(entries, company=company, actor=actor)
    return entries


# ---------------------------------------------------------------- in people's words

#: Fields a check-in changes: the check-in table shows them, so the audit list leaves them out.
CHECKIN_FIELDS = {"current_value", "confidence", "last_checkin_at", "progress", "final_score"}
#: Bookkeeping nobody reads as a change.
_QUIET = {"updated_at", "created_at"}
_LABELS = {
    "start_value": "the start value",
    "target_value": "the target",
    "weight": "the weight",
    "unit": "the unit",
    "currency": "the currency",
    "kind": "the kind",
    "direction": "the direction",
    "cycle": "the cycle",
    "objective": "the objective",
}
_STATUS_VERBS = {
    ObjectiveStatus.ACTIVE: "activated it",
    ObjectiveStatus.CLOSED: "closed it",
    ObjectiveStatus.ARCHIVED: "archived it",
    ObjectiveStatus.DRAFT: "moved it back to draft",
}


def _number(value: Any) -> str:
    """``518.0000`` → ``518``, ``0.5000`` → ``0.5`` (a local normalisation; the pages' number filter formats)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _quoted(text: Any) -> str:
    return f"“{text}”"


def describe(entries: list[dict[str, Any]], *, company: Company, actor: Actor) -> None:
    """Give each entry a ``summary`` ("Ana Admin moved it under “Grow”") and ``checkin_only``.

    Objective titles come from one query through the visibility selector (a
    parent the actor may not read is "a private objective"); owners and
    departments from one query each, only when some entry names them.
    """
    wanted: dict[str, set[int]] = {"objective": set(), "user": set(), "department": set()}
    kinds = {"parent": "objective", "objective": "objective", "owner": "user", "department": "department"}
    for entry in entries:
        # Only changes are told field by field ("created it" names nothing), so only they need names.
        for change in entry["changes"] if entry["type"] == "changed" else []:
            kind = kinds.get(change["field"])
            if kind:
                wanted[kind].update(v for v in (change["from"], change["to"]) if isinstance(v, int))
    titles = dict(
        objective_list(company=company, actor=actor).filter(pk__in=wanted["objective"]).values_list("id", "title")
    )
    people = {u.pk: u.display_name for u in User.objects.filter(pk__in=wanted["user"]).only("id", "email", "full_name")}
    departments = dict(
        Department.objects.filter(company=company, pk__in=wanted["department"]).values_list("id", "name")
    )

    def objective(value: int) -> str:
        return _quoted(titles[value]) if value in titles else "a private objective"

    def phrase(change: dict[str, Any]) -> str | None:
        field, old, new = change["field"], change["from"], change["to"]
        if field == "title":
            return f"renamed it from {_quoted(old)} to {_quoted(new)}"
        if field == "description":
            return "changed the description"
        if field == "parent":
            return f"moved it under {objective(new)}" if new is not None else f"detached it from {objective(old)}"
        if field == "objective":
            return f"moved it to {objective(new)}"
        if field == "department":
            return f"moved it to {departments.get(new, 'a removed department')}" if new else "made it company-level"
        if field == "owner":
            return f"gave it to {people.get(new, 'a former member')}" if new else "left it without an owner"
        if field == "private":
            return "made it private" if new else "made it visible to everyone"
        if field == "status":
            return _STATUS_VERBS.get(new, f"set its status to {new}")
        label = _LABELS.get(field, field.replace("_", " "))
        if field in ("start_value", "target_value", "weight"):
            old, new = (None if v is None else _number(v) for v in (old, new))
        if old in (None, ""):
            return f"set {label} to {new}"
        return f"changed {label} from {old} to {'nothing' if new in (None, '') else new}"

    for entry in entries:
        by = entry["by"]
        who = by["name"] if by else (f"API key {entry['api_key']}" if entry["via"] == "api_key" else "the system")
        changed = {c["field"] for c in entry["changes"]} - _QUIET
        entry["checkin_only"] = entry["type"] == "changed" and bool(changed) and changed <= CHECKIN_FIELDS
        if entry["type"] == "created":
            parts = ["created it"]
        elif entry["type"] == "deleted":
            parts = ["deleted it"]
        elif entry["checkin_only"]:
            value = next((c["to"] for c in entry["changes"] if c["field"] == "current_value"), None)
            parts = [f"checked in {_number(value)}" if value is not None else "checked in"]
        else:
            parts = [
                p for c in entry["changes"] if c["field"] not in CHECKIN_FIELDS | _QUIET for p in [phrase(c)] if p
            ] or ["saved it unchanged"]
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        sentence = f"{who} {listed}"
        entry["summary"] = sentence[0].upper() + sentence[1:]
