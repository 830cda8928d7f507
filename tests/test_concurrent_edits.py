"""No edit is lost silently. Two people open the same edit form and both save: the second
is told who saved it when, sees their version beside what they typed (which stays in the
form), and can save again over it knowingly. The API answers a stale version with 409
and both versions. A first save that meets someone else's first save never fails with a
500; ten saves at the same moment on PostgreSQL give one "saved" and nine conflicts."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from accounts.models import Membership, User
from accounts.quarters import Quarter
from dashboards.services import metric_move
from plans import services as plan_services
from plans.models import PlanSettings, RosterEntry, Topic
from scorecards import services as scorecard_services
from scorecards.models import Assessment, Dimension, Rating
from surveys import services as survey_services
from surveys.selectors import statement_set

from .api_helpers import api, token_client
from .concurrency import run_at_once
from .factories import UserFactory, with_default_metrics
from .form_sweep import filled_in
from .plans_helpers import action, meeting, person, topic
from .scorecards_helpers import LAST, dimensions_of
from .scorecards_helpers import text_of as markup_free

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a real race needs a database that lets writers wait for each other (run with DATABASE_URL=postgres://…)",
)


def text_of(response) -> str:
    return html.unescape(markup_free(response))


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def opened(browser: Client, url: str, form: str = "form") -> dict:
    """What the browser will send for the form as the page showed it, hidden version included."""
    response = browser.get(url)
    assert response.status_code == 200
    return filled_in(response.context[form])


@dataclass(frozen=True)
class Kind:
    """An edit form of something people share: the record, where its form is sent (and
    shown, when another page shows it), which text box to type in, and where that field
    is stored."""

    name: str
    make: Callable[[object], object]  # given the cast, the record both people edit
    url: Callable[[object], str]  # given the record
    field: str
    form: str = "form"  # the form's name in the page's context
    page: Callable[[object], str] | None = None  # the page showing the form, when not ``url``
    read: Callable[[object], object] = lambda record: type(record).objects.get(pk=record.pk)

    def stored(self, record) -> str:
        return getattr(self.read(record), self.field)


def _plan_url(name):
    return lambda record: reverse(f"plans:{name}", args=["helix", record.pk])


def _topic(cast):
    return topic(cast.account, "Joint forecasting", owners=[person(cast.account, "Maja")])


def _action(cast):
    return action(cast.account, "Share the forecast", person(cast.account, "Maja"))


def _metric(cast):
    with_default_metrics(cast.account)
    return cast.account.metrics.order_by("position")[1]


KINDS = [
    Kind("topic", _topic, _plan_url("topic_edit"), "description"),
    Kind("action", _action, _plan_url("action_edit"), "note"),
    Kind("action-progress", _action, _plan_url("action_progress"), "note"),
    Kind("meeting", lambda c: meeting(c.account), _plan_url("meeting_edit"), "location"),
    Kind("minutes", lambda c: meeting(c.account), _plan_url("minutes"), "minutes", form="minutes_form",
         page=_plan_url("meeting")),
    Kind("roster-entry", lambda c: person(c.account, "Maja"), _plan_url("roster_edit"), "title"),
    Kind("metric-definition", _metric, lambda m: reverse("dashboards:metric_edit", args=["helix", m.pk]),
         "calculation_basis"),
    Kind("account-details", lambda c: c.account, lambda a: reverse("accounts:edit", args=[a.slug]), "description"),
    # Nobody has saved the statements yet: both people open the defaults.
    Kind("survey-statements", lambda c: c.account, lambda a: reverse("surveys:statements", args=[a.slug]),
         "statements", read=lambda a: SimpleNamespace(statements="\n".join(statement_set(a).texts))),
    # Nobody has saved the settings yet: both people open the defaults.
    Kind("plan-settings", lambda c: c.account, lambda a: reverse("plans:settings", args=[a.slug]), "hard_questions",
         read=lambda a: PlanSettings.objects.get(account=a)),
]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_the_second_of_two_saves_sees_both_versions_keeps_its_text_and_can_save_over_them(cast, kind):
    record = kind.make(cast)
    url, page = kind.url(record), (kind.page or kind.url)(record)
    they, you = signed_in(cast["manager"]), signed_in(cast["admin"])
    their_form, your_form = opened(they, page, kind.form), opened(you, page, kind.form)

    assert they.post(url, {**their_form, kind.field: "Their careful words"}).status_code == 302
    response = you.post(url, {**your_form, kind.field: "Your careful words"})

    assert response.status_code == 409
    page = text_of(response)
    assert f"{cast['manager'].display_name} saved" in page and "after you opened it" in page
    assert "Their careful words" in page and "Your careful words" in page
    assert kind.stored(record) == "Their careful words"  # nothing of theirs was lost
    # The form kept what was typed and now names their version: saving again replaces it.
    again = filled_in(response.context[kind.form])
    assert again[kind.field] == "Your careful words"
    assert you.post(url, again).status_code == 302
    assert kind.stored(record) == "Your careful words"


def test_what_only_they_changed_is_kept_when_the_second_person_saves_again(cast):
    subject = topic(cast.account, "Joint forecasting")
    url = reverse("plans:topic_edit", args=["helix", subject.pk])
    they, you = signed_in(cast["manager"]), signed_in(cast["admin"])
    their_form, your_form = opened(they, url), opened(you, url)
    they.post(url, {**their_form, "title": "Joint demand planning", "progress": "30"})

    response = you.post(url, {**your_form, "progress": "50"})

    assert response.status_code == 409
    page = text_of(response)
    assert "Joint demand planning" in page and "You had not changed it: the form below now shows theirs." in page
    assert you.post(url, filled_in(response.context["form"])).status_code == 302
    saved = Topic.objects.get(pk=subject.pk)
    assert (saved.title, saved.progress) == ("Joint demand planning", 50)  # their title stays, your progress wins


def test_a_form_without_its_version_is_refused_with_a_message_not_saved_blindly(cast):
    subject = topic(cast.account, "Joint forecasting")
    url = reverse("plans:topic_edit", args=["helix", subject.pk])
    browser = signed_in(cast["manager"])
    data = opened(browser, url)
    del data["version"]
    response = browser.post(url, {**data, "description": "Blind"})
    assert response.status_code == 200 and "This page is out of date" in text_of(response)
    assert Topic.objects.get(pk=subject.pk).description == ""


def test_saving_a_roster_entry_someone_removed_says_who_removed_it_and_keeps_what_was_typed(cast):
    entry = person(cast.account, "Maja")
    url = reverse("plans:roster_edit", args=["helix", entry.pk])
    you = signed_in(cast["admin"])
    your_form = opened(you, url)
    plan_services.roster_entry_remove(entry=entry, by=cast["manager"])

    response = you.post(url, {**your_form, "title": "Head of Quality"})

    assert response.status_code == 409
    page = text_of(response)
    assert f"{cast['manager'].display_name} removed this person's roster entry at" in page
    assert response.context["form"]["title"].value() == "Head of Quality" and "Add to the roster" in page
    assert not RosterEntry.objects.filter(name="Maja").exists()
    # Saving it again adds the person back, with what was typed.
    again = you.post(reverse("plans:roster_add", args=["helix"]), filled_in(response.context["form"]))
    assert again.status_code == 302 and RosterEntry.objects.get(name="Maja").title == "Head of Quality"


def test_a_metric_moved_while_its_definition_is_edited_keeps_its_place_and_the_edit_saves(cast):
    metric = _metric(cast)
    url = reverse("dashboards:metric_edit", args=["helix", metric.pk])
    you = signed_in(cast["admin"])
    your_form = opened(you, url)
    metric_move(metric=metric, by=cast["manager"], offset=-1)  # not a change of the definition

    assert you.post(url, {**your_form, "calculation_basis": "Counted at the gate"}).status_code == 302
    metric.refresh_from_db()
    assert (metric.position, metric.calculation_basis) == (1, "Counted at the gate")


# --- scorecard drafts: one champion, but several windows, devices and scripts -----------------

def _scorecard(cast):
    dimensions_of(cast.account)
    return reverse("scorecards:assessment", args=["helix", LAST])


def _rated(form: dict, comment: str) -> dict:
    """The scorecard form with the first dimension rated and commented."""
    first = dimensions_of(Dimension.objects.first().account)[0]
    return {**form, f"colour-{first.pk}": "4", f"comment-{first.pk}": comment, "save": "1"}


def test_a_draft_saved_by_a_script_is_not_overwritten_by_a_window_opened_before(cast):
    url = _scorecard(cast)
    window = signed_in(cast["partner_champion"])
    opened_form = opened(window, url)
    script = token_client(cast["partner_champion"])
    first = dimensions_of(cast.account)[0]
    saved = script.post(api("assessment-draft", cast.account), {
        "quarter": str(LAST), "version": 0, "ratings": [{"dimension": first.pk, "colour": 2, "comment": "By script"}],
    }, format="json")
    assert saved.status_code == 200 and saved.json()["version"] == 1

    response = window.post(url, _rated(opened_form, "Typed in the window"))

    assert response.status_code == 409
    page = text_of(response)
    assert "changed in another window or by a script" in page
    assert "By script" in page and "Typed in the window" in page and "Light Red" in page
    assert Rating.objects.get(dimension=first).comment == "By script"
    again = window.post(url, filled_in(response.context["form"]) | {"save": "1"})
    assert again.status_code == 302 and Rating.objects.get(dimension=first).comment == "Typed in the window"


def test_the_api_answers_a_stale_draft_with_409_and_both_versions(cast):
    _scorecard(cast)
    first = dimensions_of(cast.account)[0]
    window = signed_in(cast["champion"])
    window.post(reverse("scorecards:assessment", args=["helix", LAST]),
                _rated(opened(window, reverse("scorecards:assessment", args=["helix", LAST])), "From the window"))
    script = token_client(cast["champion"])
    sent = {"quarter": str(LAST), "version": 0, "ratings": [{"dimension": first.pk, "colour": 1, "comment": "Mine"}]}

    response = script.post(api("assessment-draft", cast.account), sent, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["yours"]["ratings"][0]["comment"] == "Mine"
    assert body["theirs"]["ratings"][0]["comment"] == "From the window" and body["theirs"]["version"] == 1
    assert Rating.objects.get(dimension=first).comment == "From the window"
    again = script.post(api("assessment-draft", cast.account), {**sent, "version": 1}, format="json")
    assert again.status_code == 200 and Rating.objects.get(dimension=first).comment == "Mine"


def test_a_second_window_saving_the_first_draft_of_a_quarter_sees_the_first_ones(cast):
    url = _scorecard(cast)
    one, two = signed_in(cast["partner_champion"]), signed_in(cast["partner_champion"])
    first_form, second_form = opened(one, url), opened(two, url)
    assert one.post(url, _rated(first_form, "First window")).status_code == 302
    response = two.post(url, _rated(second_form, "Second window"))
    assert response.status_code == 409
    assert "First window" in text_of(response) and "Second window" in text_of(response)
    first = dimensions_of(cast.account)[0]
    assert Assessment.objects.get(side="partner").ratings.get(dimension=first).comment == "First window"


# --- the API ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Resource:
    name: str  # the route's basename
    obj: Callable[[object], object]  # given the cast: the record to change
    change: dict
    detail: Callable[[object, object], str] | None = None  # given the cast and the record, when not by id

    def url(self, cast, record) -> str:
        return self.detail(cast, record) if self.detail else api(f"{self.name}-detail", cast.account, record.pk)


RESOURCES = [
    Resource("topic", lambda c: topic(c.account, "Joint forecasting"), {"description": "{who}'s words"}),
    Resource("action", _action, {"note": "{who}'s words"}),
    Resource("meeting", lambda c: meeting(c.account), {"minutes": "{who}'s words"}),
    Resource("roster", lambda c: person(c.account, "Maja"), {"title": "{who}'s words"}),
    Resource("metric", _metric, {"calculation_basis": "{who}'s words"}),
    Resource("account", lambda c: c.account, {"description": "{who}'s words"},
             detail=lambda c, account: api("account-detail", account)),
]


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.name)
def test_the_api_answers_a_stale_version_with_409_and_both_versions(cast, resource):
    record = resource.obj(cast)
    url = resource.url(cast, record)
    they, you = token_client(cast["manager"]), token_client(cast["admin"])
    read = you.get(url).json()
    field, words = next(iter(resource.change.items()))

    theirs = they.patch(url, {field: words.format(who="Theirs"), "version": read["version"]}, format="json")
    assert theirs.status_code == 200 and theirs.json()["version"] == read["version"] + 1
    stale = you.patch(url, {field: words.format(who="Yours"), "version": read["version"]}, format="json")

    assert stale.status_code == 409
    body = stale.json()
    assert cast["manager"].display_name in body["detail"]
    assert body["yours"][field] == "Yours's words" and body["theirs"][field] == "Theirs's words"
    assert you.get(url).json()[field] == "Theirs's words"
    # Sending their version replaces it knowingly.
    again = you.patch(url, {field: "Yours's words", "version": body["theirs"]["version"]}, format="json")
    assert again.status_code == 200 and again.json()[field] == "Yours's words"


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.name)
def test_an_api_change_without_a_version_is_refused(cast, resource):
    record = resource.obj(cast)
    field, words = next(iter(resource.change.items()))
    response = token_client(cast["manager"]).patch(resource.url(cast, record), {field: "Blind"}, format="json")
    assert response.status_code == 400 and "version" in response.json()


# --- real races, on PostgreSQL --------------------------------------------------------------

RACED = [kind for kind in KINDS if kind.name in ("topic", "plan-settings", "survey-statements")]


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", RACED, ids=lambda k: k.name)
def test_ten_people_saving_the_same_thing_at_once_one_is_saved_and_nine_are_told(cast, kind):
    """The topic; and the plan settings and survey statements, whose first save creates them."""
    record = kind.make(cast)
    url = kind.url(record)
    editors = [UserFactory(username=f"editor{n}") for n in range(10)]
    for editor in editors:
        cast.account.memberships.create(user=editor, side="home", role="account_manager")
    queue = [(browser, opened(browser, url), n) for n, browser in enumerate(signed_in(e) for e in editors)]

    def save():
        browser, form, n = queue.pop()
        return browser.post(url, {**form, kind.field: f"Text number {n}"}).status_code

    statuses = run_at_once(save, workers=10)
    assert sorted(statuses) == [302] + [409] * 9
    assert kind.stored(record).startswith("Text number")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_ten_windows_saving_the_partners_first_draft_of_a_quarter_at_once_one_saves_nine_are_told(cast):
    url = _scorecard(cast)
    windows = [signed_in(cast["partner_champion"]) for _ in range(10)]
    queue = [(window, opened(window, url), n) for n, window in enumerate(windows)]

    def save():
        window, form, n = queue.pop()
        return window.post(url, _rated(form, f"Window {n}")).status_code

    statuses = run_at_once(save, workers=10)
    assert sorted(statuses) == [302] + [409] * 9
    assert Assessment.objects.filter(account=cast.account, quarter=LAST, side="partner").count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_ten_scripts_sending_the_partners_first_draft_at_once_one_saves_nine_get_409(cast):
    _scorecard(cast)
    first = dimensions_of(cast.account)[0]
    scripts = [token_client(cast["partner_champion"], name=f"script {n}") for n in range(10)]

    def save():
        script = scripts.pop()
        return script.post(api("assessment-draft", cast.account), {
            "quarter": str(LAST), "version": 0, "ratings": [{"dimension": first.pk, "colour": 3}],
        }, format="json").status_code

    statuses = run_at_once(save, workers=10)
    assert sorted(statuses) == [200] + [409] * 9


def _outcome(save) -> str:
    try:
        save()
    except ValidationError as refused:
        return " ".join(refused.messages)
    return "saved"


FIRST_SAVES = {
    "dimension": lambda c, n: scorecard_services.dimension_create(account=c.account, by=c["manager"],
                                                                  name="Joint innovation"),
    "roster-login": lambda c, n: plan_services.roster_entry_save(entry=RosterEntry(
        account=c.account, name=f"Viewer {n}", side="home", user=c["viewer"]), by=c["manager"]),
    "survey-round": lambda c, n: survey_services.round_create(account=c.account, by=c["manager"],
                                                              quarter=Quarter.current(),
                                                              closes_on=dt.date.today() + dt.timedelta(days=30)),
    "membership": lambda c, n: account_services.membership_save(membership=Membership(
        account=c.account, user=User.objects.get(username="newcomer"), side="home", role="viewer"), by=c["admin"]),
}


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", FIRST_SAVES)
def test_ten_first_saves_of_the_same_unique_thing_at_once_give_one_saved_and_nine_messages(cast, kind):
    UserFactory(username="newcomer")
    numbers = list(range(10))
    outcomes = run_at_once(lambda: _outcome(lambda: FIRST_SAVES[kind](cast, numbers.pop())), workers=10)
    assert outcomes.count("saved") == 1, outcomes
    assert all(outcome != "saved" and "already" in outcome for outcome in outcomes if outcome != "saved"), outcomes
