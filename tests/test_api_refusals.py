"""A refusal never depends on what was sent. The API decides whether someone may do a
thing before it reads their payload, so that its answer cannot tell them anything they
may not see: that an account's slug is taken, that a metric of that name exists in an
account they do not belong to (DESIGN.md §2: never a hint that the object exists)."""

import pytest

from .access import expected_status
from .api_helpers import LAST, api, first_dimension, first_metric, token_client
from .conftest import CAST, client_for
from .factories import UserFactory
from .plans_helpers import person
from .test_access_api import ROUTES, _world  # noqa: F401  (_world: the access matrix's accounts, autouse)

# --- a taken name or slug says nothing to those who may not create ------------------------

NEW_ACCOUNT = {"name": "Nordwind", "kind": "supplier"}


def _post(user, url, data):
    response = token_client(user).post(url, data, format="json")
    return response.status_code, response.json()


@pytest.mark.parametrize("role", ["partner_user", "portfolio", "viewer", "manager", "outsider"])
def test_creating_an_account_is_refused_alike_whether_its_slug_is_taken_or_free(cast, role):
    taken = _post(cast[role], api("account-list"), {**NEW_ACCOUNT, "slug": cast.other_account.slug})
    free = _post(cast[role], api("account-list"), {**NEW_ACCOUNT, "slug": "nordwind"})
    assert taken == free
    assert taken[0] == 403


def test_an_administrator_is_still_told_that_a_slug_is_taken(cast):
    status, body = _post(cast["admin"], api("account-list"), {**NEW_ACCOUNT, "slug": cast.other_account.slug})
    assert status == 400
    assert "slug" in body


# Per create endpoint: a value the account's rules refuse as taken, and a free one.
TAKEN_OR_FREE = {
    "metric": ("metric-list", lambda a: {"name": first_metric(a).name, "unit": "days", "goal": "5",
                                         "warning_threshold": "5"},
               lambda a: {"name": "Warranty turnaround", "unit": "days", "goal": "5", "warning_threshold": "5"}),
    "dimension": ("dimension-list", lambda a: {"name": first_dimension(a).name}, lambda a: {"name": "Speed"}),
    "survey round": ("survey-list", lambda a: {"quarter": str(LAST), "closes_on": "2099-01-31"},
                     lambda a: {"quarter": str(LAST - 8), "closes_on": "2099-01-31"}),
    "membership": ("membership-list", lambda a: {"user": a.memberships.first().user.username, "side": "home",
                                                 "role": "viewer"},
                   lambda a: {"user": UserFactory().username, "side": "home", "role": "viewer"}),
    "roster entry": ("roster-list", lambda a: {"name": "Again", "side": "home",
                                               "user": a.roster.exclude(user=None).first().user.username},
                     lambda a: {"name": "New", "side": "home", "user": None}),
}


@pytest.fixture
def rostered_logins(cast):
    """Someone with a login on each account's roster, so that adding them again is refused."""
    for account in (cast.account, cast.other_account):
        member = UserFactory()
        account.memberships.create(user=member, side="home", role="viewer")
        person(account, "On the roster", user=member)


@pytest.mark.parametrize("endpoint", TAKEN_OR_FREE)
@pytest.mark.parametrize(("role", "which"), [
    ("partner_user", "own"), ("viewer", "own"), ("portfolio", "own"),
    ("partner_user", "other"), ("viewer", "other"), ("portfolio", "other"),
])
def test_creating_is_refused_alike_whether_a_value_is_taken_or_free(cast, rostered_logins, endpoint, role, which):
    account = cast.account if which == "own" else cast.other_account
    url_name, taken, free = TAKEN_OR_FREE[endpoint]
    refused_taken = _post(cast[role], api(url_name, account), taken(account))
    refused_free = _post(cast[role], api(url_name, account), free(account))
    assert refused_taken == refused_free
    assert refused_taken[0] in (403, 404)


def test_the_taken_values_above_are_refused_as_taken_to_those_who_may_create(cast, rostered_logins):
    """The check of the cases above: each 'taken' value is one the rules refuse."""
    for url_name, taken, _ in TAKEN_OR_FREE.values():
        status, body = _post(cast["admin"], api(url_name, cast.account), taken(cast.account))
        assert status == 400, (url_name, body)


# --- every write in the access matrix: a malformed payload gets the same refusal ---------

WRITES = [pytest.param(route, id=route.label) for route in ROUTES if route.method != "get"]


@pytest.mark.parametrize("route", WRITES)
def test_a_refused_write_is_refused_before_its_payload_is_read(client, cast, route):
    """Whoever the matrix refuses (401, 403, 404) gets that same answer when the payload is
    not even JSON: nothing about the payload was looked at first."""
    checked = 0
    for role in CAST:
        for which, account in (("own", cast.account), ("other", cast.other_account)):
            if which == "other" and not route.account_scoped:
                continue
            expected = expected_status(route, role, which)
            if expected not in (401, 403, 404):
                continue
            client.logout()
            client_for(client, cast[role])
            url = route.url(cast, account)
            response = getattr(client, route.method)(url, '{"not json', content_type="application/json")
            assert response.status_code == expected, (
                f"{role} {route.method.upper()} {url} with a malformed payload: expected {expected}, "
                f"got {response.status_code}: {response.content[:300]!r}"
            )
            checked += 1
    assert checked or route.label == "notifications-read-all"  # everyone signed in may mark their own read


def test_the_refusal_reads_the_same_whatever_the_payload(cast):
    partner = token_client(cast["partner_user"])
    payloads = [{**NEW_ACCOUNT, "slug": "helix"}, {"slug": "x" * 500}, [], {"level": "high"}]
    answers = {(r.status_code, r.content) for r in (partner.post(api("account-list"), p, format="json")
                                                    for p in payloads)}
    assert len(answers) == 1, answers
