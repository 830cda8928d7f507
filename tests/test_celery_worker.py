"""End to end on a real Celery worker and a real Redis: a reminder is enqueued, a worker
process picks it up and delivers it — once, however often it is enqueued; follow-ups
recorded while the broker was down are run by the worker once it is back — once each,
however often they are handed over.

Each process uses a SQLite file of its own (DATABASE_URL) and the file e-mail backend,
so this test can look at what the worker did from the outside. Redis database 7 and a
queue name of its own keep it out of anybody else's way. Without Redis the test is
skipped — except on CI (CI=true), where a missing Redis is a failure.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import closed_port

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TANDEM_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")

SETUP = """
from accounts.models import Membership, PartnerAccount, User
from dashboards.services import metric_template_apply
ada = User.objects.create_user("ada", "ada@example.com", "x")
helix = PartnerAccount.objects.create(name="Helix Components", slug="helix", kind="customer")
Membership.objects.create(user=ada, account=helix, side="home", role="account_manager")
metric_template_apply(account=helix, by=None)
"""
ENQUEUE = "from notifications.tasks import send_due_reminders; send_due_reminders.delay('2026-04-02')"
# Ada saves Helix's order lead time for 2026-Q1, as the entry grid does.
SAVE_FIGURE = """
from accounts.models import User
from accounts.quarters import Quarter
from dashboards.models import MetricDefinition, MetricResult
from dashboards.services import FigureEntry, results_record
metric = MetricDefinition.objects.get(account__slug="helix", name="Order lead time")
result = MetricResult.objects.filter(metric=metric).first()
seen = result.home_version if result else 0
results_record(quarter=Quarter.parse("2026-Q1"), side="home", by=User.objects.get(username="ada"),
               entries=[FigureEntry(metric=metric, value={value}, note="", seen_version=seen)])
"""
DISPATCH_DUE = "from accounts.background import follow_ups_dispatch_due; follow_ups_dispatch_due()"
# What the broker does now and then: deliver a message once more.
DELIVER_AGAIN = """
from accounts.models import FollowUp
from accounts.tasks import run_follow_up
for pk in FollowUp.objects.values_list("pk", flat=True):
    run_follow_up.delay(pk)
"""


def _redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must provide Redis at {REDIS_URL}: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL}")


def _count(db: Path, table: str, where: str = "1") -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]  # noqa: S608 — fixed


def _wait_for(condition, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    pytest.fail(f"Timed out waiting for {what}. Worker log:\n{log.read_text()[-4000:]}")


class Deployment:
    """A database set up with ``SETUP``, the settings a deployment with Redis gets, and
    a worker on a queue of its own."""

    def __init__(self, tmp_path: Path):
        self.db = tmp_path / "worker.sqlite3"
        self.mail_dir = tmp_path / "mail"
        self.log = tmp_path / "worker.log"
        self.queue = f"tandem-test-{uuid.uuid4().hex[:8]}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
        self.env.update({
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "TANDEM_DATA_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{self.db}",
            "REDIS_URL": REDIS_URL,
            "CELERY_QUEUE": self.queue,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "TANDEM_BASE_URL": "https://tandem.example.com",
            "TANDEM_RECOMPUTE_DELAY_SECONDS": "0",
        })
        self.manage("migrate", "--noinput")
        self.manage("shell", "-c", SETUP)

    def manage(self, *args, **env):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**self.env, **env}, check=True,
                       capture_output=True, timeout=120)

    def count(self, table: str, where: str = "1") -> int:
        return _count(self.db, table, where)

    def runs(self, task: str) -> list[str]:
        """What each finished run of ``task`` returned, as the worker logged it."""
        return [line.rsplit(": ", 1)[1] for line in self.log.read_text().splitlines()
                if f" Task {task}[" in line and " succeeded in " in line]

    def wait_for(self, condition, what: str, timeout: float = 60):
        _wait_for(condition, timeout, what, self.log)

    @contextmanager
    def worker(self):
        with self.log.open("w") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1",
                 "-Q", self.queue, "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "--loglevel=INFO"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        try:
            self.wait_for(lambda: "ready." in self.log.read_text(), "the worker to start")
            yield
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()


@pytest.mark.slow
def test_a_real_worker_delivers_a_reminder_exactly_once(tmp_path):
    _redis_or_skip()
    deployment = Deployment(tmp_path)
    with deployment.worker():
        deployment.manage("shell", "-c", ENQUEUE)
        deployment.wait_for(lambda: deployment.count("notifications_notification") >= 1, "the reminder")

        # Enqueued twice more (beat's next runs, a redelivery): nothing new is sent.
        deployment.manage("shell", "-c", ENQUEUE)
        deployment.manage("shell", "-c", ENQUEUE)
        deployment.wait_for(lambda: len(deployment.runs("notifications.send_due_reminders")) >= 3, "three runs")

    assert deployment.count("notifications_notification") == 1
    assert deployment.count("notifications_reminderclaim") == 1
    with sqlite3.connect(deployment.db) as connection:
        title, link = connection.execute("SELECT title, link FROM notifications_notification").fetchone()
    assert title == "Log the 2026-Q1 results for Helix Components"
    assert link == "/accounts/helix/dashboard/2026-Q1/"
    mails = list(deployment.mail_dir.glob("*.log"))
    assert len(mails) == 1
    text = mails[0].read_text()
    assert "To: ada@example.com" in text
    assert "https://tandem.example.com/accounts/helix/dashboard/2026-Q1/" in text


@pytest.mark.slow
def test_follow_ups_saved_while_the_broker_was_down_are_run_once_by_a_real_worker(tmp_path):
    _redis_or_skip()
    deployment = Deployment(tmp_path)
    broker_down = {"REDIS_URL": f"redis://127.0.0.1:{closed_port()}/7"}  # the cache is down too
    done = "done_at IS NOT NULL"

    # Saved before any worker runs, with the broker down: the trends and health
    # recomputes wait in the database. The worker hands them over as it starts.
    deployment.manage("shell", "-c", SAVE_FIGURE.format(value=9), **broker_down)
    assert deployment.count("dashboards_metricresult") == 1
    assert deployment.count("accounts_followup", "dispatched_at IS NULL AND started_at IS NULL") == 2
    with deployment.worker():
        deployment.wait_for(lambda: deployment.count("accounts_followup", done) == 2, "the worker's start")
        assert deployment.count("dashboards_metrictrend") == 1

        # Saved while the worker runs but the web server cannot reach the broker: the
        # dispatch job (every minute from beat) hands them over.
        deployment.manage("shell", "-c", SAVE_FIGURE.format(value=11), **broker_down)
        assert deployment.count("accounts_followup", "started_at IS NULL") == 2
        deployment.manage("shell", "-c", DISPATCH_DUE)
        deployment.wait_for(lambda: deployment.count("accounts_followup", done) == 4, "the dispatch job")

        # Every message delivered once more: nothing runs twice.
        deployment.manage("shell", "-c", DELIVER_AGAIN)
        deployment.wait_for(lambda: len(deployment.runs("accounts.run_follow_up")) >= 8, "the second deliveries")

    assert sorted(deployment.runs("accounts.run_follow_up")) == ["False"] * 4 + ["True"] * 4
    assert deployment.count("accounts_followup", "attempts = 1") == 4
