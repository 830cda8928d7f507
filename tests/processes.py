"""For the tests that start real processes — `make run`'s supervisor, a Celery worker, a
redis-server of their own — and must leave none behind, even when they fail.

Every process such a test starts carries a marker in its environment, which its own
children inherit; ``Processes`` kills whatever carries the marker when the test ends,
wherever the process was reparented to.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from .conftest import closed_port
from .worker_helpers import ROOT, wait_for

PYTHON = sys.executable
# The suite's own environment, which a process started for a test must not inherit: it
# runs on the embedded default in the test's directory unless the test says otherwise.
NOT_INHERITED = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")


def processes_with_marker(marker: str) -> list[int]:
    """Live processes whose environment carries the marker (zombies have none)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
    return found


def alive(pid: int) -> bool:
    """Running, not merely a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
                found.append(int(entry.name))
    return found


def command_line(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}") / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def answers(port: int, path: str = "/healthz") -> bool:
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3).status == 200
    except OSError:
        return False


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Processes:
    """Starts processes for one test and kills all of them, and their descendants, at its end."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.marker = f"TANDEM_TEST_PROCESS_{uuid.uuid4().hex}"
        self.started: list[subprocess.Popen] = []

    def env(self, **overrides: str) -> dict[str, str]:
        """The embedded default in the test's directory, and the test's job module (tests/slow_tasks.py)."""
        env = {k: v for k, v in os.environ.items()
               if k not in NOT_INHERITED and not k.startswith(("CELERY_", "EMAIL_"))}
        env.update({
            self.marker: "1",
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "TANDEM_DATA_DIR": str(self.directory),
            "CELERY_IMPORTS": "tests.slow_tasks",
            "PYTHONUNBUFFERED": "1",
        })
        env.update(overrides)
        return env

    def use_database(self, migrated: Path) -> Path:
        """A copy of a migrated SQLite file where the embedded default looks for it."""
        database = self.directory / "tandem.sqlite3"
        shutil.copy(migrated, database)
        if Path(f"{migrated}-wal").exists():  # not yet checkpointed: part of the database
            shutil.copy(f"{migrated}-wal", f"{database}-wal")
        return database

    def start(self, command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        with log.open("a") as out:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.started.append(process)
        return process

    def run(self, command: list[str], env: dict[str, str], timeout: float = 120) -> str:
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def left_running(self) -> list[int]:
        return processes_with_marker(self.marker)

    def kill_all(self) -> None:
        # By the marker, and by the processes started here: redis-server writes over its
        # environment (to set its process title), so it carries no marker to find.
        for _ in range(3):  # a supervisor might start a child while the first round runs
            still_ours = [process.pid for process in self.started if process.poll() is None]  # pid not reused
            for pid in [*self.left_running(), *still_ours]:
                for kill in (os.killpg, os.kill):
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        kill(pid, signal.SIGKILL)
            time.sleep(0.2)
        for process in self.started:
            process.wait(timeout=10)


def migrated_sqlite(directory: Path) -> Path:
    """An empty database, migrated, for tests to copy (``Processes.use_database``)."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", TANDEM_DATA_DIR=str(directory))
    result = subprocess.run([PYTHON, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return directory / "tandem.sqlite3"


def enqueue_slow_job(processes: Processes, env: dict[str, str], label: str, seconds: float) -> None:
    processes.run([PYTHON, "manage.py", "shell", "-c",
                   f"from tests.slow_tasks import slow_job; slow_job.delay({label!r}, {seconds})"], env)


def slow_job_events(database: Path, label: str) -> list[str]:
    """What the job labelled so has done so far: "started", "finished", in order."""
    from tests.slow_tasks import TABLE

    try:
        with sqlite3.connect(database, timeout=10) as connection:
            rows = connection.execute(f"SELECT event FROM {TABLE} WHERE label = ? ORDER BY rowid",  # noqa: S608
                                      [label]).fetchall()
    except sqlite3.OperationalError:  # the table is made by the job's first step
        return []
    return [event for (event,) in rows]


class RedisServer:
    """A redis-server of the test's own on a free port, which the test may stop and start."""

    def __init__(self, processes: Processes):
        self.processes = processes
        self.port = closed_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = processes.directory / f"redis-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = self.processes.start(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            self.processes.env(), self.log,
        )
        wait_for(self.answers, 15, "redis-server to start", self.log)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def answers(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_connect_timeout=1).ping()
        except redis.exceptions.RedisError:
            return False


# For the tests that start a redis-server of their own: skipped where it is not
# installed, except on CI (CI=true), where the redis_server fixture fails instead.
needs_redis_server = pytest.mark.skipif(
    shutil.which("redis-server") is None and os.environ.get("CI", "").lower() != "true",
    reason="redis-server is not installed",
)


def redis_server_started(processes: Processes) -> RedisServer:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed; CI must have it")
    server = RedisServer(processes)
    server.start()
    return server
