"""What the events of objectives, key results, dependencies and cycles carry (``objectives.events.record``).

Payloads are plain JSON and stable: the activity feed, notifications and
outgoing webhooks read them. Ids are integers, decimals strings with the
column's places (as the REST API writes them: ``"100.0000"``, weights
``"1.00"``), dates and times ISO 8601. A change is ``{field: [old, new]}``
with fields named as the REST API names them (``owner_id``, ``parent_id``).
"""

import datetime
from decimal import Decimal
from typing import Any

from django.db import models

from objectives.models import Cycle, Dependency, KeyResult, Objective, SharedKeyResult

#: The objective columns an edit can change, as they appear in ``objective.updated``'s ``changes``.
OBJECTIVE_FIELDS = ("title", "description", "owner_id", "parent_id", "weight", "private", "department_id")
#: The key result columns an edit can change, as they appear in ``key_result.updated``'s ``changes``.
KEY_RESULT_FIELDS = (
    "title",
    "kind",
    "direction",
    "start_value",
    "target_value",
    "unit",
    "currency",
    "weight",
    "owner_id",
)


def json_value(instance: models.Model, attname: str) -> Any:
    """A column's value in the payload's JSON types: decimals with their column's places, dates ISO."""
    value = getattr(instance, attname)
    if isinstance(value, Decimal):
        field = instance._meta.get_field(attname)
        places = field.decimal_places if isinstance(field, models.DecimalField) else None
        return f"{value:.{places}f}" if places is not None else str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def snapshot(instance: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: json_value(instance, name) for name in fields}


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value differs (none: an edit that changed nothing)."""
    return {name: [before[name], after[name]] for name in before if before[name] != after[name]}


def objective_created(objective: Objective) -> dict[str, Any]:
    return {
        **snapshot(objective, OBJECTIVE_FIELDS),
        "status": objective.status,
        "cycle_id": objective.cycle_id,
    }


def objective_updated(objective: Objective, changed: dict[str, list[Any]]) -> dict[str, Any]:
    """The title now, the changes, and (when the parent changed) the new and previous parent.

    ``parent_id``/``previous_parent_id`` are there only when the parent
    changed: a notification tells the new parent's owner that an objective
    now ladders up to theirs.
    """
    payload: dict[str, Any] = {"title": objective.title, "changes": changed}
    if "parent_id" in changed:
        payload["previous_parent_id"], payload["parent_id"] = changed["parent_id"]
    return payload


def objective_status(objective: Objective, *, previous: str) -> dict[str, Any]:
    return {"title": objective.title, "from": previous, "to": objective.status}


def key_result_created(kr: KeyResult) -> dict[str, Any]:
    return {
        "key_result_id": kr.pk,
        "objective_title": kr.objective.title,
        **snapshot(kr, KEY_RESULT_FIELDS),
        "current_value": json_value(kr, "current_value"),
    }


def key_result_updated(kr: KeyResult, changed: dict[str, list[Any]]) -> dict[str, Any]:
    return {"key_result_id": kr.pk, "title": kr.title, "objective_title": kr.objective.title, "changes": changed}


def key_result_deleted(kr: KeyResult, *, key_result_id: int) -> dict[str, Any]:
    return {"key_result_id": key_result_id, "title": kr.title, "objective_title": kr.objective.title}


def dependency(dep: Dependency, *, dependency_id: int) -> dict[str, Any]:
    return {
        "dependency_id": dependency_id,
        "objective_title": dep.from_objective.title,
        "to_objective_id": dep.to_objective_id,
        "to_objective_title": dep.to_objective.title,
        "note": dep.note,
    }


def shared_key_result(link: SharedKeyResult, *, shared_key_result_id: int) -> dict[str, Any]:
    """Under the key result's own objective; ``to_objective`` is the objective it is shared into."""
    return {
        "shared_key_result_id": shared_key_result_id,
        "key_result_id": link.key_result_id,
        "title": link.key_result.title,
        "objective_title": link.key_result.objective.title,
        "to_objective_id": link.objective_id,
        "to_objective_title": link.objective.title,
    }


def cycle(instance: Cycle) -> dict[str, Any]:
    return {
        "name": instance.name,
        "start_date": instance.start_date.isoformat(),
        "end_date": instance.end_date.isoformat(),
        "status": instance.status,
    }
