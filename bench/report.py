"""The benchmark's numbers and budgets, and the Markdown they are written as. Plain data
in, text out: no Django, no processes, so it can be tested on its own."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

# The budgets of issue 9: targets the benchmark reports, not assertions in timed tests.
FLOOR_RATIO = 3.0
GROWTH = 1.25
MAX_QUERIES = 12
RECOMPUTE_RATIO = 3.0
RSS_MB = 250.0
# Issue 20: what the dashboard costs a new user's browser (a second visit fetches no static file).
DASHBOARD_FIRST_VISIT_BYTES = 800_000

NOT_AVAILABLE = "not available in this build"


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``share`` of all values at or below it."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Sample:
    """One page measured at one data size."""

    latencies_ms: list[float]
    queries: int | None
    size_bytes: int
    cpu_ms: list[float] = field(default_factory=list)  # the server's CPU time per request

    @property
    def median(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu_ms) if self.cpu_ms else None

    @property
    def p95(self) -> float:
        return percentile(self.latencies_ms, 0.95)


@dataclass
class PageResult:
    name: str
    url: str
    available: bool = True
    small: Sample | None = None
    big: Sample | None = None
    errors: list[str] = field(default_factory=list)

    def ratio_to(self, floor: PageResult) -> float | None:
        if not (self.big and floor.big):
            return None
        return self.big.median / floor.big.median

    def cpu_ratio_to(self, floor: PageResult) -> float | None:
        if not (self.big and floor.big and self.big.cpu_median and floor.big.cpu_median):
            return None
        return self.big.cpu_median / floor.big.cpu_median

    @property
    def growth(self) -> float | None:
        """Median at the large size against the small: for the floor, how much the machine
        itself slowed down or sped up between the two (its work does not depend on the data)."""
        if not (self.big and self.small):
            return None
        return self.big.median / self.small.median

    def growth_against(self, floor: PageResult) -> float | None:
        """How much the page grew with the data: its growth divided by the floor's, so that a
        machine busier during one phase than the other does not count as growth."""
        if self.growth is None or floor.growth is None:
            return None
        return self.growth / floor.growth

    def misses(self, floor: PageResult, *, is_floor: bool = False) -> list[str]:
        """The budgets this page misses, in words."""
        if not self.available or not self.big:
            return []
        missed = []
        ratio, growth = self.ratio_to(floor), None if is_floor else self.growth_against(floor)
        if not is_floor and ratio is not None and ratio > FLOOR_RATIO:
            missed.append(f"{ratio:.2f}× the floor (budget {FLOOR_RATIO:g}×)")
        if growth is not None and growth > GROWTH:
            missed.append(f"grows {growth:.2f}× from small to large (budget {GROWTH:g}×)")
        counts = [s.queries for s in (self.small, self.big) if s and s.queries is not None]
        queries = max(counts, default=None)
        if queries is not None and queries > MAX_QUERIES:
            missed.append(f"{queries} queries (budget {MAX_QUERIES})")
        return missed


@dataclass
class Recompute:
    seconds: float
    raw_read_seconds: float
    rows: int
    accounts: int

    @property
    def ratio(self) -> float:
        return self.seconds / self.raw_read_seconds


@dataclass
class LoadRun:
    users: int
    seconds: float
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float
    paths: int

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds


@dataclass
class BrowserVisit:
    """One page loaded in headless Chromium (bench/browser.py): a first visit with an empty
    cache, or the second in the same browser."""

    page: str
    url: str
    visit: str  # "first" or "second"
    bytes: int  # received from the network, headers included
    requests: int  # answered by the server, not the browser's cache
    static_requests: int  # of those, files under STATIC_URL
    charts: int
    drawn_ms: float | None  # from the navigation's start until every chart had its SVG (median)
    byte_budget: int | None = None
    errors: list[str] = field(default_factory=list)  # script errors, or charts left undrawn

    def misses(self) -> list[str]:
        missed = []
        if self.byte_budget is not None and self.bytes > self.byte_budget:
            missed.append(f"{self.bytes / 1000:,.0f} kB transferred (budget {self.byte_budget / 1000:,.0f} kB)")
        if self.visit == "second" and self.static_requests:
            missed.append(f"static files fetched again: {self.static_requests} (budget 0)")
        return missed


@dataclass
class BenchRun:
    machine: list[tuple[str, str]]
    settings: list[tuple[str, str]]
    small_accounts: int
    big_accounts: int
    quarters: int
    seeding: list[tuple[str, float]]
    pages: list[PageResult]
    recompute: Recompute | None = None
    load: LoadRun | None = None
    worker_rss_mb: list[float] = field(default_factory=list)
    browser: list[BrowserVisit] = field(default_factory=list)
    browser_note: str = ""  # how the browser figures were taken, or why not
    notes: str = ""

    @property
    def floor(self) -> PageResult:
        return self.pages[0]

    def budget_misses(self) -> list[str]:
        missed = [f"{page.name}: {miss}" for page in self.pages
                  for miss in page.misses(self.floor, is_floor=page is self.floor)]
        if self.recompute and self.recompute.ratio > RECOMPUTE_RATIO:
            missed.append(f"trend recompute: {self.recompute.ratio:.2f}× the raw read (budget {RECOMPUTE_RATIO:g}×)")
        if self.worker_rss_mb and max(self.worker_rss_mb) > RSS_MB:
            missed.append(f"worker memory: {max(self.worker_rss_mb):.0f} MB (budget {RSS_MB:g} MB)")
        if self.load and self.load.errors:
            missed.append(f"load run: {self.load.errors} errors (budget 0)")
        missed += [f"{v.page}, {v.visit} visit in the browser: {miss}" for v in self.browser for miss in v.misses()]
        return missed

    def errors(self) -> list[str]:
        return ([f"{page.name}: {error}" for page in self.pages for error in page.errors]
                + [f"{v.page}, {v.visit} visit in the browser: {error}" for v in self.browser for error in v.errors])


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _x(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗ over budget"


def _verdict(misses: list[str]) -> str:
    return "✓" if not misses else "✗ " + "; ".join(misses)


def render(run: BenchRun) -> str:
    """bench/results.md."""
    lines = ["# Benchmark results", "",
             "Written by `make bench` (bench/run.py); the lead commits it after each final run. "
             "Latencies are measured by a client on the same machine, one request at a time, "
             "pages interleaved so that background noise spreads evenly.", ""]
    lines += ["## Machine and settings", "", "| | |", "| --- | --- |"]
    lines += [f"| {key} | {value} |" for key, value in run.machine + run.settings]
    lines += ["", "## Data", "",
              f"{run.big_accounts:,} partner accounts (measured first at {run.small_accounts}), "
              f"{run.quarters} quarters each; see `bench/data.py`.", ""]
    lines += [f"- {label}: {seconds:.1f} s" for label, seconds in run.seeding]
    lines += ["", f"## Pages at {run.big_accounts:,} accounts", "",
              f"Median and p95 in milliseconds; ratio: median against the floor's; growth: median at "
              f"{run.big_accounts:,} accounts against {run.small_accounts}, divided by the floor's own (the floor's "
              "row shows how much the machine itself drifted between the two sizes). "
              f"Budgets: ≤ {FLOOR_RATIO:g}× the floor, "
              f"growth ≤ {GROWTH:g}×, ≤ {MAX_QUERIES} queries (sessions and authentication included). "
              "Server CPU: the worker's CPU time per request (median) and its ratio to the floor's; on a shared "
              "machine, waiting for a core stretches a long page's latency more than a short one's, and the CPU "
              "time shows the work itself.", "",
              "| page | median | p95 | ratio to floor | growth | queries | bytes | "
              f"median at {run.small_accounts} | server CPU | CPU ratio | budgets |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for page in run.pages:
        if not page.available:
            lines.append(f"| {page.name} (`{page.url}`) | {NOT_AVAILABLE} | | | | | | | | | |")
            continue
        if page.errors or not page.big:
            lines.append(f"| {page.name} (`{page.url}`) | error: {'; '.join(page.errors)} | | | | | | | | | ✗ |")
            continue
        big, small = page.big, page.small
        misses = page.misses(run.floor, is_floor=page is run.floor)
        is_floor = page is run.floor
        ratio = "1.00× (floor)" if is_floor else _x(page.ratio_to(run.floor))
        growth = f"{_x(page.growth)} (drift)" if is_floor else _x(page.growth_against(run.floor))
        lines.append(
            f"| {page.name} (`{page.url}`) | {_ms(big.median)} | {_ms(big.p95)} | {ratio} | {growth} | "
            f"{'–' if big.queries is None else big.queries} | {big.size_bytes:,} | "
            f"{_ms(small.median if small else None)} | {_ms(big.cpu_median)} | "
            f"{'1.00×' if page is run.floor else _x(page.cpu_ratio_to(run.floor))} | "
            f"{_verdict(misses)} |"
        )
    lines += ["", "## Background work", ""]
    if run.recompute:
        r = run.recompute
        lines += [f"Full trend and health recompute of {r.accounts:,} accounts: {r.seconds:.1f} s; reading every "
                  f"result row ({r.rows:,} rows) takes {r.raw_read_seconds:.1f} s: **{r.ratio:.2f}×** "
                  f"(budget ≤ {RECOMPUTE_RATIO:g}×) {_mark(r.ratio <= RECOMPUTE_RATIO)}"]
    if run.worker_rss_mb:
        rss = ", ".join(f"{mb:.0f} MB" for mb in run.worker_rss_mb)
        lines += ["", f"Gunicorn workers' resident memory after the run: {rss} (budget ≤ {RSS_MB:g} MB each) "
                      f"{_mark(max(run.worker_rss_mb) <= RSS_MB)}"]
    if run.load:
        load = run.load
        lines += ["", "## Load run", "",
                  f"wrk on loopback: {load.users} concurrent signed-in users (one session each) for "
                  f"{load.seconds:.0f} s, mixed traffic over {load.paths} page URLs.", "",
                  "| requests | throughput | median | p99 | errors |", "| ---: | ---: | ---: | ---: | ---: |",
                  f"| {load.requests:,} | {load.throughput:.1f} req/s | {_ms(load.p50_ms)} ms | "
                  f"{_ms(load.p99_ms)} ms | {load.errors} {_mark(load.errors == 0)} |"]
    if run.browser or run.browser_note:
        lines += ["", "## In the browser", "", run.browser_note, ""]
    if run.browser:
        lines += ["| page | visit | transferred | requests | static files fetched | charts | every chart drawn | "
                  "budgets |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
        lines += [f"| {v.page} (`{v.url}`) | {v.visit} | {v.bytes / 1000:,.1f} kB | {v.requests} | "
                  f"{v.static_requests} | {v.charts} | {'–' if v.drawn_ms is None else f'{v.drawn_ms:,.0f} ms'} | "
                  f"{_verdict(v.misses() + [f'error: {e}' for e in v.errors])} |" for v in run.browser]
    missed = run.budget_misses()
    lines += ["", "## Budgets", ""]
    lines += ["Every budget is met."] if not missed else [f"- ✗ {miss}" for miss in missed]
    if run.notes.strip():
        lines += ["", run.notes.strip()]
    return "\n".join(lines) + "\n"
