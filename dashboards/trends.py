"""Trend maths for one metric, as plain functions of its results (no database), so the
numbers can be checked by hand.

Everything looks at the last ``WINDOW`` quarters ending with the latest quarter that has
a result; ``x`` is the quarter's index (consecutive quarters are 1 apart), so a gap in
the results stretches the line as it should.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from statistics import StatisticsError, linear_regression

from accounts.quarters import Quarter

WINDOW = 4
# "Quarters until it leaves the Green Zone" looks this far ahead; beyond it, not at all.
HORIZON = 20


def least_squares(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """Slope and intercept of the least-squares line through (x, y), or None with
    fewer than two distinct x. The one fit of a line in Tandem: the stored trends and the
    dashboard's trend line and word both draw theirs with it."""
    if len(points) < 2:
        return None
    xs, ys = zip(*points, strict=True)
    try:
        return linear_regression(xs, ys)
    except StatisticsError:  # every point at the same x
        return None


@dataclass(frozen=True, slots=True)
class TrendFacts:
    quarter: Quarter  # the latest quarter with a result: what the facts are "as of"
    quarters_used: int
    moving_average: float
    in_green: bool | None  # None: no goal to judge against
    streak: int  # consecutive quarters, ending with ``quarter``, on the same side of the goal
    slope: float | None = None  # change per quarter
    intercept: float | None = None
    forecast_quarter: Quarter | None = None
    forecast: float | None = None
    quarters_until_out: int | None = None  # while green and declining: quarters until the line leaves

    def reaches_back_to(self) -> Quarter:
        """The oldest quarter these facts depend on: the window's first, or the one before
        the streak (its result, or the lack of one, ended the streak)."""
        return self.quarter - max(WINDOW - 1, self.streak)


def _quarter_index(item: tuple[Quarter, float]) -> int:
    return item[0].index


def trend_facts(
    history: list[tuple[Quarter, float]],
    *,
    is_green: Callable[[Quarter, float], bool | None],
    higher_is_better: bool,
) -> TrendFacts | None:
    """The facts for one metric from its results ``history`` (any order). ``is_green``
    judges a value against the goal in force in a quarter (future quarters included)."""
    if not history:
        return None
    history = sorted(history, key=_quarter_index)  # a quarter has one result: no ties
    latest = history[-1][0]
    oldest_in_window = latest.index - WINDOW
    window = [(q, v) for q, v in history[-WINDOW:] if q.index > oldest_in_window]
    moving_average = sum(v for _, v in window) / len(window)

    in_green = is_green(latest, history[-1][1])
    streak = 0
    expected = latest.index
    for quarter, value in reversed(history):
        if quarter.index != expected or is_green(quarter, value) != in_green:
            break
        streak += 1
        expected -= 1

    facts = dict(quarter=latest, quarters_used=len(window), moving_average=moving_average,
                 in_green=in_green, streak=streak)
    line = least_squares([(float(q.index), v) for q, v in window])
    if line is None:
        return TrendFacts(**facts)
    slope, intercept = line
    upcoming = latest.next()
    facts.update(slope=slope, intercept=intercept, forecast_quarter=upcoming,
                 forecast=slope * upcoming.index + intercept)
    declining = slope < 0 if higher_is_better else slope > 0
    if in_green and declining:
        for ahead in range(1, HORIZON + 1):
            quarter = latest + ahead
            if is_green(quarter, slope * quarter.index + intercept) is False:
                facts["quarters_until_out"] = ahead
                break
    return TrendFacts(**facts)
