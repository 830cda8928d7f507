"""Trend maths against numbers worked out by hand, and the stored trends on the dashboard."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.quarters import Quarter
from dashboards.models import MetricTrend
from dashboards.services import RECENT_QUARTERS, metric_goal_set, metric_trends_recompute
from dashboards.trends import least_squares, trend_facts

from .factories import record_figure, with_default_metrics

Q = Quarter.parse


def above(goal):
    return lambda quarter, value: value >= goal


def below(goal):
    return lambda quarter, value: value <= goal


def test_least_squares_slope_and_intercept_by_hand():
    # x: 0..3, y: 90 92 91 95 → mean (1.5, 92), Σdxdy = 7, Σdx² = 5 → slope 1.4, intercept 89.9
    slope, intercept = least_squares([(0, 90), (1, 92), (2, 91), (3, 95)])
    assert slope == pytest.approx(1.4)
    assert intercept == pytest.approx(89.9)


def test_least_squares_needs_two_distinct_quarters():
    assert least_squares([(4, 1.0)]) is None
    assert least_squares([]) is None


def test_improving_metric_in_the_green_zone():
    history = [(Q("2025-Q1"), 90), (Q("2025-Q2"), 92), (Q("2025-Q3"), 91), (Q("2025-Q4"), 95)]
    facts = trend_facts(history, is_green=above(90), higher_is_better=True)
    assert facts.quarter == Q("2025-Q4")
    assert facts.slope == pytest.approx(1.4)
    assert facts.moving_average == pytest.approx(92)
    assert (facts.in_green, facts.streak) == (True, 4)
    assert facts.forecast_quarter == Q("2026-Q1")
    assert facts.forecast == pytest.approx(95.5)  # 89.9 + 1.4 × 4
    assert facts.quarters_until_out is None  # improving: it is not leaving


def test_only_the_last_four_quarters_count():
    history = [(Q("2024-Q4"), 10)] + [(Q("2025-Q1"), 90), (Q("2025-Q2"), 92), (Q("2025-Q3"), 91), (Q("2025-Q4"), 95)]
    facts = trend_facts(history, is_green=above(90), higher_is_better=True)
    assert facts.slope == pytest.approx(1.4)
    assert facts.moving_average == pytest.approx(92)
    assert facts.quarters_used == 4
    assert facts.streak == 4  # 2024-Q4 (10) was out of the zone


def test_declining_metric_says_when_it_leaves_the_green_zone():
    # 100 98 97 95: slope −1.6, line 99.9 − 1.6x → x=4: 93.5, 5: 91.9, 6: 90.3, 7: 88.7 < 90
    history = [(Q("2025-Q1"), 100), (Q("2025-Q2"), 98), (Q("2025-Q3"), 97), (Q("2025-Q4"), 95)]
    facts = trend_facts(history, is_green=above(90), higher_is_better=True)
    assert facts.slope == pytest.approx(-1.6)
    assert facts.forecast == pytest.approx(93.5)
    assert facts.quarters_until_out == 4


def test_lower_is_better_streak_out_of_the_zone():
    # goal: at most 5. 6 7 4 6 9 → out, out, in, out, out: two quarters out in a row.
    history = [(Q("2025-Q1"), 6), (Q("2025-Q2"), 7), (Q("2025-Q3"), 4), (Q("2025-Q4"), 6), (Q("2026-Q1"), 9)]
    facts = trend_facts(history, is_green=below(5), higher_is_better=False)
    assert (facts.in_green, facts.streak) == (False, 2)
    assert facts.moving_average == pytest.approx(6.5)  # 7 4 6 9
    assert facts.slope == pytest.approx(0.8)  # worsening, for a lower-is-better metric
    assert facts.quarters_until_out is None  # already out


def test_lower_is_better_rising_towards_the_goal_counts_as_declining():
    # goal ≤ 10: 2 4 6 8 → slope 2, line at x=4: 10 (still green), x=5: 12 → out in 2 quarters
    history = [(Q("2025-Q1"), 2), (Q("2025-Q2"), 4), (Q("2025-Q3"), 6), (Q("2025-Q4"), 8)]
    facts = trend_facts(history, is_green=below(10), higher_is_better=False)
    assert facts.quarters_until_out == 2


def test_a_missing_quarter_breaks_the_streak_and_stretches_the_line():
    history = [(Q("2025-Q1"), 90), (Q("2025-Q3"), 94)]
    facts = trend_facts(history, is_green=above(90), higher_is_better=True)
    assert facts.streak == 1
    assert facts.slope == pytest.approx(2.0)  # 4 over two quarters
    assert facts.forecast == pytest.approx(96.0)


def test_one_result_gives_an_average_but_no_line():
    facts = trend_facts([(Q("2025-Q1"), 90)], is_green=above(95), higher_is_better=True)
    assert (facts.moving_average, facts.slope, facts.forecast, facts.in_green, facts.streak) == (90, None, None,
                                                                                                 False, 1)


def test_no_results_no_facts():
    assert trend_facts([], is_green=above(1), higher_is_better=True) is None


@pytest.fixture
def on_time(cast):
    """On-time delivery (%, higher is better) with a goal of 95 from the start."""
    account = with_default_metrics(cast.account)
    metric = account.metrics.get(name__icontains="on-time")
    metric_goal_set(metric=metric, by=None, effective_from=metric.goals.get().effective_from, goal=95,
                    warning_threshold=90)
    return metric


def test_recompute_stores_the_trend_judged_against_the_goal_of_each_quarter(cast, on_time):
    for quarter, value in [("2025-Q1", 99), ("2025-Q2", 98), ("2025-Q3", 98), ("2025-Q4", 97)]:
        record_figure(on_time, quarter, value, by=cast["manager"])
    # From 2025-Q4 on the goal is 97.5: the last quarter is out of the Green Zone.
    metric_goal_set(metric=on_time, by=None, effective_from=Q("2025-Q4"), goal=97.5, warning_threshold=92)
    metric_trends_recompute(account_id=cast.account.pk)
    trend = MetricTrend.objects.get(metric=on_time)
    assert trend.quarter == Q("2025-Q4")
    assert trend.slope == pytest.approx(-0.6)  # 99 98 98 97: Σdxdy = −3, Σdx² = 5
    assert trend.moving_average == pytest.approx(98)
    assert (trend.in_green, trend.streak) == (False, 1)
    assert trend.forecast == pytest.approx(96.5)  # line 98.9 − 0.6x, one quarter on (x = 4)
    assert trend.quarters_until_out is None
    assert abs(trend.computed_at - timezone.now()) < dt.timedelta(minutes=1)


def test_recompute_counts_a_streak_longer_than_the_recent_quarters_it_reads(cast, on_time):
    last = Quarter.current().previous()
    for back in range(RECENT_QUARTERS + 4):  # three years in the Green Zone
        record_figure(on_time, last - back, 98, by=cast["manager"])
    metric_trends_recompute(account_id=cast.account.pk)
    trend = MetricTrend.objects.get(metric=on_time)
    assert (trend.quarter, trend.in_green, trend.streak) == (last, True, RECENT_QUARTERS + 4)


def test_recompute_of_a_metric_whose_results_are_years_old(cast, on_time):
    for quarter, value in [("2015-Q1", 90), ("2015-Q2", 92), ("2015-Q3", 91), ("2015-Q4", 95)]:
        record_figure(on_time, quarter, value, by=cast["manager"])
    metric_trends_recompute(account_id=cast.account.pk)
    trend = MetricTrend.objects.get(metric=on_time)
    assert (trend.quarter, trend.quarters_used, trend.streak, trend.in_green) == (Q("2015-Q4"), 4, 1, True)
    assert trend.slope == pytest.approx(1.4)


def test_dashboard_shows_the_stored_trend_and_forecast(client, cast, on_time):
    for quarter, value in [("2025-Q1", 100), ("2025-Q2", 99), ("2025-Q3", 99), ("2025-Q4", 98)]:
        record_figure(on_time, quarter, value, by=cast["manager"])
    metric_trends_recompute(account_id=cast.account.pk)
    client.force_login(cast["viewer"])
    page = client.get(reverse("dashboards:dashboard", args=[cast.account.slug])).content.decode()
    # 100 99 99 98: slope −0.6, line 99.9 − 0.6x: forecast 97.5 at x=4; 95 is crossed at x=9 (94.5) → 6 quarters
    assert "Forecast for 2026-Q1: 97.5 %" in page
    assert "−0.6 % per quarter (worsening)" in page
    assert "4 quarters in a row in the Green Zone" in page
    assert "leaves the Green Zone in 6 quarters" in page


def test_saving_results_recomputes_the_trend_after_commit(cast, on_time, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record_figure(on_time, "2025-Q1", 96, by=cast["manager"])
        record_figure(on_time, "2025-Q2", 97, by=cast["manager"])
    trend = MetricTrend.objects.get(metric=on_time)
    assert (trend.quarter, trend.slope) == (Q("2025-Q2"), pytest.approx(1.0))
