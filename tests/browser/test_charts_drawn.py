"""Every kind of chart Tandem draws — the dashboard's lines and bands, the portfolio's bars
and health matrix, the scorecard heat-maps, the survey trends and bars with error bars —
drawn in real Chromium by the partial Plotly bundle. Plotly still draws the axes of a
trace type its bundle lacks, as an empty scatter: each trace is checked to have been
drawn as the type it was given."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts import demo
from accounts.quarters import Quarter
from bench.browser import CHART_COUNT, CHARTS_DRAWN

from .conftest import sign_in

pytestmark = pytest.mark.browser

LAST = Quarter.current().previous()
# Each trace of each chart: the type the figure asked for, and the type Plotly drew it as.
TRACE_TYPES = """() => [...document.querySelectorAll("[data-figure], [data-figure-url]")].flatMap(
  chart => chart.data.map((trace, i) => [trace.type, chart._fullData[i].type]))"""
CHART_PAGES = {
    "/accounts/helix-components/dashboard/": 14,
    "/portfolio/": 2,
    "/accounts/helix-components/scorecards/": 2,
    "/accounts/helix-components/surveys/": 2,
    f"/accounts/helix-components/surveys/{LAST}/": 1,
}


def test_every_chart_of_the_demo_is_drawn_by_the_partial_plotly_bundle(page):
    call_command("seed_demo", stdout=StringIO())
    errors, scripts, drawn_types = [], [], set()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None)

    sign_in(page, "admin", demo.DEMO_PASSWORD)
    for path, charts in CHART_PAGES.items():
        page.goto(path)
        page.wait_for_function(CHARTS_DRAWN)  # every chart on the page has its SVG
        assert page.evaluate(CHART_COUNT) == charts, path
        traces = page.evaluate(TRACE_TYPES)
        assert [asked for asked, drawn in traces if drawn != asked] == [], path
        drawn_types.update(asked for asked, _ in traces)
        assert page.locator(".chart-failed").count() == 0, path

    assert drawn_types == {"scatter", "bar", "heatmap"}
    assert errors == []
    plotly = {url.rsplit("/", 1)[1] for url in scripts if "plotly" in url}
    assert plotly == {"plotly-cartesian-4.1.1.min.js"}
