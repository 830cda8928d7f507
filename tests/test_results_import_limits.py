"""A results import that is far too big is refused quickly, with a message, after reading
little more than the limit — and while the file is read no transaction is open, so that
nobody else waits on it (on SQLite a transaction holds the database's one write lock)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from openpyxl import Workbook

from dashboards import imports
from dashboards.models import MetricDefinition, MetricResult

from .api_helpers import LAST, api, token_client
from .factories import record_figure, with_default_metrics

SHEET_START = (b'<?xml version="1.0" encoding="UTF-8"?>'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_END = b"</sheetData></worksheet>"


@pytest.fixture(autouse=True)
def _metrics(cast):
    with_default_metrics(cast.account)


def workbook_with_sheet(*xml_parts: bytes) -> bytes:
    """An .xlsx whose one sheet is the XML given, written straight into the zip: a sheet
    of a million rows takes a second this way, not minutes through openpyxl."""
    empty = io.BytesIO()
    Workbook().save(empty)
    out = io.BytesIO()
    with zipfile.ZipFile(empty) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            if part.filename == "xl/worksheets/sheet1.xml":
                with target.open(part.filename, "w") as sheet:
                    for xml in (SHEET_START, *xml_parts, SHEET_END):
                        sheet.write(xml)
            else:
                target.writestr(part, source.read(part))
    return out.getvalue()


def text_cell(text: str) -> bytes:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def rows_of(metric: str, value: int) -> bytes:
    return b"<row>" + text_cell(metric) + b"<c><v>%d</v></c></row>" % value


def header() -> bytes:
    return b"<row>" + text_cell("metric") + text_cell("value") + b"</row>"


def import_in_browser(client, user, account, name, content):
    client.force_login(user)
    return client.post(reverse("dashboards:import", args=[account.slug, LAST]),
                       {"file": SimpleUploadedFile(name, content)})


def import_by_api(user, account, name, content):
    return token_client(user).post(api("result-import-file", account),
                                   {"quarter": str(LAST), "file": SimpleUploadedFile(name, content)},
                                   format="multipart")


@pytest.fixture
def rows_read(monkeypatch):
    """Counts the rows the import pulls from the file, whichever kind it is."""
    pulled = []

    def counting(reader):
        def read(content):
            for row in reader(content):
                pulled.append(row)
                yield row
        return read

    monkeypatch.setattr(imports, "_xlsx_rows", counting(imports._xlsx_rows))
    monkeypatch.setattr(imports, "_csv_rows", counting(imports._csv_rows))
    return pulled


def stored():
    return list(MetricResult.objects.order_by("pk").values_list("metric_id", "home_value", "home_note"))


def test_a_workbook_of_a_million_rows_is_refused_at_once_and_nothing_stored_is_lost(client, cast, rows_read):
    metric = MetricDefinition.objects.filter(account=cast.account).first()
    record_figure(metric, LAST, 90, side="home", by=cast["manager"])
    before = stored()
    content = workbook_with_sheet(header(), rows_of(metric.name, 97) * 1_000_000)
    assert len(content) < imports.MAX_BYTES  # small as files go: the rows are all alike

    response = import_in_browser(client, cast["manager"], cast.account, "big.xlsx", content)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page and "unpacks to more than 5 MB" in page
    assert len(rows_read) <= imports.MAX_ROWS + 2
    assert stored() == before


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_reading_stops_at_the_first_row_past_the_limit(cast, rows_read, kind):
    name = MetricDefinition.objects.filter(account=cast.account).first().name
    if kind == "xlsx":
        content = workbook_with_sheet(header(), rows_of(name, 97) * 20_000)
    else:
        content = b"metric,value\n" + f"{name},97\n".encode() * 20_000

    response = import_by_api(cast["manager"], cast.account, f"many.{kind}", content)

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == f"The file has more than {imports.MAX_ROWS} rows."
    assert len(rows_read) == 1 + imports.MAX_ROWS + 1  # the header, the rows allowed, one more
    assert not MetricResult.objects.exists()


def test_a_workbook_mostly_of_blank_rows_is_refused_after_a_thousand_lines(cast, rows_read):
    # One row at the sheet's end: openpyxl yields every row before it as a blank one.
    content = workbook_with_sheet(header(), b'<row r="1048576">' + text_cell("x") + b"</row>")
    response = import_by_api(cast["manager"], cast.account, "blank.xlsx", content)
    assert response.status_code == 400
    assert "more than 1000 lines, blank ones included" in response.json()["errors"][0]["message"]
    assert len(rows_read) == imports.MAX_LINES + 1


def test_a_small_workbook_that_unpacks_to_one_enormous_row_is_refused(cast):
    content = workbook_with_sheet(b"<row>" + b"<c><v>1</v></c>" * 20_000 + b"</row>")
    assert len(content) < 20_000
    response = import_by_api(cast["manager"], cast.account, "wide.xlsx", content)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == f"Line 1 has more than {imports.MAX_COLUMNS} columns."


def test_a_csv_line_of_many_columns_is_refused(cast):
    content = b"metric,value" + b"," * 100 + b"x\n"
    response = import_by_api(cast["manager"], cast.account, "wide.csv", content)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == f"Line 1 has more than {imports.MAX_COLUMNS} columns."


@pytest.mark.parametrize("length", [imports.MAX_CELL + 1, 131_073])  # 131,072: the csv module's own limit
def test_a_csv_cell_too_long_is_explained_on_the_page(client, cast, length):
    metric = MetricDefinition.objects.filter(account=cast.account).first()
    content = f'metric,value,note\n{metric.name},97,"{"x" * length}"\n'.encode()
    response = import_in_browser(client, cast["manager"], cast.account, "long.csv", content)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page and "Line 2 has a cell of more than 1,000 characters." in page
    assert not MetricResult.objects.exists()


def test_an_excel_cell_too_long_is_explained(cast):
    content = workbook_with_sheet(header(), b"<row>" + text_cell("x" * 5000) + b"<c><v>1</v></c></row>")
    response = import_by_api(cast["manager"], cast.account, "long.xlsx", content)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Line 2 has a cell of more than 1,000 characters."


def test_a_file_over_two_megabytes_is_refused_before_it_is_read(cast, rows_read):
    content = b"metric,value\n" + b"x" * (imports.MAX_BYTES + 1)
    response = import_by_api(cast["manager"], cast.account, "huge.csv", content)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "The file is larger than 2 MB."
    assert rows_read == []


def test_the_apostrophe_of_an_exported_note_is_taken_off_on_import(cast):
    """The CSV template writes a note like "-5% after the strike" as "'-5% after the
    strike", so that a spreadsheet shows it as text; importing the file back keeps the note."""
    metric = MetricDefinition.objects.filter(account=cast.account, unit="percent").first()
    content = f"metric_id,value,note\n{metric.pk},97,'-5% after the strike\n".encode()
    response = import_by_api(cast["manager"], cast.account, "notes.csv", content)
    assert response.status_code == 200, response.json()
    assert MetricResult.objects.get(metric=metric).home_note == "-5% after the strike"


