"""Thin tasks: JSON arguments in, a service call, nothing else."""

from __future__ import annotations

import datetime as dt
from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from . import services

# Worth another try later: the database was busy or away, the mail server did not answer.
# Anything else is a bug, and retrying a bug only repeats it.
TRANSIENT_ERRORS = (OperationalError, SMTPException, ConnectionError, TimeoutError)


@shared_task(
    name="notifications.send_due_reminders",
    autoretry_for=TRANSIENT_ERRORS, retry_backoff=30, retry_backoff_max=600, retry_jitter=True, max_retries=6,
    soft_time_limit=600, time_limit=660,
)
def send_due_reminders(today: str | None = None) -> int:
    """Send the reminders due on ``today`` (ISO date; the local date by default).
    Idempotent: what was sent before is claimed and skipped."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    return len(services.reminders_send(day))


@shared_task(name="notifications.send_pending_email", soft_time_limit=600, time_limit=660)
def send_pending_email() -> int:
    """Every few minutes: send the e-mails still due — one that failed, or whose worker
    died before it was confirmed (once its lease is over). No automatic retry: the next
    run is the retry, and an address the server refuses is tried once per run, not more."""
    return services.outgoing_emails_send()
