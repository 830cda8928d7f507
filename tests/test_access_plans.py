import pytest
from django.urls import reverse

from accounts.models import Side
from plans import services
from plans.models import Action, Decision, Meeting, PlanSettings, RosterEntry, Topic

from .access import Route, check_route, expect, matrix_cases
from .plans_helpers import action, meeting, person, topic

EDITORS_GET = {"admin": 200, "manager": 200}
EDITORS_POST = {"admin": 302, "manager": 302}
PARTNERS_HIDDEN = {"partner_champion": 404, "partner_user": 404}


def _first(model, account, **filters):
    return model.objects.filter(account=account, **filters).order_by("pk").first().pk


def _url(url_name, model=None, **filters):
    if model is None:
        return lambda c, a: reverse(f"plans:{url_name}", args=[a.slug])
    return lambda c, a: reverse(f"plans:{url_name}", args=[a.slug, _first(model, a, **filters)])


def _review(name):
    return _url(name, Meeting, kind=Meeting.Kind.QUARTERLY_REVIEW)


def _agenda_item(c, a):
    review = Meeting.objects.filter(account=a, kind=Meeting.Kind.QUARTERLY_REVIEW).first()
    return reverse("plans:agenda_remove", args=[a.slug, review.pk, review.agenda_items.first().pk])


def _decision(c, a):
    return reverse("plans:decision_action", args=[a.slug, Decision.objects.filter(meeting__account=a).first().pk])


def _owned_action(c, a):
    return reverse("plans:action_progress", args=[a.slug, _first(Action, a, title="Owned by the partner user")])


def _version(model, a, **filters) -> str:
    """The version the edit page shows in its hidden field (accounts.concurrency)."""
    return str(model.objects.filter(account=a, **filters).order_by("pk").first().version)


def _an_owner_and_a_date(c, a):
    return {"owner": _first(RosterEntry, a), "due_on": "2031-01-31"}


# Form pages are posted empty: editors get the form back with its messages (200). The valid
# submissions are in the form sweep (tests/form_sweep.py).
ROUTES = [
    Route("plan", _url("plan"), expect(200)),
    Route("settings", _url("settings"), expect(403, **EDITORS_GET)),
    Route("settings-save", _url("settings"), expect(403, **EDITORS_POST), method="post",
          data=lambda c, a: {"review_cadence": "3", "next_review_on": "2031-01-15", "hard_questions": "Why?",
                             "version": _version(PlanSettings, a)}),
    Route("roster", _url("roster"), expect(200)),
    Route("roster-add", _url("roster_add"), expect(403, **EDITORS_GET)),
    Route("roster-add-save", _url("roster_add"), expect(403, **EDITORS_POST), method="post",
          data=lambda c, a: {"name": "New Person", "side": "partner", "role": "steering_team",
                             "influence": "high", "stance": "neutral"}),
    Route("roster-edit", _url("roster_edit", RosterEntry), expect(403, **EDITORS_GET)),
    Route("roster-edit-save", _url("roster_edit", RosterEntry), expect(403, **EDITORS_GET), method="post"),
    Route("roster-remove", _url("roster_remove", RosterEntry, name="Nobody's owner"), expect(403, **EDITORS_POST),
          method="post"),
    Route("topic-add", _url("topic_add"), expect(403, **EDITORS_GET)),
    Route("topic-add-save", _url("topic_add"), expect(403, **EDITORS_GET), method="post"),
    Route("topic-edit", _url("topic_edit", Topic), expect(403, **EDITORS_GET)),
    Route("topic-edit-save", _url("topic_edit", Topic), expect(403, **EDITORS_GET), method="post"),
    Route("topic-move", _url("topic_move", Topic), expect(403, **EDITORS_POST), method="post",
          data=lambda c, a: {"status": "short_list"}),
    Route("action-add", _url("action_add"), expect(403, **EDITORS_GET)),
    Route("action-add-save", _url("action_add"), expect(403, **EDITORS_GET), method="post"),
    Route("action-edit", _url("action_edit", Action), expect(403, **EDITORS_GET)),
    Route("action-edit-save", _url("action_edit", Action), expect(403, **EDITORS_GET), method="post"),
    Route("action-progress", _owned_action, expect(403, **EDITORS_GET, partner_user=200)),
    Route("action-progress-save", _owned_action, expect(403, **EDITORS_POST, partner_user=302), method="post",
          data=lambda c, a: {"status": "in_progress", "note": "Under way",
                             "version": _version(Action, a, title="Owned by the partner user")}),
    Route("meeting-add", _url("meeting_add"), expect(403, **EDITORS_GET)),
    Route("meeting-add-save", _url("meeting_add"), expect(403, **EDITORS_GET), method="post"),
    Route("meeting", _review("meeting"), expect(200)),
    Route("meeting-internal", _url("meeting", Meeting, kind=Meeting.Kind.INTERNAL), expect(200, **PARTNERS_HIDDEN)),
    Route("meeting-edit", _review("meeting_edit"), expect(403, **EDITORS_GET)),
    Route("meeting-edit-save", _review("meeting_edit"), expect(403, **EDITORS_GET), method="post"),
    Route("agenda-accept", _review("agenda_accept"), expect(403, **EDITORS_POST), method="post"),
    Route("agenda-add", _review("agenda_add"), expect(403, **EDITORS_POST), method="post",
          data=lambda c, a: {"title": "Any other business"}),
    Route("agenda-remove", _agenda_item, expect(403, **EDITORS_POST), method="post"),
    Route("minutes", _review("minutes"), expect(403, **EDITORS_POST), method="post",
          data=lambda c, a: {"minutes": "Went well.", "internal_notes": "",
                             "version": _version(Meeting, a, kind=Meeting.Kind.QUARTERLY_REVIEW)}),
    Route("decision-add", _review("decision_add"), expect(403, **EDITORS_POST), method="post",
          data=lambda c, a: {"text": "Do it", **_an_owner_and_a_date(c, a)}),
    Route("decision-action", _decision, expect(403, **EDITORS_POST), method="post", data=_an_owner_and_a_date),
    Route("pack", _review("pack"), expect(200)),
    Route("pack-internal", _url("pack", Meeting, kind=Meeting.Kind.INTERNAL), expect(200, **PARTNERS_HIDDEN)),
    Route("pack-pdf", _review("pack_pdf"), expect(200)),
]


