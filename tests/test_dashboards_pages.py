"""The dashboard, the metric pages, and what each costs in queries."""

import json
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from accounts.quarters import Quarter
from dashboards import services
from dashboards.models import MetricResult

from .factories import record_figure, with_default_metrics
from .queries import assert_query_count_is_constant

LAST = Quarter.current().previous()


@pytest.fixture
def metrics(cast):
    with_default_metrics(cast.account)
    return {m.name: m for m in cast.account.metrics.all()}


def fill_quarters(account, count, *, last=LAST):
    """``count`` quarters of in-goal results for every metric, ending with ``last``."""
    metrics = list(account.metrics.prefetch_related("goals"))
    existing = set(MetricResult.objects.filter(metric__account=account).values_list("metric_id", "quarter"))
    rows = []
    for offset in range(count):
        quarter = last - offset
        for metric in metrics:
            if (metric.pk, quarter) in existing:
                continue
            goal = metric.goal_for(quarter).goal
            rows.append(MetricResult(metric=metric, quarter=quarter, home_value=goal, partner_value=goal,
                                     home_version=1, partner_version=1))
    MetricResult.objects.bulk_create(rows)


def dashboard(client, user, quarter=None):
    client.force_login(user)
    url = reverse("dashboards:dashboard", args=["helix"]) + (f"?quarter={quarter}" if quarter else "")
    return client.get(url)


def test_the_dashboard_shows_a_chart_per_metric_drawn_from_json_without_inline_script(client, cast, metrics):
    fill_quarters(cast.account, 8)
    page = dashboard(client, cast["viewer"]).content.decode()
    figure_ids = re.findall(r'data-figure="([^"]+)"', page)
    assert len(figure_ids) == 14
    for figure_id in figure_ids:
        source = re.search(rf'<script id="{figure_id}" type="application/json">(.*?)</script>', page, re.S)
        figure = json.loads(source.group(1))
        names = [trace.get("name") for trace in figure["data"]]
        assert "Goal (Green Zone beyond)" in names and "Result" in names
        assert any(name and name.startswith("Trend") for name in names)
        assert figure["layout"]["annotations"][0]["text"] == f"{LAST}: Green"
    assert "vendor/plotly/plotly-cartesian-" in page and "js/charts.js" in page
    inline = [s for s in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
              if "application/json" not in s[0] and s[1].strip()]
    assert inline == []


def test_the_goal_line_steps_where_the_goal_changed(client, cast, metrics):
    fill_quarters(cast.account, 4)
    on_time = metrics["On-time delivery"]
    services.metric_goal_set(metric=on_time, by=None, effective_from=LAST - 1, goal=D("96"),
                             warning_threshold=D("94"))
    response = dashboard(client, cast["viewer"])
    figure = next(f for row, _, f in response.context["charts"] if row.metric == on_time)
    goal = next(t for t in figure["data"] if t.get("name") == "Goal (Green Zone beyond)")
    assert goal["y"] == [98.0, 98.0, 96.0, 96.0] and goal["line"]["shape"] == "hv"
    assert goal["fill"] == "tonexty"


def test_a_metric_leaving_the_green_zone_is_spotlit_with_its_status_in_words(client, cast, metrics):
    fill_quarters(cast.account, 3)
    record_figure(metrics["Order lead time"], LAST, D("16"), by=cast["manager"])  # lower is better: red
    record_figure(metrics["Invoice accuracy"], LAST, D("98"))  # yellow
    page = dashboard(client, cast["viewer"]).content.decode()
    spotlight = page[page.index('id="spotlight-heading"'):page.index('id="mismatch-heading"')]
    assert "Order lead time" in spotlight and "Invoice accuracy" in spotlight
    assert '<span class="status status-red">Red</span>' in spotlight
    assert '<span class="status status-yellow">Yellow</span>' in spotlight
    assert "left the Green Zone this quarter (was Green in" in spotlight
    assert "Defect rate" not in spotlight


def test_mismatches_list_both_firms_figures(client, cast, metrics):
    fill_quarters(cast.account, 1)
    record_figure(metrics["On-time delivery"], LAST, D("91"), side="home")  # partner-owned: 98, tolerance 0.5
    page = dashboard(client, cast["partner_user"]).content.decode()
    mismatches = page[page.index('id="mismatch-heading"'):page.index('id="status-heading"')]
    assert "On-time delivery" in mismatches and "91" in mismatches and "98" in mismatches


def test_the_dashboard_defaults_to_the_latest_quarter_with_results(client, cast, metrics):
    fill_quarters(cast.account, 2, last=LAST - 3)
    assert dashboard(client, cast["viewer"]).context["board"].quarter == LAST - 3


def test_a_malformed_quarter_is_explained_and_the_latest_shown(client, cast, metrics):
    fill_quarters(cast.account, 2)
    response = dashboard(client, cast["viewer"], quarter="2026-Q7")
    assert response.status_code == 200
    assert "is not a quarter; write it like 2026-Q3" in response.content.decode()
    assert response.context["board"].quarter == LAST


def test_an_account_without_results_reads_well(client, cast, metrics):
    page = dashboard(client, cast["viewer"]).content.decode()
    assert f"No results for {LAST} yet." in page
    assert page.count("No result</span>") >= 14


