"""One judge of a figure: the dashboard's card, the stored trend and the portfolio's green
share say the same about it, down to a figure exactly on its goal, because all three ask
``dashboards.models.judge``."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.quarters import Quarter
from dashboards import models
from dashboards.models import BEGINNING, Direction, MetricTrend, Status
from dashboards.services import metric_goal_set
from portfolio.selectors import PortfolioQuery, portfolio_rows
from portfolio.services import accounts_recompute_all

from .factories import record_figure, with_default_metrics

LAST = Quarter.current().previous()
# Goals with no exact binary float, judged against figures both as Decimals (the card, the
# portfolio) and as floats (the charts, the nightly trends).
GOALS = {Direction.HIGHER: ("On-time delivery", Decimal("97.3"), Decimal("95")),
         Direction.LOWER: ("Support response time", Decimal("2.7"), Decimal("8"))}
A_HAIR = Decimal("0.0001")  # the smallest step a figure can take


def what_everyone_says(client, cast, metric) -> dict:
    """The metric's standing on the dashboard, in its stored trend and in the portfolio,
    after the nightly run has stored the trends and the health roll-up."""
    accounts_recompute_all()
    client.force_login(cast["viewer"])
    page = client.get(reverse("dashboards:dashboard", args=[cast.account.slug])).content.decode()
    streak = re.search(rf"1 quarter in a row (in|out of) the Green Zone \(to {LAST}\)", page)
    chart = json.loads(re.search(rf'<script id="figure-{metric.pk}" type="application/json">(.*?)</script>', page)[1])
    dots = next(trace for trace in chart["data"] if trace.get("name") == "Result")
    row = next(r for r in portfolio_rows(cast["portfolio"], PortfolioQuery()) if r.account == cast.account)
    return {
        "metrics green on the dashboard": int(re.search(r"(\d+) of 14 metrics in the Green Zone", page)[1]),
        "dot on the dashboard's chart": dots["text"],
        "stored trend in the Green Zone": MetricTrend.objects.get(metric=metric).in_green,
        "dashboard's trend facts": streak and streak[1],
        "portfolio's green share": row.green_share,
    }


GREEN_EVERYWHERE = {
    "metrics green on the dashboard": 1, "dot on the dashboard's chart": ["Green"],
    "stored trend in the Green Zone": True, "dashboard's trend facts": "in", "portfolio's green share": 1.0,
}
GREEN_NOWHERE = {
    "metrics green on the dashboard": 0, "dot on the dashboard's chart": ["Yellow"],
    "stored trend in the Green Zone": False, "dashboard's trend facts": "out of", "portfolio's green share": 0.0,
}


def metric_with_goal(cast, direction):
    name, goal, warning = GOALS[direction]
    metric = with_default_metrics(cast.account).metrics.get(name=name)
    assert metric.direction == direction
    metric_goal_set(metric=metric, by=None, effective_from=BEGINNING, goal=goal, warning_threshold=warning)
    return metric, goal


@pytest.mark.parametrize("direction", [Direction.HIGHER, Direction.LOWER])
def test_a_figure_exactly_on_its_goal_is_green_on_the_dashboard_in_the_trend_and_in_the_portfolio(
    client, cast, direction
):
    metric, goal = metric_with_goal(cast, direction)
    record_figure(metric, LAST, goal, by=cast["manager"])

    assert what_everyone_says(client, cast, metric) == GREEN_EVERYWHERE


@pytest.mark.parametrize("direction", [Direction.HIGHER, Direction.LOWER])
def test_a_figure_a_hair_short_of_its_goal_is_green_nowhere(client, cast, direction):
    metric, goal = metric_with_goal(cast, direction)
    short = goal - A_HAIR if direction == Direction.HIGHER else goal + A_HAIR
    record_figure(metric, LAST, short, by=cast["manager"])

    assert what_everyone_says(client, cast, metric) == GREEN_NOWHERE


def test_the_dashboard_the_trend_and_the_portfolio_all_ask_the_one_judge(client, cast, monkeypatch):
    """Were the rule to change — here, to "nothing is green" — all of them would change together."""
    metric, goal = metric_with_goal(cast, Direction.HIGHER)
    record_figure(metric, LAST, goal, by=cast["manager"])
    monkeypatch.setattr(models, "judge", lambda value, **rule: Status.YELLOW)

    assert what_everyone_says(client, cast, metric) == GREEN_NOWHERE
