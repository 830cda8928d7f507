"""Import one quarter's results from a CSV or Excel file, for one side of an account.

Every row is checked before anything is written; one bad row and nothing is written, and
each problem comes back with its row, column and what is wrong. Only figures that differ
from what is stored are saved (through ``services.results_record``, like the entry
grid), so importing the same file again changes nothing and adds no history.

Columns (the header row names them; order and case do not matter):
``metric_id`` or ``metric`` (the name) — which metric; ``value`` — the figure;
``note`` — optional; ``quarter`` — optional, but if present it must be the quarter
being imported, so that last quarter's file is not loaded into this one. ``unit`` is
ignored (the template shows it as a reminder). Rows without a value are skipped: an
import adds and corrects figures, it never blanks one out.

A file is read a row at a time and refused at the first row past a limit (``MAX_ROWS``
rows, ``MAX_LINES`` lines with the blank ones, ``MAX_COLUMNS`` columns, ``MAX_CELL``
characters in a cell, and a workbook ``MAX_UNPACKED`` unpacked), so a file of a million
rows costs what one of 501 does.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import DecimalValidator
from django.db import transaction

from accounts.access import AccountAccess
from accounts.downloads import CSV_TYPE, XLSX_TYPE, Value, csv_text, undefused, workbook, workbook_bytes, xlsx_append
from accounts.quarters import Quarter

from .models import VALUE_DIGITS, MetricDefinition, MetricResult, unit_problem
from .services import Figure, results_upsert

TEMPLATE_COLUMNS = ["metric_id", "metric", "unit", "quarter", "value", "note"]
MAX_ROWS = 500
MAX_BYTES = 2 * 1024 * 1024
# What a file may hold besides, each limit checked while the file is read, so that a
# file far over one is refused after reading a little more than the limit:
MAX_LINES = 2 * MAX_ROWS  # lines read, blank ones included
MAX_COLUMNS = 50
MAX_CELL = 1000  # characters; longer than any metric name or note may be
# An .xlsx is a zip: 2 MB of it can unpack to hundreds of MB of XML. Opening a workbook
# reads each sheet to the end when it does not say its size up front (12 s for a sheet of
# a million rows), before a single row can be counted; a workbook laid out like the
# template unpacks to well under 1 MB.
MAX_UNPACKED = 5 * 1024 * 1024
NOTE_LENGTH = 500
_fits = DecimalValidator(VALUE_DIGITS["max_digits"], VALUE_DIGITS["decimal_places"])


class ImportFormatError(ValueError):
    """The file cannot be read as a table at all."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    quarter: Quarter | None
    side: str
    errors: list[RowError] = field(default_factory=list)
    saved: int = 0
    unchanged: int = 0
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading files ----------------------------------------------------------------------


