"""The pages as a person gets them: headless Chromium (Debian's, driven by Playwright)
loads each page with an empty cache, then again in the same browser, and records what
came over the network and how long until every chart was drawn.

Bytes are Chromium's own count of what each request received from the network (headers
and the body as sent, compressed or not: DevTools' "transferred"); a request answered
from the browser's cache counts nothing, and a static file counts as fetched whenever the
server was asked for it, even if it answered 304.
"""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass
from pathlib import Path

from .report import BrowserVisit

# Shared with the browser tests (tests/browser/conftest.py).
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
TIMEOUT_MS = 60_000

# True (as the milliseconds since the navigation began) once the page has charts and every
# one of them has its SVG; charts.js draws every element that names a figure.
CHARTS_DRAWN = """() => {
  const charts = document.querySelectorAll("[data-figure], [data-figure-url]");
  if (!charts.length) return false;
  for (const chart of charts) if (!chart.querySelector(".main-svg")) return false;
  return performance.now();
}"""
CHART_COUNT = "() => document.querySelectorAll('[data-figure], [data-figure-url]').length"


def unavailable() -> str | None:
    """Why the browser figures cannot be taken here, or None."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    return None


class NetworkLog:
    """What one tab received from the network, from the DevTools protocol's events."""

    def __init__(self, context, page, static_prefix: str):
        self.static_prefix = static_prefix
        self.urls: dict[str, str] = {}
        self.from_cache: set[str] = set()
        self.received: dict[str, int] = {}
        session = context.new_cdp_session(page)
        session.on("Network.requestWillBeSent", lambda e: self.urls.__setitem__(e["requestId"], e["request"]["url"]))
        session.on("Network.requestServedFromCache", lambda e: self.from_cache.add(e["requestId"]))
        session.on("Network.responseReceived", self._response)
        session.on("Network.loadingFinished",
                   lambda e: self.received.__setitem__(e["requestId"], int(e["encodedDataLength"])))
        session.send("Network.enable")

    def _response(self, event) -> None:
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromPrefetchCache") or response.get("fromServiceWorker"):
            self.from_cache.add(event["requestId"])

    def over_network(self) -> dict[str, int]:
        """Each request the server answered: its URL and the bytes received."""
        return {self.urls.get(rid, rid): size for rid, size in self.received.items()
                if rid not in self.from_cache and size > 0}

    def static(self) -> list[str]:
        return [url for url in self.over_network() if self.static_prefix in url]


@dataclass
class Load:
    """One page load in one tab."""

    drawn_ms: float | None  # None: the charts were not all drawn within TIMEOUT_MS
    received: dict[str, int]  # URL: bytes, of the requests the server answered
    static: list[str]
    charts: int
    errors: list[str]


def load(context, url: str, static_prefix: str) -> Load:
    """Open ``url`` in a new tab of ``context`` and wait until every chart is drawn."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    network = NetworkLog(context, page, static_prefix)
    page.goto(url, wait_until="commit")
    try:
        drawn_ms = float(page.wait_for_function(CHARTS_DRAWN, timeout=TIMEOUT_MS).json_value())
    except PlaywrightTimeout:
        drawn_ms = None
        errors.append(f"the charts were not all drawn within {TIMEOUT_MS // 1000} s")
    charts = page.evaluate(CHART_COUNT)
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    result = Load(drawn_ms, network.over_network(), network.static(), charts, errors)
    page.close()
    return result


def measure(base_url: str, session_cookie: str, pages: list[tuple[str, str, int | None]], runs: int,
            static_prefix: str = "/static/") -> list[BrowserVisit]:
    """Each page's first and second visit, in ``runs`` fresh browser contexts: the median
    time until every chart was drawn, the most bytes and requests of any run."""
    from playwright.sync_api import sync_playwright

    visits = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for name, path, byte_budget in pages:
                loads: dict[str, list[Load]] = {"first": [], "second": []}
                for _ in range(runs):
                    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
                    context.add_cookies([{"name": "sessionid", "value": session_cookie, "url": base_url}])
                    for which in loads:
                        loads[which].append(load(context, path, static_prefix))
                    context.close()
                for which, done in loads.items():
                    times = [d.drawn_ms for d in done]
                    visits.append(BrowserVisit(
                        page=name, url=path, visit=which, bytes=max(sum(d.received.values()) for d in done),
                        requests=max(len(d.received) for d in done), static_requests=max(len(d.static) for d in done),
                        charts=max(d.charts for d in done),
                        drawn_ms=None if None in times else statistics.median(times),
                        byte_budget=byte_budget if which == "first" else None,
                        errors=list(dict.fromkeys(e for d in done for e in d.errors))))
        finally:
            browser.close()
    return visits
