"""A company's whole OKR data out (JSON, CSV) and objectives and key results in (CSV).

Export is a read of one company, every row named by the company (private
objectives included: only admins export). Import goes through the same
services as the pages and the API, row by row inside one transaction: a dry
run always rolls back; a real run rolls back unless every row succeeded, so
nothing changes until a clean file is confirmed. Errors name the row (as
numbered in the file, the header being row 1) and the column; every problem of
every row is reported, not just the first. A clean run also returns a preview
of what it read, row by row, with the quality hints the services gave.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from companies.models import Company, Membership
from companies.tenancy import Actor
from departments.models import Department
from objectives import services
from objectives.models import (
    CheckIn,
    Cycle,
    Dependency,
    Direction,
    KeyResult,
    KeyResultKind,
    Objective,
    ObjectiveStatus,
    SharedKeyResult,
)
from okrhub.errors import NotFound, PermissionDenied

EXPORT_VERSION = 1

#: What each exported table holds, column by column (also the CSV header).
TABLES: dict[str, tuple[type[Model], list[str]]] = {
    "departments": (Department, ["id", "name", "slug", "parent_id"]),
    "cycles": (Cycle, ["id", "name", "start_date", "end_date", "status", "closed_at"]),
    "objectives": (
        Objective,
        [
            "id",
            "cycle_id",
            "department_id",
            "owner__email",
            "parent_id",
            "title",
            "description",
            "status",
            "weight",
            "private",
            "progress",
            "final_score",
        ],
    ),
    "key_results": (
        KeyResult,
        [
            "id",
            "objective_id",
            "owner__email",
            "title",
            "kind",
            "direction",
            "start_value",
            "target_value",
            "current_value",
            "unit",
            "currency",
            "weight",
            "confidence",
            "progress",
            "final_score",
        ],
    ),
    # Every entry, corrected and undone ones too (an export is the whole record): ``corrects_id`` and
    # ``retracted`` say which supersede which, as ``CheckIn.objects.effective()`` reads them.
    "check_ins": (
        CheckIn,
        [
            "id",
            "key_result_id",
            "author__email",
            "value",
            "confidence",
            "note",
            "created_at",
            "entered_at",
            "corrects_id",
            "retracted",
        ],
    ),
    "dependencies": (Dependency, ["id", "from_objective_id", "to_objective_id", "note"]),
    "shared_key_results": (SharedKeyResult, ["id", "objective_id", "key_result_id", "created_at"]),
    "members": (Membership, ["user__email", "user__full_name", "role"]),
}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def company_export(*, company: Company) -> dict[str, Any]:
    """Every OKR row of one company as plain data (one query per table)."""
    data: dict[str, Any] = {
        "version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "company": {
            "name": company.name,
            "slug": company.slug,
            "timezone": str(company.timezone),
            "focus_mode": company.focus_mode,
            "max_objectives_per_department": company.max_objectives_per_department,
            "max_key_results_per_objective": company.max_key_results_per_objective,
            "checkin_weekday": company.checkin_weekday,
            "checkin_hour": company.checkin_hour,
            "rollup_child_objectives": company.rollup_child_objectives,
        },
    }
    for table, (model, columns) in TABLES.items():
        rows = model._default_manager.filter(company=company).order_by(
            *(["id"] if "id" in columns else ["user__email"])
        )
        data[table] = [
            {column.replace("__", "_"): _plain(value) for column, value in zip(columns, row, strict=True)}
            for row in rows.values_list(*columns)
        ]
    return data


#: Leading characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def spreadsheet_safe(value: Any) -> Any:
    """A cell a spreadsheet shows as text, never runs: a formula-like text gets a leading ``'``.

    As OWASP advises for CSV injection, text starting with ``=``, ``+``,
    ``-``, ``@``, tab or carriage return is prefixed with a single quote
    (quotes inside cells are the csv module's to escape). Numbers stay as
    they are, so ``-5`` in a numeric column remains a number; a text that
    is only a number (a title "-5") is a number to a spreadsheet anyway.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def from_spreadsheet(value: str) -> str:
    """An imported cell as it was before :func:`spreadsheet_safe`: the guarding ``'`` removed.

    A text really starting with ``'`` and a formula character loses the quote.
    """
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def company_export_csv_zip(*, company: Company) -> bytes:
    """The export as a zip of one CSV file per table, formula-like text neutralised (:func:`spreadsheet_safe`)."""
    data = company_export(company=company)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, (_, columns) in TABLES.items():
            text = io.StringIO()
            writer = csv.writer(text)
            header = [column.replace("__", "_") for column in columns]
            writer.writerow(header)
            for row in data[table]:
                writer.writerow(["" if row[name] is None else spreadsheet_safe(row[name]) for name in header])
            archive.writestr(f"{table}.csv", text.getvalue())
    return buffer.getvalue()


# ---------------------------------------------------------------- import

IMPORT_COLUMNS = [
    "type",
    "ref",
    "title",
    "description",
    "cycle",
    "department",
    "parent",
    "objective",
    "owner",
    "activate",
    "weight",
    "kind",
    "direction",
    "start",
    "target",
    "unit",
    "currency",
]
IMPORT_HELP = (
    "One row per objective (type=objective) or key result (type=key_result). Objectives: title, cycle "
    "(its name), department (slug, empty for company level), parent and ref (a parent is the ref of an "
    "objective row above, or #<id> of an existing objective), owner (email), activate (yes/no), weight. "
    "Key results: objective (a ref or #<id>), title, kind, direction, start, target, unit, currency, "
    "owner, weight."
)
MAX_IMPORT_ROWS = 2000


@dataclass
class ImportResult:
    dry_run: bool
    applied: bool = False
    objectives: int = 0
    key_results: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    #: Row by row, what a clean run read (row, type, title, where, hints); empty when there are errors.
    preview: list[dict[str, Any]] = field(default_factory=list)
    #: The cycle of the first objective or key result read (where the page sends people after importing).
    cycle_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "applied": self.applied,
            "created": {"objectives": self.objectives, "key_results": self.key_results},
            "errors": self.errors,
        }


