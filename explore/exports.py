"""Tables as downloads: the one writer of every CSV and XLSX a page offers.

A page builds its rows through the same selector that renders it (so an
export holds exactly what the reader may see) and hands them here. Text
cells are made formula-safe the same way as the company export
(``objectives.transfer.spreadsheet_safe``), in both formats.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from django.http import HttpResponse
from openpyxl import Workbook

from objectives.transfer import spreadsheet_safe

Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else spreadsheet_safe(cell) for cell in row])
    # A byte-order mark, so spreadsheet programs read the file as UTF-8 (names with accents).
    return ("\ufeff" + buffer.getvalue()).encode()


def _xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet")
    sheet.append(list(header))
    for row in rows:
        sheet.append([spreadsheet_safe(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_response(
    fmt: Format, *, filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """A download of ``rows`` under ``header`` as CSV or XLSX, named ``filename`` plus the extension."""
    if fmt == "csv":
        response = HttpResponse(_csv(header, rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(_xlsx(title, header, rows), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response
