"""Many check-ins at once: the weekly check-in page and the API's batch endpoint.

**All or nothing.** A batch is saved in one transaction, or not at all:
every item is checked (through the same steps as a single check-in,
``objectives.services.checkins.prepare_checkin``) and when any item is
refused, nothing is saved and :class:`CheckInBatchInvalid` names every
refused item, ``items[<index>].<field>``. A weekly update is one act: half
of it saved would leave the person unsure what went through, and a retry
of the whole (with the same ``Idempotency-Key`` on the API) is always safe.

**Lock order.** The key results are locked together in ascending id order
before anything is written, and the objectives they belong to are
recomputed (and so locked) together, in ascending id order, after every
item is written; events come last. Two batches with overlapping key results, or a
batch and single check-ins, therefore take their locks in one global order
and never deadlock.

**Overall note.** ``overall_note`` (the weekly page's note for the whole
update, the API's ``note``) is stored with every check-in of the batch: it
becomes the last paragraph of each check-in's note, as ``Overall note: …``,
so whoever reads any of those key results' history later reads it in context.
The combined note must fit a check-in's note (2,000 characters).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from companies.models import Company
from companies.tenancy import Actor
from objectives.models import CheckIn, KeyResult
from objectives.sanity import CheckInWarning
from objectives.services.checkins import (
    NOTE_MAX_LENGTH,
    NeedsConfirmation,
    Recorded,
    apply_checkin,
    lock_key_results,
    prepare_checkin,
    recompute_own_objectives,
    record_checkin_event,
)
from okrhub.errors import PermissionDenied, invalid
from okrhub.text import validate_multi_line

#: The most check-ins one batch takes.
MAX_BATCH_ITEMS = 100
#: The longest overall note (it is added to every check-in's note, which holds 2,000 characters).
MAX_OVERALL_NOTE = 1000
#: The fields of an item; a refusal about anything else (a closed cycle) is about its key result.
ITEM_FIELDS = ("key_result", "value", "confidence", "note")
OVERALL_NOTE_PREFIX = "Overall note: "


@dataclass
class BatchItem:
    """One check-in of a batch. ``confirmed`` False asks first: a flagged value is not saved (the pages)."""

    key_result: KeyResult
    value: Any
    confidence: str
    note: str = ""
    confirmed: bool = True


@dataclass
class BatchResult:
    """What one item recorded, in the order the items were given."""

    key_result: KeyResult
    checkin: CheckIn
    warnings: list[CheckInWarning]


class CheckInBatchInvalid(ValidationError):
    """Refused items of a batch: nothing was saved.

    As a ``ValidationError`` its fields are ``items[<index>].<field>`` (what
    the API answers). ``item_errors`` holds each refused item's own error,
    with the item's field names (what a page shows beside its row), and
    ``unconfirmed`` the warnings of items sent with ``confirmed=False``
    whose values need a confirmation.
    """

    def __init__(
        self,
        item_errors: dict[int, ValidationError],
        unconfirmed: dict[int, list[CheckInWarning]] | None = None,
    ) -> None:
        flat: dict[str, list[ValidationError]] = {}
        for index in sorted(item_errors):
            for field, errors in _error_dict(item_errors[index]).items():
                name = field if field in ITEM_FIELDS else "key_result"
                flat.setdefault(f"items[{index}].{name}", []).extend(errors)
        super().__init__(flat)
        self.item_errors = item_errors
        self.unconfirmed = unconfirmed or {}


def _error_dict(error: ValidationError) -> dict[str, list[ValidationError]]:
    if hasattr(error, "error_dict"):
        return dict(error.error_dict)
    return {NON_FIELD_ERRORS: error.error_list}


def combined_note(note: str, overall_note: str) -> str:
    """A check-in's note with the batch's overall note as its last paragraph."""
    if not overall_note:
        return note
    overall = OVERALL_NOTE_PREFIX + overall_note
    return f"{note}\n\n{overall}" if note else overall


def _check_shape(items: Sequence[BatchItem], overall_note: str) -> None:
    if not items:
        raise invalid("items", "Send at least one check-in.", "required")
    if len(items) > MAX_BATCH_ITEMS:
        raise invalid("items", f"Send at most {MAX_BATCH_ITEMS} check-ins in one batch.", "max_length")
    if len(overall_note) > MAX_OVERALL_NOTE:
        raise invalid("note", f"Keep the overall note within {MAX_OVERALL_NOTE} characters.", "max_length")
    if overall_note.strip():
        try:
            validate_multi_line(overall_note)
        except ValidationError as error:
            raise ValidationError({"note": error.error_list}) from None


def _item_refusals(company: Company, items: Sequence[BatchItem], overall_note: str) -> dict[int, ValidationError]:
    """What can be refused before locking anything: another company's key result, a repeat, an overlong note."""
    errors: dict[int, ValidationError] = {}
    first_index: dict[int, int] = {}
    for index, item in enumerate(items):
        if item.key_result.company_id != company.pk:
            errors[index] = invalid("key_result", "No such key result.", "does_not_exist")
        elif item.key_result.pk in first_index:
            errors[index] = invalid(
                "key_result",
                f"This key result is items[{first_index[item.key_result.pk]}] already: one check-in each per batch.",
                "duplicate",
            )
        else:
            first_index[item.key_result.pk] = index
            if overall_note and len(combined_note(item.note, overall_note)) > NOTE_MAX_LENGTH:
                room = NOTE_MAX_LENGTH - len(combined_note("x", overall_note)) + 1
                errors[index] = invalid(
                    "note",
                    f"With the overall note added, this note is too long: keep it within {max(room, 0)} characters.",
                    "max_length",
                )
    return errors


