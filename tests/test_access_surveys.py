"""The survey routes in the access matrix (see tests/access.py): every member of the
account may read the anonymous results; only administrators and the home firm's
account managers run surveys (statements, rounds, respondents); the partner champion
answers like everyone else, and alone confirms who is asked (both firms' people). The
public answer page needs no login but a valid link."""

import pytest
from django.urls import reverse

from accounts.quarters import Quarter
from surveys import services
from surveys.models import Invitation, SurveyRound
from surveys.selectors import statement_set

from .access import Route, check_route, expect, matrix_cases
from .surveys_helpers import draft_round, listed

DRAFT = Quarter.current()
OPEN = DRAFT.previous()
EMPTY = OPEN.previous()
RUNNERS_GET = {"admin": 200, "manager": 200}
RUNNERS_POST = {"admin": 302, "manager": 302}


def url(name, *args):
    return lambda c, a: reverse(f"surveys:{name}", args=[a.slug, *args])


def _draft_invitation(account):
    return Invitation.objects.filter(round__account=account, round__quarter=DRAFT).order_by("pk").first().pk


def _draft_list(account):
    return listed(SurveyRound.objects.get(account=account, quarter=DRAFT))


ROUTES = [
    Route("index", url("index"), expect(200)),
    Route("export", url("export"), expect(200)),
    Route("round-draft", url("round", DRAFT), expect(200)),
    Route("round-open", url("round", OPEN), expect(200)),
    Route("create", url("create"), expect(403, **RUNNERS_POST), method="post",
          data=lambda c, a: {"quarter": str(EMPTY), "closes_on": "2099-01-31"}),
    Route("statements", url("statements"), expect(403, **RUNNERS_GET)),
    Route("statements-save", url("statements"), expect(403, **RUNNERS_POST), method="post",
          data=lambda c, a: {"statements": "We trust each other.\nWe win together.",
                             "version": statement_set(a).version}),
    Route("respondents", url("respondents", DRAFT), expect(403, **RUNNERS_GET)),
    Route("respondents-add", url("respondents", DRAFT), expect(403, **RUNNERS_POST), method="post",
          data=lambda c, a: {"side": "partner", "emails": "new.person@example.com"}),
    Route("respondent-remove",
          lambda c, a: reverse("surveys:respondent_remove", args=[a.slug, DRAFT, _draft_invitation(a)]),
          expect(403, **RUNNERS_POST), method="post"),
    # the partner firm's champion, and nobody else, vouches for everyone asked
    Route("partner-confirmation", url("partner_confirmation", DRAFT), expect(403, partner_champion=200)),
    Route("partner-confirm", url("partner_confirmation", DRAFT), expect(403, partner_champion=302), method="post",
          data=lambda c, a: _draft_list(a)),
    Route("open", url("open", DRAFT), expect(403, **RUNNERS_POST), method="post"),
    Route("close", url("close", OPEN), expect(403, **RUNNERS_POST), method="post"),
    Route("closing-day", url("closing", OPEN), expect(403, **RUNNERS_POST), method="post",
          data=lambda c, a: {"closes_on": "2099-01-31"}),
    Route("delete", url("delete", DRAFT), expect(403, **RUNNERS_POST), method="post"),
    Route("round-missing", url("round", EMPTY), expect(404)),
    Route("answer-bad-link", lambda c, a: reverse("survey_answer", args=["x" * 43]),
          {role: 404 for role in ("admin", "portfolio", "manager", "champion", "contributor", "viewer",
                                  "partner_champion", "partner_user", "outsider", "anonymous")},
          account_scoped=False),
]


def furnish(cast):
    """Each account has a draft round this quarter and an open round last quarter (also
    used by tests/test_completeness.py)."""
    for account in (cast.account, cast.other_account):
        draft_round(account, home=1, partner=1, quarter=DRAFT)
        services.round_open(survey=draft_round(account, home=2, partner=2, quarter=OPEN), by=None)


@pytest.fixture
def rounds_on_both_accounts(cast):
    furnish(cast)
    return cast


@pytest.mark.parametrize(("route", "role", "which"), matrix_cases(ROUTES))
def test_access_matrix(client, rounds_on_both_accounts, route, role, which):
    check_route(client, rounds_on_both_accounts, route, role, which)


def test_an_invitation_of_another_account_is_not_found_even_for_an_administrator(client, rounds_on_both_accounts):
    cast = rounds_on_both_accounts
    foreign = _draft_invitation(cast.other_account)
    client.force_login(cast["admin"])
    response = client.post(reverse("surveys:respondent_remove", args=[cast.account.slug, DRAFT, foreign]))
    assert response.status_code == 404
    assert Invitation.objects.filter(pk=foreign).exists()


def test_the_partner_champion_may_not_run_surveys_but_sees_the_same_results(client, rounds_on_both_accounts):
    cast = rounds_on_both_accounts
    client.force_login(cast["partner_champion"])
    page = client.get(reverse("surveys:round", args=[cast.account.slug, OPEN])).content.decode()
    assert "Close the round now" not in page and "People asked" not in page
    assert client.post(reverse("surveys:close", args=[cast.account.slug, OPEN])).status_code == 403
