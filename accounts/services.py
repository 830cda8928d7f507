"""Writes to accounts and memberships. Views and the API call these, never the ORM."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .concurrency import save_checked, save_versioned
from .models import LevelChange, Membership, PartnerAccount, User

ACCOUNT_FIELDS = (
    "name", "slug", "kind", "level", "target_level", "industry", "region",
    "annual_value", "currency", "description", "strategy_pillars",
)


def _record_level_change(account: PartnerAccount, *, by: User | None, previous: tuple | None, note: str = "") -> None:
    LevelChange.objects.create(
        account=account,
        effective_on=timezone.localdate(),
        level=account.level,
        target_level=account.target_level,
        previous_level=previous[0] if previous else None,
        previous_target_level=previous[1] if previous else None,
        note=note,
        changed_by=by,
    )


@transaction.atomic
def account_create(*, by: User | None, **fields) -> PartnerAccount:
    account = PartnerAccount(**fields)
    account._history_user = by
    account.full_clean()
    account.save()
    _record_level_change(account, by=by, previous=None, note="Account created")
    from .signals import account_created

    account_created.send(sender=PartnerAccount, account=account, by=by)
    return account


@transaction.atomic
def account_update(*, account: PartnerAccount, by: User | None, level_note: str = "", **fields) -> PartnerAccount:
    """Change an account's details as they were at ``account.version`` (someone else's
    change since is an EditConflict); a change of level or target is dated in its history."""
    previous = PartnerAccount.objects.select_for_update().values_list("level", "target_level").get(pk=account.pk)
    for name, value in fields.items():
        if name not in ACCOUNT_FIELDS:
            raise TypeError(f"{name} is not an editable account field")
        setattr(account, name, value)
    save_versioned(account, by=by, what="the account's details")
    if (account.level, account.target_level) != tuple(previous):
        _record_level_change(account, by=by, previous=tuple(previous), note=level_note)
    return account


@transaction.atomic
def membership_save(*, membership: Membership, by: User | None) -> Membership:
    # Two people giving the same login access at once: the second is told, like one after.
    return save_checked(membership, by=by)


@transaction.atomic
def membership_remove(*, membership: Membership, by: User | None) -> None:
    membership._history_user = by
    membership.delete()
