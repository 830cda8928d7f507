"""The plan's reminders.

- Before a meeting: every attendee with a login who may see the meeting gets its date,
  its agenda and a link — once per person and meeting (a moved meeting is announced
  again, for its new date).
- Overdue actions: each owner with a login hears, at most once a week per account, which
  of their actions are past due.

Who "may see" is the access rule of the pages: a current member of the account (or a
user who sees every account), and for internal account meetings and their actions the
home firm only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.text import Truncator

from accounts.models import Membership, Side, User
from notifications.reminders import Reminder, ReminderKind, iso_week

from .models import Action, AgendaItem, Meeting, RosterEntry

MEETING_KIND = "meeting_agenda"
OVERDUE_KIND = "actions_overdue"


def _sides_by_member(account_ids) -> dict[tuple[int, int], str]:
    """(user id, account id) → side, for active members of these accounts."""
    return {
        (user_id, account_id): side
        for user_id, account_id, side in Membership.objects.filter(
            account_id__in=account_ids, user__is_active=True
        ).values_list("user_id", "account_id", "side")
    }


def _everywhere_users(user_ids) -> set[int]:
    """Those of these users who see every account without being members."""
    return {user.pk for user in User.objects.filter(pk__in=user_ids, is_active=True) if user.sees_every_account}


def _may_see(user_id: int, account_id: int, *, internal: bool, sides, everywhere) -> bool:
    side = sides.get((user_id, account_id))
    if side is None:
        return user_id in everywhere
    return side == Side.HOME or not internal


def meeting_agenda_due(today: dt.date) -> list[Reminder]:
    horizon = today + dt.timedelta(days=settings.TANDEM_MEETING_REMINDER_DAYS)
    meetings = list(
        Meeting.objects.filter(held_on__gte=today, held_on__lte=horizon)
        .select_related("account")
        .prefetch_related(
            Prefetch("attendees", queryset=RosterEntry.objects.filter(user__isnull=False)),
            Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("position", "pk")),
        )
    )
    if not meetings:
        return []
    sides = _sides_by_member({meeting.account_id for meeting in meetings})
    everywhere = _everywhere_users({person.user_id for meeting in meetings for person in meeting.attendees.all()})
    reminders = []
    for meeting in meetings:
        account = meeting.account
        agenda = [item.title for item in meeting.agenda_items.all()]
        if agenda:
            body = "Agenda:\n" + "\n".join(f"{n}. {Truncator(title).chars(120)}" for n, title in enumerate(agenda, 1))
        else:
            body = "No agenda yet: the account manager can propose one from the dashboard, scorecards and plan."
        where = f" ({meeting.location})" if meeting.location else ""
        for person in meeting.attendees.all():
            if not _may_see(person.user_id, account.pk, internal=meeting.is_internal, sides=sides,
                            everywhere=everywhere):
                continue
            reminders.append(Reminder(
                user_id=person.user_id, kind=MEETING_KIND, subject_key=f"meeting:{meeting.pk}",
                period=meeting.held_on.isoformat(),
                title=f"{meeting.get_kind_display()} with {account.name} on {meeting.held_on:%a %d %b %Y}{where}",
                body=body, link=reverse("plans:meeting", args=[account.slug, meeting.pk]), account_id=account.pk,
            ))
    return reminders


def overdue_actions_due(today: dt.date) -> list[Reminder]:
    overdue = list(
        Action.objects.overdue(today).filter(owner__user__isnull=False, owner__user__is_active=True)
        .select_related("account", "owner", "meeting").order_by("account_id", "due_on", "pk")
    )
    if not overdue:
        return []
    sides = _sides_by_member({action.account_id for action in overdue})
    everywhere = _everywhere_users({action.owner.user_id for action in overdue})
    by_owner: dict[tuple[int, int], list[Action]] = defaultdict(list)
    for action in overdue:
        internal = action.meeting is not None and action.meeting.is_internal
        if _may_see(action.owner.user_id, action.account_id, internal=internal, sides=sides, everywhere=everywhere):
            by_owner[(action.owner.user_id, action.account_id)].append(action)
    reminders = []
    for (user_id, _), actions in by_owner.items():
        account, count = actions[0].account, len(actions)
        lines = "\n".join(
            f"- {Truncator(action.title).chars(120)} (due {action.due_on:%d %b %Y}, {(today - action.due_on).days} "
            f"days ago)" for action in actions
        )
        reminders.append(Reminder(
            user_id=user_id, kind=OVERDUE_KIND, subject_key=f"account:{account.pk}", period=iso_week(today),
            title=f"{count} overdue action{'s' if count != 1 else ''} for {account.name}",
            body=f"These actions you own are past their due date:\n{lines}\n"
                 "Mark them done, or note what blocks them so the next review can help.",
            link=reverse("plans:plan", args=[account.slug]), account_id=account.pk,
        ))
    return reminders


MEETING_AGENDA = ReminderKind(
    key=MEETING_KIND, label="Upcoming meetings and their agenda", due=meeting_agenda_due,
    description="A few days before a review meeting, for the attendees who have a login.",
)
ACTIONS_OVERDUE = ReminderKind(
    key=OVERDUE_KIND, label="Overdue actions I own", due=overdue_actions_due,
    description="At most once a week, for owners of actions past their due date.",
)
