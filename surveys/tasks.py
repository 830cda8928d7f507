"""Thin tasks: JSON arguments in, a service call, nothing else. Both are idempotent:
each e-mail is claimed on its invitation row before it goes out."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from notifications.tasks import TRANSIENT_ERRORS

from . import services


@shared_task(
    name="surveys.send_round_invitations",
    autoretry_for=TRANSIENT_ERRORS, retry_backoff=30, retry_backoff_max=600, retry_jitter=True, max_retries=6,
    soft_time_limit=600, time_limit=660,
)
def send_round_invitations(round_id: int) -> int:
    """E-mail the personal links of one round that have not gone out yet."""
    return services.round_invitations_send(round_id=round_id)


@shared_task(
    name="surveys.send_due_survey_mail",
    autoretry_for=TRANSIENT_ERRORS, retry_backoff=30, retry_backoff_max=600, retry_jitter=True, max_retries=6,
    soft_time_limit=600, time_limit=660,
)
def send_due_survey_mail(today: str | None = None) -> dict:
    """Hourly in the working day: close rounds past their last day, catch up on invitations,
    send reminders."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    run = services.survey_mail_send_due(day)
    return {"closed": run.closed, "invited": run.invited, "reminded": run.reminded}
