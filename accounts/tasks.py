"""Thin tasks: JSON arguments in, a service call, nothing else."""

from __future__ import annotations

from celery import shared_task

from . import background


# While the database is away nothing can be claimed or recorded: the same message tries
# again, every 5 s doubling to a minute, and takes up the row it had claimed.
@shared_task(
    bind=True, name="accounts.run_follow_up",
    autoretry_for=background.DATABASE_AWAY, retry_backoff=5, retry_backoff_max=60, retry_jitter=False, max_retries=30,
)
def run_follow_up(self, follow_up_id: int) -> bool:
    """Run one recorded follow-up, once however often its message arrives. Its time
    limits are those of the task it runs, given when it is dispatched."""
    return background.follow_up_run(follow_up_id=follow_up_id, claim=self.request.id or "")


@shared_task(name="accounts.dispatch_follow_ups")
def dispatch_follow_ups(worker_start: bool = False) -> int:
    """Every minute, and when a worker (re)connects to the broker: hand over the follow-ups that are due."""
    return background.follow_ups_dispatch_due(worker_start=worker_start)
