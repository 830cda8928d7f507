"""The exports take the table away: the screen's columns in its order, every page of the
filtered view in its sort order, numbers as numbers in Excel."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Membership, PartnerAccount, RelationshipLevel
from accounts.quarters import Quarter
from portfolio.selectors import PAGE_SIZE

from .factories import AccountHealthFactory, MembershipFactory, PartnerAccountFactory, UserFactory

LAST = Quarter.current().previous()


@pytest.fixture
def portfolio(cast, account, other_account):
    PartnerAccount.objects.filter(pk=account.pk).update(
        kind="supplier", level=RelationshipLevel.STRATEGIC, target_level=RelationshipLevel.STRATEGIC,
        annual_value=Decimal("27000000"),
    )
    PartnerAccount.objects.filter(pk=other_account.pk).update(
        kind="supplier", level=RelationshipLevel.STRONG_PREFERRED, target_level=RelationshipLevel.STRATEGIC,
    )
    AccountHealthFactory(account=account, metrics_green=13, open_mismatches=2, overdue_actions=3,
                         last_review_meeting_on=LAST.start_date - dt.timedelta(days=10))
    AccountHealthFactory(account=other_account, metrics_green=7, previous_green_share=0.5, survey_index=3.8)
    AccountHealthFactory(account=PartnerAccount.objects.get(slug="tarn"), results_quarter=LAST - 1)
    MembershipFactory(user=UserFactory(username="ada", first_name="Aaron", last_name="Adams"),
                      account=account, role=Membership.Role.ACCOUNT_MANAGER)
    # Helix's managers are listed by name. The cast's manager has a random one, which can
    # sort before "Aaron Adams" ("Aaron Abbott"): a fixed name keeps the order known.
    manager = cast["manager"]
    manager.first_name, manager.last_name = "Mia", "Manager"
    manager.save(update_fields=["first_name", "last_name"])


def download(client, user, name, **params):
    client.force_login(user)
    response = client.get(reverse(f"portfolio:{name}"), params)
    assert response.status_code == 200
    return response


def workbook_rows(response):
    sheet = load_workbook(io.BytesIO(response.content))["Portfolio"]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def screen_headers(client, user) -> list[str]:
    html = client.get(reverse("portfolio:index")).content.decode()
    return [unescape(label) for label in re.findall(r'<th scope="col"[^>]*>\s*<a [^>]*>([^<]+?)(?: <span|</a>)', html)]


def test_both_exports_have_the_screen_columns_in_the_screen_order(client, cast, portfolio):
    csv_rows = list(csv.reader(io.StringIO(download(client, cast["portfolio"], "export_csv").content.decode())))
    excel_rows = workbook_rows(download(client, cast["portfolio"], "export_xlsx"))
    headers = screen_headers(client, cast["portfolio"])
    assert headers[:3] == ["Account", "Flags", "Type"] and headers[-1] == "Last review meeting"
    assert csv_rows[0] == headers and excel_rows[0] == headers


def test_the_excel_file_holds_numbers_dates_and_flags_for_each_account(client, cast, portfolio):
    rows = workbook_rows(download(client, cast["portfolio"], "export_xlsx", sort="name"))
    helix = dict(zip(rows[0], next(r for r in rows if r[0] == "Helix Components"), strict=True))
    assert helix["Type"] == "Strategic supplier"
    assert helix["Account manager"] == f"Aaron Adams, {cast['manager'].display_name}"  # the cast's manager too
    assert (helix["Level"], helix["Target"]) == ("Strategic partner", "Strategic partner")
    assert helix["Annual value"] == 27_000_000
    assert helix["Green share"] == pytest.approx(13 / 14, abs=1e-4)
    assert helix["Trend"] == 21  # 93% against 71%: up 21 points
    assert (helix["Home champion"], helix["Partner champion"], helix["Champion gap"]) == (4.0, 3.5, 0.5)
    assert helix["Survey index"] is None and helix["Overdue actions"] == 3
    assert helix["Last review meeting"].date() == LAST.start_date - dt.timedelta(days=10)
    assert helix["Flags"] == "No review meeting last quarter; Open calculation mismatches (2)"


def test_the_csv_reads_like_the_screen(client, cast, portfolio):
    rows = list(csv.DictReader(io.StringIO(
        download(client, cast["portfolio"], "export_csv", q="corvane").content.decode()
    )))
    assert len(rows) == 1
    corvane = rows[0]
    assert corvane["Green share"] == "50%" and corvane["Trend"] == "0 pts" and corvane["Survey index"] == "3.8"
    assert corvane["Level"] == "Strong preferred" and corvane["Annual value"] == "" and corvane["Flags"] == ""


def test_the_exports_honour_filters_and_sort(client, cast, portfolio):
    rows = workbook_rows(download(client, cast["portfolio"], "export_xlsx", type="supplier", sort="-green"))
    assert [row[0] for row in rows[1:]] == ["Helix Components", "Corvane Logistics"]
    rows = workbook_rows(download(client, cast["portfolio"], "export_xlsx", flag="complacency", sort="name"))
    assert [row[0] for row in rows[1:]] == ["Helix Components", "Tarn Metals"]


def test_the_exports_hold_every_page_not_just_the_one_on_screen(client, cast, portfolio):
    for i in range(PAGE_SIZE + 3):
        PartnerAccountFactory(name=f"Firm {i:03d}", slug=f"firm-{i}")
    rows = workbook_rows(download(client, cast["portfolio"], "export_xlsx", page="2"))
    assert len(rows) == 1 + PAGE_SIZE + 6


def test_an_account_manager_exports_only_their_own_accounts(client, cast, portfolio):
    rows = workbook_rows(download(client, cast["manager"], "export_xlsx"))
    assert [row[0] for row in rows[1:]] == ["Helix Components"]


def test_an_account_name_that_looks_like_a_formula_stays_text(client, cast, portfolio):
    PartnerAccount.objects.filter(slug="tarn").update(name='=HYPERLINK("http://evil.example","x")')
    rows = workbook_rows(download(client, cast["portfolio"], "export_xlsx", q="HYPERLINK"))
    assert rows[1][0] == '=HYPERLINK("http://evil.example","x")'
    sheet = load_workbook(io.BytesIO(download(client, cast["portfolio"], "export_xlsx", q="HYPERLINK").content))
    assert sheet["Portfolio"]["A2"].data_type == "s"
    text = download(client, cast["portfolio"], "export_csv", q="HYPERLINK").content.decode()
    assert "'=HYPERLINK" in text


def test_the_excel_file_says_what_was_exported(client, cast, portfolio):
    response = download(client, cast["portfolio"], "export_xlsx", type="supplier", flag="any")
    assert response["Content-Disposition"].startswith('attachment; filename="tandem-portfolio-')
    notes = dict(row for row in load_workbook(io.BytesIO(response.content))["About"].iter_rows(values_only=True))
    assert notes["Type"] == "Strategic supplier" and notes["Flag"] == "Needs attention (any flag)"
    assert notes["Flags look at"] == str(LAST) and notes["Tandem portfolio"] == "1 account"
