"""Reads that assemble what the account pages show, in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain

from django.db.models import QuerySet

from .access import visible_accounts
from .models import Membership, PartnerAccount, User


@dataclass
class AccountCard:
    account: PartnerAccount
    membership: Membership | None


def my_account_cards(user: User) -> list[AccountCard]:
    """The accounts on a user's home page, each with the user's own role in it."""
    accounts = list(visible_accounts(user).order_by("name"))
    roles = {m.account_id: m for m in Membership.objects.filter(user=user)}
    return [AccountCard(account, roles.get(account.pk)) for account in accounts]


def account_people(account: PartnerAccount) -> QuerySet[Membership]:
    return account.memberships.select_related("user").order_by("side", "role", "user__username")


@dataclass
class HistoryEntry:
    when: object
    who: object
    what: str
    changes: list[tuple[str, object, object]]


# Bookkeeping that changes with every save and says nothing the entry does not.
# (Who entered a figure is the entry's "who".)
SKIPPED_FIELDS = {"updated_at", "created_at", "set_at", "set_by", "created_by", "version", "home_version",
                  "partner_version", "home_entered_at", "partner_entered_at", "home_entered_by", "partner_entered_by"}


def _shown(value):
    """Figures as people write them: 98.5, not 98.5000."""
    return f"{value.normalize():f}" if isinstance(value, Decimal) else value


def history_entries(records, describe) -> list[HistoryEntry]:
    """Turn simple-history records into readable entries, diffing each record against
    the previous one of the same object in memory (no query per record)."""
    records = sorted(records, key=lambda r: (r.history_date, r.history_id))
    previous_by_object = {}
    entries = []
    for record in records:
        previous = previous_by_object.get(record.id)
        changes = []
        if record.history_type == "~" and previous is not None:
            # Many-to-many diffs would cost a query per record.
            delta = record.diff_against(previous, excluded_fields=[f.name for f in record.instance._meta.many_to_many])
            changes = [
                (record.instance._meta.get_field(c.field).verbose_name, _shown(c.old), _shown(c.new))
                for c in delta.changes
                if c.field not in SKIPPED_FIELDS
            ]
        previous_by_object[record.id] = record
        if record.history_type == "~" and previous is not None and not changes:
            continue  # only bookkeeping changed
        action = {"+": "created", "~": "changed", "-": "deleted"}[record.history_type]
        entries.append(
            HistoryEntry(record.history_date, record.history_user, f"{describe(record)} {action}", changes)
        )
    return entries


HistorySource = Callable[[PartnerAccount, int], Iterable[HistoryEntry]]
_HISTORY_SOURCES: dict[str, HistorySource] = {}


def register_history_source(key: str, source: HistorySource) -> None:
    """Let an app above add its records to the account's History page (called from its
    ``AppConfig.ready()``): ``source(account, limit)`` returns at most ``limit`` entries
    from a fixed number of queries. The page is the home firm's, so a source may include
    internal records — but nothing that another rule, such as the scorecards' blind rule,
    keeps from the home firm."""
    _HISTORY_SOURCES[key] = source


def latest_records(model, limit: int, **filters):
    """The newest ``limit`` history records of ``model`` matching ``filters``."""
    return model.history.filter(**filters).select_related("history_user").order_by("-history_date")[:limit]


def account_history(account: PartnerAccount, limit: int = 200) -> list[HistoryEntry]:
    """Who changed what in the account, its memberships and (through the registered
    sources) its dashboard and plan, newest first."""
    account_records = account.history.select_related("history_user")
    membership_records = Membership.history.filter(account_id=account.pk).select_related(
        "history_user", "user"
    )
    entries = chain(
        history_entries(account_records, lambda r: "Account details"),
        history_entries(
            membership_records,
            lambda r: f"{r.user}'s membership ({r.get_role_display()}, {r.get_side_display()})",
        ),
        *(source(account, limit) for source in _HISTORY_SOURCES.values()),
    )
    return sorted(entries, key=lambda e: e.when, reverse=True)[:limit]
