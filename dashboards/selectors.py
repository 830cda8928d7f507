"""Reads that assemble the dashboard, the entry grid and the metric pages, each in a
fixed number of queries however many quarters of results an account has."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from typing import NamedTuple

from django.db.models import Case, FloatField, Max, Prefetch, When
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404

from accounts.links import LinkPattern
from accounts.models import PartnerAccount, Side
from accounts.quarters import Quarter, parse_stored_quarter

from .models import (
    Direction,
    MetricDefinition,
    MetricGoal,
    MetricResult,
    MetricTrend,
    Status,
    goal_in_force,
    status_of_value,
)
from .trends import least_squares

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
    metrics = list(queryset.order_by("position", "name"))
    _give_goals(metrics, MetricGoal.objects.filter(metric__in=metrics))
    for metric in metrics:
        metric.account = account
    return metrics


def _give_goals(metrics: list[MetricDefinition], goals) -> None:
    """Hand each metric its goals, read in one query: ``prefetch_related`` builds a queryset
    per metric, which cost more than judging every figure of a forty-quarter dashboard."""
    by_metric: dict[int, list[MetricGoal]] = {m.pk: [] for m in metrics}
    for goal in goals.order_by():
        by_metric[goal.metric_id].append(goal)
    for metric in metrics:
        metric.remember_goals(by_metric[metric.pk])


def _results_by_metric(metrics: list[MetricDefinition], **filters) -> dict[int, dict[Quarter, MetricResult]]:
    by_pk = {m.pk: m for m in metrics}
    results: dict[int, dict[Quarter, MetricResult]] = {m.pk: {} for m in metrics}
    # No join to who entered the figures: no page shows it, and at forty quarters the
    # joined users were a third of the objects built (bench/results.md).
    for result in MetricResult.objects.filter(metric__in=list(by_pk), **filters):
        result.metric = by_pk[result.metric_id]  # no query per result for the metric
        results[result.metric_id][result.quarter] = result
    return results


def _figures_by_metric(metrics: list[MetricDefinition]) -> dict[int, dict[Quarter, float | None]]:
    """Every quarter's result of each metric — the data owner's figure — as a plain float,
    chosen and cast in the database. The charts show every quarter: at forty quarters a
    model object per figure cost more than the rest of the page (bench/results.md), and
    a Decimal per figure (both firms') still about 2 ms; the charts and the trend draw
    floats, and the history is judged in floats (see ``judge``)."""
    figures: dict[int, dict[Quarter, float | None]] = {m.pk: {} for m in metrics}
    home_owned = [m.pk for m in metrics if m.data_owner == Side.HOME]
    figure = Case(When(metric_id__in=home_owned, then=Cast("home_value", FloatField())),
                  default=Cast("partner_value", FloatField()))
    # Unordered: the default ordering would join the metric to sort by its position.
    rows = MetricResult.objects.filter(metric__in=list(figures)).order_by()
    for metric_id, quarter, value in rows.values_list("metric_id", "quarter", figure):
        figures[metric_id][quarter] = value
    return figures


def status_of(metric: MetricDefinition, result: MetricResult | None, quarter: Quarter) -> Status | None:
    return None if result is None else status_of_value(metric, result.value, quarter)


@dataclass
class MetricRow:
    """One metric as the dashboard shows it for the chosen quarter; ``history`` holds each
    quarter's result value up to it."""

    metric: MetricDefinition
    quarter: Quarter
    goal: MetricGoal | None = None
    result: MetricResult | None = None
    status: Status | None = None
    previous_result: MetricResult | None = None
    previous_status: Status | None = None
    out_since: Quarter | None = None
    trend: tuple[float, float] | None = None
    stored_trend: MetricTrend | None = None  # computed in the background (dashboards.tasks)
    history: list[tuple[Quarter, float, Status | None]] = field(default_factory=list)
    url: str = ""  # the metric's page: one link pattern for all the rows (accounts.links)


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


def _by_quarter(item: tuple[Quarter, object]) -> int:
    return item[0].index


def _metric_row(
    metric: MetricDefinition, results: dict[Quarter, MetricResult], figures: dict[Quarter, float | None],
    quarter: Quarter, *, with_trends: bool = False,
) -> MetricRow:
    """``results`` holds the chosen and the previous quarter's results; ``figures`` every quarter's value."""
    row = MetricRow(metric=metric, quarter=quarter)
    row.stored_trend = getattr(metric, "stored_trend", None) if with_trends else None
    row.goal = metric.goal_for(quarter)
    row.result = results.get(quarter)
    row.status = status_of(metric, row.result, quarter)
    row.previous_result = results.get(quarter.previous())
    row.previous_status = status_of(metric, row.previous_result, quarter.previous())
    row.history = [
        (q, value, status_of_value(metric, value, q)) for q, value in sorted(figures.items(), key=_by_quarter)
        if value is not None and q.index <= quarter.index
    ]
    if row.status not in (None, Status.GREEN):
        row.out_since = quarter
        for q, _, status in reversed(row.history[:-1]):
            if status == Status.GREEN or q != row.out_since.previous():
                break
            row.out_since = q
    recent = [(q.index, value) for q, value, _ in row.history[-TREND_QUARTERS:]]
    row.trend = least_squares(recent)
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
    figures = _figures_by_metric(metrics)
    quarters = sorted({q for by_quarter in figures.values() for q in by_quarter})
    quarter = quarter or default_quarter(quarters)
    # Whole results (both firms' figures, for mismatches) only for the quarters on show.
    results = _results_by_metric(metrics, quarter__in=[str(quarter), str(quarter.previous())])
    metric_page = LinkPattern("dashboards:metric", account.slug)
    rows = [_metric_row(metric, results[metric.pk], figures[metric.pk], quarter, with_trends=True)
            for metric in metrics]
    for row in rows:
        row.url = metric_page(row.metric.pk)
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


@dataclass(frozen=True)
class LatestStatuses:
    """An account's latest quarter with results and how its active metrics stood then (and
    the quarter before): the numbers the portfolio's health roll-up needs from the
    dashboard — the same facts ``dashboard_for`` shows for its default quarter."""

    quarter: Quarter | None = None
    judged: int = 0  # metrics with a result and a goal that quarter
    green: int = 0
    previous_judged: int = 0
    previous_green: int = 0
    missing: int = 0  # active metrics without the data owner's figure that quarter
    mismatches: int = 0  # calculation mismatches that quarter


# How many quarters back the nightly run looks first: the trend needs the last four and
# the streak, which rarely runs longer, and nearly every account logged a result within
# two years. The whole history is read only where the recent quarters do not answer.
RECENT_QUARTERS = 8


def latest_result_quarters(account_ids: list[int]) -> dict[int, Quarter]:
    """The latest quarter with a result of an active metric, per account that has one."""
    results = MetricResult.objects.filter(metric__retired_at__isnull=True).order_by()

    def latest_of(queryset) -> dict[int, Quarter]:
        return {account_id: parse_stored_quarter(str(quarter)) for account_id, quarter in queryset.values_list(
            "metric__account_id").annotate(latest=Max("quarter")).values_list("metric__account_id", "latest")}

    # A result in the recent quarters is later than any before them: only accounts with
    # none need their whole history read.
    latest = latest_of(results.filter(metric__account_id__in=account_ids,
                                      quarter__gte=Quarter.current() - RECENT_QUARTERS))
    quiet = [account_id for account_id in account_ids if account_id not in latest]
    if quiet:
        latest.update(latest_of(results.filter(metric__account_id__in=quiet)))
    return latest


def latest_statuses(
    *, account_ids: list[int], metrics: list[JudgingMetric] | None = None
) -> dict[int, LatestStatuses]:
    """``LatestStatuses`` of several accounts in four queries (two with their ``metrics``
    from ``judging_metrics``; one more when an account logged nothing in the recent
    quarters), reading only the latest two quarters' results."""
    statuses = {account_id: LatestStatuses() for account_id in account_ids}
    latest = latest_result_quarters(account_ids)
    if not latest:
        return statuses
    metrics = {m.pk: m for m in (judging_metrics(list(latest)) if metrics is None else metrics)}
    now: dict[int, list[Status]] = {account_id: [] for account_id in latest}
    before: dict[int, list[Status]] = {account_id: [] for account_id in latest}
    logged: dict[int, int] = dict.fromkeys(latest, 0)
    mismatched: dict[int, int] = dict.fromkeys(latest, 0)
    # Accounts mostly share their latest quarter: a plain IN over the few distinct ones
    # uses the (metric, quarter) index, where an OR per account scans.
    shown = {q for q in latest.values()} | {q.previous() for q in latest.values()}
    for metric_id, quarter, home, partner in MetricResult.objects.filter(
        metric__in=list(metrics), quarter__in=sorted(str(q) for q in shown)
    ).order_by().values_list("metric_id", "quarter", "home_value", "partner_value"):
        metric = metrics[metric_id]
        account_quarter = latest[metric.account_id]
        value, check = (home, partner) if metric.data_owner == Side.HOME else (partner, home)
        if quarter == account_quarter:
            if value is not None:
                logged[metric.account_id] += 1
                if check is not None and abs(value - check) > metric.mismatch_tolerance:
                    mismatched[metric.account_id] += 1
            judged = now
        elif quarter == account_quarter.previous():
            judged = before
        else:
            continue
        status = status_of_value(metric, value, quarter)
        if status is not None:
            judged[metric.account_id].append(status)
    active = {account_id: 0 for account_id in latest}
    for metric in metrics.values():
        if metric.account_id in active:
            active[metric.account_id] += 1
    for account_id, quarter in latest.items():
        found, earlier = now[account_id], before[account_id]
        statuses[account_id] = LatestStatuses(
            quarter, len(found), sum(1 for s in found if s == Status.GREEN),
            len(earlier), sum(1 for s in earlier if s == Status.GREEN),
            missing=active[account_id] - logged[account_id], mismatches=mismatched[account_id],
        )
    return statuses


class JudgingGoal(NamedTuple):
    effective_from: Quarter
    goal: Decimal
    warning_threshold: Decimal


@dataclass(eq=False)
class JudgingMetric:
    """What judging a metric's figures needs, read as plain values: the nightly roll-ups
    judge every active metric of every account, and building a model object for each
    metric and goal cost about a seventh of the run (bench/results.md)."""

    pk: int
    account_id: int
    direction: str
    data_owner: str
    mismatch_tolerance: Decimal
    goals: list[JudgingGoal] = field(default_factory=list)  # oldest first

    def goal_for(self, quarter: Quarter) -> JudgingGoal | None:
        return goal_in_force(self.goals, quarter)


def judging_metrics(account_ids: list[int]) -> list[JudgingMetric]:
    """The accounts' active metrics, with just what judging a figure needs."""
    metrics = {
        pk: JudgingMetric(pk, *values)
        for pk, *values in MetricDefinition.objects.active().filter(account_id__in=account_ids).order_by()
        .values_list("pk", "account_id", "direction", "data_owner", "mismatch_tolerance")
    }
    goals = MetricGoal.objects.filter(metric__account_id__in=account_ids, metric__retired_at__isnull=True)
    for metric_id, *values in goals.order_by("effective_from").values_list(
        "metric_id", "effective_from", "goal", "warning_threshold"
    ):
        metrics[metric_id].goals.append(JudgingGoal(*values))
    return list(metrics.values())
