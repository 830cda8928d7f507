"""The portfolio page's overview of every account that matches its filters (the sort
changes nothing in it): the summary counts and the accounts per level, made of one query
over all of them."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User
from accounts.quarters import Quarter

from . import charts, selectors


@dataclass(frozen=True)
class Overview:
    summary: selectors.Summary
    level_counts: list[tuple[str, int, int]]  # per level: its name, accounts at it, accounts aiming for it
    plotted: int  # accounts in the health matrix

    @property
    def accounts(self) -> int:
        return self.summary.accounts

    @property
    def not_plotted(self) -> int:
        return self.accounts - self.plotted


def overview_for(user: User, query: selectors.PortfolioQuery, quarter: Quarter) -> Overview:
    points = selectors.points(user, query, quarter)
    return Overview(summary=selectors.summary(points), level_counts=charts.level_counts(points),
                    plotted=len(charts.plottable(points)))
