"""The pages and API endpoints the benchmark measures: one declarative table.

Each entry names a page and builds its URL from the bench data (the measured account
and its latest quarter). A path that does not resolve in this build — a page or an API
that has not landed yet — is reported as "not available in this build" and measured as
soon as its route resolves; nothing here needs to change when it lands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .report import DASHBOARD_FIRST_VISIT_BYTES


@dataclass(frozen=True)
class Target:
    """What the URLs are built from: the measured account and its latest quarter."""

    slug: str
    quarter: str  # written 2026-Q3


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[Target], str]


FLOOR = Page("floor (base layout, one query)", lambda t: "/bench/floor/")
PORTFOLIO = Page("portfolio, first page", lambda t: "/portfolio/")
DASHBOARD = Page("dashboard, 40 quarters", lambda t: f"/accounts/{t.slug}/dashboard/")

PAGES: list[Page] = [
    FLOOR,
    PORTFOLIO,
    Page("portfolio, sorted by health", lambda t: "/portfolio/?sort=green"),
    Page("portfolio, health matrix (fetched by the page)", lambda t: "/portfolio/matrix.json"),
    DASHBOARD,
    Page("entry, latest quarter", lambda t: f"/accounts/{t.slug}/dashboard/{t.quarter}/"),
    Page("scorecard comparison", lambda t: f"/accounts/{t.slug}/scorecards/{t.quarter}/compare/"),
    Page("scorecard history", lambda t: f"/accounts/{t.slug}/scorecards/"),
    Page("plan", lambda t: f"/accounts/{t.slug}/plan/"),
    Page("API: accounts", lambda t: "/api/v1/accounts/"),
    Page("API: results of a quarter", lambda t: f"/api/v1/accounts/{t.slug}/results/?quarter={t.quarter}"),
    Page("API: metrics", lambda t: f"/api/v1/accounts/{t.slug}/metrics/"),
    Page("API: assessments", lambda t: f"/api/v1/accounts/{t.slug}/assessments/"),
    Page("API: actions", lambda t: f"/api/v1/accounts/{t.slug}/actions/"),
    Page("API: portfolio rows", lambda t: "/api/v1/portfolio/"),
]

# Also loaded in headless Chromium (bench/browser.py), each with its first visit's byte budget.
BROWSER_PAGES: list[tuple[Page, int | None]] = [(DASHBOARD, DASHBOARD_FIRST_VISIT_BYTES), (PORTFOLIO, None)]
