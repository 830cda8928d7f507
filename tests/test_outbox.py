"""Follow-up work is recorded with the save that calls for it (accounts/background.py): an
outage of Redis or the broker fails no save and loses no follow-up; each is handed to
the broker until a worker takes it, and runs once however often it arrives."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import OperationalError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.background import (
    ABANDONED_AFTER,
    KEEP_FINISHED,
    LOST_AFTER,
    MAX_ATTEMPTS,
    enqueue_debounced,
    follow_up_run,
    follow_ups_dispatch_due,
)
from accounts.models import FollowUp
from accounts.tasks import run_follow_up
from dashboards import services as dashboards_services
from dashboards.models import MetricResult, MetricTrend
from dashboards.tasks import recompute_account_trends
from portfolio import services as portfolio_services
from portfolio.models import AccountHealth
from surveys import services as surveys_services

from .api_helpers import api
from .concurrency import run_at_once
from .factories import record_figure, with_default_metrics
from .surveys_helpers import draft_round
from .test_dashboards_entry import QUARTER, entry_url, field, grid_data


@pytest.fixture(autouse=True)
def no_delay(settings):
    """Follow-ups are due as soon as they are recorded, unless a test says otherwise."""
    settings.TANDEM_RECOMPUTE_DELAY_SECONDS = 0


@contextmanager
def counted_recomputes():
    """How often the trends and the health of an account were recomputed, in that order."""
    with (
        mock.patch.object(dashboards_services, "metric_trends_recompute",
                          wraps=dashboards_services.metric_trends_recompute) as trends,
        mock.patch.object(portfolio_services, "account_health_recompute",
                          wraps=portfolio_services.account_health_recompute) as health,
    ):
        yield lambda: (trends.call_count, health.call_count)


def recompute_trends_later(account) -> FollowUp:
    """The follow-up a save of results records, alone."""
    enqueue_debounced(recompute_account_trends, key=f"trends:{account.pk}", args=[account.pk], delay=0)
    return FollowUp.objects.get(key=f"trends:{account.pk}", started_at__isnull=True)


def test_with_redis_and_the_broker_down_a_saved_grid_commits_and_its_recompute_runs_once_the_broker_is_back(
    client, cast, redis_down, broker_down, django_capture_on_commit_callbacks
):
    account = cast.account
    lead_time = with_default_metrics(account).metrics.get(name="Order lead time")  # the home firm's figure
    client.force_login(cast["manager"])
    data = grid_data(client.get(entry_url()))
    data[field(lead_time)] = "42"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(entry_url(), data)
    assert response.status_code == 302
    assert MetricResult.objects.get(metric=lead_time, quarter=QUARTER).home_value == 42
    waiting = FollowUp.objects.filter(started_at__isnull=True, dispatched_at__isnull=True)
    assert sorted(waiting.values_list("key", flat=True)) == [f"health:{account.pk}", f"trends:{account.pk}"]
    assert follow_ups_dispatch_due() == 0  # still down: they wait

    broker_down.end()
    with counted_recomputes() as runs:
        assert follow_ups_dispatch_due() == 2
        assert follow_ups_dispatch_due(worker_start=True) == 0  # nothing waits any more
        for follow_up in FollowUp.objects.all():  # the broker delivers each message a second time
            assert run_follow_up.apply(args=[follow_up.pk]).get() is False
    assert runs() == (1, 1)
    assert MetricTrend.objects.filter(metric=lead_time, quarter=QUARTER).exists()
    assert AccountHealth.objects.filter(account=account).exists()
    assert not FollowUp.objects.unfinished().exists()


def test_pages_and_the_api_answer_from_the_database_while_redis_is_down(client, cast, redis_down, settings):
    # The API throttle counts in the cache: it cannot count now, so it lets every request through.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "1/hour"}}
    with_default_metrics(cast.account)
    client.force_login(cast["manager"])
    for url in [reverse("dashboards:dashboard", args=["helix"]), reverse("plans:plan", args=["helix"]),
                reverse("home"), api("account-list"), api("account-list")]:
        assert client.get(url).status_code == 200, url
    client.force_login(cast["portfolio"])
    assert client.get(reverse("portfolio:index")).status_code == 200


def test_a_burst_of_saves_records_one_follow_up_per_account_and_hands_it_over_after_the_first_commit(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.TANDEM_RECOMPUTE_DELAY_SECONDS = 15
    metrics = list(with_default_metrics(cast.account).metrics.active()[:3])
    with mock.patch.object(run_follow_up, "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=True):
            record_figure(metrics[0], "2026-Q1", 90, by=cast["manager"])
            send.assert_not_called()  # nothing before the commit
        for metric in metrics[1:]:  # two more saves, each committed, before the recompute starts
            with django_capture_on_commit_callbacks(execute=True):
                record_figure(metric, "2026-Q1", 90, by=cast["manager"])
    follow_ups = list(FollowUp.objects.order_by("pk"))
    assert [f.key for f in follow_ups] == [f"trends:{cast.account.pk}", f"health:{cast.account.pk}"]
    assert [call.kwargs["args"] for call in send.call_args_list] == [[f.pk] for f in follow_ups]
    assert all(14 < call.kwargs["countdown"] <= 15 for call in send.call_args_list)


def test_a_follow_up_runs_once_however_often_its_message_arrives(cast):
    follow_up = recompute_trends_later(cast.account)
    with counted_recomputes() as runs:
        assert run_follow_up.apply(args=[follow_up.pk]).get() is True
        assert run_follow_up.apply(args=[follow_up.pk]).get() is False
    assert runs() == (1, 0)
    follow_up.refresh_from_db()
    assert follow_up.done_at and follow_up.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_follow_up_at_once_run_it_once(cast):
    with mock.patch.object(run_follow_up, "apply_async"), transaction.atomic():  # committed, not run
        follow_up = recompute_trends_later(cast.account)
    with counted_recomputes() as runs:
        assert sorted(run_at_once(lambda: follow_up_run(follow_up_id=follow_up.pk))) == [False, True]
    assert runs() == (1, 0)


def test_a_save_after_the_recompute_started_records_another_for_the_recompute_may_not_see_it(cast):
    first = recompute_trends_later(cast.account)
    assert recompute_trends_later(cast.account) == first  # still waiting: it will see both saves
    run_follow_up.apply(args=[first.pk])
    assert recompute_trends_later(cast.account) != first


def test_the_next_save_hands_over_a_follow_up_the_broker_could_not_take(
    cast, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        recompute_trends_later(cast.account)
    broker_down.end()
    with counted_recomputes() as runs, django_capture_on_commit_callbacks(execute=True):
        recompute_trends_later(cast.account)
    assert runs() == (1, 0)
    assert FollowUp.objects.get().done_at


def test_a_failed_follow_up_is_tried_again_later_and_given_up_after_the_last_attempt(cast):
    follow_up = recompute_trends_later(cast.account)
    locked = mock.patch.object(dashboards_services, "metric_trends_recompute",
                               side_effect=OperationalError("database is locked"))
    with locked:
        assert run_follow_up.apply(args=[follow_up.pk]).get() is True  # ran, failed, raised nothing
    follow_up.refresh_from_db()
    assert (follow_up.attempts, follow_up.started_at, follow_up.done_at) == (1, None, None)
    assert follow_up.last_error == "OperationalError: database is locked"
    assert follow_up.run_after > timezone.now()
    assert follow_ups_dispatch_due() == 0  # not yet

    FollowUp.objects.filter(pk=follow_up.pk).update(run_after=timezone.now())
    with counted_recomputes() as runs:
        assert follow_ups_dispatch_due() == 1
    assert runs() == (1, 0)
    follow_up.refresh_from_db()
    assert follow_up.done_at and follow_up.attempts == 2

    hopeless = recompute_trends_later(cast.account)
    FollowUp.objects.filter(pk=hopeless.pk).update(attempts=MAX_ATTEMPTS - 1)
    with locked:
        run_follow_up.apply(args=[hopeless.pk])
    hopeless.refresh_from_db()
    assert hopeless.failed_at and hopeless.attempts == MAX_ATTEMPTS
    FollowUp.objects.filter(pk=hopeless.pk).update(run_after=timezone.now() - timedelta(days=1))
    assert follow_ups_dispatch_due() == 0


def test_a_follow_up_whose_message_was_lost_is_handed_over_again(cast, django_capture_on_commit_callbacks):
    with mock.patch.object(run_follow_up, "apply_async") as send:  # a broker that loses every message
        with django_capture_on_commit_callbacks(execute=True):
            follow_up = recompute_trends_later(cast.account)
        assert send.call_count == 1
        assert follow_ups_dispatch_due() == 0  # on its way
        assert follow_ups_dispatch_due(worker_start=True) == 1  # unless a worker starts: it may follow a killed one
        FollowUp.objects.filter(pk=follow_up.pk).update(dispatched_at=timezone.now() - LOST_AFTER)
        assert follow_ups_dispatch_due() == 1
    assert [call.kwargs["args"] for call in send.call_args_list] == [[follow_up.pk]] * 3


def test_a_follow_up_left_unfinished_by_a_killed_worker_is_run_again(cast):
    follow_up = recompute_trends_later(cast.account)
    FollowUp.objects.filter(pk=follow_up.pk).update(started_at=timezone.now() - ABANDONED_AFTER, attempts=1)
    with counted_recomputes() as runs:
        follow_ups_dispatch_due()  # only reset for a retry a minute later
        FollowUp.objects.filter(pk=follow_up.pk).update(run_after=timezone.now())
        assert follow_ups_dispatch_due() == 1
    assert runs() == (1, 0)
    follow_up.refresh_from_db()
    assert follow_up.done_at and follow_up.attempts == 2 and follow_up.last_error.startswith("Interrupted")


def test_finished_follow_ups_are_forgotten_after_a_few_days(cast):
    old, recent = recompute_trends_later(cast.account), recompute_trends_later(cast.other_account)
    for follow_up in (old, recent):
        run_follow_up.apply(args=[follow_up.pk])
    FollowUp.objects.filter(pk=old.pk).update(done_at=timezone.now() - KEEP_FINISHED - timedelta(minutes=1))
    follow_ups_dispatch_due()
    assert list(FollowUp.objects.all()) == [recent]


def test_opening_a_survey_round_with_the_broker_down_sends_each_invitation_once_it_is_back(
    cast, broker_down, django_capture_on_commit_callbacks
):
    survey = draft_round(cast.account, home=2, partner=2)
    with django_capture_on_commit_callbacks(execute=True):
        surveys_services.round_open(survey=survey, by=cast["manager"])
    survey.refresh_from_db()
    assert survey.is_open and mail.outbox == []

    broker_down.end()
    assert follow_ups_dispatch_due() == 1
    assert follow_ups_dispatch_due(worker_start=True) == 0
    assert sorted(m.to[0] for m in mail.outbox) == [
        "home1@example.com", "home2@example.com", "partner1@example.com", "partner2@example.com",
    ]
