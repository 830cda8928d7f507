"""What the partner's people see of the plan: their part, never the home firm's internals."""

from django.urls import reverse

from accounts.models import Side
from plans import services
from plans.models import Action, Meeting, RosterEntry

from .plans_helpers import action, meeting, person
from .scorecards_helpers import text_of


def _plan_with_internals(account):
    ours = person(account, "Maja Berg", side=Side.HOME)
    theirs = person(account, "Hanna Schulz", side=Side.PARTNER, role=RosterEntry.Role.POINT_PERSON)
    RosterEntry.objects.filter(pk=theirs.pk).update(stance=RosterEntry.Stance.SCEPTIC)
    internal = meeting(account, kind=Meeting.Kind.INTERNAL, days=-5, minutes="Our walk-away price is 4%.")
    services.decision_record(meeting=internal, by=None, text="Prepare a fallback offer", owner=ours,
                             due_on=internal.held_on)
    review = meeting(account, days=-2, minutes="Agreed the forecast cadence.",
                     internal_notes="They seemed nervous about volumes.")
    action(account, "Share the forecast file", theirs, days=5, meeting=review)
    return internal, review


def test_partner_users_never_see_internal_meetings_their_actions_or_internal_notes(client, cast):
    internal, review = _plan_with_internals(cast.account)
    client.force_login(cast["partner_user"])
    plan = text_of(client.get(reverse("plans:plan", args=[cast.account.slug])))
    assert "Quarterly review" in plan and "Share the forecast file" in plan
    assert "Internal account meeting" not in plan
    assert "Prepare a fallback offer" not in plan
    assert client.get(reverse("plans:meeting", args=[cast.account.slug, internal.pk])).status_code == 404
    assert client.get(reverse("plans:pack", args=[cast.account.slug, internal.pk])).status_code == 404
    shared = text_of(client.get(reverse("plans:meeting", args=[cast.account.slug, review.pk])))
    assert "Agreed the forecast cadence." in shared
    assert "nervous about volumes" not in shared
    pack = text_of(client.get(reverse("plans:pack", args=[cast.account.slug, review.pk])))
    assert "Share the forecast file" in pack and "Prepare a fallback offer" not in pack
    assert "nervous about volumes" not in pack


def test_the_home_firm_sees_its_internal_meeting_and_notes(client, cast):
    internal, review = _plan_with_internals(cast.account)
    client.force_login(cast["viewer"])
    plan = text_of(client.get(reverse("plans:plan", args=[cast.account.slug])))
    assert "Internal account meeting" in plan and "Prepare a fallback offer" in plan
    page = text_of(client.get(reverse("plans:meeting", args=[cast.account.slug, review.pk])))
    assert "They seemed nervous about volumes." in page


def test_the_stakeholder_map_is_the_home_firms_read(client, cast):
    _plan_with_internals(cast.account)
    client.force_login(cast["partner_user"])
    roster = text_of(client.get(reverse("plans:roster", args=[cast.account.slug])))
    assert "Hanna Schulz" in roster and "Point person" in roster
    assert "Sceptic" not in roster and "Stance" not in roster
    client.force_login(cast["manager"])
    assert "Sceptic" in text_of(client.get(reverse("plans:roster", args=[cast.account.slug])))


def test_the_roster_shows_whether_each_firm_has_its_point_person_and_champion(client, cast):
    person(cast.account, "Hanna Schulz", side=Side.PARTNER, role=RosterEntry.Role.POINT_PERSON)
    person(cast.account, "Carl Okafor", side=Side.HOME, role=RosterEntry.Role.EXECUTIVE_CHAMPION)
    client.force_login(cast["viewer"])
    roster = text_of(client.get(reverse("plans:roster", args=[cast.account.slug])))
    home, partner = roster.split("Partner firm (")
    assert "✗ No point person" in home and "✓ Executive champion Carl Okafor" in home
    assert "✓ Point person Hanna Schulz" in partner and "✗ No executive champion" in partner


def test_a_partner_user_updates_the_action_they_own_and_only_that(client, cast):
    mine = person(cast.account, "Partner User", side=Side.PARTNER, user=cast["partner_user"])
    other = person(cast.account, "Someone Else", side=Side.PARTNER)
    owned = action(cast.account, "Send the audit report", mine, days=-1)
    not_mine = action(cast.account, "Visit the plant", other, days=3)
    client.force_login(cast["partner_user"])
    plan = client.get(reverse("plans:plan", args=[cast.account.slug])).content.decode()
    assert reverse("plans:action_progress", args=[cast.account.slug, owned.pk]) in plan
    assert reverse("plans:action_progress", args=[cast.account.slug, not_mine.pk]) not in plan
    response = client.post(reverse("plans:action_progress", args=[cast.account.slug, owned.pk]),
                           {"status": "done", "note": "Sent on Monday", "version": owned.version})
    assert response.status_code == 302
    owned.refresh_from_db()
    assert (owned.status, owned.note) == (Action.Status.DONE, "Sent on Monday")
    assert owned.history.first().history_user == cast["partner_user"]
    forbidden = client.post(reverse("plans:action_progress", args=[cast.account.slug, not_mine.pk]),
                            {"status": "done", "note": "", "version": not_mine.version})
    assert forbidden.status_code == 403


def test_the_plan_warns_when_no_quick_win_or_no_long_term_topic_is_active_and_marks_overdue(client, cast):
    from plans.models import Topic

    from .plans_helpers import topic

    owner = person(cast.account, "Maja Berg")
    action(cast.account, "Late thing", owner, days=-2)
    client.force_login(cast["viewer"])
    page = text_of(client.get(reverse("plans:plan", args=[cast.account.slug])))
    assert "No quick win is active" in page and "No long-term topic is active" in page
    assert "1 overdue" in page and "Overdue" in page
    topic(cast.account, "Quick", status=Topic.Status.ACTIVE, horizon=Topic.Horizon.QUICK_WIN)
    page = text_of(client.get(reverse("plans:plan", args=[cast.account.slug])))
    assert "No quick win is active" not in page and "No long-term topic is active" in page
