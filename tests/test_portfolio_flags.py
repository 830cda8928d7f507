"""The portfolio's flags, rule by rule: how the roll-ups behind them are computed, and
which accounts each flag picks out of the stored roll-ups."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import PartnerAccount, RelationshipLevel, Side, User
from accounts.quarters import Quarter
from dashboards.models import MetricDefinition
from dashboards.selectors import RECENT_QUARTERS
from plans.models import Meeting
from portfolio.models import AccountHealth
from portfolio.overview import overview_for
from portfolio.selectors import PortfolioQuery, last_quarter, portfolio_rows
from portfolio.services import account_health_recompute, account_health_recompute_many
from scorecards.models import Dimension, QuarterRelease
from scorecards.selectors import scores_unchanged_for_a_year

from .factories import (
    AccountHealthFactory,
    AssessmentFactory,
    DimensionFactory,
    PartnerAccountFactory,
    RatingFactory,
    UserFactory,
    record_figure,
    with_default_metrics,
)

LAST = Quarter.current().previous()


def flags_of(user, account) -> list[str]:
    return next(row.flags for row in portfolio_rows(user, PortfolioQuery()) if row.account == account)


@pytest.fixture
def paula(cast):
    return cast["portfolio"]


# --- complacency: no review meeting last quarter ----------------------------------------------


def test_an_account_whose_last_review_was_before_last_quarter_is_flagged(paula, account):
    AccountHealthFactory(account=account, last_review_meeting_on=LAST.start_date - dt.timedelta(days=1))
    assert flags_of(paula, account) == ["no_review"]


def test_a_review_on_the_first_day_of_last_quarter_clears_the_flag(paula, account):
    AccountHealthFactory(account=account, last_review_meeting_on=LAST.start_date)
    assert flags_of(paula, account) == []


def test_a_review_this_quarter_clears_the_flag_too(paula, account):
    AccountHealthFactory(account=account, last_review_meeting_on=Quarter.current().start_date)
    assert flags_of(paula, account) == []


def test_an_account_that_never_held_a_review_is_flagged(paula, account):
    AccountHealthFactory(account=account, last_review_meeting_on=None)
    assert flags_of(paula, account) == ["no_review"]


def test_the_last_review_is_the_latest_quarterly_review_held_not_an_internal_or_future_meeting(account):
    today = dt.date.today()
    Meeting.objects.create(account=account, kind=Meeting.Kind.QUARTERLY_REVIEW, held_on=today - dt.timedelta(days=200))
    Meeting.objects.create(account=account, kind=Meeting.Kind.INTERNAL, held_on=today - dt.timedelta(days=5))
    Meeting.objects.create(account=account, kind=Meeting.Kind.QUARTERLY_REVIEW, held_on=today + dt.timedelta(days=5))
    health = account_health_recompute(account_id=account.pk)
    assert health.last_review_meeting_on == today - dt.timedelta(days=200)


# --- complacency: results missing for last quarter --------------------------------------------


def test_an_account_whose_latest_results_are_older_than_last_quarter_is_flagged(paula, account):
    AccountHealthFactory(account=account, results_quarter=LAST.previous())
    assert flags_of(paula, account) == ["results_missing"]


def test_an_account_without_any_results_is_flagged(paula, account):
    AccountHealthFactory(account=account, results_quarter=None, green_share=None, metrics_with_results=0)
    assert flags_of(paula, account) == ["results_missing"]


def test_some_metrics_without_a_result_last_quarter_are_results_missing_too(paula, account):
    AccountHealthFactory(account=account, results_quarter=LAST, metrics_missing=3)
    row = next(r for r in portfolio_rows(paula, PortfolioQuery()) if r.account == account)
    assert row.flags == ["results_missing"]
    assert row.flag_labels == ["Results missing for last quarter (3 metrics)"]


def test_an_account_whose_health_was_never_computed_shows_what_is_not_known(paula, account):
    assert flags_of(paula, account) == ["no_review", "results_missing"]


# --- complacency: scores unchanged for a year -------------------------------------------------


def _scorecards(account, colours_by_quarter):
    """Both champions' submitted scorecards: the same colours on both sides, per quarter."""
    dimensions = [DimensionFactory(account=account) for _ in range(3)]
    for quarter, colours in colours_by_quarter.items():
        for side in (Side.HOME, Side.PARTNER):
            assessment = AssessmentFactory(account=account, quarter=quarter, side=side, champion=UserFactory())
            for dimension, colour in zip(dimensions, colours, strict=True):
                RatingFactory(assessment=assessment, dimension=dimension, colour=colour)


