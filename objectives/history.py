"""Audit history of objectives and key results: who changed what, when, from what to what.

django-simple-history records a row per save (the services save; the
roll-up's bulk progress updates are derived data and are not tracked). It
was chosen over django-pghistory because the embedded default runs on
SQLite, where pghistory's PostgreSQL triggers do not exist; simple-history
works on both and takes "who" from the request (its middleware).

"How" is kept in ``history_change_reason``: a change made with an API key
names the key's prefix (the key has no user), a change with neither a
person nor a key is the system's (roll-ups, the demo loader, imports from
the command line).
"""

from typing import Any

from django.db.models import Model
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from companies.models import Company

#: At most this many entries are read per object, newest first.
HISTORY_LIMIT = 100
_SKIP = {"history_id", "history_date", "history_change_reason", "history_type", "history_user", "id", "company"}
_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


@receiver(pre_create_historical_record)
def _note_api_key(sender: Any, instance: Model, history_instance: Any, **kwargs: Any) -> None:
    request = getattr(HistoricalRecords.context, "request", None)
    prefix = getattr(request, "okrhub_api_key_prefix", None)
    if prefix and not history_instance.history_change_reason:
        history_instance.history_change_reason = f"api-key:{prefix}"


def _fields(historical_model: type[Model]) -> list[str]:
    return [
        field.attname if field.is_relation else field.name
        for field in historical_model._meta.concrete_fields
        if field.name not in _SKIP
    ]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def object_history(*, company: Company, model: type[Model], object_id: int) -> list[dict[str, Any]]:
    """The object's changes, newest first, each with who, how and the fields that changed (one query)."""
    historical = model.history.model  # type: ignore[attr-defined]
    rows = list(
        historical.objects.filter(company=company, id=object_id)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: HISTORY_LIMIT + 1]
    )
    fields = _fields(historical)
    entries: list[dict[str, Any]] = []
    for index, row in enumerate(rows[:HISTORY_LIMIT]):
        previous = rows[index + 1] if index + 1 < len(rows) else None
        if row.history_type == "+" or previous is None:
            changes = [
                {"field": name.removesuffix("_id"), "from": None, "to": _plain(getattr(row, name))}
                for name in fields
                if getattr(row, name) not in (None, "")
            ]
        else:
            changes = [
                {
                    "field": name.removesuffix("_id"),
                    "from": _plain(getattr(previous, name)),
                    "to": _plain(getattr(row, name)),
                }
                for name in fields
                if getattr(previous, name) != getattr(row, name)
            ]
        reason = row.history_change_reason or ""
        user = row.history_user
        entries.append(
            {
                "at": row.history_date,
                "type": _TYPES.get(row.history_type, row.history_type),
                "by": None
                if user is None
                else {"id": user.pk, "email": user.email, "name": user.full_name or user.email},
                "via": "api_key" if reason.startswith("api-key:") else ("person" if user is not None else "system"),
                "api_key": reason.removeprefix("api-key:") if reason.startswith("api-key:") else None,
                "changes": changes,
            }
        )
    return entries