def _mb(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def read_table(file: UploadedFile) -> list[list[str]]:
    """The non-blank rows of a CSV or .xlsx file, the header's names in lower case.

    The file is read a row at a time and refused at the first row past a limit; it is
    read before any transaction begins (see :func:`results_import`)."""
    if file.size is not None and file.size > MAX_BYTES:
        raise ImportFormatError(f"The file is larger than {_mb(MAX_BYTES)}.")
    content = file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise ImportFormatError(f"The file is larger than {_mb(MAX_BYTES)}.")
    lowered = (file.name or "").lower()
    if lowered.endswith(".xlsx") or content[:2] == b"PK":
        lines = _xlsx_rows(content)
    elif lowered.endswith((".csv", ".txt")) or not lowered:
        lines = _csv_rows(content)
    else:
        raise ImportFormatError("Upload a .csv or .xlsx file.")
    with closing(lines):
        rows = _within_limits(lines)
    if not rows:
        raise ImportFormatError("The file is empty.")
    return [[cell.lower() for cell in rows[0]], *rows[1:]]


def _within_limits(lines: Iterator[list[str]]) -> list[list[str]]:
    rows = []
    for number, cells in enumerate(lines, start=1):
        if number > MAX_LINES:
            raise ImportFormatError(f"The file has more than {MAX_LINES} lines, blank ones included; "
                                    f"an import has at most {MAX_ROWS} rows.")
        if not any(cells):
            continue
        if len(rows) > MAX_ROWS:  # the header and MAX_ROWS rows already
            raise ImportFormatError(f"The file has more than {MAX_ROWS} rows.")
        if any(len(cell) > MAX_CELL for cell in cells):
            raise ImportFormatError(f"Line {number} has a cell of more than {MAX_CELL:,} characters.")
        # A file we wrote comes back with an apostrophe before text like "-5% after the strike".
        rows.append([undefused(cell) for cell in cells])
    return rows


def _too_wide(number: int) -> ImportFormatError:
    return ImportFormatError(f"Line {number} has more than {MAX_COLUMNS} columns.")


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError("The CSV file is not UTF-8 text; save it as “CSV UTF-8”.") from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096].partition("\n")[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    number = 0
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # csv refuses a cell over its field_size_limit (131,072 characters).
            if "field larger than field limit" in str(exc):
                raise ImportFormatError(f"Line {number} has a cell of more than {MAX_CELL:,} characters.") from exc
            raise ImportFormatError(f"Line {number} cannot be read as CSV ({exc}).") from exc
        if any(row[MAX_COLUMNS:]):
            raise _too_wide(number)
        yield [cell.strip() for cell in row[:MAX_COLUMNS]]


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    unreadable = "The file cannot be read as an Excel workbook (.xlsx)."
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(part.file_size for part in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportFormatError(unreadable) from exc
    if unpacked > MAX_UNPACKED:  # zipfile never unpacks a part beyond the size it declares
        raise ImportFormatError(f"The workbook unpacks to more than {_mb(MAX_UNPACKED)}, far more than "
                                f"{MAX_ROWS} rows need; copy the sheet to import into a workbook of its own.")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFormatError(unreadable) from exc
    try:
        for number, row in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            beyond = row[MAX_COLUMNS:]  # as wide as the sheet says it is: count, don't convert
            if beyond.count(None) < len(beyond):
                raise _too_wide(number)
            yield [_cell_text(cell) for cell in row[:MAX_COLUMNS]]
    except ImportFormatError:
        raise
    except Exception as exc:  # a damaged sheet shows only as its rows are read
        raise ImportFormatError(unreadable) from exc
    finally:
        book.close()


# --- checking and importing -------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    number: int
    metric: MetricDefinition
    value: Decimal
    note: str | None  # None: the file has no note column, keep the stored note


def _check_rows(table: list, quarter: Quarter, metrics: list[MetricDefinition], report: ImportReport) -> list[_Row]:
    header, body = table[0], table[1:]
    if "value" not in header:
        report.errors.append(RowError(1, "value", "The header row needs a “value” column."))
    if "metric_id" not in header and "metric" not in header:
        report.errors.append(RowError(1, "metric", "The header row needs a “metric” or “metric_id” column."))
    if report.errors:
        return []
    by_id = {str(m.pk): m for m in metrics}
    by_name = {m.name.strip().lower(): m for m in metrics}
    seen: dict[int, int] = {}
    checked = []
    for number, cells in enumerate(body, start=2):
        row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header) if name}
        errors_before = len(report.errors)

        def problem(column: str, message: str, number=number) -> None:
            report.errors.append(RowError(number, column, message))

        metric = None
        if row.get("metric_id"):
            metric = by_id.get(row["metric_id"].strip())
            if metric is None:
                problem("metric_id", f"No active metric of this account has the id {row['metric_id']}.")
        elif row.get("metric"):
            metric = by_name.get(row["metric"].strip().lower())
            if metric is None:
                problem("metric", f"“{row['metric']}” is not an active metric of this account.")
        else:
            problem("metric", "Say which metric this row is for.")
        if metric is not None and metric.pk in seen:
            problem("metric", f"“{metric.name}” is already on row {seen[metric.pk]}.")
        elif metric is not None:
            seen[metric.pk] = number
        if row.get("quarter") and row["quarter"].strip() != str(quarter):
            problem("quarter", f"This row is for {row['quarter']}, but the import is for {quarter}.")
        note = row.get("note") if "note" in header else None
        if note is not None and len(note) > NOTE_LENGTH:
            problem("note", f"A note has at most {NOTE_LENGTH} characters (this one has {len(note)}).")

        text = (row.get("value") or "").strip()
        if not text:
            if len(report.errors) == errors_before:
                report.skipped += 1
            continue
        try:
            value = Decimal(text.replace(" ", ""))
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problem("value", f"“{text}” is not a number.")
            continue
        try:
            _fits(value)
        except ValidationError as exc:
            problem("value", " ".join(exc.messages))
            continue
        if metric is not None and (message := unit_problem(metric.unit, value)):
            problem("value", message)
        if len(report.errors) == errors_before:
            checked.append(_Row(number, metric, value, note))
    return checked