def test_the_metric_page_shows_basis_sign_offs_and_who_changed_the_goal(client, cast, metrics):
    defects = metrics["Defect rate"]
    services.metric_goal_set(metric=defects, by=cast["manager"], effective_from=Quarter.parse("2026-Q1"),
                             goal=D("30"), warning_threshold=D("60"), note="Zero-defect programme")
    client.force_login(cast["partner_champion"])
    url = reverse("dashboards:metric", args=["helix", defects.pk])
    page = client.get(url).content.decode()
    assert "per million parts received" in page and "not signed off" in page
    assert "<del>50</del> → <ins>30</ins>" in page and "Zero-defect programme" in page
    assert cast["manager"].display_name in page
    response = client.post(reverse("dashboards:metric_sign_off", args=["helix", defects.pk]), follow=True)
    page = response.content.decode()
    assert f"signed off by {cast['partner_champion'].display_name}" in page
    assert "Sign off this basis for the Partner firm" not in page


def test_editing_the_basis_says_the_sign_offs_were_cleared(client, cast, metrics):
    metric = metrics["Invoice accuracy"]
    services.metric_sign_off(metric=metric, side="home", by=cast["manager"])
    client.force_login(cast["manager"])
    data = {"name": metric.name, "category": metric.category, "unit": metric.unit, "direction": metric.direction,
            "mismatch_tolerance": "0.5", "data_owner": metric.data_owner, "calculation_basis": "A new text.",
            "version": metric.version}
    response = client.post(reverse("dashboards:metric_edit", args=["helix", metric.pk]), data, follow=True)
    assert "both firms&#x27; sign-offs were cleared" in response.content.decode()
    metric.refresh_from_db()
    assert metric.home_signed_off_at is None


def test_an_account_manager_adds_a_metric_at_the_end(client, cast, metrics):
    client.force_login(cast["manager"])
    data = {"name": "Forecast accuracy", "category": "strategic", "unit": "percent", "direction": "higher",
            "mismatch_tolerance": "1", "data_owner": "home", "calculation_basis": "1 - MAPE", "goal": "185",
            "warning_threshold": "80"}
    response = client.post(reverse("dashboards:metric_add", args=["helix"]), data)
    assert response.status_code == 200
    assert "A percentage must be between 0 and 100." in response.content.decode()
    assert 'value="1 - MAPE"' in response.content.decode() or "1 - MAPE</textarea>" in response.content.decode()
    data["goal"] = "85"
    assert client.post(reverse("dashboards:metric_add", args=["helix"]), data).status_code == 302
    assert cast.account.metrics.get(name="Forecast accuracy").position == 15


def test_an_account_manager_changes_a_goal_from_a_quarter_on(client, cast, metrics):
    on_time = metrics["On-time delivery"]
    client.force_login(cast["manager"])
    url = reverse("dashboards:metric_goal", args=["helix", on_time.pk])
    data = {"effective_from": str(LAST), "goal": "97.5", "warning_threshold": "92", "note": "Tighter"}
    response = client.post(url, data, follow=True)
    assert response.redirect_chain == [(reverse("dashboards:metric", args=["helix", on_time.pk]), 302)]
    assert "New goal for “On-time delivery”: 97.5" in response.content.decode()
    assert on_time.goal_for(LAST).goal == D("97.5") and on_time.goal_for(LAST - 1).goal == D("98")


@pytest.mark.parametrize(("typed", "says"), [
    ("2026-Q5", "is not a quarter; write it like 2026-Q3."),
    ("the third quarter", "Ensure this value has at most 7 characters"),
    ("", "This field is required."),
])
def test_a_goal_from_a_mistyped_quarter_is_explained_and_kept(client, cast, metrics, typed, says):
    on_time = metrics["On-time delivery"]
    client.force_login(cast["manager"])
    url = reverse("dashboards:metric_goal", args=["helix", on_time.pk])
    response = client.post(url, {"effective_from": typed, "goal": "97.5", "warning_threshold": "92"})
    page = response.content.decode()
    assert response.status_code == 200 and says in page and 'value="97.5"' in page
    assert on_time.goals.count() == 1


# One of them is the bell's unread count in the layout; the stored trends are joined, not queried.
def grow_to_40_quarters(account, metrics):
    fill_quarters(account, 40)
    services.metric_goal_set(metric=metrics["Defect rate"], by=None, effective_from=LAST - 20, goal=D("40"),
                             warning_threshold=D("80"))
    assert MetricResult.objects.filter(metric__account=account).count() == 14 * 40


# The dashboard reads every quarter's figures as plain values and whole results only for the
# quarters on show: one query more than reading whole results for all forty, and far cheaper.
def test_the_dashboard_costs_the_same_queries_at_8_and_at_40_quarters(client, cast, metrics):
    fill_quarters(cast.account, 8)
    assert_query_count_is_constant(client, cast["manager"], reverse("dashboards:dashboard", args=["helix"]),
                                   lambda: grow_to_40_quarters(cast.account, metrics), 12)


def test_the_entry_page_costs_the_same_queries_at_8_and_at_40_quarters(client, cast, metrics):
    fill_quarters(cast.account, 8)
    assert_query_count_is_constant(client, cast["manager"], reverse("dashboards:entry", args=["helix", LAST]),
                                   lambda: grow_to_40_quarters(cast.account, metrics), 11)
