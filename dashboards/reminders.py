"""The dashboard's reminder: after a quarter ends, each account manager of an account
whose results for that quarter are missing is reminded to log them — once per manager,
account and quarter (the claim in ``notifications`` sees to "once")."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from accounts.models import Membership, Side
from accounts.quarters import Quarter
from notifications.reminders import Reminder, ReminderKind

from .models import MetricDefinition, MetricResult

KIND = "results_missing"


def results_missing_due(today: dt.date) -> list[Reminder]:
    quarter = Quarter.containing(today).previous()
    logged = MetricResult.objects.filter(metric=OuterRef("pk"), quarter=quarter).filter(
        Q(metric__data_owner=Side.HOME, home_value__isnull=False)
        | Q(metric__data_owner=Side.PARTNER, partner_value__isnull=False)
    )
    missing = {
        row["account_id"]: row
        for row in MetricDefinition.objects.active().filter(~Exists(logged))
        .values("account_id").annotate(missing=Count("pk"), partners=Count("pk", filter=Q(data_owner=Side.PARTNER)))
    }
    if not missing:
        return []
    managers = Membership.objects.filter(
        account_id__in=list(missing), role=Membership.Role.ACCOUNT_MANAGER, side=Side.HOME, user__is_active=True
    ).select_related("account")
    reminders = []
    for membership in managers:
        account, counts = membership.account, missing[membership.account_id]
        body = f"{counts['missing']} result{'s' if counts['missing'] != 1 else ''} for {quarter.label} " \
               f"{'are' if counts['missing'] != 1 else 'is'} not logged yet for {account.name}"
        if counts["partners"]:
            body += f" ({counts['partners']} of them the partner firm's to enter)"
        reminders.append(Reminder(
            user_id=membership.user_id, kind=KIND, subject_key=f"account:{account.pk}", period=str(quarter),
            title=f"Log the {quarter} results for {account.name}", body=body + ".",
            link=reverse("dashboards:entry", args=[account.slug, quarter]), account_id=account.pk,
        ))
    return reminders


RESULTS_MISSING = ReminderKind(
    key=KIND, label="Quarterly results to log", due=results_missing_due,
    description="After a quarter ends, for account managers of accounts whose results are missing.",
)
