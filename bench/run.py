"""``make bench``: measure every key page against the floor, at small and at benchmark scale.

One run, in order: a fresh bench database (``config.settings.bench`` explains which);
``bench.seed`` at the small size; gunicorn under the bench settings (production, plain
HTTP on loopback); warm-up; each page measured one request at a time, pages interleaved;
``bench.seed`` grows the same database to the large size; a full trend and health
recompute timed against a raw read of every result row; the pages again; the dashboard
and the portfolio in headless Chromium (bench/browser.py); a wrk load run of concurrent
signed-in users; the workers' memory; then bench/results.md. Static files are collected
first, as a deployment does, and served by WhiteNoise under their hashed names.

Knobs (environment): BENCH_ACCOUNTS (1000), BENCH_SMALL_ACCOUNTS (10), BENCH_QUARTERS (40),
BENCH_REQUESTS (measured requests per page and size, 40), BENCH_WARMUP (10),
BENCH_LOAD_SECONDS (60), BENCH_LOAD_USERS (32), BENCH_BROWSER_RUNS (fresh browsers per
page, 3), BENCH_WORKERS (gunicorn workers: the CPU count), BENCH_PORT (a free port),
BENCH_RESULTS (bench/results.md). DATABASE_URL on PostgreSQL puts the bench database on
that server (see config/settings/bench.py).
"""

from __future__ import annotations

