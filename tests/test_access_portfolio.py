"""The portfolio in the access matrix. It is the home firm's view: administrators and
portfolio viewers see it over every account, everyone else on the home side over their
own accounts (the outsider too: over the account they manage), and partner users are
told it does not exist. Which rows each sees is tested in test_portfolio_page.py."""

import pytest
from django.urls import reverse

from .access import Route, check_route, expect, matrix_cases

HOME_SIDE = expect(200, outsider=200, partner_champion=404, partner_user=404)

ROUTES = [
    Route("portfolio", lambda c, a: reverse("portfolio:index"), HOME_SIDE, account_scoped=False),
    Route("portfolio-filtered", lambda c, a: reverse("portfolio:index") + "?type=supplier&flag=any&sort=-green",
          HOME_SIDE, account_scoped=False),
    Route("portfolio-matrix", lambda c, a: reverse("portfolio:matrix") + "?flag=any", HOME_SIDE,
          account_scoped=False),
    Route("portfolio-csv", lambda c, a: reverse("portfolio:export_csv"), HOME_SIDE, account_scoped=False),
    Route("portfolio-xlsx", lambda c, a: reverse("portfolio:export_xlsx"), HOME_SIDE, account_scoped=False),
]


@pytest.mark.parametrize(("route", "role", "which"), matrix_cases(ROUTES))
def test_access_matrix(client, cast, route, role, which):
    check_route(client, cast, route, role, which)


def test_the_portfolio_does_not_accept_writes(client, cast):
    client.force_login(cast["portfolio"])
    assert client.post(reverse("portfolio:index")).status_code == 405
