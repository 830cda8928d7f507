"""The survey demo: two years of rounds with dozens of people per firm, a relationship
whose perceptions sour a quarter before its metrics — and seeding twice adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import PartnerAccount
from accounts.quarters import Quarter
from surveys import selectors
from surveys.models import Invitation, ScoreTally, SurveyRound


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=StringIO())


def test_every_account_has_eight_closed_rounds_with_dozens_asked_per_firm(seeded):
    last = Quarter.current().previous()
    for account in PartnerAccount.objects.all():
        closed = SurveyRound.objects.filter(account=account, status="closed")
        assert sorted(r.quarter for r in closed) == [last - n for n in range(7, -1, -1)]
        for side in ("home", "partner"):
            asked = Invitation.objects.filter(round=closed.last(), side=side).count()
            assert 20 <= asked <= 40
    assert SurveyRound.objects.get(account__slug="helix-components", quarter=Quarter.current()).is_draft


def test_corvane_perceptions_sour_a_quarter_before_its_metrics(seeded):
    account = PartnerAccount.objects.get(slug="corvane-logistics")
    rows = selectors.leading_and_lagging(account, selectors.survey_history(account))
    index = [r.index for r in rows]
    green = [r.next_green_share for r in rows]
    first_drop = next(i for i in range(1, len(index)) if index[i] < index[i - 1] - 10)
    # The survey falls first; the green share of the quarter after that survey is the first to fall.
    assert green[first_drop - 1] == 1.0 and green[first_drop] < 1.0
    assert index[-1] < index[0] - 25


def test_seeding_again_adds_nothing(seeded):
    counts = (SurveyRound.objects.count(), Invitation.objects.count(), ScoreTally.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (SurveyRound.objects.count(), Invitation.objects.count(), ScoreTally.objects.count()) == counts
