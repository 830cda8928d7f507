"""The scorecard reminder: after a quarter ends, each side's executive champion who has
not submitted that quarter's scorecard is reminded — once per champion, account and
quarter. The text says nothing about the other side's scorecard (the blind rule)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from accounts.models import Membership
from accounts.quarters import Quarter
from notifications.reminders import Reminder, ReminderKind

from .models import Assessment

KIND = "scorecard_missing"


def scorecard_missing_due(today: dt.date) -> list[Reminder]:
    quarter = Quarter.containing(today).previous()
    submitted = set(
        Assessment.objects.filter(quarter=quarter, status=Assessment.Status.SUBMITTED).values_list("account_id", "side")
    )
    champions = Membership.objects.filter(
        role=Membership.Role.EXECUTIVE_CHAMPION, user__is_active=True
    ).select_related("account")
    reminders = []
    for membership in champions:
        if (membership.account_id, membership.side) in submitted:
            continue
        account = membership.account
        reminders.append(Reminder(
            user_id=membership.user_id, kind=KIND, subject_key=f"account:{account.pk}:{membership.side}",
            period=str(quarter), title=f"Submit your {quarter} scorecard for {account.name}",
            body=f"{quarter.label} has ended and your champion's scorecard for {account.name} is not submitted yet. "
                 "Rate each dimension and say what you will do next.",
            link=reverse("scorecards:assessment", args=[account.slug, quarter]), account_id=account.pk,
        ))
    return reminders


SCORECARD_MISSING = ReminderKind(
    key=KIND, label="Champion scorecards to submit", due=scorecard_missing_due,
    description="After a quarter ends, for executive champions (both firms) who have not submitted.",
)
