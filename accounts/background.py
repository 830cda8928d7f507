"""Background follow-up work, the way every app asks for it: recorded in the database
with the change that calls for it (a transactional outbox), so that a broker outage
neither fails a save nor loses the work.

* ``enqueue_debounced`` records a :class:`~accounts.models.FollowUp` in the caller's
  transaction and hands it to the broker after the commit. A broker that cannot take it
  is logged, not raised: the row waits.
* ``follow_ups_dispatch_due`` (every minute from beat, and when a worker starts) hands
  over what is due and was never handed over, or was a while ago and has not started:
  its message was lost (the embedded broker drops the one a killed worker held).
* ``follow_up_run`` (the worker's side) claims the row once, so a second delivery of
  the same message does nothing, and runs the task; a failure is recorded and retried.

Recorded once, dispatched at least once, run once. The nightly recompute and the daily
survey mail still heal whatever a follow-up could not do.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from celery import current_app
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import FollowUp

log = logging.getLogger(__name__)

# A follow-up handed to the broker this long ago and still not started lost its message.
LOST_AFTER = timedelta(minutes=5)
# Longer than the hard time limit of any task (at most 660 s; tests/test_celery_worker.py
# holds every limit to it): one started this long ago and not finished had its worker
# killed under it, and is tried again within minutes.
ABANDONED_AFTER = timedelta(minutes=15)
# A follow-up that fails this many times is given up (its error stays on the row, and the
# nightly jobs redo its work); between attempts it waits 1, 2, 4… minutes, at most an hour.
MAX_ATTEMPTS = 8
KEEP_FINISHED = timedelta(days=3)
# At most this many are handed over per run, so that a run stays short after a long outage.
DISPATCH_BATCH = 1000


def enqueue_debounced(task, *, key: str, args: list, delay: int) -> None:
    """Run ``task(*args)`` ``delay`` seconds after this transaction commits — unless a
    follow-up with the same ``key`` is still waiting to start: it starts after this
    commit (its row stays locked until then), so it will see this change too. If the
    broker could not take that one yet, this commit hands it over.

    Call it inside the transaction that makes the change: the follow-up is committed,
    or rolled back, with it."""
    with transaction.atomic(savepoint=False):
        follow_up = FollowUp.objects.waiting().filter(key=key).select_for_update().first()
        if follow_up is None:
            follow_up = FollowUp.objects.create(
                task=task.name, args=args, key=key, run_after=timezone.now() + timedelta(seconds=delay)
            )
        elif follow_up.dispatched_at:
            return
        # Robust: a database that fails right after the commit must not turn the saved
        # change into an error page either; the dispatch job hands the row over later.
        transaction.on_commit(partial(_dispatch, follow_up.pk, follow_up.task, follow_up.run_after), robust=True)


def follow_up_run(*, follow_up_id: int) -> bool:
    """Run a follow-up's task unless it has started already (a second delivery of its
    message, a second dispatch). A failure is recorded on the row for a later attempt.
    Returns whether it ran."""
    claimed = FollowUp.objects.waiting().filter(pk=follow_up_id).update(
        started_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    follow_up = FollowUp.objects.get(pk=follow_up_id)
    try:
        current_app.tasks[follow_up.task](*follow_up.args)
    except Exception as error:  # noqa: BLE001 — any failure is recorded and retried, not raised
        log.exception("Follow-up %s (%s) failed on attempt %s.", follow_up.pk, follow_up.task, follow_up.attempts)
        _retry_later(follow_up, f"{error.__class__.__name__}: {error}")
    else:
        FollowUp.objects.filter(pk=follow_up.pk).update(done_at=timezone.now())
    return True


def follow_ups_dispatch_due(*, worker_start: bool = False) -> int:
    """Hand to the broker every follow-up that is due and waiting, but not one handed over
    in the last few minutes (its message is on its way) — except when a worker starts,
    which may follow a killed one. Also retries what a killed worker left unfinished and
    forgets finished follow-ups after a few days. Returns how many were handed over."""
    now = timezone.now()
    for follow_up in FollowUp.objects.unfinished().filter(started_at__lt=now - ABANDONED_AFTER):
        _retry_later(follow_up, "Interrupted: it started long ago and never finished (its worker stopped).")
    due = FollowUp.objects.unfinished().waiting().filter(run_after__lte=now).order_by("run_after")
    if not worker_start:
        due = due.filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - LOST_AFTER))
    handed_over = 0
    for follow_up_id, task_name, run_after in due.values_list("pk", "task", "run_after")[:DISPATCH_BATCH]:
        if not _dispatch(follow_up_id, task_name, run_after):
            break  # the broker is down: the rest wait for the next run
        handed_over += 1
    FollowUp.objects.filter(Q(done_at__lt=now - KEEP_FINISHED) | Q(failed_at__lt=now - KEEP_FINISHED)).delete()
    return handed_over


def follow_ups_due_count() -> int:
    """Follow-ups due and not done yet (waiting or running): the backlog /readyz shows."""
    return FollowUp.objects.unfinished().filter(run_after__lte=timezone.now()).count()


def _dispatch(follow_up_id: int, task_name: str, run_after: datetime) -> bool:
    """Hand one follow-up to the broker; False, logged, when the broker cannot take it."""
    from .tasks import run_follow_up

    task = current_app.tasks.get(task_name)
    countdown = (run_after - timezone.now()).total_seconds()
    try:
        run_follow_up.apply_async(
            args=[follow_up_id], countdown=countdown if countdown > 0 else None,
            # One try, at once: the row waits for the next dispatch run, not the page for the broker.
            retry=True, retry_policy={"max_retries": 0},
            # The runner has the time the task itself is allowed.
            soft_time_limit=getattr(task, "soft_time_limit", None), time_limit=getattr(task, "time_limit", None),
        )
    except Exception as error:  # noqa: BLE001 — whatever the broker's failure, the row waits
        log.warning("Could not hand follow-up %s (%s) to the broker, it waits for the next dispatch run: %s",
                    follow_up_id, task_name, error)
        return False
    FollowUp.objects.filter(pk=follow_up_id).update(dispatched_at=timezone.now())
    return True


def _retry_later(follow_up: FollowUp, error: str) -> None:
    now = timezone.now()
    if follow_up.attempts >= MAX_ATTEMPTS:
        changes = {"failed_at": now}
    else:
        pause = timedelta(minutes=min(2 ** (follow_up.attempts - 1), 60))
        changes = {"started_at": None, "dispatched_at": None, "run_after": now + pause}
    FollowUp.objects.filter(pk=follow_up.pk).update(last_error=error[:2000], **changes)
