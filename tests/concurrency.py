"""Running the same job in two threads at the same moment, as two workers would."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import OperationalError, connection


def run_at_once(job: Callable[[], object], *, workers: int = 2) -> list[object]:
    """Start ``job`` in ``workers`` threads released together and return what each
    returned. A run that meets a busy database retries, as the Celery tasks do
    (OperationalError is transient); any other error fails the test."""
    start = threading.Barrier(workers)
    results, errors = [], []

    def worker():
        try:
            start.wait()
            for _attempt in range(50):
                try:
                    results.append(job())
                    return
                except OperationalError:
                    threading.Event().wait(0.05)
            errors.append("gave up")
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results
