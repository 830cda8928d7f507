"""`make run`: the web server, a Celery worker and the beat scheduler, together.

Each child runs in its own process group, so Ctrl-C (or SIGTERM) reaches this
supervisor only; it then stops every group it started and waits for them, so no stray
process is left behind. If one child dies, the others are stopped too.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time

STOP_GRACE_SECONDS = 10


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


def stop(children: dict[str, subprocess.Popen]) -> None:
    for process in children.values():
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in children.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
    for process in children.values():
        # Whatever is left in a child's group (the group outlives its leader) is killed.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()

    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    children: dict[str, subprocess.Popen] = {}
    for name, command in commands(args.port).items():
        children[name] = subprocess.Popen(command, start_new_session=True)
    print(f"Tandem is serving on http://127.0.0.1:{args.port}/ with a Celery worker and beat. "
          "Press Ctrl-C to stop all three.", flush=True)

    exit_code = 0
    while not stopping:
        for name, process in children.items():
            if process.poll() is not None:
                print(f"{name} exited with code {process.returncode}; stopping the others.", flush=True)
                exit_code = 1
                stopping = True
                break
        time.sleep(0.3)
    stop(children)
    print("Tandem stopped.", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
