"""Status, goals over time, mismatches and the metric definitions' life cycle."""

from decimal import Decimal as D

import pytest

from accounts import services as account_services
from accounts.models import PartnerAccount, Side
from accounts.quarters import Quarter
from dashboards import services
from dashboards.models import Direction, MetricDefinition, MetricGoal, MetricResult, Status, judge, unit_problem
from dashboards.selectors import dashboard_for

from .factories import UserFactory, record_figure, with_default_metrics

Q = Quarter.parse


@pytest.mark.parametrize(
    ("value", "expected"),
    [("98", Status.GREEN), ("99.5", Status.GREEN), ("97.9", Status.YELLOW), ("95", Status.YELLOW),
     ("94.99", Status.RED), ("0", Status.RED)],
)
def test_when_higher_is_better_meeting_the_goal_is_green_and_below_the_threshold_red(value, expected):
    assert judge(D(value), direction=Direction.HIGHER, goal=D("98"), warning=D("95")) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("50", Status.GREEN), ("0", Status.GREEN), ("50.1", Status.YELLOW), ("100", Status.YELLOW),
     ("100.1", Status.RED), ("400", Status.RED)],
)
def test_when_lower_is_better_staying_at_or_under_the_goal_is_green_and_above_the_threshold_red(value, expected):
    assert judge(D(value), direction=Direction.LOWER, goal=D("50"), warning=D("100")) == expected


def test_without_a_yellow_band_a_miss_is_red_at_once():
    assert judge(D("3"), direction=Direction.HIGHER, goal=D("4"), warning=D("4")) == Status.RED


def test_a_new_account_gets_the_fourteen_metric_template_through_account_creation(db):
    account = account_services.account_create(by=None, name="Kestrel", slug="kestrel", kind="supplier")
    metrics = list(account.metrics.order_by("position"))
    assert len(metrics) == 14
    assert [m.position for m in metrics] == list(range(1, 15))
    assert {m.category for m in metrics} == {"basic", "strategic"}
    assert all(m.calculation_basis and m.goal_for(Quarter.current()) for m in metrics)
    # A supplier's delivery is measured by us, the customer: our figure counts.
    assert account.metrics.get(name="On-time delivery").data_owner == Side.HOME
    assert account.metrics.get(name="Order lead time").data_owner == Side.PARTNER
    services.metric_template_apply(account=account, by=None)
    assert account.metrics.count() == 14


def test_a_goal_change_holds_from_its_quarter_and_earlier_quarters_keep_the_old_goal(db):
    account = with_default_metrics(PartnerAccount.objects.create(name="A", slug="a", kind="customer"))
    on_time = account.metrics.get(name="On-time delivery")  # goal 98, warning 95
    for quarter in ["2025-Q4", "2026-Q1", "2026-Q2"]:
        record_figure(on_time, quarter, D("96.5"))
    manager = UserFactory(username="mia")
    services.metric_goal_set(metric=on_time, by=manager, effective_from=Q("2026-Q2"),
                             goal=D("96"), warning_threshold=D("93"), note="New carrier, agreed in May")

    def status(quarter):
        return next(r for r in dashboard_for(account=account, quarter=Q(quarter)).rows if r.metric == on_time).status

    assert status("2025-Q4") == Status.YELLOW
    assert status("2026-Q1") == Status.YELLOW
    assert status("2026-Q2") == Status.GREEN
    change = MetricGoal.objects.get(metric=on_time, effective_from=Q("2026-Q2"))
    assert (change.replaced_goal, change.goal, change.set_by) == (D("98"), D("96"), manager)


def test_a_later_goal_change_does_not_rewrite_the_quarters_between(db):
    account = with_default_metrics(PartnerAccount.objects.create(name="A", slug="a", kind="customer"))
    defects = account.metrics.get(name="Defect rate")  # lower is better, goal 50, warning 100
    services.metric_goal_set(metric=defects, by=None, effective_from=Q("2026-Q1"), goal=D("30"),
                             warning_threshold=D("60"))
    services.metric_goal_set(metric=defects, by=None, effective_from=Q("2026-Q3"), goal=D("20"),
                             warning_threshold=D("40"))
    assert [defects.goal_for(Q(q)).goal for q in ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2027-Q1"]] == [
        D("50"), D("30"), D("30"), D("20"), D("20")]


def test_a_warning_threshold_on_the_wrong_side_of_the_goal_is_refused(db):
    account = with_default_metrics(PartnerAccount.objects.create(name="A", slug="a", kind="customer"))
    defects = account.metrics.get(name="Defect rate")
    with pytest.raises(Exception, match="lower is better, the warning threshold is at or above the goal"):
        services.metric_goal_set(metric=defects, by=None, effective_from=Q("2026-Q1"), goal=D("50"),
                                 warning_threshold=D("10"))


def test_figures_beyond_the_tolerance_are_a_mismatch_and_within_it_are_not(db):
    account = with_default_metrics(PartnerAccount.objects.create(name="A", slug="a", kind="customer"))
    on_time = account.metrics.get(name="On-time delivery")  # partner-owned here, tolerance 0.5
    record_figure(on_time, "2026-Q1", D("97"))
    record_figure(on_time, "2026-Q1", D("97.5"), side=on_time.checking_side)
    assert not MetricResult.objects.get(metric=on_time).is_mismatch
    record_figure(on_time, "2026-Q1", D("97.6"), side=on_time.checking_side)
    result = MetricResult.objects.get(metric=on_time)
    assert result.is_mismatch
    assert result.value == D("97")  # the data owner's figure stays the result
    board = dashboard_for(account=account, quarter=Q("2026-Q1"))
    assert [r.metric.name for r in board.mismatches] == ["On-time delivery"]