@transaction.atomic
def checkins_batch(
    *, company: Company, actor: Actor | None, items: Sequence[BatchItem], overall_note: str = ""
) -> list[BatchResult]:
    """Record one check-in per item, all or nothing (see the module docstring for the rules).

    Each item is checked exactly as a single check-in is (permission, value,
    confidence, note, closed cycle or objective, milestone values) and each
    refused item is reported; a refusal of permission answers for the whole
    batch (``PermissionDenied`` naming the item), as a single check-in would.
    Items sent with ``confirmed=False`` whose values the sanity checks flag
    are refused too, with their warnings in ``unconfirmed``.
    """
    _check_shape(items, overall_note)
    overall_note = overall_note.strip()
    errors = _item_refusals(company, items, overall_note)
    if errors:
        raise CheckInBatchInvalid(errors)
    locked = lock_key_results(company=company, ids=[item.key_result.pk for item in items])
    unconfirmed: dict[int, list[CheckInWarning]] = {}
    recorded: dict[int, Recorded] = {}
    for index, item in enumerate(items):
        kr = locked.get(item.key_result.pk)
        if kr is None:  # deleted since the caller read it
            errors[index] = invalid("key_result", "No such key result.", "does_not_exist")
            continue
        try:
            recorded[index] = prepare_checkin(
                company=company,
                actor=actor,
                kr=kr,
                value=item.value,
                confidence=item.confidence,
                note=combined_note(item.note, overall_note),
                confirmed=item.confirmed,
            )
        except PermissionDenied:
            raise PermissionDenied(
                f"Your role does not allow checking in on items[{index}] (key result {kr.pk})."
            ) from None
        except NeedsConfirmation as error:
            errors[index] = error
            unconfirmed[index] = error.warnings
        except ValidationError as error:
            errors[index] = error
    if errors:
        raise CheckInBatchInvalid(errors, unconfirmed)
    CheckIn.objects.bulk_create([recorded[index].checkin for index in sorted(recorded)])
    for index in sorted(recorded):
        apply_checkin(recorded[index])
    recompute_own_objectives(
        company=company, objective_ids=[r.key_result.objective_id for r in recorded.values() if r.moved]
    )
    for index in sorted(recorded):
        record_checkin_event(company=company, actor=actor, recorded=recorded[index])
    return [
        BatchResult(
            key_result=recorded[index].key_result, checkin=recorded[index].checkin, warnings=recorded[index].warnings
        )
        for index in range(len(items))
    ]
