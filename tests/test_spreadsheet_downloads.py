"""Every CSV and Excel file Tandem offers keeps text that looks like a formula as text —
an account, a metric, a dimension or a comment named ``=HYPERLINK(...)`` never becomes a
live formula in the colleague's spreadsheet — and keeps its numbers as numbers: -3 stays
a number, unescaped.

DOWNLOADS lists every view that answers with such a file; a test below makes sure that a
new export cannot be added without being listed here."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from accounts import downloads
from accounts.models import PartnerAccount
from dashboards.models import MetricDefinition, Unit
from surveys import services as survey_services
from surveys.models import RoundStatement

from .api_helpers import LAST, api, token_client
from .factories import (
    AccountHealthFactory,
    AssessmentFactory,
    DimensionFactory,
    RatingFactory,
    record_figure,
    with_default_metrics,
)
from .surveys_helpers import closed_round

FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Download:
    url_name: str
    kind: str  # csv or xlsx
    plant: Callable  # puts each of FORMULAS where the file shows them; returns a number it shows, negative if it can
    url: Callable
    user: str = "manager"
    api: bool = False

    def fetch(self, client, cast):
        if self.api:
            return token_client(cast[self.user]).get(self.url(cast))
        client.force_login(cast[self.user])
        return client.get(self.url(cast))


def plant_accounts(cast):
    for number, name in enumerate(FORMULAS):
        account = PartnerAccount.objects.create(name=name, slug=f"formula-{number}")
        AccountHealthFactory(account=account, home_champion_average=3.0, partner_champion_average=3.5,
                             champion_gap=-0.5)
    return Decimal("-0.5")


def plant_ratings(cast):
    assessment = AssessmentFactory(account=cast.account, quarter=LAST, champion=cast["champion"])
    for position, text in enumerate(FORMULAS):
        dimension = DimensionFactory(account=cast.account, name=text, position=position)
        RatingFactory(assessment=assessment, dimension=dimension, colour=2, comment=text)
    return 2  # the colour's step: 1 to 5


def plant_survey(cast):
    survey_services.statements_replace(account=cast.account, by=None,
                                       texts=[f"Statement {n}" for n in range(len(FORMULAS))])
    # Home thinks less of the relationship than the partner: a negative gap.
    survey = closed_round(cast.account, home_answers=[[2] * len(FORMULAS)] * 3,
                          partner_answers=[[4] * len(FORMULAS)] * 3)
    for position, text in enumerate(FORMULAS, start=1):  # written past the form, which trims
        RoundStatement.objects.filter(round=survey, position=position).update(text=text)
    return Decimal("-2.00")


def plant_metrics(cast):
    with_default_metrics(cast.account)
    metrics = list(MetricDefinition.objects.filter(account=cast.account).order_by("position"))
    for metric, text in zip(metrics, FORMULAS, strict=False):
        MetricDefinition.objects.filter(pk=metric.pk).update(name=text)
    change = metrics[len(FORMULAS)]
    MetricDefinition.objects.filter(pk=change.pk).update(unit=Unit.PERCENT_CHANGE)
    change.refresh_from_db()
    record_figure(change, LAST, Decimal("-3"), side="home", by=cast["manager"], note="-1+1")
    return Decimal("-3")


def template(kind):
    return lambda cast: reverse("dashboards:import_template", args=[cast.account.slug, LAST, kind])


def api_template(kind):
    return lambda cast: api("result-template", cast.account) + f"?quarter={LAST}&type={kind}"


DOWNLOADS = [
    Download("portfolio:export_csv", "csv", plant_accounts, lambda cast: reverse("portfolio:export_csv"),
             user="portfolio"),
    Download("portfolio:export_xlsx", "xlsx", plant_accounts, lambda cast: reverse("portfolio:export_xlsx"),
             user="portfolio"),
    Download("scorecards:export", "csv", plant_ratings,
             lambda cast: reverse("scorecards:export", args=[cast.account.slug])),
    Download("surveys:export", "csv", plant_survey, lambda cast: reverse("surveys:export", args=[cast.account.slug])),
    Download("dashboards:import_template", "csv", plant_metrics, template("csv")),
    Download("dashboards:import_template", "xlsx", plant_metrics, template("xlsx")),
    Download("api:result-template", "csv", plant_metrics, api_template("csv"), api=True),
    Download("api:result-template", "xlsx", plant_metrics, api_template("xlsx"), api=True),
]


def csv_cells(response) -> list[str]:
    text = response.content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def xlsx_cells(response) -> list:
    book = load_workbook(io.BytesIO(response.content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("download", DOWNLOADS, ids=lambda d: f"{d.url_name}.{d.kind}")
def test_text_that_looks_like_a_formula_stays_text_and_numbers_stay_numbers(client, cast, download):
    number = download.plant(cast)
    response = download.fetch(client, cast)
    assert response.status_code == 200
    if download.kind == "csv":
        assert response["Content-Type"].startswith("text/csv")
        cells = csv_cells(response)
        for text in FORMULAS:
            assert "'" + text in cells, f"{text!r} is not in the file, defused"
            assert text not in cells, f"{text!r} would run as a formula"
        assert str(number) in cells, f"{number} is no longer a plain number"
    else:
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        cells = xlsx_cells(response)
        assert not [cell.coordinate for cell in cells if cell.data_type == "f"], "no cell is a formula"
        for text in FORMULAS:
            found = [cell for cell in cells if cell.value == text.replace("\r", "\n")]  # XML reads \r as \n
            assert found, f"{text!r} is not in the workbook as written"
            assert all(cell.data_type == "s" and cell.quotePrefix for cell in found)
        assert any(cell.data_type == "n" and cell.value == number for cell in cells), f"{number} is not a number"


def _routes(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern)


def test_every_route_that_offers_a_spreadsheet_is_checked_above():
    offered = {name for name, route in _routes(get_resolver().url_patterns)
               if re.search(r"export|template|\.csv|\.xlsx", route)}
    assert offered == {download.url_name for download in DOWNLOADS}


def test_only_accounts_downloads_writes_csv_or_excel():
    """The helper is the one way to write these files: a module writing its own would
    bring formula injection back."""
    writing = re.compile(r"csv\.(writer|DictWriter)\(|\bWorkbook\(|openpyxl import [^\n]*\bWorkbook\b")
    offenders = [
        str(path.relative_to(ROOT)) for path in ROOT.glob("*/**/*.py")
        if path.parts[len(ROOT.parts)] not in {"tests", ".venv"} and writing.search(path.read_text())
    ]
    assert offenders == ["accounts/downloads.py"]


@pytest.mark.parametrize("text", ["\x01=HYPERLINK(\"http://x\",\"y\")", " =1+1", "\x00\x1f@SUM(A1)", "\n-1+1"])
def test_a_formula_behind_spaces_or_control_characters_is_defused_too(text):
    assert downloads.defused(text) == "'" + text
    assert downloads.undefused(downloads.defused(text)) == text
    sheet = downloads.workbook().active
    (cell,) = downloads.xlsx_append(sheet, [text])
    assert cell.data_type == "s" and cell.quotePrefix


def test_plain_text_and_numbers_are_left_as_they_are():
    assert downloads.defused("Helix Components") == "Helix Components"
    assert downloads.defused(" 5 pts") == " 5 pts"
    assert downloads.csv_text([[-3, "net"]]) == "-3,net\r\n"
