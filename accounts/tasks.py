"""Thin tasks: JSON arguments in, a service call, nothing else."""

from __future__ import annotations

from celery import shared_task

from . import background


@shared_task(name="accounts.run_follow_up")
def run_follow_up(follow_up_id: int) -> bool:
    """Run one recorded follow-up, once however often its message arrives. Its time
    limits are those of the task it runs, given when it is dispatched."""
    return background.follow_up_run(follow_up_id=follow_up_id)


@shared_task(name="accounts.dispatch_follow_ups")
def dispatch_follow_ups(worker_start: bool = False) -> int:
    """Every minute, and when a worker starts: hand over the follow-ups that are due."""
    return background.follow_ups_dispatch_due(worker_start=worker_start)
