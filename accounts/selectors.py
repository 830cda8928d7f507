"""Reads that assemble what the account pages show, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
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


SKIPPED_FIELDS = {"updated_at", "created_at"}


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
            delta = record.diff_against(previous)
            changes = [
                (record.instance._meta.get_field(c.field).verbose_name, c.old, c.new)
                for c in delta.changes
                if c.field not in SKIPPED_FIELDS
            ]
        previous_by_object[record.id] = record
        action = {"+": "created", "~": "changed", "-": "deleted"}[record.history_type]
        entries.append(
            HistoryEntry(record.history_date, record.history_user, f"{describe(record)} {action}", changes)
        )
    return entries


def account_history(account: PartnerAccount, limit: int = 200) -> list[HistoryEntry]:
    """Who changed what in the account and its memberships, newest first."""
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
    )
    return sorted(entries, key=lambda e: e.when, reverse=True)[:limit]
