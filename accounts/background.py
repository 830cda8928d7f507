"""Enqueueing background work the way every app should: after the transaction commits,
and at most once per burst for work that is keyed (per account, say)."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)


def enqueue_debounced(task, *, key: str, args: list, delay: int) -> None:
    """Run ``task(*args)`` ``delay`` seconds after this transaction commits — unless the
    same ``key`` was already enqueued within the last ``delay`` seconds: that run, which
    starts after this commit, will see this change too. With ``delay`` 0, no debounce.

    A broker that is down must not turn a saved form into an error page: the change is
    committed, and the nightly recompute will catch up, so the failure is only logged."""

    def send():
        if delay and not cache.add(f"tandem:debounce:{key}", 1, timeout=delay):
            return
        try:
            task.apply_async(args=args, countdown=delay or None)
        except Exception:  # noqa: BLE001 — any broker failure; see the docstring
            log.exception("Could not enqueue %s for %s; the nightly run will catch up.", task.name, key)

    transaction.on_commit(send)
