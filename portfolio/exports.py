"""The filtered table as CSV and Excel: the columns of the screen, in its order, one
line per account in the table's sort order. Both are written by ``accounts.downloads``,
which keeps an account named like a formula from running as one."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from accounts.downloads import Value, csv_text, workbook, workbook_bytes, xlsx_append

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


def _text(key: str, value, row: PortfolioRow) -> Value:
    """How a CSV cell reads: what the screen says, without the decoration."""
    if value is None:
        return None
    if key == "green":
        return f"{value:.0%}"
    if key == "trend":
        return f"{value:+d} pts" if value else "0 pts"
    if key == "value":
        return f"{value:.0f} {row.account.currency}"
    if isinstance(value, float):
        return Decimal(f"{value:.2f}".rstrip("0").rstrip("."))  # a number: a negative gap is no formula
    return value


def headers() -> list[str]:
    return [column.label for column in COLUMNS]


def portfolio_csv(rows: list[PortfolioRow]) -> str:
    return csv_text([
        headers(),
        *([_text(column.key, VALUES[column.key](row), row) for column in COLUMNS] for row in rows),
    ])


def portfolio_workbook(rows: list[PortfolioRow], *, about: list[tuple[str, str]]) -> bytes:
    """An Excel workbook: the table on the first sheet (numbers as numbers, dates as
    dates, a filter on the header row), and what was exported on a second."""
    book = workbook()
    sheet = book.active
    sheet.title = "Portfolio"
    for cell in xlsx_append(sheet, headers()):
        cell.font = Font(bold=True)
    for row in rows:
        values = [VALUES[column.key](row) for column in COLUMNS]
        for cell, column, value in zip(xlsx_append(sheet, values), COLUMNS, values, strict=True):
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
        xlsx_append(notes, [label, text])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 80
    return workbook_bytes(book)
