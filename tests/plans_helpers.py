"""Building blocks for the plan tests: people, topics, actions and meetings made through
the services, as the pages make them."""

import datetime as dt

from django.utils import timezone

from accounts.models import Side
from plans import services
from plans.models import Action, Meeting, RosterEntry, Topic


def person(account, name, *, side=Side.HOME, role=RosterEntry.Role.FUNCTIONAL_CONTACT, user=None, function="Sales"):
    return services.roster_entry_save(
        entry=RosterEntry(account=account, name=name, side=side, role=role, user=user, function=function), by=None
    )


def topic(account, title, *, status=Topic.Status.LONG_LIST, horizon=Topic.Horizon.LONG_TERM, owners=None):
    return services.topic_save(topic=Topic(
        account=account, title=title, status=status, horizon=horizon,
        home_benefit=f"{title}: our gain", partner_benefit=f"{title}: their gain",
    ), by=None, owners=owners)


def action(account, title, owner, *, days=10, status=Action.Status.OPEN, meeting=None, topic=None):
    return services.action_save(action=Action(
        account=account, title=title, owner=owner, due_on=timezone.localdate() + dt.timedelta(days=days),
        status=status, meeting=meeting, topic=topic,
    ), by=None)


def meeting(account, *, kind=Meeting.Kind.QUARTERLY_REVIEW, days=14, **fields):
    return services.meeting_save(
        meeting=Meeting(account=account, kind=kind, held_on=timezone.localdate() + dt.timedelta(days=days), **fields),
        by=None,
    )