def test_four_quarters_of_identical_scorecards_are_scores_unchanged_for_a_year(account):
    _scorecards(account, {LAST - i: [3, 4, 2] for i in range(4)})
    assert scores_unchanged_for_a_year(account, as_of=LAST)


def test_one_colour_moving_in_the_year_means_the_scores_changed(account):
    _scorecards(account, {LAST - i: [3, 4, 2] if i else [3, 4, 3] for i in range(4)})
    assert not scores_unchanged_for_a_year(account, as_of=LAST)


def test_three_quarters_of_the_same_scores_are_not_yet_a_year(account):
    _scorecards(account, {LAST - i: [3, 4, 2] for i in range(3)})
    assert not scores_unchanged_for_a_year(account, as_of=LAST)


def test_a_missed_quarter_in_between_breaks_the_run(account):
    _scorecards(account, {LAST - i: [3, 4, 2] for i in (0, 1, 3, 4)})
    assert not scores_unchanged_for_a_year(account, as_of=LAST)


def test_no_scorecard_for_a_year_after_earlier_ones_counts_as_unchanged(account):
    _scorecards(account, {LAST - 4: [3, 4, 2]})
    assert scores_unchanged_for_a_year(account, as_of=LAST)
    assert not scores_unchanged_for_a_year(account, as_of=LAST - 1)


def test_an_account_that_never_had_scorecards_is_not_flagged_for_flat_scores(account):
    assert not scores_unchanged_for_a_year(account, as_of=LAST)


def test_a_blind_quarter_is_not_looked_at_until_it_is_released(account, cast):
    _scorecards(account, {LAST - i: [3, 4, 2] for i in (1, 2, 3, 4)})
    blind = AssessmentFactory(account=account, quarter=LAST, side=Side.HOME, champion=UserFactory())
    RatingFactory(assessment=blind, dimension=Dimension.objects.filter(account=account).first(), colour=5)
    assert scores_unchanged_for_a_year(account, as_of=LAST)  # the year up to the latest open quarter
    QuarterRelease.objects.create(account=account, quarter=LAST, released_by=cast["admin"])
    assert not scores_unchanged_for_a_year(account, as_of=LAST)  # released: the home champion has moved


def test_the_recompute_stores_flat_scores_and_the_page_flags_them(paula, account):
    _scorecards(account, {LAST - i: [4, 4, 4] for i in range(4)})
    health = account_health_recompute(account_id=account.pk)
    assert health.scores_unchanged_for_a_year
    AccountHealth.objects.filter(pk=health.pk).update(results_quarter=LAST, last_review_meeting_on=LAST.start_date)
    assert flags_of(paula, account) == ["scores_flat"]


# --- open calculation mismatches -------------------------------------------------------------


def test_an_account_with_open_mismatches_is_flagged_but_not_complacent(paula, account):
    AccountHealthFactory(account=account, open_mismatches=2)
    row = next(r for r in portfolio_rows(paula, PortfolioQuery()) if r.account == account)
    assert row.flags == ["mismatches"] and not row.complacent
    assert row.flag_labels == ["Open calculation mismatches (2)"]


def test_the_recompute_counts_mismatches_and_the_green_share_trend_of_the_latest_quarter(account):
    with_default_metrics(account)
    on_time = MetricDefinition.objects.get(account=account, name="On-time delivery")
    invoices = MetricDefinition.objects.get(account=account, name="Invoice accuracy")
    record_figure(on_time, LAST.previous(), Decimal("99.0"))
    record_figure(invoices, LAST.previous(), Decimal("99.5"))
    record_figure(on_time, LAST, Decimal("90.0"))  # red
    record_figure(invoices, LAST, Decimal("99.5"))  # green ...
    record_figure(invoices, LAST, Decimal("95.0"), side=invoices.checking_side)  # ... but the other side disagrees
    health = account_health_recompute(account_id=account.pk)
    assert (health.results_quarter, health.green_share, health.previous_green_share) == (LAST, 0.5, 1.0)
    assert health.open_mismatches == 1
    assert health.metrics_missing == 12  # of the fourteen default metrics, two have results