# --- no transaction while the file is read ------------------------------------------------


@pytest.fixture
def transactions_seen(monkeypatch):
    """Whether a transaction was open each time the import pulled a row from the file."""
    seen = []

    def watching(reader):
        def read(content):
            for row in reader(content):
                seen.append(connection.in_atomic_block)
                yield row
        return read

    monkeypatch.setattr(imports, "_xlsx_rows", watching(imports._xlsx_rows))
    monkeypatch.setattr(imports, "_csv_rows", watching(imports._csv_rows))
    return seen


def csv_upload(account) -> bytes:
    first = MetricDefinition.objects.filter(account=account).order_by("position").first()
    return f"metric_id,value\n{first.pk},97\n".encode()


@pytest.mark.django_db(transaction=True)
def test_the_import_page_reads_the_file_outside_any_transaction_and_then_saves(client, cast, transactions_seen):
    response = import_in_browser(client, cast["manager"], cast.account, "results.csv", csv_upload(cast.account))
    assert response.status_code == 302
    assert transactions_seen and not any(transactions_seen)
    assert MetricResult.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_import_api_reads_the_file_outside_any_transaction_and_then_saves(cast, transactions_seen):
    response = import_by_api(cast["manager"], cast.account, "results.csv", csv_upload(cast.account))
    assert response.status_code == 200, response.json()
    assert transactions_seen and not any(transactions_seen)
    assert MetricResult.objects.count() == 1


def test_a_refused_api_import_leaves_the_callers_transaction_usable(cast):
    """The import runs outside the request's transaction, so its refusal has no
    transaction of its own to roll back and must not spoil its caller's (here the test's)."""
    response = import_by_api(cast["champion"], cast.account, "results.csv", csv_upload(cast.account))
    assert response.status_code == 403
    assert MetricDefinition.objects.filter(account=cast.account).exists()