import http.client
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import browser
from .pages import BROWSER_PAGES, FLOOR, PAGES, Page, Target
from .report import DASHBOARD_FIRST_VISIT_BYTES, BenchRun, BrowserVisit, LoadRun, PageResult, Recompute, Sample, render

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1, got {value!r}")
    return int(value)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Bench:
    def __init__(self):
        self.big = _env_int("BENCH_ACCOUNTS", 1000)
        self.small = min(self.big, _env_int("BENCH_SMALL_ACCOUNTS", 10))
        self.quarters = _env_int("BENCH_QUARTERS", 40)
        self.requests = _env_int("BENCH_REQUESTS", 40)
        self.warmup = _env_int("BENCH_WARMUP", 10)
        self.load_seconds = _env_int("BENCH_LOAD_SECONDS", 60)
        self.load_users = _env_int("BENCH_LOAD_USERS", 32)
        self.browser_runs = _env_int("BENCH_BROWSER_RUNS", 3)
        self.workers = _env_int("BENCH_WORKERS", os.cpu_count() or 2)
        self.port = _env_int("BENCH_PORT", _free_port())
        self.results_path = Path(os.environ.get("BENCH_RESULTS", ROOT / "bench" / "results.md"))
        self.scratch = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.bench",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEBUG": "false",
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        }
        os.environ.update(self.env)
        self.server: subprocess.Popen | None = None
        self.seeding: list[tuple[str, float]] = []

    # --- the database --------------------------------------------------------------

    def fresh_database(self) -> None:
        import django
        from django.db import connection

        django.setup()
        settings = connection.settings_dict
        connection.close()
        if connection.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{settings['NAME']}{suffix}").unlink(missing_ok=True)
        else:
            import psycopg2

            admin = psycopg2.connect(dbname="postgres", user=settings.get("USER") or None,
                                     password=settings.get("PASSWORD") or None,
                                     host=settings.get("HOST") or None, port=settings.get("PORT") or None)
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{settings["NAME"]}" WITH (FORCE)')
                cursor.execute(f'CREATE DATABASE "{settings["NAME"]}"')
            admin.close()
        from django.conf import settings as django_settings

        if django_settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
            shutil.rmtree(django_settings.CACHES["default"]["LOCATION"], ignore_errors=True)
        log(f"fresh bench database: {connection.vendor} {settings['NAME']}")
        self.python("manage.py", "migrate", "--noinput", "-v", "0")

    def python(self, *args: str) -> float:
        """Run Python on ``args`` in the project folder with the bench's environment; the wall time."""
        started = time.perf_counter()
        subprocess.run([sys.executable, *args], cwd=ROOT, env=self.env, check=True)
        return time.perf_counter() - started

    def seed(self, accounts: int, *extra: str) -> None:
        log(f"bench.seed --accounts {accounts} --quarters {self.quarters} {' '.join(extra)}")
        seconds = self.python("-m", "bench.seed", "--accounts", str(accounts), "--quarters", str(self.quarters),
                              *extra)
        self.seeding.append((f"bench.seed to {accounts:,} accounts{' ' + ' '.join(extra) if extra else ''} "
                             "(wall time, Django start included)", seconds))

    def settle(self) -> None:
        """Bring the freshly bulk-loaded database to the state a running one is in: SQLite's
        write-ahead log folded back into the file (readers otherwise search a log of the
        whole seed), PostgreSQL's planner statistics gathered (autovacuum has not yet)."""
        from django.db import connection

        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                cursor.execute("VACUUM ANALYZE")

    def sessions(self) -> tuple[str, list[str]]:
        """Signed-in sessions made the way ``login()`` makes them (the password hash is the
        same for all, so a login per user would measure PBKDF2, not Tandem)."""
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore

        from accounts.models import User

        from .data import BENCH_ADMIN, LOAD_USER_PREFIX

        def session_for(user) -> str:
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            return store.session_key

        admin = session_for(User.objects.get(username=BENCH_ADMIN))
        load = [session_for(u) for u in User.objects.filter(username__startswith=LOAD_USER_PREFIX).order_by("username")]
        return admin, load[: self.load_users]

    # --- the server ----------------------------------------------------------------

    def collect_static(self) -> None:
        """What a deployment does once per release (the Dockerfile): every static file
        copied under a name with its hash, and compressed."""
        seconds = self.python("manage.py", "collectstatic", "--noinput", "--clear", "-v", "0")
        log(f"collectstatic {seconds:.1f} s")

    def start_server(self) -> None:
        self.server_log = self.scratch / "gunicorn.log"
        self.server = subprocess.Popen(
            [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--log-level", "warning", "--error-logfile", str(self.server_log)],
            cwd=ROOT, env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.get("/healthz")[0] == 200:
                    log(f"gunicorn ready on 127.0.0.1:{self.port} with {self.workers} workers")
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn did not start; see {self.server_log}")

    def stop_server(self) -> None:
        if self.server and self.server.poll() is None:
            self.server.terminate()
            self.server.wait(timeout=30)

    def worker_rss_mb(self) -> list[float]:
        out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(self.server.pid)], capture_output=True, text=True)
        return [int(kb) / 1024 for kb in out.stdout.split()]

    def get(self, path: str, session: str | None = None) -> tuple[int, float, int, int | None, float | None]:
        """Status, milliseconds, body bytes, the query count and the server's CPU milliseconds of one request."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": f"sessionid={session}"} if session else {}
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        queries, cpu = response.getheader("X-Tandem-Queries"), response.getheader("X-Tandem-CPU-Ms")
        connection.close()
        return (response.status, elapsed, len(body), None if queries is None else int(queries),
                None if cpu is None else float(cpu))

    # --- measuring -----------------------------------------------------------------

    def target(self) -> Target:
        from accounts.models import PartnerAccount

        from .data import bench_quarters, bench_slug

        account = PartnerAccount.objects.get(slug=bench_slug(1))
        return Target(slug=account.slug, quarter=str(bench_quarters(self.quarters)[-1]))

    def resolve(self, pages: list[Page], target: Target) -> list[PageResult]:
        from django.urls import Resolver404, resolve

        results = []
        for page in pages:
            url = page.url(target)
            try:
                resolve(url.split("?")[0])
            except Resolver404:
                results.append(PageResult(page.name, url, available=False))
            else:
                results.append(PageResult(page.name, url))
        return results

    def measure(self, results: list[PageResult], session: str, size: str) -> None:
        available = [r for r in results if r.available and not r.errors]
        for _ in range(self.warmup):
            for result in available:
                if not result.available:
                    continue
                status, *_ = self.get(result.url, session)
                if status == 404 and not result.small:
                    # The route resolves but this build has no such page (an API shaped
                    # differently, say): reported, not failed.
                    result.available = False
                    log(f"{result.name}: {result.url} answered 404: not available in this build")
                elif status != 200:
                    result.errors.append(f"answered {status}")
        available = [r for r in available if r.available and not r.errors]
        self.measure_interleaved(available, session, size)
        log(f"measured {len(available)} pages × {self.requests} requests at {size} size")

    def measure_interleaved(self, results: list[PageResult], session: str, size: str) -> None:
        timings = [[] for _ in results]
        cpu = [[] for _ in results]
        facts = [None for _ in results]
        for _ in range(self.requests):
            for i, result in enumerate(results):
                status, ms, size_bytes, queries, cpu_ms = self.get(result.url, session)
                if status != 200:
                    result.errors.append(f"answered {status}")
                    continue
                timings[i].append(ms)
                if cpu_ms is not None:
                    cpu[i].append(cpu_ms)
                facts[i] = (queries, size_bytes)
        for i, result in enumerate(results):
            if timings[i]:
                queries, size_bytes = facts[i]
                setattr(result, size, Sample(timings[i], queries, size_bytes, cpu[i]))

    def recompute(self) -> Recompute:
        from dashboards.models import MetricResult
        from portfolio.services import accounts_recompute_all

        started = time.perf_counter()
        rows = sum(1 for _ in MetricResult.objects.order_by().values_list(
            "metric_id", "quarter", "home_value", "partner_value").iterator(chunk_size=2000))
        raw = time.perf_counter() - started
        started = time.perf_counter()
        accounts = accounts_recompute_all()
        seconds = time.perf_counter() - started
        log(f"recompute {seconds:.1f} s, raw read {raw:.1f} s ({rows} rows)")
        return Recompute(seconds=seconds, raw_read_seconds=raw, rows=rows, accounts=accounts)

    def in_browser(self, session: str) -> tuple[list[BrowserVisit], str]:
        """The browser pages' first and second visits, and a sentence on how they were taken."""
        reason = browser.unavailable()
        if reason:
            log(f"no browser figures: {reason}")
            return [], f"Not measured: {reason}."
        from django.conf import settings

        target = self.target()
        pages = [(page.name, page.url(target), budget) for page, budget in BROWSER_PAGES]
        visits = browser.measure(f"http://127.0.0.1:{self.port}", session, pages, self.browser_runs,
                                 static_prefix=f"/{settings.STATIC_URL.strip('/')}/")
        for v in visits:
            drawn = "not all drawn" if v.drawn_ms is None else f"drawn in {v.drawn_ms:.0f} ms"
            log(f"browser: {v.page}, {v.visit} visit: {v.bytes / 1000:,.1f} kB in {v.requests} requests, "
                f"{v.charts} charts {drawn}")
        note = (f"Headless Chromium ({browser.CHROMIUM}), signed in as the administrator, at {self.big:,} "
                f"accounts. Each page is opened in a fresh browser (empty cache), then again in a new tab of the "
                f"same browser; {self.browser_runs} such browsers per page. Transferred: what came over the "
                "network (headers included), as Chromium counts it; static files fetched: requests under "
                "STATIC_URL that reached the server. Every chart drawn: from the start of the navigation until "
                "each chart on the page has its SVG (median of the browsers). Budgets: the dashboard's first "
                f"visit ≤ {DASHBOARD_FIRST_VISIT_BYTES / 1000:g} kB; a second visit fetches no static file.")
        return visits, note

    def load_run(self, results: list[PageResult], sessions: list[str]) -> LoadRun | None:
        wrk = shutil.which("wrk")
        if not wrk:
            log("wrk is not installed (apt-get install wrk): no load run")
            return None
        from accounts.models import PartnerAccount

        from .data import SLUG_PREFIX

        target = self.target()
        slugs = list(PartnerAccount.objects.filter(slug__startswith=SLUG_PREFIX).order_by("slug")
                     .values_list("slug", flat=True)[: self.load_users])
        pages = [p for p in PAGES if p is not FLOOR]
        names = {r.name for r in results if r.available and not r.errors}
        paths = sorted({p.url(Target(slug, target.quarter)) for p in pages if p.name in names for slug in slugs})
        script = self.scratch / "load.lua"
        script.write_text(LOAD_SCRIPT.replace("PATHS", _lua_list(paths)).replace("SESSIONS", _lua_list(sessions)))
        log(f"load run: {len(sessions)} users, {self.load_seconds} s, {len(paths)} URLs")
        out = subprocess.run(
            [wrk, "-t", "2", "-c", str(len(sessions)), "-d", f"{self.load_seconds}s", "--timeout", "30s",
             "--latency", "-s", str(script), f"http://127.0.0.1:{self.port}"],
            capture_output=True, text=True, check=True,
        ).stdout
        facts = dict(re.findall(r"(\w+)=(\d+)", out.split("BENCH", 1)[1]))
        errors = sum(int(facts[k]) for k in ("bad", "connect", "read", "write", "timeout"))
        return LoadRun(users=len(sessions), seconds=int(facts["duration_us"]) / 1e6, requests=int(facts["requests"]),
                       errors=errors, p50_ms=int(facts["p50_us"]) / 1000, p99_ms=int(facts["p99_us"]) / 1000,
                       paths=len(paths))

    # --- the run -------------------------------------------------------------------

    def machine(self) -> list[tuple[str, str]]:
        import django
        from django.db import connection

        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), platform.processor())
        memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")), "0")
        with connection.cursor() as cursor:
            cursor.execute("select sqlite_version()" if connection.vendor == "sqlite" else "select version()")
            database = cursor.fetchone()[0]
        gunicorn = subprocess.run([str(BIN / "gunicorn"), "--version"], capture_output=True, text=True).stdout.strip()
        return [
            ("Date (UTC)", time.strftime("%Y-%m-%d %H:%M", time.gmtime())),
            ("Machine", f"{platform.node()}: {os.cpu_count()} × {cpu}, {int(memory) // 1024:,} MB RAM, "
                        f"{platform.system()} {platform.release()}"),
            ("Load average at start", " ".join(f"{x:.2f}" for x in os.getloadavg())
             + " (a shared machine: other work ran beside the benchmark)"),
            ("Python, Django", f"{platform.python_version()}, {django.get_version()}"),
            ("Database", f"{connection.vendor} {database.split(' on ')[0]}"),
        ] + [("Server", f"{gunicorn}, {self.workers} sync workers, 127.0.0.1:{self.port}")]

    def settings_rows(self) -> list[tuple[str, str]]:
        return [("Settings", "config.settings.bench: production (DEBUG off, database sessions, every middleware) "
                             "over plain HTTP on loopback, plus a query-count header"),
                ("Requests", f"{self.warmup} warm-up, then {self.requests} measured per page and size, "
                             "one at a time, signed in as an administrator (sees every account)")]

    def run(self) -> int:
        started = time.perf_counter()
        try:
            self.fresh_database()
            machine = self.machine()
            self.seed(self.small)
            self.settle()
            admin, load_sessions = self.sessions()
            self.collect_static()
            self.start_server()
            target = self.target()
            results = self.resolve(PAGES, target)
            for result in results:
                if not result.available:
                    log(f"{result.name}: {result.url} is not available in this build")
            self.measure(results, admin, "small")
            self.seed(self.big, "--no-recompute")
            self.settle()
            recompute = self.recompute()
            self.settle()
            self.measure(results, admin, "big")
            visits, browser_note = self.in_browser(admin)
            load = self.load_run(results, load_sessions) if self.load_seconds else None
            rss = self.worker_rss_mb()
        finally:
            self.stop_server()
        notes_file = ROOT / "bench" / "NOTES.md"
        run = BenchRun(machine=machine, settings=self.settings_rows(), small_accounts=self.small,
                       big_accounts=self.big, quarters=self.quarters, seeding=self.seeding, pages=results,
                       recompute=recompute, load=load, worker_rss_mb=rss, browser=visits, browser_note=browser_note,
                       notes=notes_file.read_text() if notes_file.exists() else "")
        self.results_path.write_text(render(run))
        log(f"wrote {self.results_path} after {time.perf_counter() - started:.0f} s")
        for miss in run.budget_misses():
            log(f"over budget: {miss}")
        for error in run.errors():
            log(f"error: {error}")
        if run.errors() or (load and load.errors):
            log(f"the server's log is in {self.server_log}")
            return 1
        shutil.rmtree(self.scratch, ignore_errors=True)
        return 0


LOAD_SCRIPT = """
-- Mixed traffic: each request goes to the next URL as the next signed-in user.
local paths = PATHS
local sessions = SESSIONS
local threads = {}
function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end
function init(args)
  n = offset
  bad = 0
end
function request()
  n = n + 1
  local path = paths[(n % #paths) + 1]
  local session = sessions[(math.floor(n / #paths) + n) % #sessions + 1]
  return wrk.format("GET", path, {["Cookie"] = "sessionid=" .. session})
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local bad_total = 0
  for _, thread in ipairs(threads) do bad_total = bad_total + thread:get("bad") end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d bad=%d connect=%d read=%d write=%d timeout=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), bad_total,
    e.connect, e.read, e.write, e.timeout))
end
"""


def _lua_list(items: list[str]) -> str:
    return "{" + ", ".join('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items) + "}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(Bench().run())
