"""Background recomputes: after results change (see test_outbox.py), nightly for all,
and the health roll-ups they store for the portfolio."""

from __future__ import annotations

import pytest
from django.conf import settings

from accounts.models import Side
from accounts.quarters import Quarter
from config.celery_app import app
from dashboards.models import MetricTrend
from portfolio.models import AccountHealth
from portfolio.services import account_health_recompute
from portfolio.tasks import recompute_all_accounts

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
