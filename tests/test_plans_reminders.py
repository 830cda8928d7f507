"""The plan's reminders: attendees hear about a meeting (with its agenda) a few days
before it, and owners of overdue actions hear about them at most once a week. Both go
out once, to people who may still see the account — and the plan feeds the portfolio's
health roll-up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Side
from notifications.models import Notification
from notifications.reminders import iso_week
from notifications.services import reminders_due, reminders_send
from plans import services
from plans.models import Action, AgendaItem, Meeting
from portfolio.models import AccountHealth
from portfolio.services import account_health_recompute

from .api_helpers import api, token_client
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


def test_a_line_break_stored_in_a_location_goes_out_as_a_space_and_holds_back_no_other_meeting(review, today):
    """Stored before the form refused it: the subject is put on one line when it is sent,
    so no header is added and the header is valid — and every other meeting's reminder
    of the same run goes out too."""
    cast, held = review
    steering = meeting(cast.account, kind=Meeting.Kind.STEERING_TEAM, days=2)
    steering.attendees.set(held.attendees.all())
    Meeting.objects.filter(pk=steering.pk).update(location="Room 1\r\nBcc: spy@evil.example")
    sent = [n for n in reminders_send(today) if n.kind == "meeting_agenda"]
    assert sorted((n.user_id, n.subject_key) for n in sent) == sorted(
        (user.pk, f"meeting:{m.pk}") for user in (cast["manager"], cast["partner_champion"]) for m in (held, steering)
    )
    subjects = [message.subject for message in mail.outbox if " with Helix Components on " in message.subject]
    assert len(subjects) == 4
    assert sum("(Room 1 Bcc: spy@evil.example)" in subject for subject in subjects) == 2
    assert sum("(Helix HQ)" in subject for subject in subjects) == 2
    for message in mail.outbox:
        assert message.bcc == [] and message.message()["Bcc"] is None
        assert "\n" not in message.subject and "\r" not in message.subject
    assert Notification.objects.get(user=cast["manager"], subject_key=f"meeting:{steering.pk}").title.endswith(
        "(Room 1 Bcc: spy@evil.example)"
    )


def test_a_reminder_title_built_from_long_names_is_cut_to_fit_the_inbox(review, today):
    """An account's name and a location may each be 200 characters: together they are
    longer than a notification's title, which PostgreSQL would refuse to store."""
    cast, held = review
    held.location = "A" * 200
    services.meeting_save(meeting=held, by=None)
    sent = [n for n in reminders_send(today) if n.kind == "meeting_agenda"]
    assert len(sent) == 2
    for note in Notification.objects.filter(kind="meeting_agenda"):
        assert len(note.title) == 200 and note.title.endswith("…")


def test_the_meeting_form_refuses_a_line_break_in_the_location_and_keeps_what_was_typed(client, cast, today):
    client.force_login(cast["manager"])
    response = client.post(reverse("plans:meeting_add", args=[cast.account.slug]), {
        "kind": "quarterly_review", "held_on": (today + dt.timedelta(days=20)).isoformat(),
        "location": "Room 1\r\nBcc: spy@evil.example",
    })
    assert response.status_code == 200
    page = response.content.decode()
    assert "Keep this on one line" in page and "Room 1" in page
    assert not Meeting.objects.exists()


def test_the_api_refuses_a_line_break_in_a_meeting_location(cast, today):
    response = token_client(cast["manager"]).post(api("meeting-list", cast.account), {
        "kind": "quarterly_review", "held_on": (today + dt.timedelta(days=20)).isoformat(),
        "location": "Room 1\nBcc: spy@evil.example",
    }, format="json")
    assert response.status_code == 400
    assert "Keep this on one line" in response.json()["location"][0]
    assert not Meeting.objects.exists()


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
