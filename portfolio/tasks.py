"""Thin tasks: JSON arguments in, a service call, nothing else."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(
    name="portfolio.recompute_account_health",
    autoretry_for=(OperationalError,), retry_backoff=10, retry_backoff_max=600, retry_jitter=True, max_retries=5,
    soft_time_limit=60, time_limit=90,
)
def recompute_account_health(account_id: int) -> None:
    services.account_health_recompute(account_id=account_id)


@shared_task(
    name="portfolio.recompute_all_accounts",
    autoretry_for=(OperationalError,), retry_backoff=60, retry_backoff_max=600, retry_jitter=True, max_retries=3,
    # A thousand accounts take two seconds (bench/results.md); the limit leaves room for
    # a hundred times as many, and stays below the broker's visibility timeout (settings).
    soft_time_limit=240, time_limit=300,
)
def recompute_all_accounts() -> int:
    """Nightly: every account's trends and health. Idempotent; a retry starts over."""
    return services.accounts_recompute_all()
