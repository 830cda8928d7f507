"""E-mail goes out once even when the worker is killed mid-run: a real worker, a real
Redis and a real SMTP server (aiosmtpd) started by the test.

Fifteen reminders are due. The SMTP server takes in the third message and, before it
answers 250, the worker is killed with SIGKILL — the one window SMTP leaves open: the
server has the message, the worker never learnt so. A new worker runs the reminders
again, then, once the lease is over, the e-mails still unconfirmed. Every person must
have received exactly one message (one Message-ID) and one notification in the app; the
third person's message arrives twice at the server, with the same Message-ID, which mail
clients that deduplicate show once. The raw count is printed."""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import threading
import time
from collections import defaultdict

import pytest

from .worker_helpers import count, manage, redis_or_skip, start_worker, stop_worker, wait_for, worker_environment

PEOPLE = 15
KILL_AT = 3  # the SMTP server holds its answer to this message until the worker is dead
LEASE_SECONDS = 15  # the second worker's reminder run comes well within it
SETUP = f"""
from accounts.models import Membership, PartnerAccount, User
from dashboards.services import metric_template_apply
helix = PartnerAccount.objects.create(name="Helix Components", slug="helix", kind="customer")
metric_template_apply(account=helix, by=None)
for n in range({PEOPLE}):
    user = User.objects.create_user(f"manager{{n}}", f"manager{{n}}@example.com", "x")
    Membership.objects.create(user=user, account=helix, side="home", role="account_manager")
"""
REMINDERS = "from notifications.tasks import send_due_reminders; send_due_reminders.delay('2026-04-02')"
PENDING = "from notifications.tasks import send_pending_email; send_pending_email.delay()"


class MailServer:
    """Keeps each message the moment it has received it all, as a real server queues it
    before its 250; the ``KILL_AT``-th waits to be answered until ``answer`` is set."""

    def __init__(self):
        self.received: list[tuple[str, str]] = []  # (recipient, Message-ID)
        self.answer = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        for recipient in envelope.rcpt_tos:
            self.received.append((recipient, message["Message-ID"]))
        if len(self.received) == KILL_AT:
            await asyncio.get_running_loop().run_in_executor(None, self.answer.wait, 60)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_a_worker_killed_mid_run_leaves_everyone_one_email_and_one_notification(tmp_path):
    redis_or_skip()
    from aiosmtpd.controller import Controller

    mail_server = MailServer()
    smtp = Controller(mail_server, hostname="127.0.0.1", port=free_port())
    smtp.start()
    # No EMAIL_BACKEND: naming the mail server is enough for SMTP, as under `make run`.
    env = worker_environment(tmp_path, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port), EMAIL_TIMEOUT="10",
                             TANDEM_EMAIL_LEASE_SECONDS=str(LEASE_SECONDS))
    db = tmp_path / "worker.sqlite3"
    log = tmp_path / "worker.log"
    workers = []
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "shell", "-c", SETUP)

        workers.append(start_worker(env, log))
        manage(env, "shell", "-c", REMINDERS)
        wait_for(lambda: len(mail_server.received) >= KILL_AT, 60, f"{KILL_AT} messages at the SMTP server", log)
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait()
        killed_at = time.monotonic()
        mail_server.answer.set()
        assert count(db, "notifications_notification") == PEOPLE  # every claim committed before any send
        assert count(db, "notifications_outgoingemail", "status = 'sending'") == 1

        workers.append(start_worker(env, log))
        manage(env, "shell", "-c", REMINDERS)
        wait_for(lambda: count(db, "notifications_outgoingemail", "status = 'sent'") >= PEOPLE - 1, 60,
                 "the e-mails never tried", log)
        if time.monotonic() < killed_at + LEASE_SECONDS:  # as it should be, unless the machine crawls
            assert count(db, "notifications_outgoingemail", "status = 'sending'") == 1  # its lease holds
        time.sleep(max(0.0, killed_at + LEASE_SECONDS + 0.5 - time.monotonic()))
        manage(env, "shell", "-c", PENDING)
        wait_for(lambda: count(db, "notifications_outgoingemail", "status = 'sent'") == PEOPLE, 60,
                 "the unconfirmed e-mail, once its lease is over", log)
        manage(env, "shell", "-c", REMINDERS)  # and once more: nothing new
        wait_for(lambda: log.read_text().count("succeeded in") >= 3, 60, "three runs", log)
    finally:
        mail_server.answer.set()
        for worker in workers:
            stop_worker(worker)
        smtp.stop()

    message_ids = defaultdict(set)
    for recipient, message_id in mail_server.received:
        message_ids[recipient].add(message_id)
    print(f"\nSMTP deliveries: {len(mail_server.received)} for {PEOPLE} reminders, "
          f"{len({m for ids in message_ids.values() for m in ids})} distinct Message-IDs")
    assert sorted(message_ids) == sorted(f"manager{n}@example.com" for n in range(PEOPLE))
    assert all(len(ids) == 1 for ids in message_ids.values()), message_ids
    # The one message in the window reached the server twice, as one Message-ID.
    assert len(mail_server.received) == PEOPLE + 1
    assert count(db, "notifications_notification") == count(db, "notifications_reminderclaim") == PEOPLE
    assert count(db, "notifications_notification", "emailed_at IS NOT NULL") == PEOPLE
