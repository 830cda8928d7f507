"""Importing a quarter's results from CSV or Excel, in the browser and through the API:
every row checked first, all or nothing, a report per row, and the same file twice
changes nothing."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dashboards.models import MetricDefinition, MetricResult

from .api_helpers import LAST, api, token_client
from .factories import record_figure, with_default_metrics


@pytest.fixture(autouse=True)
def _metrics(cast):
    with_default_metrics(cast.account)
    with_default_metrics(cast.other_account)


def metrics(account):
    return list(MetricDefinition.objects.filter(account=account).order_by("position"))


def csv_file(rows, name="results.csv"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def xlsx_file(rows, name="results.xlsx"):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(user, account, file, quarter=LAST):
    return token_client(user).post(api("result-import-file", account), {"quarter": str(quarter), "file": file},
                                   format="multipart")


def figures(account, side="home"):
    return {r.metric.name: r.value_of(side) for r in MetricResult.objects.filter(metric__account=account)
            .select_related("metric") if r.value_of(side) is not None}


def history_rows():
    return MetricResult.history.count()


def test_a_manager_imports_a_csv_and_the_figures_are_the_home_sides(cast):
    on_time, quality = metrics(cast.account)[:2]
    response = upload(cast["manager"], cast.account, csv_file([
        ["metric_id", "value", "note"], [on_time.pk, "97.5", "from ERP"], [quality.pk, "99", ""],
    ]))
    assert response.status_code == 200, response.json()
    assert response.json() | {"errors": []} == {"quarter": str(LAST), "side": "home", "saved": 2, "unchanged": 0,
                                                "skipped": 0, "errors": []}
    result = MetricResult.objects.get(metric=on_time, quarter=LAST)
    assert (str(result.home_value), result.home_note, result.home_entered_by) == ("97.5000", "from ERP",
                                                                                    cast["manager"])


def test_a_partner_imports_an_excel_file_by_metric_name_as_the_partners_figures(cast):
    first = metrics(cast.account)[0]
    response = upload(cast["partner_user"], cast.account, xlsx_file([
        ["Metric", "Value"], [first.name.upper(), 96.25],
    ]))
    assert response.status_code == 200, response.json()
    assert {name: str(value) for name, value in figures(cast.account, "partner").items()} == {first.name: "96.2500"}
    assert figures(cast.account, "home") == {}


def test_one_bad_row_writes_nothing_and_every_problem_is_reported(cast):
    ms = metrics(cast.account)
    percent = next(m for m in ms if m.unit == "percent")
    count = next(m for m in ms if m.unit == "count")
    record_figure(percent, LAST, 90, side="home", by=cast["manager"])
    before = (figures(cast.account), history_rows())
    response = upload(cast["manager"], cast.account, csv_file([
        ["metric_id", "metric", "value", "quarter"],
        [percent.pk, "", "95", str(LAST)],           # fine on its own
        [percent.pk, "", "96", str(LAST)],           # the same metric twice
        ["", "No such metric", "1", ""],
        [count.pk, "", "2.5", ""],                   # a count is whole
        ["", ms[3].name, "lots", ""],
        ["", ms[4].name, "5", str(LAST.previous())],  # last quarter's file
    ]))
    assert response.status_code == 400
    errors = [(e["row"], e["column"]) for e in response.json()["errors"]]
    assert errors == [(3, "metric"), (4, "metric"), (5, "value"), (6, "value"), (7, "quarter")]
    messages = {e["row"]: e["message"] for e in response.json()["errors"]}
    assert "already on row 2" in messages[3] and "whole number" in messages[5] and "not a number" in messages[6]
    assert (figures(cast.account), history_rows()) == before


def test_importing_the_same_file_again_changes_nothing_and_adds_no_history(cast):
    first, second = metrics(cast.account)[:2]
    rows = [["metric_id", "value", "note"], [first.pk, "97", "n"], [second.pk, "100", ""]]
    assert upload(cast["manager"], cast.account, csv_file(rows)).json()["saved"] == 2
    before = (history_rows(), list(MetricResult.objects.values_list("home_version", flat=True)))
    again = upload(cast["manager"], cast.account, csv_file(rows)).json()
    assert (again["saved"], again["unchanged"]) == (0, 2)
    assert (history_rows(), list(MetricResult.objects.values_list("home_version", flat=True))) == before


def test_rows_without_a_value_are_skipped_and_do_not_blank_a_stored_figure(cast):
    first = metrics(cast.account)[0]
    record_figure(first, LAST, 80, side="home", by=cast["manager"])
    report = upload(cast["manager"], cast.account, csv_file([["metric_id", "value"], [first.pk, ""]])).json()
    assert (report["saved"], report["skipped"]) == (0, 1)
    assert figures(cast.account)[first.name] == 80


@pytest.mark.parametrize(("content", "column"), [
    (b"\n\n", "file"), (b"\xff\xfe\x00garbage", "file"), (b"PK\x03\x04broken", "file"),
    (b"metric,note\nOn-time delivery,x\n", "value"),
    (b"value\n5\n", "metric"),
])
def test_an_unreadable_file_is_explained(cast, content, column):
    response = upload(cast["manager"], cast.account, SimpleUploadedFile("x.csv", content))
    assert response.status_code == 400
    assert response.json()["errors"][0]["column"] == column


def test_a_quarter_that_has_not_begun_cannot_be_imported(cast):
    from accounts.quarters import Quarter

    file = csv_file([["metric_id", "value"], [metrics(cast.account)[0].pk, "1"]])
    response = upload(cast["manager"], cast.account, file, quarter=Quarter.current().next())
    assert response.status_code == 400 and response.json()["errors"][0]["column"] == "quarter"


def test_metrics_of_another_account_are_not_found(cast):
    foreign = metrics(cast.other_account)[0]
    response = upload(cast["admin"], cast.account, csv_file([["metric_id", "value"], [foreign.pk, "1"]]))
    assert response.status_code == 400 and response.json()["errors"][0]["column"] == "metric_id"
    assert not MetricResult.objects.exists()


def test_the_template_round_trips_through_excel(cast):
    first = metrics(cast.account)[0]
    record_figure(first, LAST, 97, side="home", by=cast["manager"])
    response = token_client(cast["manager"]).get(api("result-template", cast.account) + f"?quarter={LAST}&type=xlsx")
    assert response.status_code == 200
    assert f'{LAST}-home-results.xlsx' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["metric_id", "metric", "unit", "quarter", "value", "note"]
    assert rows[1][:2] == [str(first.pk), first.name] and rows[1][4] == 97  # a figure is a number
    assert len(rows) == 1 + len(metrics(cast.account))
    again = upload(cast["manager"], cast.account, SimpleUploadedFile("t.xlsx", response.content)).json()
    assert (again["saved"], again["unchanged"], again["skipped"]) == (0, 1, len(rows) - 2)


def test_the_csv_template_opens_in_excel_as_utf8(cast):
    response = token_client(cast["manager"]).get(api("result-template", cast.account) + f"?quarter={LAST}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeffmetric_id,metric".encode())


# --- the browser page ---------------------------------------------------------------------


def test_the_entry_page_links_to_the_import_page(client, cast):
    client.force_login(cast["manager"])
    page = client.get(reverse("dashboards:entry", args=[cast.account.slug, LAST])).content.decode()
    assert reverse("dashboards:import", args=[cast.account.slug, LAST]) in page


def test_a_manager_imports_in_the_browser_and_lands_on_the_dashboard(client, cast):
    first = metrics(cast.account)[0]
    client.force_login(cast["manager"])
    url = reverse("dashboards:import", args=[cast.account.slug, LAST])
    response = client.post(url, {"file": csv_file([["metric_id", "value"], [first.pk, "97"]])}, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"?quarter={LAST}")
    assert "1 figure saved" in response.content.decode()


def test_the_browser_shows_each_problem_and_saves_nothing(client, cast):
    client.force_login(cast["manager"])
    url = reverse("dashboards:import", args=[cast.account.slug, LAST])
    response = client.post(url, {"file": csv_file([["metric", "value"], ["Nope", "1"]])})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported" in page and "“Nope” is not an active metric" in page
    assert not MetricResult.objects.exists()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_browser_offers_both_templates(client, cast, kind):
    client.force_login(cast["partner_user"])
    response = client.get(reverse("dashboards:import_template", args=[cast.account.slug, LAST, kind]))
    assert response.status_code == 200 and f"partner-results.{kind}" in response["Content-Disposition"]


def test_a_viewer_may_not_import(client, cast):
    client.force_login(cast["viewer"])
    assert client.get(reverse("dashboards:import", args=[cast.account.slug, LAST])).status_code == 403
