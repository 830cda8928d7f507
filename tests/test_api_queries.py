"""Query counts of the API's list endpoints, pinned at two data sizes: a list costs the
same number of queries with a handful of rows as with many."""

import pytest

from accounts.models import Membership, Side
from accounts.quarters import Quarter
from notifications.models import Notification
from plans.models import Meeting, Topic

from .api_helpers import LAST, api, furnish
from .factories import (
    AccountHealthFactory,
    AssessmentFactory,
    MembershipFactory,
    PartnerAccountFactory,
    RatingFactory,
    record_figure,
)
from .plans_helpers import action, meeting, person, topic
from .queries import assert_query_count_is_constant
from .scorecards_helpers import dimensions_of
from .surveys_helpers import closed_round, draft_round

COUNTER = iter(range(10_000))


def grow(cast):
    """More of everything the lists show."""
    account = cast.account

    def more():
        n = next(COUNTER)
        for metric in account.metrics.active()[:6]:
            for back in range(3):
                record_figure(metric, LAST - back - 4 * n, 10 + back)
        for i in range(3):
            people = [person(account, f"Person {n}-{i}-{side}", side=side) for side in (Side.HOME, Side.PARTNER)]
            t = topic(account, f"Topic {n}-{i}", status=Topic.Status.SHORT_LIST, owners=people)
            action(account, f"Action {n}-{i}", people[0], topic=t)
            meeting(account, days=i + 3, kind=Meeting.Kind.STEERING_TEAM).attendees.set(people)
            Notification.objects.create(user=cast["manager"], account=account, kind="k", subject_key=f"{n}-{i}",
                                        title=f"Note {n}-{i}")
            other = PartnerAccountFactory()
            MembershipFactory(account=other, user=cast["manager"], role=Membership.Role.VIEWER)
            MembershipFactory(account=other, role=Membership.Role.ACCOUNT_MANAGER)
            AccountHealthFactory(account=other, open_mismatches=i)
            MembershipFactory(account=account, side=Side.HOME)
        for side in (Side.HOME, Side.PARTNER):
            assessment = AssessmentFactory(account=account, quarter=Quarter.current() - 10 - n, side=side,
                                           champion=cast["champion"])
            for dimension in dimensions_of(account)[:3]:
                RatingFactory(assessment=assessment, dimension=dimension)
    return more


@pytest.fixture
def world(cast):
    furnish(cast.account)
    grow(cast)()


# Each count includes the session, the user and the request's transaction (savepoints);
# the paginated lists add one query for the total.
LISTS = [
    ("memberships", "admin", lambda a: api("membership-list", a), 8),
    ("metrics", "manager", lambda a: api("metric-list", a), 9),
    ("results", "manager", lambda a: api("result-list", a), 8),
    ("results-by-quarter", "manager", lambda a: api("result-list", a) + f"?quarter={LAST}", 8),
    ("dashboard", "manager", lambda a: api("dashboard-list", a), 10),
    ("dimensions", "manager", lambda a: api("dimension-list", a), 8),
    ("comparison", "manager", lambda a: api("comparison-detail", a, str(LAST)), 9),
    ("roster", "manager", lambda a: api("roster-list", a), 8),
    ("topics", "manager", lambda a: api("topic-list", a), 9),
    ("actions", "partner_user", lambda a: api("action-list", a), 8),
    ("meetings", "manager", lambda a: api("meeting-list", a), 9),
    ("notifications", "manager", lambda a: api("notification-list"), 6),
]


@pytest.mark.parametrize(("label", "role", "url", "pinned"), LISTS, ids=[item[0] for item in LISTS])
def test_a_list_costs_the_same_queries_at_any_size(client, cast, world, label, role, url, pinned):
    assert_query_count_is_constant(client, cast[role], url(cast.account), grow(cast), pinned)


# The count, the page and the user's memberships.
def test_the_accounts_cost_the_same_queries_at_any_size(client, cast, world):
    assert_query_count_is_constant(client, cast["manager"], api("account-list"), grow(cast), 7)


# The blind rule (three), the count, the assessments and their ratings with the
# dimensions' names.
def test_the_assessments_cost_the_same_queries_at_any_size(client, cast, world):
    assert_query_count_is_constant(client, cast["partner_user"], api("assessment-list", cast.account), grow(cast),
                                   12)


# The owner choices (the page's filter form), the count, the rows and their account
# managers. A manager's request also asks whether they are on a partner side.
PORTFOLIO = [
    ("portfolio", "portfolio", "", 8),
    ("portfolio-by-owner", "manager", "?sort=owner&flag=any", 9),
]


@pytest.mark.parametrize(("label", "role", "params", "pinned"), PORTFOLIO, ids=[item[0] for item in PORTFOLIO])
def test_the_portfolio_rows_cost_the_same_queries_at_any_size(client, cast, world, label, role, params, pinned):
    assert_query_count_is_constant(client, cast[role], api("portfolio-list") + params, grow(cast), pinned)


def more_survey_rounds(cast):
    """Another closed round with answers from both firms, and another draft with people asked."""
    account, quarters = cast.account, iter(range(10_000))

    def more():
        back = 2 * next(quarters) + 1
        closed_round(account, home_answers=[[4] * 8] * 3, partner_answers=[[3] * 8] * 3,
                     quarter=Quarter.current() - back)
        draft_round(account, home=2, partner=2, quarter=Quarter.current() - back - 1)
    return more


SURVEY_LISTS = [
    # the page of rounds, then their invitations, statements, tallies and comments (the anonymity selector)
    ("surveys", "partner_user", lambda a: api("survey-list", a), 12),
    ("survey-respondents", "manager", lambda a: api("survey-respondents", a, str(Quarter.current() - 1)), 8),
]


@pytest.mark.parametrize(("label", "role", "url", "pinned"), SURVEY_LISTS, ids=[item[0] for item in SURVEY_LISTS])
def test_survey_lists_cost_the_same_queries_at_any_size(client, cast, label, role, url, pinned):
    more = more_survey_rounds(cast)
    more()
    assert_query_count_is_constant(client, cast[role], url(cast.account), more, pinned)
