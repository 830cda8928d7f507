"""Reads that assemble the dashboard, the entry grid and the metric pages, each in a
fixed number of queries however many quarters of results an account has."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from accounts.models import PartnerAccount
from accounts.quarters import Quarter

from .models import Direction, MetricDefinition, MetricGoal, MetricResult, MetricTrend, Status, judge

TREND_QUARTERS = 8


def metric_for_account(*, account: PartnerAccount, pk: int) -> MetricDefinition:
    """One of this account's metrics, or 404 — a metric of another account is not found."""
    queryset = MetricDefinition.objects.filter(account=account).prefetch_related(
        Prefetch("goals", queryset=MetricGoal.objects.select_related("set_by"))
    ).select_related("home_signed_off_by", "partner_signed_off_by")
    return get_object_or_404(queryset, pk=pk)


def _metrics(account: PartnerAccount, *, retired: bool = False, with_trends: bool = False) -> list[MetricDefinition]:
    queryset = account.metrics.all() if retired else account.metrics.active()
    if with_trends:
        queryset = queryset.select_related("stored_trend")  # joined: no extra query
    metrics = list(queryset.prefetch_related("goals").order_by("position", "name"))
    for metric in metrics:
        metric.account = account
    return metrics


def _results_by_metric(metrics: list[MetricDefinition], **filters) -> dict[int, dict[Quarter, MetricResult]]:
    by_pk = {m.pk: m for m in metrics}
    results: dict[int, dict[Quarter, MetricResult]] = {m.pk: {} for m in metrics}
    for result in MetricResult.objects.filter(metric__in=list(by_pk), **filters).select_related(
        "home_entered_by", "partner_entered_by"
    ):
        result.metric = by_pk[result.metric_id]  # no query per result for the metric
        results[result.metric_id][result.quarter] = result
    return results


def status_of(metric: MetricDefinition, result: MetricResult | None, quarter: Quarter) -> Status | None:
    goal = metric.goal_for(quarter)
    if result is None or goal is None:
        return None
    return judge(result.value, direction=metric.direction, goal=goal.goal, warning=goal.warning_threshold)


