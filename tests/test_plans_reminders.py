"""The plan's reminders: attendees hear about a meeting (with its agenda) a few days
before it, and owners of overdue actions hear about them at most once a week. Both go
out once, to people who may still see the account — and the plan feeds the portfolio's
health roll-up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Membership, Side
from notifications.models import Notification
from notifications.reminders import iso_week
from notifications.services import reminders_due, reminders_send
from plans import services
from plans.models import Action, AgendaItem, Meeting
from portfolio.models import AccountHealth
from portfolio.services import account_health_recompute

from .plans_helpers import action, meeting, person


@pytest.fixture
def today():
    """The day the test runs. Read at import, it would be the day the suite was collected:
    a run that passes midnight would then ask about yesterday, while the meetings and
    actions below are dated from the day they are made."""
    return timezone.localdate()


def due(kind, today):
    return sorted((r.user_id, r.period) for r in reminders_due(today) if r.kind == kind)


@pytest.fixture
def review(cast, settings):
    """A quarterly review in three days, attended by the account manager, the partner
    champion and somebody without a login; with a two-point agenda."""
    settings.TANDEM_MEETING_REMINDER_DAYS = 3
    account = cast.account
    attendees = [
        person(account, "Mia Manager", user=cast["manager"]),
        person(account, "Pia Partner", side=Side.PARTNER, user=cast["partner_champion"]),
        person(account, "Nina No-login", side=Side.PARTNER),
    ]
    held = meeting(account, days=3, location="Helix HQ")
    held.attendees.set(attendees)
    for position, title in enumerate(["Defect rate left the Green Zone", "Joint roadmap"]):
        AgendaItem.objects.create(meeting=held, position=position, title=title)
    return cast, held


def test_attendees_with_a_login_are_reminded_a_configurable_number_of_days_before(review, settings, today):
    cast, held = review
    expected = sorted([(cast["manager"].pk, held.held_on.isoformat()),
                       (cast["partner_champion"].pk, held.held_on.isoformat())])
    assert due("meeting_agenda", today) == expected
    assert due("meeting_agenda", today - dt.timedelta(days=1)) == []  # four days before: not yet
    settings.TANDEM_MEETING_REMINDER_DAYS = 7
    assert due("meeting_agenda", today - dt.timedelta(days=4)) == expected
    assert due("meeting_agenda", held.held_on + dt.timedelta(days=1)) == []  # after it: too late


def test_the_meeting_reminder_carries_the_agenda_and_its_link_and_goes_out_once(review, settings, today):
    settings.TANDEM_BASE_URL = "https://tandem.example.com"
    cast, held = review
    sent = [n for n in reminders_send(today) if n.kind == "meeting_agenda"]
    assert len(sent) == 2
    note = Notification.objects.get(user=cast["partner_champion"], kind="meeting_agenda")
    assert note.link == f"/accounts/helix/plan/meetings/{held.pk}/"
    assert "Quarterly review with Helix Components" in note.title and "Helix HQ" in note.title
    assert "1. Defect rate left the Green Zone" in note.body and "2. Joint roadmap" in note.body
    message = next(m for m in mail.outbox if m.to == [cast["partner_champion"].email] and "review" in m.subject)
    assert f"https://tandem.example.com/accounts/helix/plan/meetings/{held.pk}/" in message.body
    assert "Joint roadmap" in message.body
    # The job runs every morning until the meeting: nothing new.
    assert [n for n in reminders_send(today + dt.timedelta(days=1)) if n.kind == "meeting_agenda"] == []


def test_a_moved_meeting_is_announced_again_for_its_new_date(review, today):
    cast, held = review
    reminders_send(today)
    held.held_on += dt.timedelta(days=1)
    services.meeting_save(meeting=held, by=cast["manager"])
    again = [n for n in reminders_send(today + dt.timedelta(days=1)) if n.kind == "meeting_agenda"]
    assert {n.user_id for n in again} == {cast["manager"].pk, cast["partner_champion"].pk}


def test_an_attendee_removed_from_the_account_is_not_reminded_and_the_link_is_a_404(review, client, today):
    cast, held = review
    Membership.objects.filter(user=cast["partner_champion"]).delete()
    assert due("meeting_agenda", today) == [(cast["manager"].pk, held.held_on.isoformat())]
    client.force_login(cast["partner_champion"])
    assert client.get(f"/accounts/helix/plan/meetings/{held.pk}/").status_code == 404


def test_the_partner_firm_never_hears_of_an_internal_meeting(review, today):
    cast, held = review
    held.kind = Meeting.Kind.INTERNAL
    held.save()
    assert due("meeting_agenda", today) == [(cast["manager"].pk, held.held_on.isoformat())]


@pytest.fixture
def overdue(cast):
    account = cast.account
    owner = person(account, "Cleo Contributor", user=cast["contributor"])
    late = [action(account, "Send the audit report", owner, days=-9),
            action(account, "Book the plant visit", owner, days=-2)]
    action(account, "Already done", owner, days=-5, status=Action.Status.DONE)
    action(account, "Not due yet", owner, days=5)
    action(account, "Nobody's login", person(account, "Otto Offline"), days=-3)
    return cast, late


def test_owners_of_overdue_actions_get_one_reminder_per_account_listing_them(overdue, today):
    cast, late = overdue
    assert due("actions_overdue", today) == [(cast["contributor"].pk, iso_week(today))]
    note = next(n for n in reminders_send(today) if n.kind == "actions_overdue")
    assert note.title == "2 overdue actions for Helix Components"
    assert "Send the audit report" in note.body and "9 days ago" in note.body
    assert "Book the plant visit" in note.body
    assert "Already done" not in note.body and "Not due yet" not in note.body
    assert note.link == "/accounts/helix/plan/"


def test_overdue_actions_are_reminded_at_most_weekly(overdue, today):
    cast, _ = overdue
    monday = today - dt.timedelta(days=today.weekday())
    assert len([n for n in reminders_send(monday) if n.kind == "actions_overdue"]) == 1
    assert [n for n in reminders_send(monday + dt.timedelta(days=4)) if n.kind == "actions_overdue"] == []
    next_week = [n for n in reminders_send(monday + dt.timedelta(days=7)) if n.kind == "actions_overdue"]
    assert [n.user_id for n in next_week] == [cast["contributor"].pk]


def test_done_actions_end_the_reminders(overdue, today):
    cast, late = overdue
    for item in late:
        services.action_update_progress(action=item, by=cast["contributor"], status=Action.Status.DONE, note="")
    assert due("actions_overdue", today) == []


def test_the_plan_feeds_the_health_roll_up(overdue, django_capture_on_commit_callbacks, settings):
    cast, _ = overdue
    settings.TANDEM_RECOMPUTE_DELAY_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        meeting(cast.account, days=-20)  # a quarterly review held twenty days ago
        meeting(cast.account, days=-5, kind=Meeting.Kind.INTERNAL)  # not a review
        meeting(cast.account, days=10)  # not held yet
    health = AccountHealth.objects.get(account=cast.account)  # recomputed after the commit
    assert (health.overdue_actions, health.days_since_review_meeting) == (3, 20)
    assert account_health_recompute(account_id=cast.other_account.pk).days_since_review_meeting is None
