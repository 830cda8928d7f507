"""The filtered table as CSV and Excel: the columns of the screen, in its order, one
line per account in the table's sort order."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .selectors import COLUMNS, PortfolioRow


def _value(row: PortfolioRow):
    return float(row.account.annual_value) if row.account.annual_value is not None else None


VALUES: dict[str, Callable[[PortfolioRow], object]] = {
    "name": lambda r: r.account.name,
    "kind": lambda r: r.account.get_kind_display(),
    "owner": lambda r: ", ".join(user.display_name for user in r.managers),
    "level": lambda r: r.account.get_level_display(),
    "target": lambda r: r.account.get_target_level_display(),
    "value": _value,
    "green": lambda r: r.green_share,
    "trend": lambda r: r.green_trend,
    "home": lambda r: r.home_average,
    "partner": lambda r: r.partner_average,
    "gap": lambda r: r.champion_gap,
    "survey": lambda r: r.survey_index,
    "overdue": lambda r: r.overdue_actions,
    "review": lambda r: r.last_review_on,
    "flags": lambda r: "; ".join(r.flag_labels),
}
assert set(VALUES) == {column.key for column in COLUMNS}, "every column is exported"

EXCEL_FORMATS = {
    "green": "0%",
    "trend": '+0" pts";-0" pts";0" pts"',
    "home": "0.00", "partner": "0.00", "gap": "0.00", "survey": "0.0",
    "review": "yyyy-mm-dd",
}


def _text(key: str, value, row: PortfolioRow) -> str:
    """How a CSV cell reads: what the screen says, without the decoration."""
    if value is None:
        return ""
    if key == "green":
        return f"{value:.0%}"
    if key == "trend":
        return f"{value:+d} pts" if value else "0 pts"
    if key == "value":
        return f"{value:.0f} {row.account.currency}"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, dt.date):
        return value.isoformat()
    return _defused(str(value))


def _defused(text: str) -> str:
    """A spreadsheet opening the CSV must not run a cell as a formula (an account named
    "=HYPERLINK(...)"): such text gets a leading apostrophe."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def headers() -> list[str]:
    return [column.label for column in COLUMNS]


def portfolio_csv(rows: list[PortfolioRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers())
    for row in rows:
        writer.writerow([_text(column.key, VALUES[column.key](row), row) for column in COLUMNS])
    return out.getvalue()


def portfolio_workbook(rows: list[PortfolioRow], *, about: list[tuple[str, str]]) -> bytes:
    """An Excel workbook: the table on the first sheet (numbers as numbers, dates as
    dates, a filter on the header row), and what was exported on a second."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Portfolio"
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, row in enumerate(rows, start=2):
        for position, column in enumerate(COLUMNS, start=1):
            value = VALUES[column.key](row)
            cell = sheet.cell(row=index, column=position, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text, never a formula
            if column.key == "value" and value is not None:
                cell.number_format = f'#,##0 "{row.account.currency}"'
            elif column.key in EXCEL_FORMATS:
                cell.number_format = EXCEL_FORMATS[column.key]
    widths = {"name": 32, "owner": 24, "level": 20, "target": 20, "value": 18, "review": 14, "flags": 60}
    for position, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = widths.get(column.key, 14)
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(1, len(rows) + 1)}"

    notes = book.create_sheet("About")
    for label, text in about:
        notes.append([label, text])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
