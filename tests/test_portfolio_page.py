"""The portfolio page as its users meet it: what each sees, filtering, searching,
sorting and paging through the URL, the charts, and a query count that does not grow
with the portfolio."""

import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from accounts.models import Membership, PartnerAccount, RelationshipLevel, User
from accounts.quarters import Quarter
from portfolio.models import AccountHealth
from portfolio.selectors import PAGE_SIZE

from .factories import AccountHealthFactory, MembershipFactory, PartnerAccountFactory, UserFactory
from .queries import assert_query_count_is_constant, count_queries

LAST = Quarter.current().previous()
URL = "/portfolio/"
Role = Membership.Role


def account_names(response) -> list[str]:
    """The account names in the table, in order."""
    html = response.content.decode()
    return [unescape(name) for name in re.findall(r'<th scope="row"><a href="/accounts/[^/]+/">([^<]+)</a></th>', html)]


@pytest.fixture
def portfolio(cast, account, other_account):
    """Five accounts the whole company can see, each with its health."""
    tarn = PartnerAccount.objects.get(slug="tarn")
    PartnerAccount.objects.filter(pk=tarn.pk).update(kind="supplier", level=RelationshipLevel.TRANSACTIONAL,
                                                     target_level=RelationshipLevel.TRANSACTIONAL)
    PartnerAccount.objects.filter(pk=account.pk).update(kind="supplier", level=RelationshipLevel.STRATEGIC,
                                                        target_level=RelationshipLevel.STRATEGIC,
                                                        annual_value=Decimal("27000000"))
    PartnerAccount.objects.filter(pk=other_account.pk).update(kind="supplier", level=RelationshipLevel.STRATEGIC,
                                                              target_level=RelationshipLevel.STRATEGIC)
    northwind = PartnerAccountFactory(name="Northwind Retail", slug="northwind", kind="customer",
                                      level=RelationshipLevel.STRATEGIC, target_level=RelationshipLevel.STRATEGIC)
    alder = PartnerAccountFactory(name="Alder & Finch", slug="alder", kind="customer",
                                  level=RelationshipLevel.STRONG_PREFERRED, target_level=RelationshipLevel.STRATEGIC)
    AccountHealthFactory(account=tarn, metrics_green=7, previous_green_share=0.5)  # 50%, flat
    AccountHealthFactory(account=account, metrics_green=13, open_mismatches=1)  # Helix: 93%, a mismatch
    AccountHealthFactory(account=other_account, metrics_green=4, last_review_meeting_on=None)  # Corvane: complacent
    AccountHealthFactory(account=northwind, metrics_green=10, results_quarter=LAST - 1)  # complacent
    AccountHealthFactory(account=alder, metrics_green=12, overdue_actions=None, home_champion_average=None,
                         partner_champion_average=None, champion_gap=None)
    return {"tarn": tarn, "helix": account, "corvane": other_account, "northwind": northwind, "alder": alder}


