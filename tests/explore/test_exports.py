"""The table writer: both formats hold the rows, formula-like text stays text."""

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from explore.exports import table_response

HEADER = ["Title", "Progress", "Owner"]
ROWS = [['=HYPERLINK("x")', Decimal("0.5"), "Zoë"], ["Grow -5", 1, None]]


def test_csv_holds_the_rows_formula_safe():
    response = table_response("csv", filename="okrs", title="OKRs", header=HEADER, rows=ROWS)
    assert response["Content-Disposition"] == 'attachment; filename="okrs.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [HEADER, ['\'=HYPERLINK("x")', "0.5", "Zoë"], ["Grow -5", "1", ""]]


def test_xlsx_opens_with_the_library_and_holds_the_rows():
    response = table_response("xlsx", filename="okrs", title="OKRs", header=HEADER, rows=ROWS)
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values == [HEADER, ['\'=HYPERLINK("x")', 0.5, "Zoë"], ["Grow -5", 1, None]]
    assert sheet.title == "OKRs"