def linear_trend(points: list[tuple[int, Decimal]]) -> tuple[float, float] | None:
    """Least-squares slope and intercept of (x, y) points, or None with fewer than two."""
    if len(points) < 2:
        return None
    xs = [float(x) for x, _ in points]
    ys = [float(y) for _, y in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return slope, mean_y - slope * mean_x


@dataclass
class MetricRow:
    """One metric as the dashboard shows it for the chosen quarter."""

    metric: MetricDefinition
    quarter: Quarter
    results: dict[Quarter, MetricResult]
    goal: MetricGoal | None = None
    result: MetricResult | None = None
    status: Status | None = None
    previous_result: MetricResult | None = None
    previous_status: Status | None = None
    out_since: Quarter | None = None
    trend: tuple[float, float] | None = None
    stored_trend: MetricTrend | None = None  # computed in the background (dashboards.tasks)
    history: list[tuple[Quarter, MetricResult, Status | None]] = field(default_factory=list)

    @property
    def left_green_this_quarter(self) -> bool:
        return self.status not in (None, Status.GREEN) and self.previous_status in (None, Status.GREEN)

    @property
    def trend_improving(self) -> bool | None:
        """Whether the stored four-quarter slope points the good way (None when flat or unknown)."""
        slope = self.stored_trend.slope if self.stored_trend else None
        if not slope:
            return None
        return (slope > 0) == (self.metric.direction == Direction.HIGHER)

    @property
    def trend_word(self) -> str:
        if self.trend is None:
            return "not enough data"
        slope = self.trend[0] if self.metric.direction == Direction.HIGHER else -self.trend[0]
        scale = max(abs(float(self.goal.goal)) if self.goal else 1.0, 1.0)
        if abs(slope) < 0.005 * scale:
            return "steady"
        return "improving" if slope > 0 else "worsening"


def _metric_row(
    metric: MetricDefinition, results: dict[Quarter, MetricResult], quarter: Quarter, *, with_trends: bool = False
) -> MetricRow:
    row = MetricRow(metric=metric, quarter=quarter, results=results)
    row.stored_trend = getattr(metric, "stored_trend", None) if with_trends else None
    row.goal = metric.goal_for(quarter)
    row.result = results.get(quarter)
    row.status = status_of(metric, row.result, quarter)
    row.previous_result = results.get(quarter.previous())
    row.previous_status = status_of(metric, row.previous_result, quarter.previous())
    row.history = [
        (q, r, status_of(metric, r, q)) for q, r in sorted(results.items()) if q <= quarter and r.value is not None
    ]
    if row.status not in (None, Status.GREEN):
        row.out_since = quarter
        for q, _, status in reversed(row.history[:-1]):
            if status == Status.GREEN or q != row.out_since.previous():
                break
            row.out_since = q
    recent = [(q.index, r.value) for q, r, _ in row.history[-TREND_QUARTERS:]]
    row.trend = linear_trend(recent)
    return row


@dataclass
class Dashboard:
    account: PartnerAccount
    quarter: Quarter
    quarters_with_results: list[Quarter]
    rows: list[MetricRow]

    @property
    def spotlight(self) -> list[MetricRow]:
        """Metrics outside the Green Zone this quarter, those that just left it first."""
        out = [r for r in self.rows if r.status not in (None, Status.GREEN)]
        return sorted(out, key=lambda r: (not r.left_green_this_quarter, r.status != Status.RED, r.metric.position))

    @property
    def mismatches(self) -> list[MetricRow]:
        return [r for r in self.rows if r.result is not None and r.result.is_mismatch]

    @property
    def missing(self) -> list[MetricRow]:
        return [r for r in self.rows if r.result is None or r.result.value is None]

    @property
    def green_count(self) -> int:
        return sum(1 for r in self.rows if r.status == Status.GREEN)


def default_quarter(quarters_with_results: list[Quarter]) -> Quarter:
    """The latest quarter with results, else the last completed quarter."""
    return quarters_with_results[-1] if quarters_with_results else Quarter.current().previous()


def dashboard_for(*, account: PartnerAccount, quarter: Quarter | None) -> Dashboard:
    metrics = _metrics(account, with_trends=True)
    results = _results_by_metric(metrics)
    quarters = sorted({q for by_quarter in results.values() for q in by_quarter})
    quarter = quarter or default_quarter(quarters)
    rows = [_metric_row(metric, results[metric.pk], quarter, with_trends=True) for metric in metrics]
    return Dashboard(account=account, quarter=quarter, quarters_with_results=quarters, rows=rows)


@dataclass
class EntryRow:
    metric: MetricDefinition
    goal: MetricGoal | None
    result: MetricResult | None
    previous_result: MetricResult | None

    @property
    def previous_value(self) -> Decimal | None:
        return self.previous_result.value if self.previous_result else None


def entry_rows(*, account: PartnerAccount, quarter: Quarter) -> list[EntryRow]:
    """The active metrics with this quarter's and last quarter's results."""
    metrics = _metrics(account)
    results = _results_by_metric(metrics, quarter__in=[str(quarter), str(quarter.previous())])
    return [
        EntryRow(metric, metric.goal_for(quarter), results[metric.pk].get(quarter),
                 results[metric.pk].get(quarter.previous()))
        for metric in metrics
    ]


def metric_list(*, account: PartnerAccount) -> tuple[list[MetricDefinition], list[MetricDefinition]]:
    """Active metrics in order, and retired ones."""
    metrics = _metrics(account, retired=True)
    return [m for m in metrics if not m.is_retired], [m for m in metrics if m.is_retired]


def metric_definition_history(metric: MetricDefinition) -> list:
    """Changes to the definition itself (name, unit, basis, sign-offs...), newest first."""
    from accounts.selectors import history_entries

    records = metric.history.select_related("history_user")
    return sorted(history_entries(records, lambda r: "Definition"), key=lambda e: e.when, reverse=True)


def dashboard_history(account: PartnerAccount, limit: int) -> chain:
    """The account History page's share of the dashboard: definitions, goals and results."""
    from accounts.selectors import history_entries, latest_records

    return chain(
        history_entries(latest_records(MetricDefinition, limit, account_id=account.pk),
                        lambda r: f"Metric “{r.name}”"),
        history_entries(latest_records(MetricGoal, limit, metric__account_id=account.pk).select_related("metric"),
                        lambda r: f"Goal of “{r.metric.name}” from {r.effective_from}"),
        history_entries(latest_records(MetricResult, limit, metric__account_id=account.pk).select_related("metric"),
                        lambda r: f"{r.quarter} result of “{r.metric.name}”"),
    )
