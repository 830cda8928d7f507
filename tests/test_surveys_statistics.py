"""The survey's statistics against values worked out by hand.

Spread is the population standard deviation: √(Σ(x − mean)² / n)."""

import math

import pytest
from django.urls import reverse

from accounts.quarters import Quarter
from surveys import selectors, services
from surveys.selectors import firm_statistics

from .factories import record_figure, with_default_metrics
from .surveys_helpers import answer_all, open_round


def test_mean_and_population_spread_of_one_two_threes_and_a_five():
    # Scores 1, 3, 3, 5: mean 3; squared deviations 4, 0, 0, 4 → 8 / 4 = 2 → √2.
    stats = firm_statistics([1, 0, 2, 0, 1])
    assert stats.respondents == 4
    assert stats.mean == 3
    assert stats.spread == pytest.approx(math.sqrt(2))
    assert stats.alignment == "divided"


def test_spread_divides_by_the_number_who_answered_not_one_less():
    # Scores 4, 4, 5: mean 13/3; deviations −1/3, −1/3, 2/3 → (1/9 + 1/9 + 4/9) / 3 = 2/9.
    stats = firm_statistics([0, 0, 0, 2, 1])
    assert stats.mean == pytest.approx(4.3333, abs=1e-4)
    assert stats.spread == pytest.approx(math.sqrt(2 / 9))  # 0.4714, not the sample's 0.5774
    assert stats.alignment == "aligned"
    assert stats.index == pytest.approx(83.333, abs=1e-3)


def test_nobody_answering_has_no_statistics():
    assert firm_statistics([0, 0, 0, 0, 0]) is None


@pytest.fixture
def two_statement_round(cast):
    """Home: (4, 3), (4, 3), (5, 3) of 4 invited; partner: (2, 1), (3, 2), (4, 3) of 5."""
    services.statements_replace(account=cast.account, by=cast["manager"], texts=["We win together.", "We trust."])
    survey, links = open_round(cast.account, home=4, partner=5)
    answer_all(links, "home", [[4, 3], [4, 3], [5, 3]])
    answer_all(links, "partner", [[2, 1], [3, 2], [4, 3]])
    survey = services.round_close(survey=survey, by=None)
    return selectors.round_results(survey)


def test_per_statement_means_spreads_and_the_gap_between_the_firms(two_statement_round):
    win, trust = two_statement_round.statements
    assert (win.home.mean, win.home.spread) == (pytest.approx(13 / 3), pytest.approx(math.sqrt(2 / 9)))
    assert (trust.home.mean, trust.home.spread) == (3, 0)
    # Partner 2, 3, 4 and 1, 2, 3: means 3 and 2, each spread √(2/3) = 0.8165.
    assert (win.partner.mean, win.partner.spread) == (3, pytest.approx(math.sqrt(2 / 3)))
    assert (trust.partner.mean, trust.partner.spread) == (2, pytest.approx(math.sqrt(2 / 3)))
    assert win.partner.alignment == "mixed"
    assert win.gap == pytest.approx(4 / 3)
    assert trust.gap == pytest.approx(1.0)
    assert [row.text for row in two_statement_round.wide_gaps] == ["We win together.", "We trust."]


def test_response_rates_per_firm_and_overall(two_statement_round):
    assert two_statement_round.response_rate("home") == 3 / 4
    assert two_statement_round.response_rate("partner") == 3 / 5
    assert two_statement_round.response_rate() == 6 / 9


def test_the_survey_index_averages_the_two_firms_on_a_zero_to_hundred_scale(two_statement_round):
    # Home: statement means 13/3 and 3 → 11/3 → (11/3 − 1) / 4 × 100 = 66.67.
    # Partner: 3 and 2 → 2.5 → 37.5. Both firms weigh the same: (66.67 + 37.5) / 2 = 52.08.
    assert two_statement_round.home_index == pytest.approx(66.667, abs=1e-3)
    assert two_statement_round.partner_index == pytest.approx(37.5)
    assert two_statement_round.index == pytest.approx(52.083, abs=1e-3)


def test_the_round_page_and_the_export_show_the_same_figures(client, cast, two_statement_round):
    client.force_login(cast["manager"])
    quarter = two_statement_round.quarter
    text = client.get(reverse("surveys:round", args=[cast.account.slug, quarter])).content.decode()
    assert "4.33 ± 0.47" in text and "3.00 ± 0.82" in text and "+1.33" in text
    assert "75%" in text and "60%" in text and "67%" in text
    assert "Survey index <strong>52</strong>" in text
    csv = client.get(reverse("surveys:export", args=[cast.account.slug])).content.decode().splitlines()
    # The gap is a number in the file: "+1.33" would be text a spreadsheet takes for a formula.
    assert f"{quarter},We win together.,Home firm,4,3,4.33,0.47,0,0,0,2,1,1.33" in csv
    assert f"{quarter},We trust.,Partner firm,5,3,2.00,0.82,1,1,1,0,0,1.00" in csv


def test_the_survey_index_is_set_beside_the_green_share_of_the_following_quarter(client, cast):
    account = with_default_metrics(cast.account)
    survey_quarter = Quarter.current().previous()
    metrics = {m.name: m for m in account.metrics.active()}
    # The survey's own quarter is all green; the quarter after it is half green.
    record_figure(metrics["On-time delivery"], survey_quarter, 99, by=cast["manager"])
    record_figure(metrics["On-time delivery"], survey_quarter.next(), 99, by=cast["manager"])
    record_figure(metrics["Invoice accuracy"], survey_quarter.next(), 90, by=cast["manager"])
    services.statements_replace(account=account, by=None, texts=["We trust."])
    survey, links = open_round(account, home=3, partner=3, quarter=survey_quarter)
    answer_all(links, "home", [[4], [4], [4]])
    answer_all(links, "partner", [[2], [2], [2]])
    services.round_close(survey=survey, by=None)

    rows = selectors.leading_and_lagging(account, selectors.survey_history(account))
    assert [(r.quarter, r.index, r.next_quarter, r.next_green_share) for r in rows] == [
        (survey_quarter, pytest.approx(50.0), survey_quarter.next(), 0.5),
    ]
    client.force_login(cast["viewer"])
    text = client.get(reverse("surveys:index", args=[account.slug])).content.decode()
    assert "Leading and lagging" in text and "50%" in text
