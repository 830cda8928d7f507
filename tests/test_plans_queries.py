"""Query counts of the plan pages, pinned at two data sizes."""

import pytest
from django.urls import reverse

from accounts.models import Side
from plans import services
from plans.models import Meeting, Topic

from .factories import with_default_metrics
from .plans_helpers import action, meeting, person, topic
from .queries import assert_query_count_is_constant
from .scorecards_helpers import dimensions_of, submit
from .test_dashboards_pages import fill_quarters

COUNTER = iter(range(10_000))


def grow(account, review):
    """More of everything: people, topics, actions, meetings, agenda items, decisions."""
    def more():
        n = next(COUNTER)
        people = [person(account, f"Person {n}-{i}", side=(Side.HOME, Side.PARTNER)[i % 2]) for i in range(6)]
        for i in range(4):
            t = topic(account, f"Topic {n}-{i}", status=Topic.Status.SHORT_LIST, owners=people[:2])
            action(account, f"Action {n}-{i}", people[i], days=-i, topic=t)
            past = meeting(account, days=-30 - i, kind=Meeting.Kind.STEERING_TEAM)
            past.attendees.set(people)
            services.decision_record(meeting=past, by=None, text=f"Decision {n}-{i}", owner=people[0],
                                     due_on=past.held_on)
            services.agenda_item_add(meeting=review, by=None, title=f"Item {n}-{i}")
            services.decision_record(meeting=review, by=None, text=f"Review decision {n}-{i}")
        review.attendees.add(*people)
    return more


@pytest.fixture
def review(cast):
    with_default_metrics(cast.account)
    fill_quarters(cast.account, 2)
    dimensions_of(cast.account)
    submit(cast["champion"], cast.account, 4)
    submit(cast["partner_champion"], cast.account, 2)
    review = meeting(cast.account, days=0)
    grow(cast.account, review)()
    return review


PAGES = [
    ("roster", lambda a, r: reverse("plans:roster", args=[a.slug]), 10),
    # The meeting and the pack show the dashboard, which reads every quarter's figures as
    # plain values and whole results only for the quarters on show (one query more, far cheaper).
    ("meeting", lambda a, r: reverse("plans:meeting", args=[a.slug, r.pk]), 26),
    ("pack", lambda a, r: reverse("plans:pack", args=[a.slug, r.pk]), 24),
]


@pytest.mark.parametrize(("label", "url", "pinned"), PAGES, ids=[p[0] for p in PAGES])
def test_plan_pages_cost_a_fixed_number_of_queries(client, cast, review, label, url, pinned):
    assert_query_count_is_constant(client, cast["manager"], url(cast.account, review),
                                   grow(cast.account, review), pinned)


# The plan settings are joined to the account.
@pytest.mark.parametrize("role", ["manager", "partner_user"])
def test_the_plan_page_costs_the_same_whatever_the_size(client, cast, review, role):
    assert_query_count_is_constant(client, cast[role], reverse("plans:plan", args=[cast.account.slug]),
                                   grow(cast.account, review), 12)
