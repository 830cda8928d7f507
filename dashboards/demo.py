"""The demo's dashboards: eight quarters of plausible results for every demo account,
ending with the last completed quarter, so that each dashboard tells a story — most
metrics in the Green Zone, a few sliding out of it lately, a couple of calculation
mismatches. Idempotent: a result that exists is never written again."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import Membership, PartnerAccount, Side, User
from accounts.quarters import Quarter

from . import services
from .models import Direction, MetricDefinition, MetricResult, Unit

QUARTERS = 8
# How far on the good side of the goal a metric sits, in multiples of the distance
# between goal and warning threshold, quarter by quarter (oldest first).
STEADY = [0.4, 0.5, 0.3, 0.45, 0.6, 0.35, 0.5, 0.4]
SLIDING = [0.6, 0.5, 0.7, 0.45, 0.3, 0.05, -0.5, -1.6]  # green, then yellow, then red
WOBBLY = [0.6, 0.3, -0.4, 0.2, 0.7, 0.9, 0.4, -0.3]  # in and out of yellow
RECOVERING = [-1.4, -0.9, -0.5, -0.2, 0.15, 0.3, 0.45, 0.6]
# Accounts whose last quarter is not fully logged yet (slug → how many metrics lack a
# result), so that their account manager finds a reminder in the inbox.
STILL_LOGGING = {"brightwater-polymers": 3}

# So that the portfolio shows different relationships differently: per account, how many
# metrics are sliding out of the Green Zone (default two), how many calculation
# mismatches the last quarter has (default one or two), and whether the last quarter's
# results are still missing (logged late).
PORTFOLIO_STORIES = {
    "meridian-health": {"sliding": 0, "mismatches": 0},
    "quayside-foods": {"sliding": 1, "mismatches": 0},
    "kestrel-software": {"mismatches": 0},
    "alder-finch": {"sliding": 4},
    "corvane-logistics": {"sliding": 3},
    "baltic-rail": {"late": True},
    "veridian-packaging": {"late": True, "sliding": 1},
}


def _figure(metric: MetricDefinition, goal, offset: float, rng: random.Random) -> Decimal:
    distance = abs(goal.goal - goal.warning_threshold) or (abs(goal.goal) / 10) or Decimal(1)
    sign = 1 if metric.direction == Direction.HIGHER else -1
    noise = rng.uniform(-0.1, 0.1)
    value = float(goal.goal) + sign * (offset + noise) * float(distance)
    if metric.unit == Unit.PERCENT:
        value = min(value, 99.9)
    if metric.unit in (Unit.COUNT, Unit.PPM):
        return Decimal(max(0, round(value)))
    return Decimal(str(round(max(value, 0.0) if metric.unit != Unit.PERCENT_CHANGE else value, 1)))


def _entered_at(quarter: Quarter) -> dt.datetime:
    day = quarter.end_date + dt.timedelta(days=12)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


@transaction.atomic
def seed_results(accounts: Iterable[PartnerAccount], *, by: User | None = None) -> int:
    """Give each account the default metrics (if it has none) and eight quarters of
    results. Returns how many results were created."""
    accounts = list(accounts)
    for account in accounts:
        services.metric_template_apply(account=account, by=by)
    last = Quarter.current().previous()
    span = [last - (QUARTERS - 1 - i) for i in range(QUARTERS)]
    metrics = list(
        MetricDefinition.objects.active().filter(account__in=accounts)
        .select_related("account").prefetch_related("goals").order_by("account__slug", "position")
    )
    existing = set(
        MetricResult.objects.filter(metric__in=metrics, quarter__in=[str(q) for q in span])
        .values_list("metric_id", "quarter")
    )
    people = {}
    for membership in Membership.objects.filter(
        account__in=accounts, role__in=[Membership.Role.ACCOUNT_MANAGER, Membership.Role.EXECUTIVE_CHAMPION]
    ).select_related("user").order_by("role"):
        people.setdefault((membership.account_id, membership.side), membership.user)

    new = []
    by_account: dict[int, list[MetricDefinition]] = {}
    for metric in metrics:
        by_account.setdefault(metric.account_id, []).append(metric)
    for account_metrics in by_account.values():
        account = account_metrics[0].account
        rng = random.Random(f"tandem-demo:{account.slug}")
        shuffled = rng.sample(account_metrics, len(account_metrics))
        plot = PORTFOLIO_STORIES.get(account.slug, {})
        n = plot.get("sliding", 2)
        sliding, wobbly, recovering = shuffled[:n], shuffled[n:n + 1], shuffled[n + 1:n + 2]
        mismatches = rng.choice([1, 2])
        mismatched = {m.pk for m in shuffled[n + 2:n + 2 + plot.get("mismatches", mismatches)]}
        checked = {m.pk for m in shuffled[n + 4:n + 9]}
        not_logged_yet = {m.pk for m in shuffled[len(shuffled) - STILL_LOGGING.get(account.slug, 0):]}
        for metric in account_metrics:
            story = (SLIDING if metric in sliding else WOBBLY if metric in wobbly
                     else RECOVERING if metric in recovering else STEADY)
            for quarter, offset in zip(span, story, strict=True):
                late = plot.get("late") or metric.pk in not_logged_yet
                if (metric.pk, quarter) in existing or (quarter == last and late):
                    continue
                goal = metric.goal_for(quarter)
                value = _figure(metric, goal, offset, rng)
                result = MetricResult(metric=metric, quarter=quarter)
                owner, checker = metric.data_owner, metric.checking_side
                _set_figure(result, owner, value, people.get((account.pk, owner)) or by, quarter)
                recent = quarter >= last.previous()
                if quarter == last and metric.pk in mismatched:
                    gap = metric.mismatch_tolerance + abs(goal.goal - goal.warning_threshold) or Decimal(1)
                    other = value - gap if value - gap >= 0 and metric.unit != Unit.PERCENT_CHANGE else value + gap
                    if metric.unit == Unit.PERCENT:
                        other = min(other, Decimal(100))
                    _set_figure(result, checker, other, people.get((account.pk, checker)) or by, quarter,
                                note="Our own calculation differs; see the basis.")
                elif recent and metric.pk in checked:
                    _set_figure(result, checker, value, people.get((account.pk, checker)) or by, quarter)
                new.append(result)
    bulk_create_with_history(new, MetricResult, default_user=by, batch_size=500)
    return len(new)


def _set_figure(result: MetricResult, side: str, value: Decimal, user, quarter: Quarter, note: str = "") -> None:
    prefix = "home" if side == Side.HOME else "partner"
    setattr(result, f"{prefix}_value", value)
    setattr(result, f"{prefix}_note", note)
    setattr(result, f"{prefix}_entered_by", user)
    setattr(result, f"{prefix}_entered_at", _entered_at(quarter))
    setattr(result, f"{prefix}_version", 1)
