"""The scorecard routes in the access matrix (see tests/access.py): who gets what on
their own account, and 404 on an account they don't belong to."""

import pytest
from django.urls import reverse

from scorecards.models import Dimension

from .access import Route, check_route, expect, matrix_cases
from .factories import AssessmentFactory
from .scorecards_helpers import LAST, dimensions_of

EARLIER = LAST.previous()
CHAMPIONS_WRITE = {"champion": 302, "partner_champion": 302}
KEEPERS = {"admin": 302, "manager": 302}


def _first_dimension(account):
    return Dimension.objects.filter(account=account).order_by("pk").first().pk


def url(name, *args):
    return lambda c, a: reverse(f"scorecards:{name}", args=[a.slug, *args])


ROUTES = [
    Route("history", url("history"), expect(200)),
    Route("export", url("export"), expect(200)),
    Route("assessment", url("assessment", LAST), expect(200)),
    # Nobody has a scorecard for LAST yet: the page shows revision 0.
    Route("assessment-save", url("assessment", LAST), expect(403, **CHAMPIONS_WRITE), method="post",
          data=lambda c, a: {"save": "1", "revision": "0"}),
    Route("autosave", url("autosave", LAST), expect(403, champion=200, partner_champion=200), method="post",
          data=lambda c, a: {"revision": "0"}),
    Route("compare", url("compare", LAST), expect(200)),
    Route("compare-earlier", url("compare", EARLIER), expect(200)),
    Route("release", url("release", EARLIER), expect(403, admin=302), method="post"),
    Route("reopen", url("reopen", EARLIER, "home"), expect(403, admin=302), method="post"),
    Route("dimensions", url("dimensions"), expect(403, admin=200, manager=200)),
    Route("dimension-add", url("dimensions"), expect(403, **KEEPERS), method="post",
          data=lambda c, a: {"name": "Joint innovation"}),
    Route("dimension-change",
          lambda c, a: reverse("scorecards:dimension_change", args=[a.slug, _first_dimension(a)]),
          expect(403, **KEEPERS), method="post", data=lambda c, a: {"action": "down"}),
]


def furnish(cast):
    """Both accounts have dimensions and a submitted home scorecard for the earlier quarter
    (also used by tests/test_completeness.py)."""
    for account in (cast.account, cast.other_account):
        dimensions_of(account)
        AssessmentFactory(account=account, quarter=EARLIER, side="home")


@pytest.fixture
def scorecards_on_both_accounts(cast):
    furnish(cast)
    return cast


@pytest.mark.parametrize(("route", "role", "which"), matrix_cases(ROUTES))
def test_access_matrix(client, scorecards_on_both_accounts, route, role, which):
    check_route(client, scorecards_on_both_accounts, route, role, which)


def test_a_dimension_of_another_account_is_not_found_even_for_an_administrator(client, scorecards_on_both_accounts):
    cast = scorecards_on_both_accounts
    foreign = _first_dimension(cast.other_account)
    client.force_login(cast["admin"])
    response = client.post(reverse("scorecards:dimension_change", args=["helix", foreign]), {"action": "retire"})
    assert response.status_code == 404
    assert not Dimension.objects.get(pk=foreign).retired