class _RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


class _RowErrors(Exception):
    """Every problem found in one row's columns before any service is called."""

    def __init__(self, errors: list[_RowError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


class _Checks:
    """Run each column's check, keeping every problem rather than stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[_RowError] = []

    def __call__(self, check: Any, *args: Any) -> Any:
        try:
            return check(*args)
        except _RowError as error:
            self.errors.append(error)
            return None

    def done(self) -> None:
        if self.errors:
            raise _RowErrors(self.errors)


def okrs_import_csv(*, company: Company, actor: Actor | None, text: str, dry_run: bool = True) -> ImportResult:
    """Create the file's objectives and key results through the services; all or nothing."""
    result = ImportResult(dry_run=dry_run)
    reader = csv.DictReader(io.StringIO(text))
    missing = {"type", "title"} - set(reader.fieldnames or [])
    unknown = sorted(set(reader.fieldnames or []) - set(IMPORT_COLUMNS))
    for name in sorted(missing):
        result.errors.append({"row": 1, "field": name, "message": "The header lacks this column."})
    for name in unknown:
        result.errors.append({"row": 1, "field": name, "message": "Unknown column."})
    if result.errors:
        return result
    rows = list(reader)
    if len(rows) > MAX_IMPORT_ROWS:
        result.errors.append({"row": 1, "field": None, "message": f"At most {MAX_IMPORT_ROWS} rows per file."})
        return result
    cycles = {c.name: c for c in Cycle.objects.filter(company=company)}
    departments = {d.slug: d for d in Department.objects.filter(company=company)}
    members = {m.user.email.lower(): m.user for m in Membership.objects.filter(company=company).select_related("user")}
    refs: dict[str, Objective] = {}
    with transaction.atomic():
        for number, row in enumerate(rows, start=2):
            row = {key: from_spreadsheet((value or "").strip()) for key, value in row.items() if key is not None}
            try:
                with transaction.atomic():
                    _import_row(company, actor, row, cycles, departments, members, refs, result, number)
            except _RowErrors as errors:
                for error in errors.errors:
                    result.errors.append({"row": number, "field": error.column, "message": error.message})
            except _RowError as error:
                result.errors.append({"row": number, "field": error.column, "message": error.message})
            except (NotFound, PermissionDenied) as error:
                result.errors.append({"row": number, "field": None, "message": str(error)})
            except ValidationError as error:
                for field_name, messages in _messages(error):
                    result.errors.append({"row": number, "field": _column(field_name), "message": messages})
        result.applied = not dry_run and not result.errors
        if result.errors:
            result.preview = []
        if not result.applied:
            transaction.set_rollback(True)
    return result


def _messages(error: ValidationError) -> list[tuple[str | None, str]]:
    if hasattr(error, "error_dict"):
        return [(name, message) for name, errors in error.message_dict.items() for message in errors]
    return [(None, message) for message in error.messages]


_SERVICE_TO_COLUMN = {"start_value": "start", "target_value": "target", "__all__": None}


def _column(name: str | None) -> str | None:
    return _SERVICE_TO_COLUMN.get(name, name) if name else None


def _objective_ref(value: str, refs: dict[str, Objective], company: Company, column: str) -> Objective | None:
    if not value:
        return None
    if value.startswith("#"):
        objective = Objective.objects.filter(company=company, pk=value[1:]).first() if value[1:].isdigit() else None
        if objective is None:
            raise _RowError(column, f"No objective {value} in this company.")
        return objective
    if value not in refs:
        raise _RowError(column, f"No objective row above has ref “{value}”.")
    return refs[value]


def _decimal(row: dict[str, str], column: str, default: Any) -> Any:
    value = row.get(column) or ""
    if not value:
        return default
    try:
        Decimal(value)
    except InvalidOperation:
        raise _RowError(column, f"“{value}” is not a number.") from None
    return value


def _choice(row: dict[str, str], column: str, allowed: list[str], default: str) -> str:
    value = row.get(column) or default
    if value not in allowed:
        raise _RowError(column, f"Use one of: {', '.join(allowed)}.")
    return value


def _owner(value: str, members: dict[str, Any]):
    if not value:
        return None
    if value.lower() not in members:
        raise _RowError("owner", f"{value} is not a member of this company.")
    return members[value.lower()]


def _import_row(company, actor, row, cycles, departments, members, refs, result, number) -> None:
    kind = row.get("type", "").lower()
    check = _Checks()
    if kind == "objective":
        if row.get("cycle", "") not in cycles:
            check.errors.append(_RowError("cycle", f"No cycle named “{row.get('cycle', '')}”."))
        department = None
        if row.get("department"):
            department = departments.get(row["department"])
            if department is None:
                check.errors.append(_RowError("department", f"No department “{row['department']}”."))
        if row.get("ref") and row["ref"] in refs:
            check.errors.append(_RowError("ref", f"The ref “{row['ref']}” is used by an earlier row."))
        parent = check(_objective_ref, row.get("parent", ""), refs, company, "parent")
        owner = check(_owner, row.get("owner", ""), members)
        weight = check(_decimal, row, "weight", 1)
        check.done()
        objective = services.objective_create(
            company=company,
            actor=actor,
            cycle=cycles[row["cycle"]],
            department=department,
            title=row.get("title", ""),
            description=row.get("description", ""),
            parent=parent,
            owner=owner,
            weight=weight,
            activate=row.get("activate", "").lower() in ("yes", "true", "1", ObjectiveStatus.ACTIVE),
        )
        if row.get("ref"):
            refs[row["ref"]] = objective
        result.objectives += 1
        result.cycle_id = result.cycle_id or objective.cycle_id
        where = department.name if department else "Company"
        if parent is not None:
            where += f" · under “{parent.title}”"
        _preview(result, number, "objective", objective.title, where, objective)
    elif kind == "key_result":
        kr_objective = check(_objective_ref, row.get("objective", ""), refs, company, "objective")
        if kr_objective is None and not row.get("objective"):
            check.errors.append(_RowError("objective", "Name the objective: the ref of a row above or #<id>."))
        values = {
            "kind": check(_choice, row, "kind", KeyResultKind.values, KeyResultKind.NUMBER),
            "direction": check(_choice, row, "direction", Direction.values, Direction.INCREASE),
            "start_value": check(_decimal, row, "start", 0),
            "target_value": check(_decimal, row, "target", None),
            "weight": check(_decimal, row, "weight", 1),
            "owner": check(_owner, row.get("owner", ""), members),
        }
        check.done()
        kr = services.key_result_create(
            company=company,
            actor=actor,
            objective=kr_objective,
            title=row.get("title", ""),
            unit=row.get("unit", ""),
            currency=row.get("currency", ""),
            **values,
        )
        result.key_results += 1
        result.cycle_id = result.cycle_id or kr.objective.cycle_id
        _preview(result, number, "key result", kr.title, f"on “{kr.objective.title}”", kr)
    else:
        raise _RowError("type", "Use objective or key_result.")


def _preview(result: ImportResult, number: int, kind: str, title: str, where: str, created: Any) -> None:
    """One preview row; its hints are the services' (quality.key_result_title_hints and the focus limits)."""
    result.preview.append(
        {
            "row": number,
            "type": kind,
            "title": title,
            "where": where,
            "hints": [hint.message for hint in getattr(created, "hints", [])],
        }
    )
