"""The quarterly review's agenda, proposed from the data."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from accounts.access import get_account_access
from accounts.models import Side
from plans import selectors
from plans.models import AgendaItem, Meeting, RosterEntry, Topic

from .factories import record_figure, with_default_metrics
from .plans_helpers import action, meeting, person, topic
from .scorecards_helpers import LAST, dimensions_of, draft, submit, text_of
from .test_dashboards_pages import fill_quarters


@pytest.fixture
def known_data(cast):
    """Review of LAST: one metric red, one mismatch, champions three steps apart on the
    first dimension, an overdue action, an active priority."""
    account = cast.account
    with_default_metrics(account)
    fill_quarters(account, 2)
    metrics = {m.name: m for m in account.metrics.all()}
    for side in ("home", "partner"):
        record_figure(metrics["Defect rate"], LAST, D("900"), side=side)
    record_figure(metrics["On-time delivery"], LAST, D("91"), side="home")  # the partner's figure stays at the goal
    dimensions_of(account)
    hanna = person(account, "Hanna Berg", side=Side.PARTNER, role=RosterEntry.Role.POINT_PERSON)
    action(account, "Send the audit report", hanna, days=-3)
    action(account, "Not due yet", hanna, days=30)
    priority = topic(account, "Joint forecasting", status=Topic.Status.ACTIVE, horizon=Topic.Horizon.QUICK_WIN)
    action(account, "Share the forecast file", hanna, days=5, topic=priority)
    return account


def _proposed(cast, review, user="manager"):
    access = get_account_access(cast[user], cast.account.slug)
    return selectors.proposed_agenda(selectors.review_data(access, review))


def test_the_agenda_is_proposed_from_the_data_in_order(cast, known_data):
    submit(cast["champion"], known_data, [5, 4, 4, 4, 4, 4, 4, 4])
    submit(cast["partner_champion"], known_data, [2, 4, 3, 4, 4, 4, 4, 4])
    first_dimension = dimensions_of(known_data)[0].name
    items = _proposed(cast, meeting(known_data, days=0))
    assert [(i.source, i.title) for i in items] == [
        (AgendaItem.Source.SPOTLIGHT, f"Defect rate: Red in {LAST}"),
        (AgendaItem.Source.MISMATCH, "On-time delivery: the two firms' figures differ"),
        (AgendaItem.Source.SCORECARD_GAP, f"Scorecard: {first_dimension} (3 steps apart)"),
        (AgendaItem.Source.OVERDUE, "Overdue: Send the audit report"),
        (AgendaItem.Source.TOPIC, "Progress: Joint forecasting"),
        (AgendaItem.Source.HARD_QUESTION,
         "What has changed in your expectations and priorities since our last meeting?"),
        (AgendaItem.Source.HARD_QUESTION, "Does what we hear from across your organisation match what you tell us?"),
        (AgendaItem.Source.HARD_QUESTION,
         "What should we stop, start or continue doing so that the relationship does not stall?"),
    ]
    assert "Home champion: Bright Green; partner champion: Light Red." in items[2].detail
    assert "Owner Hanna Berg" in items[3].detail
    assert "1 open action" in items[4].detail


def test_scorecard_gaps_stay_off_the_agenda_until_both_champions_have_submitted(cast, known_data):
    submit(cast["champion"], known_data, [5, 4, 4, 4, 4, 4, 4, 4])
    draft(cast["partner_champion"], known_data, [1, 4, 3, 4, 4, 4, 4, 4])
    sources = {i.source for i in _proposed(cast, meeting(known_data, days=0))}
    assert AgendaItem.Source.SCORECARD_GAP not in sources
    assert AgendaItem.Source.SPOTLIGHT in sources


def test_an_internal_meetings_action_is_not_proposed_for_a_shared_review(cast, known_data):
    internal = meeting(known_data, kind=Meeting.Kind.INTERNAL, days=-20)
    ours = person(known_data, "Maja", side=Side.HOME)
    action(known_data, "Prepare our fallback offer", ours, days=-1, meeting=internal)
    titles = [i.title for i in _proposed(cast, meeting(known_data, days=0))]
    assert "Overdue: Send the audit report" in titles
    assert "Overdue: Prepare our fallback offer" not in titles


def test_the_hard_questions_are_editable_per_account(client, cast, known_data):
    client.force_login(cast["manager"])
    response = client.post(reverse("plans:settings", args=[cast.account.slug]), {
        "review_cadence": "1", "next_review_on": "", "hard_questions": "Are we still each other's first choice?\n\n",
    })
    assert response.status_code == 302
    items = _proposed(cast, meeting(known_data, days=0))
    assert [i.title for i in items if i.source == AgendaItem.Source.HARD_QUESTION] == [
        "Are we still each other's first choice?"]
    assert "Reviews monthly" in text_of(client.get(reverse("plans:plan", args=[cast.account.slug])))


def test_accepting_the_proposed_agenda_puts_it_on_the_meeting_once(client, cast, known_data):
    review = meeting(known_data, days=0)
    client.force_login(cast["manager"])
    page = text_of(client.get(reverse("plans:meeting", args=[cast.account.slug, review.pk])))
    assert "Proposed agenda from the data" in page and f"Defect rate: Red in {LAST}" in page
    url = reverse("plans:agenda_accept", args=[cast.account.slug, review.pk])
    client.post(url)
    count = review.agenda_items.count()
    assert count == 7
    client.post(url)
    assert review.agenda_items.count() == count
    page = text_of(client.get(reverse("plans:meeting", args=[cast.account.slug, review.pk])))
    assert "Every proposed item is on the agenda." in page
