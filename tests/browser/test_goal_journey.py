from decimal import Decimal

import pytest

from accounts import demo
from accounts.quarters import Quarter
from dashboards.models import MetricDefinition

from .conftest import sign_in

pytestmark = pytest.mark.browser


def test_ada_raises_a_metrics_goal_from_this_quarter_on_and_sees_it_on_the_metric(page):
    accounts = demo.seed_accounts()  # account creation applies the fourteen metrics
    quarter = Quarter.current()
    on_time = MetricDefinition.objects.get(account=accounts["helix-components"], name="On-time delivery")

    sign_in(page, "ada", demo.DEMO_PASSWORD)
    page.goto("/accounts/helix-components/")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    page.get_by_role("link", name="Metric definitions").click()
    page.get_by_role("link", name="On-time delivery", exact=True).click()
    page.wait_for_url(f"**/dashboard/metrics/{on_time.pk}/")
    goal_now = page.locator("dt:text-is('Goal now') + dd")
    assert goal_now.inner_text() == "≥ 98 %; warning threshold 95 %"

    page.get_by_role("link", name="Change the goal").click()
    page.wait_for_url(f"**/dashboard/metrics/{on_time.pk}/goal/")
    assert page.get_by_label("Effective from quarter").input_value() == str(quarter)
    page.get_by_role("textbox", name="Goal", exact=True).fill("98.5")
    page.get_by_label("Warning threshold").fill("96")
    page.get_by_label("Why it changed").fill("The new carrier promises better")
    page.get_by_role("button", name="Save goal").click()

    page.wait_for_url(f"**/dashboard/metrics/{on_time.pk}/")
    assert page.get_by_text("New goal for “On-time delivery”: 98.5").is_visible()
    assert goal_now.inner_text() == "≥ 98.5 %; warning threshold 96 %"
    assert "The new carrier promises better" in page.get_by_role("table").first.inner_text()
    assert on_time.goal_for(quarter).goal == Decimal("98.5")
    assert on_time.goal_for(quarter.previous()).goal == Decimal("98")
