"""The CSV and Excel files the app writes: every one is made here, so that no cell of
them runs as a formula when the file is opened in a spreadsheet.

A spreadsheet runs a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (a tab or
carriage return first does not stop it) as a formula: an account, a metric or a comment
named ``=HYPERLINK("http://evil.example","Open")`` would become a live link in the file a
colleague opens. As OWASP advises ("CSV injection"):

* **text stays text.** In a CSV such text gets a leading apostrophe, which spreadsheets
  show and never run; in Excel it is written as a text cell with Excel's own quote
  prefix, so it reads exactly as typed and stays text even when someone edits the cell.
* **numbers stay numbers.** ``int``, ``float`` and ``Decimal`` values are written as
  numbers, unescaped: -3 is -3 in both formats. So a figure is handed over as a number,
  never as text already formatted ("-3" is text, and gets its apostrophe).

The results import reads the app's own CSV back: :func:`undefused` takes the apostrophe
off again, so a note exported and imported unchanged stays the same note.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Value = str | int | float | Decimal | dt.date | None


# Spreadsheets skip spaces and control characters before a formula's sign (and the Excel
# writer drops the control characters), so "\x01=HYPERLINK(…)" is a formula too.
_SKIPPED_BEFORE_A_SIGN = "".join(map(chr, range(0x21)))


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) or text.lstrip(_SKIPPED_BEFORE_A_SIGN).startswith(FORMULA_STARTS)


def defused(text: str) -> str:
    """``text`` as a CSV cell a spreadsheet shows and never runs."""
    return f"'{text}" if looks_like_formula(text) else text


def undefused(text: str) -> str:
    """What :func:`defused` was given, for a file of ours that comes back."""
    return text[1:] if text.startswith("'") and looks_like_formula(text[1:]) else text


def _is_number(value: Value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def csv_cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"  # 100, not 1E+2
    if _is_number(value):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return defused(str(value))


def csv_text(rows: Iterable[Sequence[Value]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue()


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence[Value]]) -> HttpResponse:
    """A CSV file the browser saves as ``filename``, its first row the ``header``."""
    response = HttpResponse(csv_text([header, *rows]), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def workbook() -> Workbook:
    """A new Excel workbook; write its rows with :func:`xlsx_append`."""
    return Workbook()


def xlsx_append(sheet: Worksheet, values: Sequence[Value]) -> list[Cell]:
    """Add a row to ``sheet``: text as text cells, numbers and dates as themselves.
    Returns the cells, for the caller's number formats and fonts."""
    cells = []
    for value in values:
        if isinstance(value, str):
            # openpyxl refuses control characters Excel cannot hold; drop them.
            cell = Cell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
            cell.data_type = "s"  # openpyxl would make "=…" a formula
            if looks_like_formula(value):
                cell.quotePrefix = True  # Excel keeps it text even when the cell is edited
        else:
            cell = Cell(sheet, value=value)
        cells.append(cell)
    sheet.append(cells)
    return cells


def workbook_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
