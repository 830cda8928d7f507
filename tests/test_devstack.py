"""`make run`'s supervisor (config/devstack.py) when something dies or is stopped: a
crashed worker comes back while the web keeps serving, a stop lets the running job
finish, and killing the supervisor itself leaves nothing behind. Each on the embedded
default (filesystem broker, one solo worker) and on Redis (a prefork worker, whose pool
processes are the ones a careless stop cuts down mid-job).

The job is tests/slow_tasks.py's: it takes as long as it is told and records in the
database when it started and when it finished.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from config.devstack import Child

from .conftest import closed_port
from .processes import (
    PYTHON,
    alive,
    answers,
    children,
    command_line,
    enqueue_slow_job,
    listening,
    needs_redis_server,
    slow_job_events,
)
from .worker_helpers import wait_for


class Devstack:
    """`python -m config.devstack` on a free port, its data in the test's directory."""

    def __init__(self, processes, migrated_sqlite: Path, redis=None):
        self.processes = processes
        self.port = closed_port()
        self.database = processes.use_database(migrated_sqlite)
        self.env = processes.env(**({"REDIS_URL": redis.url} if redis else {}))
        self.log = processes.directory / "devstack.log"
        self.process = processes.start([PYTHON, "-m", "config.devstack", "--port", str(self.port)], self.env, self.log)
        wait_for(lambda: answers(self.port), 120, "the web server to answer", self.log)
        self.wait_for_workers_ready(1)

    def output(self) -> str:
        return self.log.read_text()

    def wait_for_workers_ready(self, count: int) -> None:
        wait_for(lambda: self.output().count(" ready.") >= count, 90, f"worker start number {count}", self.log)

    def child(self, name: str) -> int | None:
        """The supervisor's child of that name: web, worker or beat."""
        words = {"web": " runserver ", "worker": " worker ", "beat": " beat "}
        found = [pid for pid in children(self.process.pid) if words[name] in command_line(pid)]
        return found[0] if found else None

    def family(self) -> list[int]:
        """The supervisor's children and theirs (the worker's pool)."""
        return [pid for child in children(self.process.pid) for pid in (child, *children(child))]

    def run_job(self, label: str, seconds: float) -> None:
        enqueue_slow_job(self.processes, self.env, label, seconds)

    def events(self, label: str) -> list[str]:
        return slow_job_events(self.database, label)


@pytest.fixture(params=["embedded", pytest.param("redis", marks=needs_redis_server)])
def stack(request, processes, migrated_sqlite):
    redis = request.getfixturevalue("redis_server") if request.param == "redis" else None
    return Devstack(processes, migrated_sqlite, redis)


@pytest.mark.slow
def test_a_crashed_worker_is_restarted_and_nothing_outlives_a_killed_supervisor(stack):
    worker = stack.child("worker")
    pool = children(worker)  # with Redis, its prefork pool; the solo worker has none
    os.kill(worker, signal.SIGKILL)

    def restarted_while_the_web_serves():
        assert answers(stack.port), "the web server stopped answering when the worker died"
        return stack.child("worker") not in (None, worker)

    wait_for(restarted_while_the_web_serves, 60, "a new worker", stack.log)
    assert f"worker (pid {worker}) was killed by SIGKILL" in stack.output()
    assert "worker restarted" in stack.output()
    assert not [pid for pid in pool if alive(pid)], "the killed worker's pool processes are still running"
    stack.wait_for_workers_ready(2)
    stack.run_job("after the restart", 0)
    wait_for(lambda: stack.events("after the restart") == ["started", "finished"], 60, "the new worker's job",
             stack.log)
    assert stack.child("beat") and stack.child("web")

    # SIGKILL cannot be caught: the children must go by themselves, the worker's pool too.
    family = stack.family()
    assert len(family) >= 3
    stack.process.kill()
    stack.process.wait(timeout=10)
    wait_for(lambda: not listening(stack.port) and not [pid for pid in family if alive(pid)], 20,
             "the supervisor's children to exit after it was killed", stack.log)


@pytest.mark.slow
def test_a_stop_lets_the_running_job_finish(stack):
    # Longer than the old supervisor's ten seconds between its SIGTERM and SIGKILL.
    stack.run_job("cut short?", 12)
    wait_for(lambda: stack.events("cut short?") == ["started"], 60, "the job to start", stack.log)
    family = stack.family()
    stack.process.send_signal(signal.SIGTERM)  # what Ctrl-C does, too
    stack.process.wait(timeout=90)
    assert stack.events("cut short?") == ["started", "finished"]
    output = stack.output()
    assert "The worker first finishes any job it is running" in output
    assert "Tandem stopped." in output
    assert not [pid for pid in family if alive(pid)]
    assert stack.process.returncode == 0


@pytest.mark.slow
@needs_redis_server
def test_make_run_carries_on_when_redis_goes_away_and_comes_back(processes, migrated_sqlite, redis_server):
    """The worker dies when Redis goes away while it holds a message (kombu's
    ``restore_unacked`` raises AttributeError on the lost connection, in kombu 5.7 too)
    once its job is done: the supervisor starts it again, and the web server serves
    throughout. Once Redis is back, jobs are done again."""
    stack = Devstack(processes, migrated_sqlite, redis_server)
    stack.run_job("held", 3)
    wait_for(lambda: stack.events("held") == ["started"], 60, "the job to start", stack.log)
    redis_server.stop()
    deadline = time.monotonic() + 60
    while "worker restarted" not in stack.output() and time.monotonic() < deadline:
        assert answers(stack.port), "the web server stopped answering when Redis went away"
        time.sleep(0.5)
    redis_server.start()
    stack.run_job("after Redis came back", 0)
    wait_for(lambda: stack.events("after Redis came back") == ["started", "finished"], 120,
             "a job once Redis is back", stack.log)
    assert answers(stack.port)


def test_restarts_wait_one_second_doubling_to_a_minute_and_start_over_after_a_minute_of_running():
    child = Child("worker", [PYTHON, "-c", "raise SystemExit(3)"])
    child.start(preexec=None)
    child.process.wait(timeout=30)
    delays = []
    for _ in range(8):  # crashes in a row, each two seconds after its start
        child.restart_at = None
        child.schedule_restart(now=child.started_at + 2)
        delays.append(child.restart_delay)
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60]
    child.restart_at = None
    child.schedule_restart(now=child.started_at + 61)
    assert child.restart_delay == 1
