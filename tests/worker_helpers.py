"""Starting a real Celery worker against a real Redis for end-to-end tests.

Each test gives the worker a SQLite file of its own (DATABASE_URL) and a queue name of its
own, so it can look at what the worker did from the outside and keep out of anybody
else's way. Without Redis the test is skipped — except on CI (CI=true), where a missing
Redis is a failure."""

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


def redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must provide Redis at {REDIS_URL}: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL}")


def worker_environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of `manage.py` and the worker: this test's database, Redis and
    queue, the local settings, nothing of the caller's Django, Celery or mail settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "EMAIL_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "TANDEM_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "REDIS_URL": REDIS_URL,
        "CELERY_QUEUE": f"tandem-test-{uuid.uuid4().hex[:8]}",
        "TANDEM_BASE_URL": "https://tandem.example.com",
        **settings,
    })
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True,
                   timeout=120)


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    """A solo worker (tasks run in the worker process itself: killing it kills the task),
    in a session of its own, writing to ``log``; returns once it is ready."""
    with log.open("a") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1",
             "-Q", env["CELERY_QUEUE"], "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    ready = log.read_text().count("ready.") + 1
    wait_for(lambda: log.read_text().count("ready.") >= ready, 60, "the worker to start", log)
    return worker


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is not None:
        return
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def count(db: Path, table: str, where: str = "1=1") -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]  # noqa: S608 — fixed


def wait_for(condition, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"Timed out waiting for {what}. Worker log:\n{log.read_text()[-4000:]}")