def _plan(account, partner_user=None):
    home = person(account, "Maja Berg", side=Side.HOME)
    theirs = person(account, "Partner User", side=Side.PARTNER, user=partner_user)
    person(account, "Nobody's owner", side=Side.PARTNER)
    topic(account, "Joint forecasting", status=Topic.Status.ACTIVE)
    action(account, "Owned by the partner user", theirs)
    review = meeting(account)
    services.agenda_item_add(meeting=review, by=None, title="Dashboard")
    services.decision_record(meeting=review, by=None, text="Look into it")
    internal = meeting(account, kind=Meeting.Kind.INTERNAL, days=-3)
    action(account, "Our internal follow-up", home, meeting=internal)


def furnish(cast):
    """What the routes point at, on both accounts (also used by tests/test_completeness.py)."""
    _plan(cast.account, cast["partner_user"])
    _plan(cast.other_account)


@pytest.fixture(autouse=True)
def _plans(cast):
    furnish(cast)


@pytest.mark.parametrize(("route", "role", "which"), matrix_cases(ROUTES))
def test_access_matrix(client, cast, route, role, which):
    check_route(client, cast, route, role, which)


@pytest.mark.parametrize("name", ["topic_edit", "action_edit", "roster_edit", "meeting", "pack"])
def test_an_object_of_another_account_is_not_found_even_for_an_administrator(client, cast, name):
    model = {"topic_edit": Topic, "action_edit": Action, "roster_edit": RosterEntry}.get(name, Meeting)
    foreign = _first(model, cast.other_account)
    client.force_login(cast["admin"])
    assert client.get(reverse(f"plans:{name}", args=[cast.account.slug, foreign])).status_code == 404


def test_a_home_viewer_who_owns_an_action_may_not_update_it(client, cast):
    mine = person(cast.account, "Viewer", side=Side.HOME, user=cast["viewer"])
    owned = action(cast.account, "Viewer's action", mine)
    client.force_login(cast["viewer"])
    assert client.get(reverse("plans:action_progress", args=[cast.account.slug, owned.pk])).status_code == 403


def test_a_contributor_updates_the_action_they_own(client, cast):
    mine = person(cast.account, "Contributor", side=Side.HOME, user=cast["contributor"])
    owned = action(cast.account, "Contributor's action", mine)
    client.force_login(cast["contributor"])
    response = client.post(reverse("plans:action_progress", args=[cast.account.slug, owned.pk]),
                           {"status": "blocked", "note": "Waiting for the supplier", "version": owned.version})
    assert response.status_code == 302
    owned.refresh_from_db()
    assert owned.status == Action.Status.BLOCKED
