"""End to end on a real Celery worker and a real Redis: a reminder is enqueued, a worker
process picks it up and delivers it — once, however often it is enqueued.

Both processes use a SQLite file of their own (DATABASE_URL) and the file e-mail backend,
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
from pathlib import Path

import pytest

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


def _redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must provide Redis at {REDIS_URL}: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL}")


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 — fixed names


def _wait_for(condition, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    pytest.fail(f"Timed out waiting for {what}. Worker log:\n{log.read_text()[-4000:]}")


@pytest.mark.slow
def test_a_real_worker_delivers_a_reminder_exactly_once(tmp_path):
    _redis_or_skip()
    queue = f"tandem-test-{uuid.uuid4().hex[:8]}"
    db = tmp_path / "worker.sqlite3"
    mail_dir = tmp_path / "mail"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "TANDEM_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{db}",
        "REDIS_URL": REDIS_URL,
        "CELERY_QUEUE": queue,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "TANDEM_BASE_URL": "https://tandem.example.com",
    })

    def manage(*args):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=120)

    manage("migrate", "--noinput")
    manage("shell", "-c", SETUP)

    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1",
             "-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_for(lambda: "ready." in log.read_text(), 60, "the worker to start", log)
        manage("shell", "-c", ENQUEUE)
        _wait_for(lambda: _count(db, "notifications_notification") >= 1, 60, "the reminder", log)

        # Enqueued twice more (beat's next runs, a redelivery): nothing new is sent.
        manage("shell", "-c", ENQUEUE)
        manage("shell", "-c", ENQUEUE)
        _wait_for(lambda: log.read_text().count("succeeded in") >= 3, 60, "three runs", log)

        assert _count(db, "notifications_notification") == 1
        assert _count(db, "notifications_reminderclaim") == 1
        with sqlite3.connect(db) as connection:
            title, link = connection.execute("SELECT title, link FROM notifications_notification").fetchone()
        assert title == "Log the 2026-Q1 results for Helix Components"
        assert link == "/accounts/helix/dashboard/2026-Q1/"
        mails = list(mail_dir.glob("*.log"))
        assert len(mails) == 1
        text = mails[0].read_text()
        assert "To: ada@example.com" in text
        assert "https://tandem.example.com/accounts/helix/dashboard/2026-Q1/" in text
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
