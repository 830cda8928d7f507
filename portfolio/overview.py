"""The portfolio page's costly parts, kept in the cache between changes: the overview of
every matching account (the summary counts, the accounts per level and the health
matrix) and the rendered table.

At a thousand accounts, reading every matching account and writing fifty rows of fifteen
cells cost several times the rest of the page. Both change only when an account, a
membership, a person's name or a health roll-up does. Each such change replaces the
portfolio's version token (``portfolio_changed``), and with it everything cached here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from accounts.models import User
from accounts.quarters import Quarter
from accounts.versioned_cache import VersionedCache

from . import charts, selectors

T = TypeVar("T")
PORTFOLIO = VersionedCache("portfolio")


@dataclass(frozen=True)
class Overview:
    summary: selectors.Summary
    level_counts: list[tuple[str, int, int]]  # per level: its name, accounts at it, accounts aiming for it
    plotted: int  # accounts in the health matrix
    matrix_json: str  # the health matrix figure, serialized once for every request that draws it

    @property
    def accounts(self) -> int:
        return self.summary.accounts

    @property
    def not_plotted(self) -> int:
        return self.accounts - self.plotted


def portfolio_changed(**kwargs) -> None:
    """Forget everything cached here. Also a signal receiver, hence ``**kwargs``."""
    PORTFOLIO.changed(["all"])


def user_changed(sender, update_fields=None, **kwargs) -> None:
    """A person's name shows in the table; signing in (which saves only ``last_login``) changes nothing shown."""
    if update_fields is None or set(update_fields) != {"last_login"}:
        portfolio_changed()


def cached(user: User, depends_on: tuple, compute: Callable[[], T]) -> T:
    """``compute()`` for this user's view of the portfolio, from the cache while the
    portfolio has not changed. ``depends_on`` names everything else the result depends
    on (filters, sort, page, date)."""
    # Everyone who sees every account shares one entry; others see their own accounts.
    viewer = "all" if user.sees_every_account else f"user-{user.pk}"
    return PORTFOLIO.cached("all", (viewer, *depends_on), compute)


def owner_filter_choices(user: User) -> list[tuple[int, str]]:
    """The owner filter's choices, as (id, name). Every request that reads the filters
    needs them, and looking them up joins every membership of every account."""
    return cached(user, ("owners",), lambda: [(u.pk, u.display_name) for u in selectors.owner_choices(user)])


def overview_for(user: User, query: selectors.PortfolioQuery, quarter: Quarter) -> Overview:
    """The overview of the accounts this user sees that match the query (the sort
    changes nothing in it): from the cache, or computed in one query over all of them."""
    filters = (query.search, query.kind, query.level, query.flag, query.owner)
    return cached(user, ("overview", str(quarter), filters), lambda: _overview(user, query, quarter))


def _overview(user: User, query: selectors.PortfolioQuery, quarter: Quarter) -> Overview:
    points = selectors.points(user, query, quarter)
    return Overview(
        summary=selectors.summary(points), level_counts=charts.level_counts(points),
        plotted=len(charts.plottable(points)),
        matrix_json=json.dumps(charts.health_matrix_figure(points), separators=(",", ":")),
    )
