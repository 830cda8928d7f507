"""Background recomputes: debounced per account after results change, nightly for all,
and the health roll-ups they store for the portfolio."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from kombu.exceptions import OperationalError as BrokerDown

from accounts.models import Side
from accounts.quarters import Quarter
from config.celery_app import app
from dashboards.models import MetricResult, MetricTrend
from dashboards.tasks import recompute_account_trends
from portfolio.models import AccountHealth
from portfolio.services import account_health_recompute
from portfolio.tasks import recompute_account_health, recompute_all_accounts

from .factories import (
    AssessmentFactory,
    DimensionFactory,
    PartnerAccountFactory,
    RatingFactory,
    record_figure,
    with_default_metrics,
)

Q = Quarter.parse


@pytest.fixture
def debounced(settings):
    settings.TANDEM_RECOMPUTE_DELAY_SECONDS = 15
    cache.clear()
    yield
    cache.clear()


def test_a_burst_of_saves_enqueues_one_recompute_per_account_after_commit(
    cast, debounced, django_capture_on_commit_callbacks
):
    metrics = list(with_default_metrics(cast.account).metrics.active()[:3])
    with (
        mock.patch.object(recompute_account_trends, "apply_async") as trends,
        mock.patch.object(recompute_account_health, "apply_async") as health,
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            for metric in metrics:
                record_figure(metric, "2026-Q1", 90, by=cast["manager"])
        trends.assert_not_called()  # nothing before the commit
        for callback in callbacks:
            callback()
        with django_capture_on_commit_callbacks(execute=True):
            record_figure(metrics[0], "2026-Q1", 91, by=cast["manager"])  # still within the delay
    trends.assert_called_once_with(args=[cast.account.pk], countdown=15)
    health.assert_called_once_with(args=[cast.account.pk], countdown=15)


def test_a_broker_that_is_down_does_not_break_saving(cast, debounced, django_capture_on_commit_callbacks):
    metric = with_default_metrics(cast.account).metrics.active().first()
    with (
        mock.patch.object(recompute_account_trends, "apply_async", side_effect=BrokerDown("no broker")),
        mock.patch.object(recompute_account_health, "apply_async", side_effect=BrokerDown("no broker")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        record_figure(metric, "2026-Q1", 90, by=cast["manager"])
    assert MetricResult.objects.filter(metric=metric).exists()


@pytest.fixture
def rated(cast):
    """Helix with two results in 2026-Q1 (one green, one red) and scorecards: 2026-Q1
    submitted by both (home 4 4, partner 2 3); 2026-Q2 by home only, still blind."""
    account = with_default_metrics(cast.account)
    on_time = account.metrics.get(name="On-time delivery")  # goal ≥ 98
    defects = account.metrics.get(name__startswith="Defect")
    record_figure(on_time, "2026-Q1", 99, by=cast["manager"])
    goal = defects.goals.get()
    worse = goal.warning_threshold + (goal.warning_threshold - goal.goal) + 1
    record_figure(defects, "2026-Q1", worse, by=cast["manager"], side=defects.data_owner)
    first, second = DimensionFactory(account=account), DimensionFactory(account=account)
    for side, champion, colours in [(Side.HOME, cast["champion"], (4, 4)),
                                    (Side.PARTNER, cast["partner_champion"], (2, 3))]:
        assessment = AssessmentFactory(account=account, quarter=Q("2026-Q1"), side=side, champion=champion)
        for dimension, colour in zip((first, second), colours, strict=True):
            RatingFactory(assessment=assessment, dimension=dimension, colour=colour)
    blind = AssessmentFactory(account=account, quarter=Q("2026-Q2"), side=Side.HOME, champion=cast["champion"])
    RatingFactory(assessment=blind, dimension=first, colour=1)
    return cast


def test_health_rolls_up_green_share_and_both_champions_of_the_latest_open_quarter(rated):
    health = account_health_recompute(account_id=rated.account.pk)
    assert (health.results_quarter, health.metrics_with_results, health.metrics_green) == (Q("2026-Q1"), 2, 1)
    assert health.green_share == pytest.approx(0.5)
    assert health.scorecard_quarter == Q("2026-Q1")  # 2026-Q2 is still blind
    assert (health.home_champion_average, health.partner_champion_average, health.champion_gap) == (4.0, 2.5, 1.5)
    # No plan yet: nothing overdue, and no review held.
    assert health.overdue_actions == 0 and health.days_since_review_meeting is None


def test_nightly_recompute_covers_every_account(rated):
    quiet = PartnerAccountFactory(name="Quiet Ltd", slug="quiet")
    assert recompute_all_accounts.apply().get() == 4  # helix, corvane, tarn, quiet
    assert AccountHealth.objects.count() == 4
    assert AccountHealth.objects.get(account=quiet).green_share is None
    assert MetricTrend.objects.filter(metric__account=rated.account).count() == 2


def test_every_periodic_job_names_a_registered_task():
    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
