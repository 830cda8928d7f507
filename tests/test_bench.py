"""The benchmark's own parts: its data (python -m bench.seed), the query counter, the
batched recompute and the results table. The benchmark itself (`make bench`) is not part of the suite."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, PartnerAccount, Side, User
from bench import seed as bench_seed
from bench.data import BENCH_ADMIN, LOAD_USER_PREFIX
from bench.report import (
    NOT_AVAILABLE,
    BenchRun,
    BrowserVisit,
    LoadRun,
    PageResult,
    Recompute,
    Sample,
    percentile,
    render,
)
from config.bench import QUERY_HEADER, QueryCountMiddleware
from dashboards.models import MetricDefinition, MetricResult, MetricTrend
from plans.models import Action, Meeting
from portfolio.models import AccountHealth
from portfolio.services import accounts_recompute_all
from scorecards.models import Assessment, Rating

from .plans_helpers import action, person


def bench_rows() -> dict[str, int]:
    return {
        "accounts": PartnerAccount.objects.filter(slug__startswith="bench-").count(),
        "metrics": MetricDefinition.objects.count(),
        "results": MetricResult.objects.count(),
        "assessments": Assessment.objects.filter(status="submitted").count(),
        "ratings": Rating.objects.count(),
        "actions": Action.objects.count(),
        "meetings": Meeting.objects.count(),
        "trends": MetricTrend.objects.count(),
        "health": AccountHealth.objects.count(),
        "memberships": Membership.objects.count(),
    }


def seed(*argv: str) -> None:
    """``python -m bench.seed`` with these arguments, run in this process on the test database."""
    bench_seed.main(list(argv))


@pytest.fixture
def bench_settings(settings):
    settings.TANDEM_BENCH = True
    return settings


def test_seed_bench_builds_every_accounts_full_history_and_a_second_run_adds_nothing(db, bench_settings):
    seed("--accounts", "3", "--quarters", "4")

    rows = bench_rows()
    assert rows == {
        "accounts": 3, "metrics": 3 * 14, "results": 3 * 14 * 4,
        "assessments": 3 * 4 * 2, "ratings": 3 * 4 * 2 * 8,
        "actions": 3 * 50, "meetings": 3 * 4,
        "trends": 3 * 14, "health": 3,
        # both champions of each account, and each load user managing all three
        "memberships": 3 * 2 + 32 * 3,
    }
    assert MetricResult.objects.filter(home_value__isnull=False, partner_value__isnull=False).count() == 3 * 14 * 4
    assert User.objects.get(username=BENCH_ADMIN).is_administrator
    assert User.objects.filter(username__startswith=LOAD_USER_PREFIX).count() == 32

    seed("--accounts", "3", "--quarters", "4")
    assert bench_rows() == rows


def test_seed_bench_grows_the_same_data_to_more_accounts(db, bench_settings):
    seed("--accounts", "2", "--quarters", "4")
    seed("--accounts", "3", "--quarters", "4")

    assert sorted(PartnerAccount.objects.values_list("slug", flat=True)) == ["bench-0001", "bench-0002", "bench-0003"]
    assert MetricResult.objects.count() == 3 * 14 * 4


def test_seed_bench_refuses_a_different_number_of_quarters_clearly(db, bench_settings):
    seed("--accounts", "1", "--quarters", "4", "--no-recompute")

    with pytest.raises(SystemExit, match="4 quarters of results, not 8"):
        seed("--accounts", "2", "--quarters", "8")


def test_seed_bench_refuses_to_write_anywhere_but_the_bench_database(db):
    with pytest.raises(SystemExit, match="only against the bench database"):
        seed("--accounts", "1", "--quarters", "1")
    assert not PartnerAccount.objects.exists()


def test_bench_seed_runs_from_the_command_line_and_refuses_other_settings():
    result = subprocess.run(
        [sys.executable, "-m", "bench.seed", "--accounts", "1", "--quarters", "1"],
        cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )

    assert result.returncode == 1
    assert "runs only against the bench database" in result.stderr


def test_the_query_counter_counts_the_pages_queries_and_not_the_transaction(db):
    def view(request):
        with transaction.atomic():  # a savepoint inside the test's transaction: not counted
            User.objects.count()
            PartnerAccount.objects.exists()
        return HttpResponse("ok")

    response = QueryCountMiddleware(view)(RequestFactory().get("/"))

    assert response[QUERY_HEADER] == "2"


def test_the_nightly_recompute_costs_the_same_queries_for_two_accounts_as_for_four(db, bench_settings):
    seed("--accounts", "2", "--quarters", "4", "--no-recompute")
    with CaptureQueriesContext(connection) as two:
        assert accounts_recompute_all() == 2
    seed("--accounts", "4", "--quarters", "4", "--no-recompute")
    with CaptureQueriesContext(connection) as four:
        assert accounts_recompute_all() == 4

    assert len(four) == len(two)
    assert MetricTrend.objects.count() == 4 * 14
    assert AccountHealth.objects.filter(metrics_with_results=14, scorecard_quarter__isnull=False).count() == 4


def test_the_plan_lists_recently_done_actions_and_older_ones_on_request(client, cast):
    owner = person(cast.account, "Olga Owner", side=Side.HOME)
    action(cast.account, "Done last month", owner, days=-30, status=Action.Status.DONE)
    old = action(cast.account, "Done two years ago", owner, days=-730, status=Action.Status.DONE)
    Action.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=700))
    client.force_login(cast["manager"])
    url = reverse("plans:plan", args=[cast.account.slug])

    page = client.get(url).content.decode()
    assert "Done last month" in page
    assert "Done two years ago" not in page
    assert "Show every done action" in page

    page = client.get(url + "?done=all").content.decode()
    assert "Done last month" in page
    assert "Done two years ago" in page


# --- the results table --------------------------------------------------------------


def test_percentile_is_the_nearest_rank():
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 0.95) == 19.0
    assert percentile(values, 0.5) == 10.0
    assert percentile([7.0], 0.95) == 7.0


def sample(ms: float, queries: int = 5, cpu: float | None = None) -> Sample:
    return Sample([ms - 1, ms, ms + 1], queries, 1000, [cpu] * 3 if cpu else [])


def a_run(**pages) -> BenchRun:
    results = [PageResult("floor", "/bench/floor/", small=sample(10), big=sample(10, cpu=2.0))]
    results += [PageResult(name, f"/{name}/", small=small, big=big) for name, (small, big) in pages.items()]
    results.append(PageResult("API", "/api/v1/accounts/", available=False))
    return BenchRun(
        machine=[("Machine", "test box")], settings=[("Settings", "bench")], small_accounts=10, big_accounts=1000,
        quarters=40, seeding=[("bench.seed", 12.5)], pages=results,
        recompute=Recompute(seconds=6.0, raw_read_seconds=3.0, rows=560_000, accounts=1000),
        load=LoadRun(users=32, seconds=60.0, requests=6000, errors=0, p50_ms=80.0, p99_ms=400.0, paths=100),
        worker_rss_mb=[120.0, 130.0],
    )


def test_a_run_within_every_budget_says_so_and_reports_ratios_growth_and_load():
    text = render(a_run(dashboard=(sample(20), sample(24, cpu=5.0))))

    assert "| dashboard (`/dashboard/`) | 24.0 | 25.0 | 2.40× | 1.20× | 5 | 1,000 | 20.0 | 5.0 | 2.50× | ✓ |" in text
    assert f"| API (`/api/v1/accounts/`) | {NOT_AVAILABLE} |" in text
    assert "**2.00×** (budget ≤ 3×) ✓" in text
    assert "| 6,000 | 100.0 req/s | 80.0 ms | 400.0 ms | 0 ✓ |" in text
    assert "Every budget is met." in text


def test_growth_is_measured_against_the_floor_so_a_busier_machine_is_not_growth():
    run = a_run(plan=(sample(20), sample(30)))
    run.floor.big = sample(15)  # the whole machine was 1.5× slower while measuring the large size

    assert run.pages[1].growth == 1.5
    assert run.pages[1].growth_against(run.floor) == 1.0
    assert run.budget_misses() == []
    assert "| 1.50× (drift) |" in render(run)


def test_a_run_names_each_missed_budget():
    run = a_run(plan=(sample(20), sample(40, queries=13)))
    run.recompute = Recompute(seconds=10.0, raw_read_seconds=2.0, rows=1, accounts=1)
    run.worker_rss_mb = [300.0]

    misses = run.budget_misses()

    assert misses == [
        "plan: 4.00× the floor (budget 3×)",
        "plan: grows 2.00× from small to large (budget 1.25×)",
        "plan: 13 queries (budget 12)",
        "trend recompute: 5.00× the raw read (budget 3×)",
        "worker memory: 300 MB (budget 250 MB)",
    ]
    assert "- ✗ plan: 13 queries (budget 12)" in render(run)


def test_the_browser_figures_are_held_to_their_budgets_and_a_chart_not_drawn_is_an_error():
    run = a_run()
    run.browser_note = "Headless Chromium."
    run.browser = [
        BrowserVisit("dashboard", "/d/", "first", bytes=812_345, requests=7, static_requests=6, charts=14,
                     drawn_ms=900.0, byte_budget=800_000),
        BrowserVisit("dashboard", "/d/", "second", bytes=106_000, requests=2, static_requests=1, charts=14,
                     drawn_ms=700.0),
        BrowserVisit("portfolio", "/p/", "first", bytes=900_000, requests=8, static_requests=6, charts=2,
                     drawn_ms=800.0),
        BrowserVisit("portfolio", "/p/", "second", bytes=30_000, requests=2, static_requests=0, charts=2,
                     drawn_ms=None, errors=["the charts were not all drawn within 60 s"]),
    ]

    assert run.budget_misses() == [
        "dashboard, first visit in the browser: 812 kB transferred (budget 800 kB)",
        "dashboard, second visit in the browser: static files fetched again: 1 (budget 0)",
    ]
    assert run.errors() == ["portfolio, second visit in the browser: the charts were not all drawn within 60 s"]
    text = render(run)
    assert "## In the browser\n\nHeadless Chromium.\n" in text
    assert ("| dashboard (`/d/`) | first | 812.3 kB | 7 | 6 | 14 | 900 ms | "
            "✗ 812 kB transferred (budget 800 kB) |") in text
    assert "| portfolio (`/p/`) | first | 900.0 kB | 8 | 6 | 2 | 800 ms | ✓ |" in text
    assert ("| portfolio (`/p/`) | second | 30.0 kB | 2 | 0 | 2 | – | "
            "✗ error: the charts were not all drawn within 60 s |") in text
