"""`make run`: the web server, a Celery worker and the beat scheduler, together.

Each child runs in its own process group, so Ctrl-C (or SIGTERM) reaches this
supervisor only, which then stops the children in order (see ``stop``).

A child that dies is started again while the others keep serving: the worker exits,
for example, when Redis goes away while it holds a message (kombu's ``restore_unacked``
fails on the lost connection; no kombu release fixes it yet). The pause before a restart
doubles with each crash in a row, from one second up to a minute, and starts over once
the child has run for a minute.

If the supervisor itself is killed (SIGKILL, which it cannot catch), the kernel sends each
child SIGTERM (Linux's parent-death signal), so no orphan keeps serving the port: the web
server and beat exit at once, the worker once its running job is done. The worker's pool
processes die with the worker the same way (Celery gives them SIGKILL as theirs).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

FIRST_RESTART_DELAY = 1.0
LONGEST_RESTART_DELAY = 60.0
# A child that ran this long before it died was working: its next restart is quick again.
STABLE_AFTER_SECONDS = 60.0
# On a stop, the worker finishes the job it is running (Celery's warm shutdown). A job
# cannot run longer than its hard time limit — the longest is 660 s (reminders, survey
# mail; tests/test_celery_worker.py keeps every task below this) — so waiting this long
# never cuts one short. A second Ctrl-C stops at once.
WORKER_STOP_SECONDS = 700.0
# The web server and beat hold no work; they exit at once on SIGTERM.
OTHERS_STOP_SECONDS = 10.0
POLL_SECONDS = 0.2


def commands(port: int) -> dict[str, list[str]]:
    python = sys.executable
    worker = [python, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO",
              "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if not os.environ.get("REDIS_URL"):
        # kombu's filesystem transport is safe with a single consumer only.
        worker += ["--pool=solo", "--concurrency=1"]
    return {
        "web": [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker": worker,
        # Exactly one beat: this one. Schedules live in the database (django-celery-beat).
        "beat": [python, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO", "--pidfile="],
    }


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as runserver does
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def say(message: str) -> None:
    print(f"make run: {message}", flush=True)


def die_with_supervisor():
    """What a child runs before it starts (preexec_fn): it is sent SIGTERM when this
    supervisor dies, however it dies. Linux only; elsewhere nothing."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before the fork: in the child, only the call runs
    parent = os.getpid()
    pr_set_pdeathsig = 1

    def in_child():
        libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM))
        if os.getppid() != parent:  # the supervisor died before the line above
            os.kill(os.getpid(), signal.SIGTERM)

    return in_child


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_delay: float = 0.0
    restart_at: float | None = None  # set while it waits to be started again
    restarts: int = 0
    stop_deadline: float = 0.0

    def start(self, preexec) -> None:
        self.process = subprocess.Popen(self.command, start_new_session=True, preexec_fn=preexec)
        self.started_at = time.monotonic()
        self.restart_at = None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def crashed(self) -> bool:
        return self.restart_at is None and self.process is not None and self.process.poll() is not None

    def schedule_restart(self, now: float) -> None:
        ran = now - self.started_at
        if self.restart_delay == 0 or ran >= STABLE_AFTER_SECONDS:
            self.restart_delay = FIRST_RESTART_DELAY
        else:
            self.restart_delay = min(self.restart_delay * 2, LONGEST_RESTART_DELAY)
        self.restart_at = now + self.restart_delay
        self.kill_group()  # whatever it left behind (its group outlives it)
        say(f"{self.name} (pid {self.process.pid}) {_how_it_ended(self.process.returncode)} after {ran:.0f} s; "
            f"restarting it in {self.restart_delay:.0f} s. The others keep running.")

    def kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


def _how_it_ended(returncode: int) -> str:
    if returncode < 0:
        return f"was killed by {signal.Signals(-returncode).name}"
    return f"exited with code {returncode}"


def supervise(children: list[Child], stop_requests: list[int]) -> None:
    """Keep every child running until a stop is requested."""
    preexec = die_with_supervisor()
    for child in children:
        child.start(preexec)
    while not stop_requests:
        now = time.monotonic()
        for child in children:
            if child.restart_at is not None and now >= child.restart_at:
                child.start(preexec)
                child.restarts += 1
                say(f"{child.name} restarted (pid {child.process.pid}, restart {child.restarts}).")
            elif child.crashed():
                child.schedule_restart(now)
        time.sleep(POLL_SECONDS)


def stop(children: list[Child], stop_requests: list[int]) -> None:
    """SIGTERM to each child's own process, never its whole group: the worker then stops
    taking jobs and lets its pool finish the running one, whereas its pool processes, sent
    SIGTERM themselves, would die mid-job. Once each has exited or had its time (a second
    Ctrl-C cuts the wait short), SIGKILL to whatever is left in the groups."""
    now = time.monotonic()
    for child in children:
        if child.running():
            os.kill(child.process.pid, signal.SIGTERM)
            child.stop_deadline = now + (WORKER_STOP_SECONDS if child.name == "worker" else OTHERS_STOP_SECONDS)
    if any(child.name == "worker" and child.running() for child in children):
        say(f"stopping. The worker first finishes any job it is running (at most {WORKER_STOP_SECONDS:.0f} s); "
            "press Ctrl-C again to stop it at once.")
    waited_on = len(stop_requests)
    while len(stop_requests) == waited_on and any(
        child.running() and time.monotonic() < child.stop_deadline for child in children
    ):
        time.sleep(POLL_SECONDS)
    for child in children:
        if child.process is None:
            continue
        if child.running():
            say(f"{child.name} (pid {child.process.pid}) is still running; killing it.")
        child.kill_group()
        child.process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()

    stop_requests: list[int] = []

    def request_stop(signum, frame):
        stop_requests.append(signum)

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    if not port_is_free(args.port):
        # Checked once here: the web server would otherwise fail, and be restarted, forever.
        say(f"port {args.port} is in use; choose another, for example: make run PORT={args.port + 1}")
        return 1
    children = [Child(name, command) for name, command in commands(args.port).items()]
    say(f"Tandem is serving on http://127.0.0.1:{args.port}/ with a Celery worker and beat. "
        "Press Ctrl-C to stop all three.")
    supervise(children, stop_requests)
    stop(children, stop_requests)
    say("Tandem stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
