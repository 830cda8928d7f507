"""End to end on a real Celery worker and a real Redis: a reminder is enqueued, a worker
process picks it up and delivers it — once, however often it is enqueued; follow-ups
recorded while the broker was down are run by the worker once it is back — once each,
however often they are handed over.

Both processes use a SQLite file of their own and the file e-mail backend, so this test
can look at what the worker did from the outside (tests/worker_helpers.py).

Then: a job cut short by a killed worker is done again, on a redis-server of the test's
own (tests/processes.py), and no task may run long enough to be handed out twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import time

import pytest

from .conftest import closed_port
from .processes import PYTHON, children, enqueue_slow_job, needs_redis_server, slow_job_events
from .worker_helpers import count, manage, redis_or_skip, start_worker, stop_worker, wait_for, worker_environment

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


@pytest.mark.slow
def test_a_real_worker_delivers_a_reminder_exactly_once(tmp_path):
    redis_or_skip()
    mail_dir = tmp_path / "mail"
    env = worker_environment(tmp_path, EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                             EMAIL_FILE_PATH=str(mail_dir))
    db = tmp_path / "worker.sqlite3"
    manage(env, "migrate", "--noinput")
    manage(env, "shell", "-c", SETUP)

    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    try:
        manage(env, "shell", "-c", ENQUEUE)
        wait_for(lambda: count(db, "notifications_notification") >= 1, 60, "the reminder", log)

        # Enqueued twice more (beat's next runs, a redelivery): nothing new is sent.
        manage(env, "shell", "-c", ENQUEUE)
        manage(env, "shell", "-c", ENQUEUE)
        wait_for(lambda: log.read_text().count("succeeded in") >= 3, 60, "three runs", log)

        assert count(db, "notifications_notification") == 1
        assert count(db, "notifications_reminderclaim") == 1
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
        stop_worker(worker)


def test_no_job_outlasts_the_visibility_timeout_or_a_stop_of_make_run():
    """With Redis, a message held longer than the visibility timeout is handed out again:
    a job still running, or waiting for its retry, would run twice. And `make run` waits
    for the running job when it stops, as long as a job may run."""
    from django.conf import settings

    from accounts.background import ABANDONED_AFTER
    from config.celery_app import app
    from config.devstack import WORKER_STOP_SECONDS

    app.loader.import_default_modules()
    tasks = [task for name, task in app.tasks.items() if not name.startswith("celery.")]
    assert len(tasks) >= 6
    for task in tasks:
        hard_limit = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
        assert hard_limit < settings.BROKER_VISIBILITY_TIMEOUT, task.name
        assert hard_limit < WORKER_STOP_SECONDS, task.name
        assert hard_limit < ABANDONED_AFTER.total_seconds(), task.name  # a running follow-up is not redone
        if getattr(task, "autoretry_for", ()):
            assert task.retry_backoff_max < settings.BROKER_VISIBILITY_TIMEOUT, task.name
    assert settings.BROKER_VISIBILITY_TIMEOUT <= 15 * 60  # an interrupted job is redone within minutes


@pytest.mark.slow
@needs_redis_server
def test_a_job_cut_short_by_a_killed_worker_is_done_again(processes, migrated_sqlite, redis_server):
    """The worker of production (prefork, Redis) is killed in the middle of a job, twice:

    - only its pool process: the message goes straight back to the queue
      (task_reject_on_worker_lost) and the same worker does the job again;
    - the whole worker: nobody is left to hand the message back; a fresh worker gets it
      once it has been out for the visibility timeout (here 5 s, from the environment).
    """
    visibility_timeout = 5
    database = processes.use_database(migrated_sqlite)
    env = processes.env(REDIS_URL=redis_server.url, CELERY_VISIBILITY_TIMEOUT=str(visibility_timeout))
    log = processes.directory / "worker.log"
    command = [PYTHON, "-m", "celery", "-A", "config", "worker", "--concurrency=1", "--loglevel=INFO",
               "--without-gossip", "--without-mingle", "--without-heartbeat"]

    def start_prefork_worker(number: int):
        worker = processes.start(command, env, log)
        wait_for(lambda: log.read_text().count(" ready.") >= number, 90, f"worker {number} to start", log)
        return worker

    def events(label):
        return slow_job_events(database, label)

    # A job shorter than the visibility timeout: a live worker never hands it out twice.
    job_seconds = 2
    worker = start_prefork_worker(1)
    enqueue_slow_job(processes, env, "pool killed", job_seconds)
    wait_for(lambda: events("pool killed") == ["started"], 60, "the first job to start", log)
    (pool_process,) = children(worker.pid)
    os.kill(pool_process, signal.SIGKILL)
    wait_for(lambda: events("pool killed") == ["started", "started", "finished"], 30,
             "the same worker to do the job again", log)

    enqueue_slow_job(processes, env, "worker killed", job_seconds)
    wait_for(lambda: events("worker killed") == ["started"], 60, "the second job to start", log)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    start_prefork_worker(2)
    # Handed out once the timeout is over, at the latest one restore sweep (as often) later.
    wait_for(lambda: events("worker killed") == ["started", "started", "finished"], 2 * visibility_timeout + 20,
             "a fresh worker to do the job again", log)
    time.sleep(2 * visibility_timeout)  # acknowledged: not handed out yet again
    assert events("worker killed") == ["started", "started", "finished"]
    assert events("pool killed") == ["started", "started", "finished"]
def _runs(log, task: str) -> list[str]:
    """What each finished run of ``task`` returned, as the worker logged it."""
    return [line.rsplit(": ", 1)[1] for line in log.read_text().splitlines()
            if f" Task {task}[" in line and " succeeded in " in line]


@pytest.mark.slow
def test_follow_ups_saved_while_the_broker_was_down_are_run_once_by_a_real_worker(tmp_path):
    redis_or_skip()
    env = worker_environment(tmp_path, TANDEM_RECOMPUTE_DELAY_SECONDS="0")
    broker_down = {**env, "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/7"}  # the cache is down too
    db, log = tmp_path / "worker.sqlite3", tmp_path / "worker.log"
    manage(env, "migrate", "--noinput")
    manage(env, "shell", "-c", SETUP)
    done = "done_at IS NOT NULL"

    # Saved before any worker runs, with the broker down: the trends and health
    # recomputes wait in the database. The worker hands them over as it starts.
    manage(broker_down, "shell", "-c", SAVE_FIGURE.format(value=9))
    assert count(db, "dashboards_metricresult") == 1
    assert count(db, "accounts_followup", "dispatched_at IS NULL AND started_at IS NULL") == 2
    worker = start_worker(env, log)
    try:
        wait_for(lambda: count(db, "accounts_followup", done) == 2, 60, "the worker's start", log)
        assert count(db, "dashboards_metrictrend") == 1

        # Saved while the worker runs but the web server cannot reach the broker: the
        # dispatch job (every minute from beat) hands them over.
        manage(broker_down, "shell", "-c", SAVE_FIGURE.format(value=11))
        assert count(db, "accounts_followup", "started_at IS NULL") == 2
        manage(env, "shell", "-c", DISPATCH_DUE)
        wait_for(lambda: count(db, "accounts_followup", done) == 4, 60, "the dispatch job", log)

        # Every message delivered once more: nothing runs twice.
        manage(env, "shell", "-c", DELIVER_AGAIN)
        wait_for(lambda: len(_runs(log, "accounts.run_follow_up")) >= 8, 60, "the second deliveries", log)
    finally:
        stop_worker(worker)

    assert sorted(_runs(log, "accounts.run_follow_up")) == ["False"] * 4 + ["True"] * 4
    assert count(db, "accounts_followup", "attempts = 1") == 4