@pytest.mark.parametrize(
    ("unit", "value", "problem"),
    [("percent", "100.5", "between 0 and 100"), ("percent", "-1", "between 0 and 100"),
     ("count", "-2", "cannot be negative"), ("count", "2.5", "whole number"), ("ppm", "-3", "cannot be negative")],
)
def test_impossible_figures_are_named(unit, value, problem):
    assert problem in unit_problem(unit, D(value))


@pytest.mark.parametrize(("unit", "value"), [("percent", "0"), ("percent", "100"), ("percent_change", "-12.5"),
                                             ("count", "3"), ("number", "-4")])
def test_possible_figures_pass(unit, value):
    assert unit_problem(unit, D(value)) is None


def test_changing_the_basis_clears_both_sign_offs_and_other_changes_keep_them(db):
    account = with_default_metrics(PartnerAccount.objects.create(name="A", slug="a", kind="customer"))
    metric = account.metrics.get(name="Invoice accuracy")
    home, partner = UserFactory(username="h"), UserFactory(username="p")
    services.metric_sign_off(metric=metric, side=Side.HOME, by=home)
    services.metric_sign_off(metric=metric, side=Side.PARTNER, by=partner)
    assert services.metric_update(metric=metric, by=home, name="Invoice accuracy (first time right)") is False
    metric.refresh_from_db()
    assert metric.fully_signed_off and metric.home_signed_off_by == home
    assert services.metric_update(metric=metric, by=home, calculation_basis="Credit notes included.") is True
    metric.refresh_from_db()
    assert not metric.home_signed_off_at and not metric.partner_signed_off_at


def test_reordering_and_retiring_keep_results_and_history(db):
    account = with_default_metrics(PartnerAccount.objects.create(name="A", slug="a", kind="customer"))
    third = account.metrics.get(position=3)
    record_figure(third, "2026-Q1", D("9"))
    services.metric_move(metric=third, by=None, offset=-1)
    assert account.metrics.get(position=2) == third
    services.metric_retire(metric=third, by=None)
    assert third not in dashboard_for(account=account, quarter=Q("2026-Q1")).rows
    assert MetricResult.objects.filter(metric=third).count() == 1
    assert [m.position for m in account.metrics.active()] == [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
    services.metric_reinstate(metric=third, by=None)
    third.refresh_from_db()
    assert third.position == 15 and not third.is_retired
    assert MetricDefinition.history.filter(id=third.pk).count() >= 4


def test_a_metric_that_stays_out_of_the_green_zone_says_since_when(db):
    account = with_default_metrics(PartnerAccount.objects.create(name="A", slug="a", kind="supplier"))
    on_time = account.metrics.get(name="On-time delivery")
    for quarter, value in [("2025-Q3", "99"), ("2025-Q4", "96"), ("2026-Q1", "90"), ("2026-Q2", "91")]:
        record_figure(on_time, quarter, D(value))
    row = next(r for r in dashboard_for(account=account, quarter=Q("2026-Q2")).spotlight)
    assert (row.status, row.out_since, row.left_green_this_quarter) == (Status.RED, Q("2025-Q4"), False)
    row = next(r for r in dashboard_for(account=account, quarter=Q("2025-Q4")).spotlight)
    assert (row.status, row.left_green_this_quarter) == (Status.YELLOW, True)


@pytest.mark.parametrize(("name", "goal", "warning", "figures"), [
    ("On-time delivery", "0.3", "0.1", [("0.3", Status.GREEN), ("0.2999", Status.YELLOW), ("0.1", Status.YELLOW),
                                        ("0.0999", Status.RED)]),
    ("Order lead time", "0.3", "0.7", [("0.3", Status.GREEN), ("0.3001", Status.YELLOW), ("0.7", Status.YELLOW),
                                       ("0.7001", Status.RED)]),
])
def test_the_charts_judge_figures_on_the_goal_and_on_the_threshold_as_the_quarter_itself(db, name, goal, warning,
                                                                                         figures):
    """The charts read every quarter's figure as a float; figures like 0.3, which no float
    holds exactly, still meet a goal of 0.3, whichever way is better."""
    account = with_default_metrics(PartnerAccount.objects.create(name="A", slug="a", kind="customer"))
    metric = account.metrics.get(name=name)
    services.metric_goal_set(metric=metric, by=None, effective_from=Q("2025-Q1"), goal=D(goal),
                             warning_threshold=D(warning))
    quarters = [Q("2025-Q1") + n for n in range(len(figures))]
    for quarter, (value, _) in zip(quarters, figures, strict=True):
        record_figure(metric, quarter, D(value))

    def row(quarter):
        return next(r for r in dashboard_for(account=account, quarter=quarter).rows if r.metric == metric)

    assert [status for _, _, status in row(quarters[-1]).history] == [status for _, status in figures]
    assert [row(quarter).status for quarter in quarters] == [status for _, status in figures]
