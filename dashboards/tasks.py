"""Thin tasks: JSON arguments in, a service call, nothing else."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(
    name="dashboards.recompute_account_trends",
    autoretry_for=(OperationalError,), retry_backoff=10, retry_backoff_max=600, retry_jitter=True, max_retries=5,
    soft_time_limit=60, time_limit=90,
)
def recompute_account_trends(account_id: int) -> int:
    """Recompute one account's metric trends. Idempotent: it overwrites what it computes."""
    return services.metric_trends_recompute(account_id=account_id)
