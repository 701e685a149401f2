"""A search as a table: the columns of each kind, for the CSV and XLSX downloads (``explore.exports``)."""

import datetime
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from companies.models import Company, Role
from explore.params import KIND_NAMES
from objectives.models import Confidence, ObjectiveStatus
from objectives.progress import Status
from okrhub.links import site_url

Row = Mapping[str, Any]


def _percent(progress: float | None) -> float | None:
    return None if progress is None else round(progress * 100, 1)


def _status(row: Row) -> str:
    return Status(row["pace_status"]).label if row.get("pace_status") else ""


def _owner(row: Row) -> str:
    return row.get("owner_name") or ""


def _department(row: Row) -> str:
    return row.get("department_name") or ""


def _local(company: Company) -> Callable[[datetime.datetime | None], datetime.datetime | None]:
    """A moment in the company's time zone, without the zone (spreadsheets have no time zones)."""

    def local(moment: datetime.datetime | None) -> datetime.datetime | None:
        return None if moment is None else moment.astimezone(company.tzinfo).replace(tzinfo=None, microsecond=0)

    return local


def columns(kind: str, company: Company) -> list[tuple[str, Callable[[Row], Any]]]:
    """The header and cell of each column of ``kind`` (``all``: the columns every kind shares)."""
    local = _local(company)
    if kind == "objective":
        return [
            ("ID", lambda r: r["id"]),
            ("Title", lambda r: r["title"]),
            ("Description", lambda r: r.get("description") or ""),
            ("Department", lambda r: _department(r) or "Company"),
            ("Owner", _owner),
            ("Objective status", lambda r: ObjectiveStatus(r["objective_status"]).label),
            ("Private", lambda r: "yes" if r["private"] else "no"),
            ("Progress (%)", lambda r: _percent(r["progress"])),
            ("Status", _status),
        ]
    if kind == "key_result":
        return [
            ("ID", lambda r: r["id"]),
            ("Title", lambda r: r["title"]),
            ("Objective", lambda r: r["objective_title"]),
            ("Department", lambda r: _department(r) or "Company"),
            ("Owner", _owner),
            ("Current value", lambda r: r["current_value"]),
            ("Target value", lambda r: r["target_value"]),
            ("Unit", lambda r: r["currency"] or r["unit"]),
            ("Progress (%)", lambda r: _percent(r["progress"])),
            ("Status", _status),
            ("Confidence", lambda r: Confidence(r["confidence"]).label if r["confidence"] else ""),
            ("Last check-in", lambda r: local(r["last_checkin_at"])),
        ]
    if kind == "person":
        return [
            ("ID", lambda r: r["id"]),
            ("Name", lambda r: r["title"]),
            ("Email", lambda r: r["email"]),
            ("Role", lambda r: Role(r["role"]).label),
            ("Departments", lambda r: ", ".join(r.get("departments", []))),
        ]
    if kind == "department":
        return [
            ("ID", lambda r: r["id"]),
            ("Name", lambda r: r["title"]),
            ("Inside", _department),
        ]
    return [
        ("Kind", lambda r: KIND_NAMES[r["kind"]]),
        ("ID", lambda r: r["id"]),
        ("Title", lambda r: r["title"]),
        ("Department", _department),
        ("Owner", _owner),
        ("Progress (%)", lambda r: _percent(r.get("progress"))),
        ("Status", _status),
    ]


def table(
    kind: str, rows: Iterable[Row], *, company: Company, link: Callable[[Row], str]
) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and the rows of a download of ``kind`` (or ``all``), each row ending with its link."""
    spec = columns(kind, company)
    header = [name for name, _ in spec] + ["Link"]
    return header, ([cell(row) for _, cell in spec] + [site_url(link(row))] for row in rows)