def results_import(*, access: AccountAccess, quarter: Quarter, file: UploadedFile) -> ImportReport:
    """Check the whole file, then save its figures for the importer's side — all or nothing.

    The file is read and checked outside any transaction, and only the writes take one:
    on SQLite a transaction holds the one write lock, and every other request that writes
    would wait for a large file to be read and then fail with "database is locked". So the
    caller must not run inside a transaction (the import views are
    ``non_atomic_requests``), and has checked that ``access`` may enter figures for its side."""
    side = access.side
    report = ImportReport(quarter=quarter, side=side)
    if quarter > Quarter.current():
        report.errors.append(RowError(0, "quarter", f"{quarter} has not begun yet; import up to {Quarter.current()}."))
        return report
    try:
        table = read_table(file)
    except ImportFormatError as exc:
        report.errors.append(RowError(0, "file", str(exc)))
        return report
    metrics = list(access.account.metrics.active().order_by("position"))
    rows = _check_rows(table, quarter, metrics, report)
    if report.errors:
        return report
    with transaction.atomic():
        figures = [Figure(metric=row.metric, value=row.value, note=row.note) for row in rows]
        saved, conflicts, report.unchanged = results_upsert(quarter=quarter, side=side, figures=figures,
                                                            by=access.user)
        if conflicts:
            # Somebody saved between our read and our write: write nothing, say so.
            transaction.set_rollback(True)
            report.errors.extend(
                RowError(0, "value", f"“{c.metric.name}” was just changed by someone else; import again.")
                for c in conflicts
            )
            return report
        report.saved = len(saved)
    return report


# --- the template -----------------------------------------------------------------------


def template_rows(*, access: AccountAccess, quarter: Quarter) -> list[list[Value]]:
    """The header and one row per active metric, with the figure stored for the
    downloader's side (blank when there is none)."""
    side = access.side
    metrics = list(access.account.metrics.active().order_by("position", "name"))
    stored = {r.metric_id: r for r in MetricResult.objects.filter(metric__in=metrics, quarter=quarter)}
    rows: list[list[Value]] = [TEMPLATE_COLUMNS]
    for metric in metrics:
        result = stored.get(metric.pk)
        value = result.value_of(side) if result else None
        rows.append([
            str(metric.pk), metric.name, metric.get_unit_display(), str(quarter),
            None if value is None else value.normalize(),  # 98, not 98.0000; and a number, for Excel
            result.note_of(side) if result else "",
        ])
    return rows


def template_csv(rows: list[list[Value]]) -> bytes:
    return ("\ufeff" + csv_text(rows)).encode("utf-8")  # the BOM lets Excel read it as UTF-8


def template_xlsx(rows: list[list[Value]], *, title: str) -> bytes:
    from openpyxl.styles import Font

    book = workbook()
    sheet = book.active
    sheet.title = title[:31]
    for cell in xlsx_append(sheet, rows[0]):
        cell.font = Font(bold=True)
    for row in rows[1:]:
        xlsx_append(sheet, row)
    for letter, width in zip("ABCDEF", (10, 42, 22, 10, 12, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    return workbook_bytes(book)


def template_file(*, access: AccountAccess, quarter: Quarter, kind: str) -> tuple[bytes, str, str]:
    """The template as ``(content, content type, file name)``; ``kind`` is csv or xlsx."""
    rows = template_rows(access=access, quarter=quarter)
    filename = f"{access.account.slug}-{quarter}-{access.side}-results.{kind}"
    if kind == "xlsx":
        return template_xlsx(rows, title=str(quarter)), XLSX_TYPE, filename
    return template_csv(rows), CSV_TYPE, filename
