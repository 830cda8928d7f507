"""The portfolio's rows over the API are the rows of the /portfolio/ page: the same
accounts for the same people, in the same order for the same query string, with the
same flags; partner users are told it does not exist."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Membership, PartnerAccount, RelationshipLevel

from .api_helpers import api, token_client
from .factories import AccountHealthFactory, MembershipFactory, PartnerAccountFactory
from .test_portfolio_page import LAST, account_names


@pytest.fixture
def portfolio(cast, account, other_account):
    """Four accounts with their health: Helix has a mismatch, Corvane no review, Northwind
    no results last quarter, Tarn none of these."""
    tarn = PartnerAccount.objects.get(slug="tarn")
    PartnerAccount.objects.filter(pk=account.pk).update(kind="supplier", level=RelationshipLevel.STRATEGIC,
                                                        target_level=RelationshipLevel.STRATEGIC,
                                                        annual_value=Decimal("27000000"))
    northwind = PartnerAccountFactory(name="Northwind Retail", slug="northwind", kind="customer",
                                      level=RelationshipLevel.STRONG_PREFERRED,
                                      target_level=RelationshipLevel.STRATEGIC)
    AccountHealthFactory(account=tarn, metrics_green=7, previous_green_share=0.5)
    AccountHealthFactory(account=account, metrics_green=13, open_mismatches=1)
    AccountHealthFactory(account=other_account, metrics_green=4, last_review_meeting_on=None)
    AccountHealthFactory(account=northwind, metrics_green=10, results_quarter=LAST - 1)
    return {"tarn": tarn, "helix": account, "corvane": other_account, "northwind": northwind}


def rows(user, query: str = "") -> list[dict]:
    response = token_client(user).get(api("portfolio-list") + query)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def page_names(client, user, query: str = "") -> list[str]:
    client.force_login(user)
    return account_names(client.get(reverse("portfolio:index") + query))


@pytest.mark.parametrize("query", [
    "", "?sort=name", "?sort=-green", "?sort=trend", "?sort=owner", "?sort=-review", "?flag=any", "?flag=complacency",
    "?flag=none", "?type=supplier&level=4", "?q=%20HELIX%20", "?flag=any&sort=-value",
])
@pytest.mark.parametrize("who", ["portfolio", "manager"])
def test_the_api_lists_the_rows_the_page_shows_in_its_order(client, cast, portfolio, query, who):
    assert [row["name"] for row in rows(cast[who], query)] == page_names(client, cast[who], query)


def test_a_row_carries_the_columns_of_the_table(cast, portfolio):
    [helix] = rows(cast["portfolio"], "?q=helix")
    assert helix["slug"] == "helix" and helix["kind"] == "supplier" and helix["level"] == RelationshipLevel.STRATEGIC
    assert helix["managers"] == [{"username": cast["manager"].username, "name": cast["manager"].display_name}]
    assert (helix["annual_value"], helix["currency"], helix["level_differs"]) == ("27000000.00", "EUR", False)
    assert helix["green_share"] == pytest.approx(13 / 14, abs=1e-4) and helix["green_trend"] == 21
    assert (helix["home_champion_average"], helix["partner_champion_average"], helix["champion_gap"]) == (4.0, 3.5,
                                                                                                          0.5)
    assert helix["results_quarter"] == str(LAST) and helix["last_review_meeting_on"] == LAST.start_date.isoformat()
    assert helix["flags"] == ["mismatches"] and helix["flag_labels"] == ["Open calculation mismatches (1)"]
    assert helix["complacent"] is False and helix["survey_index"] is None and helix["survey_quarter"] is None


def test_an_account_without_computed_health_is_listed_with_nothing_known(cast, portfolio):
    PartnerAccountFactory(name="Fresh Start", slug="fresh")
    [fresh] = rows(cast["admin"], "?q=fresh")
    assert fresh["green_share"] is None and fresh["results_quarter"] is None and fresh["overdue_actions"] is None
    assert fresh["flags"] == ["no_review", "results_missing"] and fresh["complacent"] is True


def test_each_sees_only_the_accounts_the_page_shows_them(cast, portfolio):
    assert {row["slug"] for row in rows(cast["portfolio"])} == {"tarn", "helix", "corvane", "northwind"}
    assert [row["slug"] for row in rows(cast["manager"])] == ["helix"]
    assert [row["slug"] for row in rows(cast["outsider"])] == ["tarn"]
    MembershipFactory(user=cast["champion"], account=portfolio["northwind"], role=Membership.Role.EXECUTIVE_CHAMPION)
    assert {row["slug"] for row in rows(cast["champion"])} == {"helix", "northwind"}


@pytest.mark.parametrize("who", ["partner_champion", "partner_user"])
def test_a_partner_user_is_told_the_portfolio_does_not_exist(cast, portfolio, who):
    assert token_client(cast[who]).get(api("portfolio-list")).status_code == 404


def test_the_owner_filter_keeps_an_account_managers_accounts(cast, portfolio):
    assert [row["slug"] for row in rows(cast["portfolio"], f"?owner={cast['manager'].pk}")] == ["helix"]


@pytest.mark.parametrize("query", ["?level=9", "?flag=bored", "?sort=-colour", "?type=rival", "?owner=999999"])
def test_a_value_the_page_would_leave_out_is_refused(cast, portfolio, query):
    response = token_client(cast["portfolio"]).get(api("portfolio-list") + query)
    name = query[1:].split("=")[0]
    assert response.status_code == 400 and name in response.json()


def test_the_rows_come_in_pages(cast, portfolio):
    first = token_client(cast["portfolio"]).get(api("portfolio-list") + "?sort=name&limit=3").json()
    assert first["count"] == 4 and [r["slug"] for r in first["results"]] == ["corvane", "helix", "northwind"]
    rest = token_client(cast["portfolio"]).get(first["next"]).json()
    assert [r["slug"] for r in rest["results"]] == ["tarn"]


def test_the_portfolio_is_read_only(cast, portfolio):
    assert token_client(cast["admin"]).post(api("portfolio-list"), {}, format="json").status_code == 405


def test_the_rows_follow_a_change_to_an_accounts_health(cast, portfolio):
    assert [row["flags"] for row in rows(cast["portfolio"], "?q=tarn")] == [[]]
    health = portfolio["tarn"].health
    health.open_mismatches = 2
    health.save()
    assert [row["flags"] for row in rows(cast["portfolio"], "?q=tarn")] == [["mismatches"]]


def test_the_page_links_name_the_host_that_was_asked(cast, portfolio, settings):
    settings.ALLOWED_HOSTS = ["testserver", "tandem.example"]
    client = token_client(cast["portfolio"])
    for host in ("testserver", "tandem.example"):
        response = client.get(api("portfolio-list") + "?limit=1", HTTP_HOST=host)
        assert response.json()["next"].startswith(f"http://{host}/")