def get(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


# --- who sees what ---------------------------------------------------------------------------


def test_paula_sees_every_account_most_flagged_first(client, cast, portfolio):
    names = account_names(get(client, cast["portfolio"]))
    assert set(names) == {"Tarn Metals", "Helix Components", "Corvane Logistics", "Northwind Retail", "Alder & Finch"}
    assert names[:3] == ["Corvane Logistics", "Helix Components", "Northwind Retail"]  # one flag each, by name
    assert names[-2:] == ["Alder & Finch", "Tarn Metals"]  # no flags, by name


def test_an_account_manager_sees_only_their_own_accounts(client, cast, portfolio):
    assert account_names(get(client, cast["manager"])) == ["Helix Components"]
    assert account_names(get(client, cast["outsider"])) == ["Tarn Metals"]


def test_a_champion_sees_only_their_own_accounts(client, cast, portfolio):
    MembershipFactory(user=cast["champion"], account=portfolio["northwind"], role=Role.EXECUTIVE_CHAMPION)
    assert set(account_names(get(client, cast["champion"]))) == {"Helix Components", "Northwind Retail"}


def test_a_partner_user_is_told_the_portfolio_does_not_exist(client, cast, portfolio):
    for role in ("partner_user", "partner_champion"):
        client.force_login(cast[role])
        assert client.get(URL).status_code == 404
        assert client.get(reverse("portfolio:export_xlsx")).status_code == 404


def test_the_navigation_offers_the_portfolio_to_home_users_but_not_to_partner_users(client, cast, portfolio):
    link = '<a href="/portfolio/"'
    for role in ("portfolio", "admin", "manager", "viewer"):
        client.force_login(cast[role])
        assert link in client.get(reverse("notifications:inbox")).content.decode(), role
    client.force_login(cast["partner_user"])
    assert link not in client.get(reverse("notifications:inbox")).content.decode()


def test_paulas_home_is_the_portfolio(client, cast):
    client.force_login(cast["portfolio"])
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == URL
    assert "My accounts" not in client.get(URL).content.decode()


# --- the columns ------------------------------------------------------------------------------


def test_a_row_shows_level_and_target_green_share_trend_champions_and_review(client, cast, portfolio):
    html = get(client, cast["portfolio"], q="Alder").content.decode()
    assert "Strong preferred" in html and "aiming up to" in html and "Strategic partner" in html
    assert "86%" in html and "+14 pts" in html  # 12 of 14 green, against 10 of 14 the quarter before
    row = html[html.index('<th scope="row">'):html.index("</tr>", html.index('<th scope="row">'))]
    # no account manager, no annual value, two champions and their gap, no survey yet, overdue actions unknown
    assert row.count("—") == 7
    assert f"{LAST.start_date:%-d %b %Y}" in row


def test_a_row_names_the_first_three_account_managers_and_counts_the_rest(client, cast, portfolio):
    for name in ("Anna", "Bo", "Cy", "Dee", "Eve"):
        MembershipFactory(user=UserFactory(first_name=name, last_name="Lund"), account=portfolio["alder"],
                          role=Role.ACCOUNT_MANAGER)
    html = get(client, cast["portfolio"], q="Alder").content.decode()
    assert "Anna Lund, Bo Lund, Cy Lund <span class=\"muted small\">and 2 more</span>" in html
    client.force_login(cast["portfolio"])
    csv = client.get(reverse("portfolio:export_csv"), {"q": "Alder"}).content.decode()
    assert "Anna Lund, Bo Lund, Cy Lund, Dee Lund, Eve Lund" in csv  # the export lists every one


def test_the_champions_average_colours_are_named_not_only_coloured(client, cast, portfolio):
    html = get(client, cast["portfolio"], q="Helix").content.decode()
    assert "Light Green" in html and "4.0" in html and "3.5" in html  # home 4.0, partner 3.5 (Yellow↑)


def test_the_survey_index_shows_once_a_closed_round_fills_it(client, cast, portfolio, settings,
                                                           django_capture_on_commit_callbacks):
    from .surveys_helpers import closed_round

    settings.TANDEM_RECOMPUTE_DELAY_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        # Home firm all "agree" (4 → 75), partner firm all "neutral" (3 → 50): index 62.5.
        closed_round(portfolio["helix"], home_answers=[[4] * 8] * 3, partner_answers=[[3] * 8] * 3)
    health = AccountHealth.objects.get(account=portfolio["helix"])
    assert health.survey_index == 62.5 and health.survey_quarter is not None
    html = get(client, cast["portfolio"], q="Helix").content.decode()
    assert "62.5" in html and f"in {health.survey_quarter}" in html


# --- filters, search, sorting, pages: all in the URL -------------------------------------------


@pytest.mark.parametrize(("params", "expected"), [
    ({"type": "supplier"}, {"Tarn Metals", "Helix Components", "Corvane Logistics"}),
    ({"type": "customer"}, {"Northwind Retail", "Alder & Finch"}),
    ({"level": "4"}, {"Helix Components", "Corvane Logistics", "Northwind Retail"}),
    ({"flag": "any"}, {"Helix Components", "Corvane Logistics", "Northwind Retail"}),
    ({"flag": "complacency"}, {"Corvane Logistics", "Northwind Retail"}),
    ({"flag": "no_review"}, {"Corvane Logistics"}),
    ({"flag": "results_missing"}, {"Northwind Retail"}),
    ({"flag": "mismatches"}, {"Helix Components"}),
    ({"flag": "none"}, {"Tarn Metals", "Alder & Finch"}),
    ({"q": "helix"}, {"Helix Components"}),
    ({"q": "  ALDER "}, {"Alder & Finch"}),
    ({"type": "supplier", "level": "4", "flag": "any"}, {"Helix Components", "Corvane Logistics"}),
])
def test_filters_and_search_narrow_the_table(client, cast, portfolio, params, expected):
    assert set(account_names(get(client, cast["portfolio"], **params))) == expected


def test_the_owner_filter_lists_account_managers_and_keeps_their_accounts(client, cast, portfolio):
    response = get(client, cast["portfolio"], owner=cast["manager"].pk)
    assert account_names(response) == ["Helix Components"]
    assert f'<option value="{cast["manager"].pk}" selected>{cast["manager"].display_name}</option>' in (
        response.content.decode())


def test_a_value_that_is_not_allowed_is_left_out_and_said_so(client, cast, portfolio):
    response = get(client, cast["portfolio"], level="9", type="supplier")
    assert set(account_names(response)) == {"Tarn Metals", "Helix Components", "Corvane Logistics"}
    assert "It was left out." in response.content.decode()


@pytest.mark.parametrize(("sort", "expected"), [
    ("name", ["Alder & Finch", "Corvane Logistics", "Helix Components", "Northwind Retail", "Tarn Metals"]),
    ("-name", ["Tarn Metals", "Northwind Retail", "Helix Components", "Corvane Logistics", "Alder & Finch"]),
    ("-green", ["Helix Components", "Alder & Finch", "Northwind Retail", "Tarn Metals", "Corvane Logistics"]),
    ("green", ["Corvane Logistics", "Tarn Metals", "Northwind Retail", "Alder & Finch", "Helix Components"]),
    ("-trend", ["Helix Components", "Alder & Finch", "Northwind Retail", "Tarn Metals", "Corvane Logistics"]),
    ("-review", ["Alder & Finch", "Helix Components", "Northwind Retail", "Tarn Metals", "Corvane Logistics"]),
    ("level", ["Tarn Metals", "Alder & Finch", "Corvane Logistics", "Helix Components", "Northwind Retail"]),
])
def test_sorting_by_a_column_and_unknowns_last_either_way(client, cast, portfolio, sort, expected):
    assert account_names(get(client, cast["portfolio"], sort=sort)) == expected


def test_sorting_by_champion_puts_accounts_without_scorecards_last_both_ways(client, cast, portfolio):
    AccountHealth.objects.filter(account=portfolio["tarn"]).update(home_champion_average=2.0)
    assert account_names(get(client, cast["portfolio"], sort="home"))[-1] == "Alder & Finch"
    assert account_names(get(client, cast["portfolio"], sort="-home"))[-1] == "Alder & Finch"


def test_sorting_by_account_manager_uses_their_names(client, cast, portfolio):
    # The cast's managers have random names; one shared name between A and Z keeps the order known.
    User.objects.update(first_name="Mid", last_name="Manager")
    MembershipFactory(user=UserFactory(username="zed", first_name="Zed", last_name="Z"),
                      account=portfolio["alder"], role=Role.ACCOUNT_MANAGER)
    MembershipFactory(user=UserFactory(username="abe", first_name="Abe", last_name="A"),
                      account=portfolio["northwind"], role=Role.ACCOUNT_MANAGER)
    assert account_names(get(client, cast["portfolio"], sort="owner")) == [
        "Northwind Retail", "Corvane Logistics", "Helix Components", "Tarn Metals", "Alder & Finch"]
    assert account_names(get(client, cast["portfolio"], sort="-owner"))[0] == "Alder & Finch"


def test_a_column_header_links_to_the_same_view_sorted_the_other_way(client, cast, portfolio):
    html = get(client, cast["portfolio"], type="supplier", sort="name").content.decode()
    assert 'aria-sort="ascending"' in html
    assert 'href="?type=supplier&amp;sort=-name"' in html
    assert 'href="?type=supplier&amp;sort=-green"' in html  # numbers sort biggest first at the first click


def test_pages_keep_the_filters_and_the_sort(client, cast):
    for i in range(PAGE_SIZE + 5):
        AccountHealthFactory(account=PartnerAccountFactory(name=f"Firm {i:03d}", slug=f"firm-{i}", kind="supplier"))
    first = get(client, cast["portfolio"], type="supplier", sort="name")
    assert len(account_names(first)) == PAGE_SIZE
    html = first.content.decode()
    assert f"accounts 1–{PAGE_SIZE} of {PAGE_SIZE + 5}" in html
    assert 'href="?type=supplier&amp;sort=name&amp;page=2"' in html
    second = get(client, cast["portfolio"], type="supplier", sort="name", page="2")
    assert account_names(second) == [f"Firm {i:03d}" for i in range(PAGE_SIZE, PAGE_SIZE + 5)]
    assert account_names(get(client, cast["portfolio"], type="supplier", sort="name", page="99")) == (
        account_names(second))


def test_the_exports_carry_the_filters_of_the_view(client, cast, portfolio):
    html = get(client, cast["portfolio"], type="supplier", flag="any", page="1").content.decode()
    assert 'href="/portfolio/export.xlsx?type=supplier&amp;flag=any"' in html
    assert 'href="/portfolio/export.csv?type=supplier&amp;flag=any"' in html


def test_the_summary_counts_flags_and_links_to_each(client, cast, portfolio):
    html = get(client, cast["portfolio"]).content.decode()
    assert "5 accounts" in html and "3 need attention" in html
    assert '<a href="?flag=no_review">No review meeting last quarter</a>: 1' in html


def test_the_summary_follows_changes_to_accounts_and_their_health(client, cast, portfolio):
    assert "5 accounts" in get(client, cast["portfolio"]).content.decode()
    PartnerAccountFactory(name="Quill Paper", slug="quill")
    response = get(client, cast["portfolio"])
    assert "6 accounts" in response.content.decode() and "4 need attention" in response.content.decode()
    assert account_names(response)[0] == "Quill Paper"  # its health is not known yet: two flags
    AccountHealthFactory(account=PartnerAccount.objects.get(slug="quill"))
    response = get(client, cast["portfolio"])
    assert "3 need attention" in response.content.decode() and account_names(response)[-1] == "Tarn Metals"
    AccountHealth.objects.filter(account=portfolio["tarn"]).delete()
    assert "4 need attention" in get(client, cast["portfolio"]).content.decode()


def test_a_renamed_account_manager_shows_at_once_but_signing_in_costs_the_page_nothing(client, cast, portfolio):
    manager = cast["manager"]
    assert manager.display_name in get(client, cast["portfolio"], q="Helix").content.decode()
    manager.first_name = "Renamed"
    manager.save()
    assert "Renamed" in get(client, cast["portfolio"], q="Helix").content.decode()
    unchanged = count_queries(client, f"{URL}?q=Helix")
    client.force_login(manager)
    client.logout()
    client.force_login(cast["portfolio"])  # signs in: last_login is saved
    assert count_queries(client, f"{URL}?q=Helix") == unchanged


def test_the_summary_counts_only_the_accounts_each_user_sees(client, cast, portfolio):
    assert "5 accounts" in get(client, cast["portfolio"]).content.decode()
    assert "1 account" in get(client, cast["manager"]).content.decode()
    MembershipFactory(user=cast["manager"], account=portfolio["northwind"], role=Role.ACCOUNT_MANAGER)
    assert "2 accounts" in get(client, cast["manager"]).content.decode()


# --- charts -----------------------------------------------------------------------------------


def _figure(response, element_id):
    html = response.content.decode()
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def _matrix(client, response):
    """The health matrix the page fetches: from the URL it names, with the page's filters."""
    url = unescape(re.search(r'data-figure-url="([^"]+)"', response.content.decode()).group(1))
    matrix = client.get(url)
    assert matrix.status_code == 200 and matrix["Content-Type"] == "application/json"
    return matrix.json()


def test_the_level_chart_counts_current_and_target_levels(client, cast, portfolio):
    figure = _figure(get(client, cast["portfolio"]), "levels-figure")
    current, target = figure["data"]
    assert current["x"] == ["Transactional", "Preferred supplier", "Strong preferred", "Strategic partner"]
    assert current["y"] == [1, 0, 1, 3] and target["y"] == [1, 0, 0, 4]


def test_the_health_matrix_places_accounts_and_opens_them_on_click(client, cast, portfolio):
    figure = _matrix(client, get(client, cast["portfolio"]))
    assert figure["links"] is True
    points = {
        url: (x, y, trace["name"])
        for trace in figure["data"] for url, x, y in zip(trace["customdata"], trace["x"], trace["y"], strict=True)
    }
    assert points["/accounts/helix/"] == (92.9, 3.75, "Calculation mismatches only")
    assert points["/accounts/corvane/"][2] == "Complacency flags"
    assert points["/accounts/tarn/"][2] == "No flags"
    assert "/accounts/alder/" not in points  # no champion scores yet: listed as not plotted
    assert "1 account not plotted" in get(client, cast["portfolio"]).content.decode()


def test_the_health_matrix_keeps_the_filters_of_the_page_but_not_its_sort_or_page(client, cast, portfolio):
    html = get(client, cast["portfolio"], type="supplier", sort="-green", page="1").content.decode()
    assert 'data-figure-url="/portfolio/matrix.json?type=supplier"' in html
    figure = _matrix(client, get(client, cast["portfolio"], type="supplier"))
    plotted = {url for trace in figure["data"] for url in trace["customdata"]}
    assert plotted == {"/accounts/helix/", "/accounts/corvane/", "/accounts/tarn/"}


def test_the_health_matrix_of_an_account_manager_shows_only_their_accounts(client, cast, portfolio):
    client.force_login(cast["manager"])
    figure = client.get(reverse("portfolio:matrix")).json()
    assert [url for trace in figure["data"] for url in trace["customdata"]] == ["/accounts/helix/"]


def test_the_health_matrix_ignores_a_filter_value_that_is_not_allowed(client, cast, portfolio):
    client.force_login(cast["portfolio"])
    response = client.get(reverse("portfolio:matrix"), {"level": "nine", "type": "supplier"})
    assert response.status_code == 200
    assert len([url for trace in response.json()["data"] for url in trace["customdata"]]) == 3


def test_the_health_matrix_filters_by_an_account_manager_named_since_the_last_visit(client, cast, portfolio):
    newcomer = UserFactory()
    client.force_login(cast["portfolio"])

    def plotted():
        figure = client.get(reverse("portfolio:matrix"), {"owner": newcomer.pk}).json()
        return {url for trace in figure["data"] for url in trace["customdata"]}

    assert len(plotted()) == 4  # not an account manager yet: the filter is left out
    MembershipFactory(user=newcomer, account=portfolio["northwind"], role=Role.ACCOUNT_MANAGER)
    assert plotted() == {"/accounts/northwind/"}


def test_bubbles_grow_with_the_annual_value(client, cast, portfolio):
    figure = _matrix(client, get(client, cast["portfolio"], flag="mismatches"))
    assert figure["data"][0]["marker"]["size"] == [46]  # the largest value gets the largest bubble


# --- speed --------------------------------------------------------------------------------------


def _grow(count, manager=None):
    """``count`` more accounts with health roll-ups and an account manager, in bulk."""
    def grow():
        start = PartnerAccount.objects.count()
        accounts = PartnerAccount.objects.bulk_create([
            PartnerAccount(name=f"Bulk {start + i:04d}", slug=f"bulk-{start + i}", kind="supplier" if i % 2 else
                           "customer", level=1 + i % 4, target_level=4, annual_value=Decimal(1000 + i))
            for i in range(count)
        ])
        AccountHealth.objects.bulk_create([
            AccountHealth(account=a, results_quarter=LAST if i % 3 else LAST - 1, metrics_with_results=14,
                          metrics_green=i % 15, green_share=(i % 15) / 14,
                          home_champion_average=3.0, partner_champion_average=4.0, champion_gap=1.0,
                          open_mismatches=i % 2, last_review_meeting_on=LAST.start_date)
            for i, a in enumerate(accounts)
        ])
        owner = manager or UserFactory(username=f"am{start}")
        Membership.objects.bulk_create([Membership(user=owner, account=a, role=Role.ACCOUNT_MANAGER)
                                        for a in accounts])
    return grow


def test_the_page_costs_the_same_queries_for_ten_accounts_and_a_thousand(client, cast):
    _grow(10)()
    assert_query_count_is_constant(client, cast["portfolio"], URL, _grow(990), 11)


def test_a_filtered_sorted_page_costs_the_same_for_an_account_manager(client, cast):
    grow = _grow(10, manager=cast["manager"])
    grow()
    url = f"{URL}?type=supplier&flag=any&sort=owner&q=bulk"
    assert_query_count_is_constant(client, cast["manager"], url, _grow(990, manager=cast["manager"]), 12)


def test_the_health_matrix_costs_the_same_queries_for_ten_accounts_and_a_thousand(client, cast):
    _grow(10)()
    assert_query_count_is_constant(client, cast["portfolio"], reverse("portfolio:matrix"), _grow(990), 6)


def test_the_exports_cost_the_same_queries_for_ten_accounts_and_a_thousand(client, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast["portfolio"])
    _grow(10)()
    counts = []
    for grow in (lambda: None, _grow(990)):
        grow()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("portfolio:export_xlsx"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_every_row_has_one_cell_under_each_header_in_the_headers_order(client, cast, portfolio):
    from portfolio.selectors import COLUMNS

    html = get(client, cast["portfolio"]).content.decode()
    header = html[html.index("<thead>"):html.index("</thead>")]
    assert [unescape(re.sub(r"<[^>]+>|[▲▼]", "", h)).strip() for h in re.findall(r"<a [^>]*>(.*?)</a>", header)] == [
        column.label for column in COLUMNS
    ]
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        assert len(re.findall(r"<t[hd][ >]", row)) == len(COLUMNS)
    helix = next(r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S) if "Helix" in r)
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", helix, flags=re.S)
    assert "Helix" in cells[0] and "supplier" in cells[2].lower()
