"""Faults on the production stack: Redis, then PostgreSQL, cut off under signed-in people.

The stack is the one docker-compose runs — gunicorn (two workers), a Celery worker and
beat, the last two started again whenever they exit, as compose's restart policy does —
under the production settings (``config.settings.bench``: production with plain HTTP on
loopback), on a database of its own (``<DATABASE_URL's name>_faults``, migrated and
seeded with the demo) and a redis-server of its own. Between them and their servers sit
two TCP proxies (tests/tcp_proxy.py) that the test cuts and restores.

Five demo people sign in through the login form and, until the end, read their pages
(home, dashboard, plan, portfolio, API lists) and save whole quarters of figures in the
results entry grid, each figure a value never sent before; /readyz is asked twice a
second. The timeline: 5 s; Redis cut for 30 s; back, and the follow-up work it held up
done (within 90 s); 5 s; PostgreSQL cut for 10 s; back; 5 s. The tests then check what
people would notice — a save answered "saved" that is missing, a save half done, a 500
or a dropped connection, a page failing while only the cache and the broker were away —
what /readyz said, and that the follow-up work of the saves (``accounts.FollowUp``, the
outbox: recomputes) ran once each, soon after each outage.

The figures (requests, errors by status, times to recover) are printed (``-s``) and
written to ``var/faults-report.md`` (``FAULTS_REPORT`` to choose another file), for
bench/NOTES.md. Runs only with DATABASE_URL on PostgreSQL, the CI's second leg, and needs
redis-server (skipped without it, except on CI, where that fails).
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlparse

import psycopg2
import pytest

from accounts.demo import DEMO_PASSWORD
from accounts.quarters import FIRST_SUPPORTED, Quarter, quarter_range
from config.error_pages import DATABASE_UNREACHABLE

from .conftest import closed_port
from .processes import Processes, answers, needs_redis_server, redis_server_started
from .tcp_proxy import TcpProxy
from .worker_helpers import wait_for

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRESQL = urlparse(DATABASE_URL).scheme in ("postgres", "postgresql")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ON_POSTGRESQL, reason="fault tests need DATABASE_URL on PostgreSQL (the CI's second leg)"),
    needs_redis_server,
]

# The timeline, in seconds.
CALM = 5  # before the first cut, between the outages, and after the last recovery
REDIS_CUT = 30
POSTGRES_CUT = 10
RECOVERY_LIMIT = 20  # after a restore, everything works again within this
# After a restore, the follow-ups held up by the outage have run within this: beat hands
# over what waits at its next minute (accounts/background.py), then the worker runs it.
FOLLOW_UP_LIMIT = 90
REQUEST_TIMEOUT = 20  # a request unanswered for longer counts as a dropped connection
BODY_KEPT = 4000  # characters of each answer kept for the checks (a 503's message, /readyz's JSON)
START_LIMIT = 60  # for each process of the stack to come up

# username, the account whose figures they save (for their own firm), or None: reads only
PEOPLE = [
    ("ada", "northwind-retail"),
    ("ben", "meridian-health"),
    ("pat", "helix-components"),
    ("omar", "corvane-logistics"),
    ("paula", None),
]
# The pages each reads between saves; {slug}: their account (Northwind for paula).
PAGES = ["/", "/accounts/{slug}/dashboard/", "/accounts/{slug}/plan/", "/api/v1/accounts/",
         "/api/v1/accounts/{slug}/results/", "/api/v1/accounts/{slug}/actions/"]
PORTFOLIO_PAGES = ["/portfolio/", "/api/v1/portfolio/"]  # for the home firm's people
HOME_SIDE = {"ada", "ben", "paula"}
# Each save is a quarter of its own, from the current one back to the first the product
# supports (about a hundred), so that every figure sent stays the one stored; a person
# saves at most every SAVE_INTERVAL seconds, so as not to run out in the longest run.
SAVED_QUARTERS = quarter_range(FIRST_SUPPORTED, Quarter.current())[::-1]
SAVE_INTERVAL = 2


# --- the stack --------------------------------------------------------------------------


class Watch:
    """Notes every exit of the stack's processes, and starts the worker and beat again
    when they exit, as docker-compose's ``restart: unless-stopped`` does (the rest of the
    process group is killed first, as the container's would be)."""

    def __init__(self, processes: Processes):
        self.processes = processes
        self.exits: list[str] = []
        # name -> (the process, its log, (command, env) to start it again, or None)
        self._watched: dict[str, tuple[subprocess.Popen, Path, tuple | None]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        threading.Thread(target=self._watch, name="watch", daemon=True).start()

    def start(self, name: str, command: list[str], env: dict, *, restart: bool = False) -> Path:
        log = self.processes.directory / f"{name}.log"
        self.add(name, self.processes.start(command, env, log), log, (command, env) if restart else None)
        return log

    def add(self, name: str, process: subprocess.Popen, log: Path, restart: tuple | None = None) -> None:
        with self._lock:
            self._watched[name] = (process, log, restart)

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()

    def _watch(self) -> None:
        while not self._stopping.wait(0.5):
            with self._lock:
                if self._stopping.is_set():
                    return
                for name, (process, log, restart) in list(self._watched.items()):
                    if process.poll() is None:
                        continue
                    self.exits.append(f"{name} (exit code {process.returncode})")
                    del self._watched[name]
                    if restart:
                        with contextlib.suppress(ProcessLookupError):
                            os.killpg(process.pid, signal.SIGKILL)
                        self._watched[name] = (self.processes.start(*restart, log), log, restart)


@dataclass
class Stack:
    folder: Path
    watch: Watch
    database: dict  # psycopg2.connect() keywords, straight to the server (not through the proxy)
    redis_proxy: TcpProxy
    postgres_proxy: TcpProxy
    web_port: int
    setup: str  # how long it took to build, for the figures

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg2.connect(**self.database) as connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        connection.close()
        return rows


def _fresh_database(url: str) -> dict:
    parsed = urlparse(url)
    server = {"host": parsed.hostname or "127.0.0.1", "port": parsed.port or 5432,
              "user": parsed.username or None, "password": parsed.password or None}
    name = f"{parsed.path.lstrip('/')}_faults"
    admin = psycopg2.connect(dbname="postgres", **server)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return {"dbname": name, **server}


def _environment(processes: Processes, database: dict, database_port: int, redis_port: int) -> dict:
    credentials = database["user"] or ""
    if database["password"]:
        credentials += f":{database['password']}"
    database_url = f"postgres://{credentials}@127.0.0.1:{database_port}/{database['dbname']}"
    folder = processes.directory
    return processes.env(**{
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "BENCH_DATABASE_URL": database_url,
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "SECRET_KEY": "faults-test-only-" + "x" * 40,
        "TANDEM_DATA_DIR": str(folder),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(folder / "mail"),
        # A save's recompute follows it within seconds rather than the default 15.
        "TANDEM_RECOMPUTE_DELAY_SECONDS": "2",
    })


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    began = time.monotonic()
    processes = Processes(folder)
    watch = Watch(processes)
    proxies: list[TcpProxy] = []
    try:
        redis = redis_server_started(processes)
        watch.add("redis", redis.process, redis.log)
        database = _fresh_database(DATABASE_URL)
        redis_proxy = TcpProxy("127.0.0.1", redis.port).start()
        postgres_proxy = TcpProxy(database["host"], database["port"]).start()
        proxies += [redis_proxy, postgres_proxy]
        env = _environment(processes, database, postgres_proxy.port, redis_proxy.port)
        # As the image is built: static files collected (under hashed names, which every
        # page links), into the data folder here (config/settings/bench.py); meanwhile,
        # as they need nothing of each other, the database is made.
        collected = folder / "collectstatic.log"
        collecting = processes.start([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], env,
                                     collected)
        for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
            processes.run([sys.executable, "manage.py", *command], env, timeout=180)
        assert collecting.wait(timeout=180) == 0, f"collectstatic failed:\n{collected.read_text()}"
        seeded = time.monotonic()

        web_port = closed_port()
        gunicorn = watch.start("gunicorn", [
            str(BIN / "gunicorn"), "config.wsgi:application", "-c", "python:config.gunicorn",
            "--bind", f"127.0.0.1:{web_port}", "--workers", "2",
        ], env)
        worker = watch.start("worker", [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO", "--concurrency=2",
        ], env, restart=True)
        watch.start("beat", [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO", "--pidfile="],
                    env, restart=True)
        wait_for(lambda: answers(web_port), START_LIMIT, "gunicorn", gunicorn)
        wait_for(lambda: " ready." in worker.read_text(), START_LIMIT, "the Celery worker", worker)
        setup = (f"the stack was ready in {time.monotonic() - began:.0f} s, {seeded - began:.0f} s of them to collect "
                 f"static files and create, migrate and seed the database ({database['dbname']})")
        yield Stack(folder, watch, database, redis_proxy, postgres_proxy, web_port, setup)
    finally:
        watch.stop()
        processes.kill_all()
        for proxy in proxies:
            proxy.stop()


# --- people -----------------------------------------------------------------------------


@dataclass
class Hit:
    """One request and what came of it."""

    who: str
    method: str
    path: str
    started: float  # seconds since the run began
    ended: float
    status: int | None  # None: no answer (reset, refused, timed out)
    error: str = ""
    body: str = ""  # a redirect's target, or the start of the page: what a test may need to check or show

    @property
    def succeeded(self) -> bool:
        return self.status in (200, 302)


@dataclass
class Save:
    """A whole quarter of one firm's figures, sent once."""

    who: str
    slug: str
    side: str
    quarter: str
    values: dict[int, Decimal]  # metric id -> the figure sent
    seen: dict[int, int]  # metric id -> the version the grid showed
    hit: Hit

    @property
    def confirmed(self) -> bool:
        """Answered the way a successful save is: back to the dashboard."""
        return self.hit.status == 302 and "/dashboard/" in self.hit.body


@dataclass
class Answer:
    status: int
    location: str
    body: str


class Browser:
    """One person's browser: cookies over http.client, one connection per request, no
    redirect followed."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> Answer:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode(errors="replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Answer(response.status, response.getheader("Location", ""), content)


class Inputs(HTMLParser):
    """Every named <input> of a page, with its value."""

    def __init__(self, page: str):
        super().__init__()
        self.values: dict[str, str] = {}
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name"):
            self.values[attributes["name"]] = attributes.get("value") or ""


GRID_FIELD = re.compile(r"^(initial-)?m\d+-(value|note|version)$")
FIGURE_FIELD = re.compile(r"^m(\d+)-value$")


class Outage:
    """Everything that happened in one run of the timeline, for the tests to check."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.began = time.monotonic()
        self.began_wall = time.time()
        self.hits: list[Hit] = []
        self.saves: list[Save] = []
        self.readyz: list[Hit] = []
        self.events: dict[str, float] = {}  # "redis cut" -> seconds since the run began
        self.units = dict(stack.query("SELECT id, unit FROM dashboards_metricdefinition"))
        self.figures = itertools.count(1)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.exits: list[str] = []  # processes of the stack that exited during the run
        self.crashes: list[str] = []  # tracebacks of people's threads
        self.follow_ups: list[dict] = []
        # When the last of them was done, in seconds since the run began; None: not all were.
        self.caught_done: float | None = None  # those the Redis cut held up, before PostgreSQL is cut
        self.all_done: float | None = None  # all, after the run

    def now(self) -> float:
        return time.monotonic() - self.began

    def mark(self, event: str) -> None:
        self.events[event] = self.now()

    def wall(self, event: str) -> float:
        return self.began_wall + self.events[event]

    def next_figure(self, metric: int) -> Decimal:
        """A figure never sent before in this outage, valid in the metric's unit."""
        number = next(self.figures)
        return Decimal(number) / 10000 if self.units[metric] == "percent" else Decimal(number)

    def send(self, browser: Browser, who: str, method: str, path: str, form: dict | None = None,
             into: list | None = None) -> tuple[Hit, str]:
        """Make the request and note it; returns the note and the page."""
        started, page = self.now(), ""
        try:
            answer = browser.request(method, path, form)
        except (OSError, http.client.HTTPException) as exc:
            hit = Hit(who, method, path, started, self.now(), None, f"{exc.__class__.__name__}: {exc}")
        else:
            page = answer.body
            # A redirect's target tells a save from its refusal; a page's text, what it said.
            hit = Hit(who, method, path, started, self.now(), answer.status, body=answer.location or page[:BODY_KEPT])
        with self.lock:
            (self.hits if into is None else into).append(hit)
        return hit, page


class Person(threading.Thread):
    def __init__(self, outage: Outage, username: str, slug: str | None):
        super().__init__(name=f"person-{username}", daemon=True)
        self.outage, self.username, self.slug = outage, username, slug
        self.side = "home" if username in HOME_SIDE else "partner"
        self.browser = Browser(outage.stack.web_port)
        self.quarters = iter(SAVED_QUARTERS)  # running out fails the run, loudly
        self.last_save = -SAVE_INTERVAL
        pages = PAGES + (PORTFOLIO_PAGES if self.side == "home" else [])
        self.pages = [page.format(slug=slug or "northwind-retail") for page in pages]

    def sign_in(self) -> None:
        self.browser.request("GET", "/login/")
        answer = self.browser.request("POST", "/login/", {
            "username": self.username, "password": DEMO_PASSWORD,
            "csrfmiddlewaretoken": self.browser.cookies.get("csrftoken", ""),
        })
        assert answer.status == 302 and "sessionid" in self.browser.cookies, f"{self.username} could not sign in"

    def run(self) -> None:
        try:
            while not self.outage.stop.is_set():
                for page in self.pages:
                    self.outage.send(self.browser, self.username, "GET", page)
                if self.slug and self.outage.now() - self.last_save >= SAVE_INTERVAL:
                    self.last_save = self.outage.now()
                    self.save_a_quarter()
        except Exception:  # a fault of the test itself: the fixture reports it
            self.outage.crashes.append(traceback.format_exc())
            raise

    def save_a_quarter(self) -> None:
        quarter = str(next(self.quarters))
        path = f"/accounts/{self.slug}/dashboard/{quarter}/"
        grid, page = self.outage.send(self.browser, self.username, "GET", path)
        if grid.status != 200:
            return
        inputs = Inputs(page).values
        form = {name: value for name, value in inputs.items() if GRID_FIELD.match(name)}
        form["csrfmiddlewaretoken"] = inputs["csrfmiddlewaretoken"]
        metrics = [int(m[1]) for name in form if (m := FIGURE_FIELD.match(name))]
        values = {metric: self.outage.next_figure(metric) for metric in metrics}
        for metric, value in values.items():
            form[f"m{metric}-value"] = str(value)
        seen = {metric: int(form[f"m{metric}-version"]) for metric in metrics}
        hit, _ = self.outage.send(self.browser, self.username, "POST", path, form)
        with self.outage.lock:
            self.outage.saves.append(Save(self.username, self.slug, self.side, quarter, values, seen, hit))


class ReadinessWatch(threading.Thread):
    """Asks /readyz twice a second, as a load balancer would."""

    def __init__(self, outage: Outage):
        super().__init__(name="readyz", daemon=True)
        self.outage = outage
        self.browser = Browser(outage.stack.web_port)

    def run(self) -> None:
        while not self.outage.stop.is_set():
            self.outage.send(self.browser, "readyz", "GET", "/readyz", into=self.outage.readyz)
            time.sleep(0.5)


def _ready(hit: Hit) -> bool:
    return hit.status == 200 and _readiness(hit).get("status") == "ok"


def _readiness(hit: Hit) -> dict:
    try:
        return json.loads(hit.body)
    except ValueError:
        return {}


def _first_ready_after(outage: Outage, event: str) -> float | None:
    return next((h.ended for h in outage.readyz if h.started >= outage.events[event] and _ready(h)), None)


# --- the run ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def outage(stack):
    outage = Outage(stack)
    people = [Person(outage, username, slug) for username, slug in PEOPLE]
    for person in people:
        person.sign_in()
    outage.began, outage.began_wall = time.monotonic(), time.time()  # the run begins once all are signed in
    threads = [*people, ReadinessWatch(outage)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(CALM)
        _cut(outage, "redis", stack.redis_proxy, REDIS_CUT)
        # The work the Redis cut held up is done before PostgreSQL goes (or the limit has
        # passed): each outage's recovery is seen on its own.
        outage.caught_done = _wait_for_follow_ups(outage, _caught_by_redis_cut, "redis restored")
        time.sleep(CALM)
        _cut(outage, "postgresql", stack.postgres_proxy, POSTGRES_CUT)
        time.sleep(CALM)
    finally:
        outage.stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)
    outage.mark("end")
    assert not outage.crashes, "The test's own people failed:\n" + "\n".join(outage.crashes)
    outage.exits = list(stack.watch.exits)
    outage.all_done = _wait_for_follow_ups(outage, lambda outage: outage.follow_ups, "postgresql restored")
    report = _report(outage)
    print("\n" + report)
    path = Path(os.environ.get("FAULTS_REPORT", ROOT / "var" / "faults-report.md"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report)
    print(f"(written to {path})")
    return outage


def _cut(outage: Outage, name: str, proxy: TcpProxy, seconds: float) -> None:
    """Cut the server off for so many seconds, then wait (within RECOVERY_LIMIT) for /readyz
    to say all is well again."""
    outage.mark(f"{name} cut")
    proxy.cut()
    time.sleep(seconds)
    proxy.restore()
    outage.mark(f"{name} restored")
    deadline = time.monotonic() + RECOVERY_LIMIT
    while time.monotonic() < deadline and _first_ready_after(outage, f"{name} restored") is None:
        time.sleep(0.2)


FOLLOW_UP_COLUMNS = ["id", "task", "key", "created_at", "started_at", "done_at", "failed_at", "attempts"]


def _wait_for_follow_ups(outage: Outage, which, since: str) -> float | None:
    """Until the follow-ups ``which(outage)`` picks have all finished, or FOLLOW_UP_LIMIT has
    passed since the event ``since``. Returns when the last was done (seconds since the run
    began), or None if not all were; ``outage.follow_ups`` is left as last read."""
    deadline = outage.began + outage.events[since] + FOLLOW_UP_LIMIT
    while True:
        try:
            rows = outage.stack.query(f"SELECT {', '.join(FOLLOW_UP_COLUMNS)} FROM accounts_followup ORDER BY id")
        except psycopg2.errors.UndefinedTable:
            return None  # no outbox: the follow-up tests say so
        outage.follow_ups = [dict(zip(FOLLOW_UP_COLUMNS, row, strict=True)) for row in rows]
        chosen = which(outage)
        if not chosen:
            return None
        if all(f["done_at"] for f in chosen):
            return max(f["done_at"].timestamp() for f in chosen) - outage.began_wall
        if time.monotonic() > deadline or any(f["failed_at"] for f in chosen):
            return None
        time.sleep(0.5)


# --- the figures ------------------------------------------------------------------------

PHASES = [  # (name, the event it starts at; None: the run's start)
    ("before the cuts", None),
    (f"Redis cut ({REDIS_CUT} s)", "redis cut"),
    ("after Redis returned", "redis restored"),
    (f"PostgreSQL cut ({POSTGRES_CUT} s)", "postgresql cut"),
    ("after PostgreSQL returned", "postgresql restored"),
]


def _phase(outage: Outage, started: float) -> str:
    current = PHASES[0][0]
    for name, event in PHASES[1:]:
        if started >= outage.events.get(event, float("inf")):
            current = name
    return current


def _outcome(hit: Hit) -> str:
    return str(hit.status) if hit.status else hit.error.split(":")[0]


def _after(outage: Outage, event: str, moment: float | None) -> str:
    return "never" if moment is None else f"{moment - outage.events[event]:.1f} s"


def _report(outage: Outage) -> str:
    lines = [
        f"## Fault run: Redis cut {REDIS_CUT} s, then PostgreSQL {POSTGRES_CUT} s ({time.strftime('%Y-%m-%d')})",
        "",
        f"tests/test_faults.py: gunicorn (2 workers), a Celery worker (concurrency 2) and beat under the production "
        f"settings, PostgreSQL and a redis-server of its own behind TCP proxies; {len(PEOPLE)} signed-in people "
        f"reading pages and saving whole quarters of figures, one request at a time each; /readyz asked twice a "
        f"second; {outage.stack.setup}. Logs: {outage.stack.folder}.",
        "",
        "| Phase | Requests | Succeeded | Errors by status | Saves confirmed / sent |",
        "|---|---:|---:|---|---:|",
    ]
    for name, _ in [*PHASES, ("all", None)]:
        hits = [h for h in outage.hits if name == "all" or _phase(outage, h.started) == name]
        saves = [s for s in outage.saves if name == "all" or _phase(outage, s.hit.started) == name]
        errors = Counter(_outcome(h) for h in hits if not h.succeeded)
        lines.append(
            f"| {name} | {len(hits)} | {sum(h.succeeded for h in hits)} | "
            f"{', '.join(f'{k}: {v}' for k, v in sorted(errors.items())) or '—'} | "
            f"{sum(s.confirmed for s in saves)} / {len(saves)} |"
        )
    timeline = "; ".join(f"{event} at {moment:.1f} s" for event, moment in outage.events.items())
    lines += ["", f"Timeline: {timeline}.", "", "Recovery, counted from each restore:"]
    for name, label in (("redis", "Redis"), ("postgresql", "PostgreSQL")):
        restored = f"{name} restored"
        if restored not in outage.events:
            continue
        until = outage.events["postgresql cut"] if name == "redis" else float("inf")
        failed_after = [h.ended for h in outage.hits if not h.succeeded and outage.events[restored] < h.ended < until]
        saved = [s.hit.ended for s in outage.saves if s.hit.started >= outage.events[restored] and s.confirmed]
        lines.append(
            f"- {label}: /readyz ready again after {_after(outage, restored, _first_ready_after(outage, restored))}; "
            f"the last request that failed after the restore answered "
            f"{_after(outage, restored, max(failed_after)) if failed_after else '(none failed)'}; "
            f"first save confirmed after {_after(outage, restored, min(saved, default=None))}."
        )
    if outage.follow_ups:
        caught_done = (f"all done {_after(outage, 'redis restored', outage.caught_done)} after Redis returned"
                       if outage.caught_done else f"not all done {FOLLOW_UP_LIMIT} s after Redis returned")
        lines.append(f"- Follow-ups held up by the Redis cut (recorded during it, or before it and not started): "
                     f"{len(_caught_by_redis_cut(outage))}; {caught_done}.")
        unfinished = [f for f in outage.follow_ups if not f["done_at"]]
        lines.append(
            f"- All follow-ups (accounts.FollowUp, seeding's included): {len(outage.follow_ups)}; "
            + (f"the last done {_after(outage, 'postgresql restored', outage.all_done)} after PostgreSQL returned"
               if outage.all_done else f"{len(unfinished)} not done {FOLLOW_UP_LIMIT} s after PostgreSQL returned")
            + f"; attempts each: {dict(sorted(Counter(f['attempts'] for f in outage.follow_ups).items()))}."
        )
    lines.append(f"- Processes of the stack that exited during the run (the worker and beat are restarted, as "
                 f"docker-compose does): {', '.join(outage.exits) or 'none'}.")
    return "\n".join(lines) + "\n"


def _caught_by_redis_cut(outage: Outage) -> list[dict]:
    """The follow-ups of saves made before Redis returned that had not started when it went:
    recorded during the cut (the broker could not take them), or handed to the broker
    before it and lost or delayed with the connection (a worker holds a message until
    its countdown ends)."""
    cut, restored = outage.wall("redis cut"), outage.wall("redis restored")
    return [f for f in outage.follow_ups if f["created_at"].timestamp() < restored
            and (f["started_at"] is None or f["started_at"].timestamp() >= cut)]


# --- what people would notice -----------------------------------------------------------


def _stored(outage: Outage, save: Save) -> dict[int, tuple]:
    """metric id -> (the firm's figure, its version, how many history rows hold that figure
    at that version) for the save's quarter."""
    side = save.side  # "home" or "partner": part of the column names
    rows = outage.stack.query(
        f"SELECT metric_id, {side}_value, {side}_version FROM dashboards_metricresult "  # noqa: S608 — fixed names
        "WHERE quarter = %s AND metric_id = ANY(%s)", (save.quarter, list(save.values)),
    )
    stored = {metric: (value, version) for metric, value, version in rows}
    history = Counter(
        metric for metric, value, version in outage.stack.query(
            f"SELECT metric_id, {side}_value, {side}_version FROM dashboards_historicalmetricresult "  # noqa: S608
            "WHERE quarter = %s AND metric_id = ANY(%s)", (save.quarter, list(save.values)),
        ) if value == save.values[metric] and version == save.seen[metric] + 1
    )
    return {metric: (*stored.get(metric, (None, 0)), history[metric]) for metric in save.values}


def _fully_saved(save: Save, stored: dict[int, tuple]) -> bool:
    return all(stored[m] == (save.values[m], save.seen[m] + 1, 1) for m in save.values)


def _untouched(save: Save, stored: dict[int, tuple]) -> bool:
    return all(version == save.seen[m] and value != save.values[m] and history == 0
               for m, (value, version, history) in stored.items())


def test_the_people_saved_figures_throughout(outage):
    """Not a fault check: that the run did what the others rely on."""
    assert outage.saves, "nobody saved anything"
    cut, restored = outage.events["redis cut"], outage.events["redis restored"]
    during_redis_cut = {s.who for s in outage.saves if s.confirmed and cut <= s.hit.started < restored}
    assert during_redis_cut == {who for who, slug in PEOPLE if slug}, "every saver saved while Redis was cut"


def test_every_save_answered_as_saved_is_in_the_database_whole(outage):
    wrong = [
        f"{s.who} {s.slug} {s.quarter} at {s.hit.started:.1f} s: sent {s.values}, stored {_stored(outage, s)}"
        for s in outage.saves if s.confirmed and not _fully_saved(s, _stored(outage, s))
    ]
    assert not wrong, "Saves confirmed but not (all) in the database:\n" + "\n".join(wrong)


def test_a_save_answered_with_an_error_is_all_there_or_not_at_all(outage):
    half = []
    for save in outage.saves:
        if save.confirmed:
            continue
        stored = _stored(outage, save)
        if not (_fully_saved(save, stored) or _untouched(save, stored)):
            half.append(f"{save.who} {save.quarter} answered {_outcome(save.hit)}: sent {save.values}, stored {stored}")
    assert not half, "Saves half done:\n" + "\n".join(half)


def test_every_answer_is_a_success_or_a_clear_503_while_the_database_is_away(outage):
    """Never a 500, never a dropped connection; a 503 only while PostgreSQL is cut or
    recovering, and then one that says why."""
    cut = outage.events["postgresql cut"]
    recovered = outage.events["postgresql restored"] + RECOVERY_LIMIT
    wrong = []
    for hit in outage.hits:
        if hit.succeeded:
            continue
        clear = hit.status == 503 and DATABASE_UNREACHABLE in hit.body
        if not (clear and hit.ended >= cut and hit.started <= recovered):
            wrong.append(f"{hit.who} {hit.method} {hit.path} at {hit.started:.1f} s ({_phase(outage, hit.started)}): "
                         f"{_outcome(hit)} {hit.error} {hit.body[:300]!r}")
    assert not wrong, f"{len(wrong)} answers neither a success nor a clear 503:\n" + "\n".join(wrong[:20])


def test_while_redis_is_away_every_page_and_save_succeeds(outage):
    """The cache is an optimisation and the broker a messenger: neither is needed to read a
    page or to save, from the moment Redis goes until PostgreSQL is cut (a request still
    running then is the PostgreSQL cut's)."""
    cut, postgresql_cut = outage.events["redis cut"], outage.events["postgresql cut"]
    failed = [f"{h.who} {h.method} {h.path} at {h.started:.1f} s: {_outcome(h)} {h.error} {h.body[:200]!r}"
              for h in outage.hits if cut <= h.started and h.ended < postgresql_cut and not h.succeeded]
    assert not failed, f"{len(failed)} failed while only Redis was away:\n" + "\n".join(failed[:20])


def test_after_postgresql_returns_every_page_and_save_succeeds_again(outage):
    ready = _first_ready_after(outage, "postgresql restored")
    assert ready is not None, f"/readyz never reported ready within {RECOVERY_LIMIT} s of PostgreSQL's return"
    failed = [f"{h.who} {h.method} {h.path} at {h.started:.1f} s: {_outcome(h)}"
              for h in outage.hits if h.started >= ready and not h.succeeded]
    assert not failed, "Failed after /readyz reported ready:\n" + "\n".join(failed)
    savers = {s.who for s in outage.saves if s.hit.started >= ready and s.confirmed}
    assert savers == {who for who, slug in PEOPLE if slug}, "everyone saved again"


def _down(hit: Hit) -> set[str]:
    """The parts /readyz names as down ("problems": ["broker: OperationalError", …])."""
    return {problem.split(":")[0] for problem in _readiness(hit).get("problems", [])}


def test_readyz_reports_each_outage_and_recovers(outage):
    grace = 3  # for the first probe after a cut to notice it
    during_redis = [h for h in outage.readyz
                    if outage.events["redis cut"] + grace <= h.started and h.ended < outage.events["redis restored"]]
    during_postgres = [h for h in outage.readyz if outage.events["postgresql cut"] + grace <= h.started
                       and h.ended < outage.events["postgresql restored"]]
    assert during_redis and during_postgres
    assert {(h.status, _readiness(h).get("status")) for h in during_redis} == {(200, "degraded")}
    assert all(_down(h) == {"broker", "cache"} for h in during_redis), [h.body for h in during_redis]
    assert {h.status for h in during_postgres} == {503}
    assert all("database" in _down(h) for h in during_postgres), [h.body for h in during_postgres]
    for event in ("redis restored", "postgresql restored"):
        ready = _first_ready_after(outage, event)
        assert ready is not None and ready - outage.events[event] <= RECOVERY_LIMIT, f"not ready after {event}"


def _described(outage: Outage, follow_ups: list[dict]) -> str:
    return "\n".join(
        f"{f['id']} {f['task']}({f['key']}) recorded at {f['created_at'].timestamp() - outage.began_wall:.1f} s, "
        f"started {f['started_at']}, done {f['done_at']}, failed {f['failed_at']}, attempts {f['attempts']}"
        for f in follow_ups
    )


def test_the_follow_ups_held_up_by_the_redis_cut_ran_once_soon_after_it(outage):
    """The recomputes the saves called for while the broker was away, or had handed to it
    just before: none lost, none run twice, all soon after Redis returned."""
    assert outage.follow_ups, "no follow-up recorded (is there an accounts_followup outbox?)"
    caught = _caught_by_redis_cut(outage)
    assert caught, "the Redis cut held up no follow-up: it tested nothing"
    assert outage.caught_done is not None, (
        f"not all done {FOLLOW_UP_LIMIT} s after Redis returned:\n{_described(outage, caught)}")
    not_once = [f for f in caught if f["attempts"] != 1]
    assert len(not_once) == 0, f"not run exactly once:\n{_described(outage, not_once)}"


def test_every_follow_up_ran_exactly_once_soon_after_the_outages(outage):
    assert outage.follow_ups, "no follow-up recorded (is there an accounts_followup outbox?)"
    unfinished = [f for f in outage.follow_ups if not f["done_at"]]
    assert len(unfinished) == 0, (
        f"not done {FOLLOW_UP_LIMIT} s after PostgreSQL returned:\n{_described(outage, unfinished)}")
    not_once = [f for f in outage.follow_ups if f["attempts"] != 1]
    assert len(not_once) == 0, f"not run exactly once:\n{_described(outage, not_once)}"


def test_the_web_server_and_redis_kept_running(outage):
    """The worker and beat are restarted when they exit, as in production (the figures
    say how often); the web server must never go."""
    assert [exit for exit in outage.exits if exit.startswith(("gunicorn", "redis"))] == []
