"""A job for the tests that start a real worker (tests/test_devstack.py,
tests/test_celery_worker.py): it takes a while and leaves a trace that can be counted in
the database, so a test can stop or kill the worker in the middle of it and see whether
the job was finished, redone or lost. A worker loads this module only when the
environment names it (``CELERY_IMPORTS=tests.slow_tasks``)."""

from __future__ import annotations

import os
import time

from celery import shared_task
from django.db import connection

TABLE = "tests_slow_job_event"


@shared_task(name="tests.slow_job")
def slow_job(label: str, seconds: float) -> None:
    _record(label, "started")
    time.sleep(seconds)
    _record(label, "finished")


def _record(label: str, event: str) -> None:
    # A table of its own, made on first use: the job must not depend on the product's models.
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (label varchar(100), event varchar(20), pid integer)")
        cursor.execute(f"INSERT INTO {TABLE} (label, event, pid) VALUES (%s, %s, %s)", [label, event, os.getpid()])
