import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.tokens import token_create

from .access import Route, check_route, expect, matrix_cases

EVERYONE = {"outsider": 200}


def _a_membership_of(account):
    return Membership.objects.filter(account=account).order_by("pk").first().pk


def _managers_token(cast, account):
    token, _ = token_create(user=cast["manager"], name="upload script")
    return reverse("api_token_revoke", args=[token.pk])


# Form pages are posted empty: whoever may gets the form back with its messages (200). The
# valid submissions are in the form sweep (tests/form_sweep.py).
ROUTES = [
    # A portfolio viewer's home is the portfolio.
    Route("home", lambda c, a: reverse("home"), expect(200, outsider=200, portfolio=302), account_scoped=False),
    Route("create", lambda c, a: reverse("accounts:create"), expect(403, admin=200, outsider=403),
          account_scoped=False),
    Route("create-save", lambda c, a: reverse("accounts:create"), expect(403, admin=200, outsider=403),
          method="post", account_scoped=False),
    Route("overview", lambda c, a: reverse("accounts:overview", args=[a.slug]), expect(200)),
    Route("edit", lambda c, a: reverse("accounts:edit", args=[a.slug]), expect(403, admin=200, manager=200)),
    Route("edit-save", lambda c, a: reverse("accounts:edit", args=[a.slug]), expect(403, admin=200, manager=200),
          method="post"),
    Route("history", lambda c, a: reverse("accounts:history", args=[a.slug]),
          expect(200, partner_champion=403, partner_user=403)),
    Route("memberships", lambda c, a: reverse("accounts:memberships", args=[a.slug]), expect(403, admin=200)),
    Route("membership-add", lambda c, a: reverse("accounts:memberships", args=[a.slug]), expect(403, admin=200),
          method="post"),
    Route("membership-edit",
          lambda c, a: reverse("accounts:membership_edit", args=[a.slug, _a_membership_of(a)]),
          expect(403, admin=200)),
    Route("membership-edit-save",
          lambda c, a: reverse("accounts:membership_edit", args=[a.slug, _a_membership_of(a)]),
          expect(403, admin=200), method="post"),
    Route("membership-remove",
          lambda c, a: reverse("accounts:membership_remove", args=[a.slug, _a_membership_of(a)]),
          expect(403, admin=302), method="post"),
    # Everyone signed in has API tokens of their own; nobody reaches another person's.
    Route("api-tokens", lambda c, a: reverse("api_tokens"), expect(200, **EVERYONE), account_scoped=False),
    Route("api-token-make", lambda c, a: reverse("api_tokens"), expect(200, **EVERYONE), method="post",
          account_scoped=False),
    Route("api-token-revoke", _managers_token, expect(404, manager=302), method="post", account_scoped=False),
]


@pytest.mark.parametrize(("route", "role", "which"), matrix_cases(ROUTES))
def test_access_matrix(client, cast, route, role, which):
    check_route(client, cast, route, role, which)


def test_a_membership_of_another_account_is_not_found_even_for_an_administrator(client, cast):
    foreign = Membership.objects.filter(account=cast.other_account).first()
    client.force_login(cast["admin"])
    url = reverse("accounts:membership_edit", args=[cast.account.slug, foreign.pk])
    assert client.get(url).status_code == 404
    url = reverse("accounts:membership_remove", args=[cast.account.slug, foreign.pk])
    assert client.post(url).status_code == 404
    assert Membership.objects.filter(pk=foreign.pk).exists()


def test_an_unknown_account_is_not_found(client, cast):
    client.force_login(cast["admin"])
    assert client.get("/accounts/no-such-firm/").status_code == 404
