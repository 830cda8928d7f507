"""The registry of reminder kinds.

A kind knows *who is due a reminder on a given day*; this app knows how to deliver a
reminder exactly once. Each app registers its kinds in its ``AppConfig.ready()``, so
this app never imports the apps above it:

    from notifications.reminders import ReminderKind, register

    register(ReminderKind(key="results_missing", label="Quarterly results to log", due=results_missing_due))

``due(today)`` returns (or yields) :class:`Reminder` values and must not write. A reminder's
identity is ``(user_id, kind, subject_key, period)``: that tuple is claimed once, ever.
Choose ``period`` to say how often a person may hear about the same subject — the
quarter for quarterly reminders, the meeting's date for a meeting, the ISO week
(``2026-W07``) for "at most weekly".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Reminder:
    user_id: int
    kind: str
    subject_key: str
    period: str
    title: str
    body: str
    link: str = ""  # relative, e.g. /accounts/helix/dashboard/2026-Q1/
    account_id: int | None = None

    @property
    def claim_key(self) -> tuple[int, str, str, str]:
        return (self.user_id, self.kind, self.subject_key, self.period)


@dataclass(frozen=True)
class ReminderKind:
    key: str
    label: str  # shown on the preferences page: "Quarterly results to log"
    due: Callable[[dt.date], Iterable[Reminder]]
    description: str = ""


_KINDS: dict[str, ReminderKind] = {}


def register(kind: ReminderKind) -> ReminderKind:
    """Add a kind; registering the same key again replaces it (harmless on reload)."""
    _KINDS[kind.key] = kind
    return kind


def registered_kinds() -> list[ReminderKind]:
    return sorted(_KINDS.values(), key=lambda k: k.label)


def kind_label(key: str) -> str:
    kind = _KINDS.get(key)
    return kind.label if kind else key


def iso_week(day: dt.date) -> str:
    """The period for reminders sent at most weekly: ``2026-W07``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
