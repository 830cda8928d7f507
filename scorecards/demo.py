"""Two years of champion scorecards for the demo, telling three stories:

* **Helix Components** (carl and pat) starts in the red and is driven to green; in the
  latest quarter carl has submitted and pat has only a draft, so it is still blind.
* **Northwind Retail Group** (carl and lena): the champions disagree sharply — carl
  sees a healthy partnership, lena sees trouble on trust, win-win and shared strategy.
* **Corvane Logistics** (dana and omar) has gone quiet: after a good first year both
  champions have handed in the very same scorecard for a year — complacency, which the
  portfolio flags.

Only accounts with a champion on both sides get scorecards: an assessment is written
by that side's champion, and a side without one has nobody to write it. Idempotent:
quarters already recorded are left alone.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.access import get_account_access
from accounts.models import Membership, PartnerAccount
from accounts.quarters import Quarter

from . import services
from .models import Assessment, Dimension
from .services import RatingInput

QUARTERS = 8

# Per dimension (in default order), a colour per quarter, oldest first.
HELIX_HOME = [
    [1, 1, 2, 3, 3, 4, 4, 5],
    [1, 2, 2, 3, 4, 4, 5, 5],
    [2, 2, 3, 3, 4, 4, 4, 5],
    [1, 1, 2, 2, 3, 4, 4, 4],
    [2, 2, 2, 3, 3, 4, 5, 5],
    [1, 2, 2, 3, 3, 3, 4, 4],
    [2, 3, 3, 4, 4, 5, 5, 5],
    [1, 1, 2, 2, 3, 4, 4, 5],
]
HELIX_PARTNER = [  # the latest quarter is a draft: three dimensions rated so far
    [1, 2, 2, 3, 3, 4, 5, 5],
    [1, 1, 2, 3, 3, 4, 4, 4],
    [2, 2, 2, 3, 4, 4, 5, 5],
    [1, 2, 2, 3, 3, 3, 4, None],
    [1, 2, 3, 3, 4, 4, 4, None],
    [2, 2, 2, 2, 3, 4, 4, None],
    [2, 2, 3, 4, 4, 4, 5, None],
    [1, 2, 2, 3, 3, 4, 4, None],
]
NORTHWIND_HOME = [
    [4, 4, 5, 5, 4, 5, 5, 5],
    [4, 4, 4, 5, 5, 4, 5, 5],
    [5, 5, 5, 4, 5, 5, 4, 5],
    [4, 4, 5, 5, 5, 4, 5, 4],
    [3, 4, 4, 4, 4, 5, 4, 4],
    [4, 4, 4, 4, 5, 4, 4, 5],
    [4, 3, 4, 4, 4, 4, 3, 4],
    [4, 4, 4, 5, 4, 4, 5, 4],
]
NORTHWIND_PARTNER = [
    [4, 4, 3, 3, 4, 3, 4, 4],
    [3, 3, 2, 2, 3, 2, 2, 3],
    [3, 2, 2, 2, 1, 2, 1, 1],
    [2, 2, 1, 1, 2, 1, 1, 1],
    [3, 3, 2, 2, 2, 2, 2, 2],
    [3, 3, 3, 3, 2, 3, 3, 3],
    [2, 2, 2, 1, 2, 2, 2, 2],
    [4, 3, 3, 3, 3, 4, 3, 3],
]

# The same colours for the last four quarters on both sides: nobody looks closely any more.
CORVANE_HOME = [
    [3, 4, 4, 4, 4, 4, 4, 4],
    [3, 3, 4, 4, 4, 4, 4, 4],
    [4, 4, 4, 3, 3, 3, 3, 3],
    [3, 3, 3, 4, 4, 4, 4, 4],
    [2, 3, 3, 3, 3, 3, 3, 3],
    [3, 4, 3, 4, 4, 4, 4, 4],
    [3, 3, 4, 4, 4, 4, 4, 4],
    [2, 3, 3, 3, 3, 3, 3, 3],
]
CORVANE_PARTNER = [
    [4, 4, 3, 4, 4, 4, 4, 4],
    [3, 4, 4, 4, 4, 4, 4, 4],
    [3, 3, 4, 4, 4, 4, 4, 4],
    [3, 3, 3, 3, 3, 3, 3, 3],
    [3, 3, 4, 3, 3, 3, 3, 3],
    [4, 4, 4, 4, 4, 4, 4, 4],
    [3, 3, 3, 4, 4, 4, 4, 4],
    [3, 4, 4, 4, 4, 4, 4, 4],
]

COMMENTS = {
    1: ("This is hurting us; escalations every week.", "Set up a weekly call with my counterpart until it is fixed."),
    2: ("Below what we agreed; some progress but not enough.", "Name an owner on our side and review monthly."),
    3: ("Acceptable, but we are not yet where we want to be.", "Bring one concrete improvement to the next review."),
    4: ("Good and improving; a few rough edges remain.", "Keep the cadence and share the wins internally."),
    5: ("Excellent — a model for our other relationships.", "Protect what works; avoid complacency."),
}

STORIES = {
    "helix-components": (HELIX_HOME, HELIX_PARTNER),
    "northwind-retail": (NORTHWIND_HOME, NORTHWIND_PARTNER),
    "corvane-logistics": (CORVANE_HOME, CORVANE_PARTNER),
}


def _champions(account: PartnerAccount) -> dict[str, Membership]:
    return {
        m.side: m
        for m in account.memberships.filter(role=Membership.Role.EXECUTIVE_CHAMPION).select_related("user")
    }


def _ratings(dimensions: list[Dimension], story: list[list[int | None]], index: int) -> dict[int, RatingInput]:
    ratings = {}
    for dimension, colours in zip(dimensions, story, strict=False):
        colour = colours[index]
        comment, action = COMMENTS[colour] if colour else ("", "")
        ratings[dimension.pk] = RatingInput(colour=colour, comment=comment, action=action)
    return ratings


@transaction.atomic
def seed_scorecards(accounts: dict[str, PartnerAccount], last: Quarter | None = None) -> int:
    """Record the stories' assessments for the eight quarters ending with ``last``
    (the previous quarter by default); return how many assessments were added."""
    last = last or Quarter.current().previous()
    quarters = [last - (QUARTERS - 1 - i) for i in range(QUARTERS)]
    added = 0
    for slug, sides in STORIES.items():
        account = accounts.get(slug)
        if account is None:
            continue
        services.dimensions_apply_defaults(account=account)
        champions = _champions(account)
        if set(champions) != {"home", "partner"}:
            continue
        dimensions = list(Dimension.objects.filter(account=account, retired=False).order_by("position", "pk"))
        done = set(Assessment.objects.filter(account=account).values_list("quarter", "side"))
        for side, story in zip(("home", "partner"), sides, strict=True):
            access = get_account_access(champions[side].user, slug)
            for index, quarter in enumerate(quarters):
                if (quarter, side) in done:
                    continue
                ratings = _ratings(dimensions, story, index)
                if any(r.colour is None for r in ratings.values()):
                    # Not yet submitted: a half-finished draft.
                    services.assessment_save_draft(access=access, quarter=quarter, ratings=ratings)
                else:
                    assessment = services.assessment_submit(access=access, quarter=quarter, ratings=ratings)
                    # Submitted about two weeks after the quarter ended, as in real life.
                    day = quarter.end_date + dt.timedelta(days=12 + index % 5)
                    submitted = min(timezone.make_aware(dt.datetime.combine(day, dt.time(10))), timezone.now())
                    Assessment.objects.filter(pk=assessment.pk).update(submitted_at=submitted)
                added += 1
    return added