def test_the_recompute_finds_the_latest_results_however_long_ago_they_were_logged(account, other_account):
    with_default_metrics(account)
    with_default_metrics(other_account)
    on_time = MetricDefinition.objects.get(account=account, name="On-time delivery")
    long_ago = LAST - (RECENT_QUARTERS + 4)  # well before the quarters the nightly run reads first
    record_figure(on_time, long_ago.previous(), Decimal("99.0"))
    record_figure(on_time, long_ago, Decimal("90.0"))  # red
    recent = MetricDefinition.objects.get(account=other_account, name="On-time delivery")
    record_figure(recent, LAST, Decimal("99.0"))
    account_health_recompute_many(account_ids=[account.pk, other_account.pk])
    stale, fresh = (AccountHealth.objects.get(account=a) for a in (account, other_account))
    assert (stale.results_quarter, stale.green_share, stale.previous_green_share) == (long_ago, 0.0, 1.0)
    assert (fresh.results_quarter, fresh.green_share) == (LAST, 1.0)

# --- all flags together, and the rule of ten ------------------------------------------------


def test_flags_add_up_and_the_most_flagged_account_comes_first(paula, account, other_account):
    AccountHealthFactory(account=PartnerAccount.objects.get(slug="tarn"))  # the cast's third account: healthy
    AccountHealthFactory(account=account, open_mismatches=1)
    AccountHealthFactory(account=other_account, open_mismatches=3, results_quarter=LAST - 2,
                         last_review_meeting_on=None, scores_unchanged_for_a_year=True)
    rows = portfolio_rows(paula, PortfolioQuery())
    assert rows[0].account == other_account
    assert rows[0].flags == ["no_review", "results_missing", "scores_flat", "mismatches"]
    assert [row.account for row in rows[1:]] == [account, PartnerAccount.objects.get(slug="tarn")]
    summary = overview_for(paula, PortfolioQuery(), last_quarter()).summary
    assert summary.flagged == 2 and summary.complacent == 1


def test_flags_look_at_the_quarter_that_ended_last():
    assert last_quarter(dt.date(2026, 11, 23)) == Quarter(2026, 3)
    assert last_quarter(dt.date(2026, 1, 1)) == Quarter(2025, 4)


def _strategic_accounts(count):
    for i in range(count):
        PartnerAccountFactory(slug=f"strategic-{i}", level=RelationshipLevel.STRATEGIC)


def test_more_than_ten_strategic_accounts_raise_the_rule_of_ten_banner(client, paula):
    _strategic_accounts(11)
    client.force_login(paula)
    page = client.get(reverse("portfolio:index")).content.decode()
    assert "Rule of ten: 11 accounts are at Strategic partner level." in page


def test_ten_strategic_accounts_are_within_the_rule_of_ten(client, paula):
    _strategic_accounts(10)
    client.force_login(paula)
    assert "Rule of ten" not in client.get(reverse("portfolio:index")).content.decode()


def test_the_rule_of_ten_counts_every_account_whatever_the_filters(client, paula):
    _strategic_accounts(11)
    client.force_login(paula)
    page = client.get(reverse("portfolio:index"), {"level": RelationshipLevel.TRANSACTIONAL}).content.decode()
    assert "Rule of ten: 11 accounts" in page


def test_the_demo_portfolio_shows_every_kind_of_flag_and_healthy_accounts_too(db):
    from accounts import demo as accounts_demo
    from dashboards import demo as dashboards_demo
    from plans import demo as plans_demo
    from portfolio.services import accounts_recompute_all
    from scorecards import demo as scorecards_demo

    accounts = accounts_demo.seed_accounts()
    dashboards_demo.seed_results(accounts.values())
    scorecards_demo.seed_scorecards(accounts)
    plans_demo.seed_plans(accounts)
    accounts_recompute_all()
    paula = User.objects.get(username="paula")
    flags = {row.account.slug: row.flags for row in portfolio_rows(paula, PortfolioQuery())}
    assert flags["corvane-logistics"] == ["no_review", "scores_flat", "mismatches"]  # gone quiet
    assert flags["baltic-rail"] == ["results_missing"]  # logging late
    assert "results_missing" in flags["brightwater-polymers"]  # three metrics still to log
    assert flags["meridian-health"] == []
    assert 0 < overview_for(paula, PortfolioQuery(), last_quarter()).summary.flagged < len(accounts)
