"""End to end on a real Celery worker and a real Redis: a reminder is enqueued, a worker
process picks it up and delivers it — once, however often it is enqueued.

Both processes use a SQLite file of their own and the file e-mail backend, so this test
can look at what the worker did from the outside (tests/worker_helpers.py)."""

from __future__ import annotations

import sqlite3

import pytest

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
