from decimal import Decimal

import pytest

from accounts import demo
from accounts.quarters import Quarter
from dashboards.models import MetricDefinition

from ..factories import record_figure
from .conftest import sign_in

pytestmark = pytest.mark.browser


def test_ada_logs_a_quarter_and_sees_a_metric_turn_red_in_the_spotlight(page):
    accounts = demo.seed_accounts()  # account creation applies the fourteen metrics
    quarter = Quarter.current().previous()
    on_time = MetricDefinition.objects.get(account=accounts["helix-components"], name="On-time delivery")
    record_figure(on_time, quarter.previous(), Decimal("99.1"))  # green last quarter

    sign_in(page, "ada", demo.DEMO_PASSWORD)
    page.goto("/accounts/helix-components/")
    page.get_by_role("link", name="Dashboard").click()
    page.get_by_role("link", name=f"Enter {quarter} results").click()
    page.wait_for_url(f"**/dashboard/{quarter}/")
    assert page.get_by_label("On-time delivery (%)", exact=True).is_visible()

    # Keyboard only: type a figure, tab to its note, write the note.
    page.get_by_label("On-time delivery (%)", exact=True).focus()
    page.keyboard.type("91,5")
    page.keyboard.press("Tab")
    page.keyboard.type("Two late containers from the Gdansk hub")
    page.get_by_label("Invoice accuracy (%)", exact=True).fill("99.4")
    page.get_by_role("button", name=f"Save {quarter} figures").press("Enter")

    error = page.locator(f"#id_m{on_time.pk}-value_error")
    assert error.inner_text() == "Enter a number."
    assert page.get_by_label("On-time delivery (%)", exact=True).get_attribute("aria-invalid") == "true"
    assert page.get_by_label("On-time delivery (%)", exact=True).input_value() == "91,5"
    assert page.get_by_label("Note on On-time delivery", exact=True).input_value() == (
        "Two late containers from the Gdansk hub")
    assert page.get_by_label("Invoice accuracy (%)", exact=True).input_value() == "99.4"

    page.get_by_label("On-time delivery (%)", exact=True).fill("91.5")
    page.get_by_role("button", name=f"Save {quarter} figures").click()
    page.wait_for_url(f"**/dashboard/?quarter={quarter}")
    assert page.get_by_text(f"Saved 2 figures for {quarter}.").is_visible()

    spotlight = page.locator("section.spotlight")
    item = spotlight.get_by_role("listitem").filter(has_text="On-time delivery")
    assert item.locator(".status").inner_text() == "Red"
    assert "left the Green Zone this quarter (was Green in" in item.inner_text()
    assert "Invoice accuracy" not in spotlight.inner_text()
    # The charts are drawn by Plotly in the browser, one per metric.
    page.wait_for_function("document.querySelectorAll('.chart .main-svg').length >= 14")
    assert page.locator("[data-figure]").count() == 14
