"""Blind until both submit: neither side sees anything of the other's assessment for a
quarter — on any page, partial or export — until both have submitted or an
administrator released the quarter."""

import pytest
from django.urls import reverse

from scorecards import services
from scorecards.models import Assessment

from .scorecards_helpers import LAST, draft, submit

HOME_SECRET = "HOME-SECRET"
PARTNER_SECRET = "PARTNER-SECRET"
HOME_SIDE = ["champion", "manager", "contributor", "viewer", "admin", "portfolio"]
PARTNER_SIDE = ["partner_champion", "partner_user"]


def every_route(account, quarter=LAST):
    slug = account.slug
    return [
        reverse("scorecards:history", args=[slug]),
        reverse("scorecards:assessment", args=[slug, quarter]),
        reverse("scorecards:assessment", args=[slug, quarter.next()]),
        reverse("scorecards:compare", args=[slug, quarter]),
        reverse("scorecards:compare", args=[slug, quarter.next()]),
        reverse("scorecards:export", args=[slug]),
        reverse("accounts:overview", args=[slug]),
    ]


def everything_seen_by(client, user, account) -> str:
    client.force_login(user)
    pages = []
    for url in every_route(account):
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(response.content.decode())
    return "\n".join(pages)


@pytest.fixture
def home_submitted_partner_drafting(cast):
    submit(cast["champion"], cast.account, [5, 5, 5, 5, 1, 1, 1, 1], text=HOME_SECRET)
    draft(cast["partner_champion"], cast.account, [2, 2, 2], text=PARTNER_SECRET)
    return cast


@pytest.mark.parametrize("role", PARTNER_SIDE)
def test_partner_users_see_nothing_of_the_home_scorecard_before_the_partner_submits(
    client, home_submitted_partner_drafting, role
):
    cast = home_submitted_partner_drafting
    seen = everything_seen_by(client, cast[role], cast.account)
    assert HOME_SECRET not in seen
    assert PARTNER_SECRET in seen  # their own side's draft is theirs to see
    compare = client.get(reverse("scorecards:compare", args=[cast.account.slug, LAST])).content.decode()
    assert "Blind until both submit" in compare and "Bright Green" not in compare


@pytest.mark.parametrize("role", HOME_SIDE)
def test_the_home_side_never_sees_the_partners_draft(client, home_submitted_partner_drafting, role):
    cast = home_submitted_partner_drafting
    seen = everything_seen_by(client, cast[role], cast.account)
    assert PARTNER_SECRET not in seen
    assert HOME_SECRET in seen


def test_the_history_says_who_has_submitted_but_not_that_the_other_side_has_a_draft(
    client, home_submitted_partner_drafting
):
    cast = home_submitted_partner_drafting
    client.force_login(cast["champion"])
    row = next(r for r in client.get(reverse("scorecards:history", args=["helix"])).context["quarter_rows"]
               if r.state.quarter == LAST)
    assert row.sides == {"home": "Submitted", "partner": "Not submitted"}
    assert not row.can_compare
    client.force_login(cast["partner_champion"])
    row = next(r for r in client.get(reverse("scorecards:history", args=["helix"])).context["quarter_rows"]
               if r.state.quarter == LAST)
    assert row.sides == {"home": "Submitted", "partner": "Draft"}


def test_the_autosave_partial_answers_with_the_save_time_only(client, home_submitted_partner_drafting):
    cast = home_submitted_partner_drafting
    client.force_login(cast["partner_champion"])
    opened = client.get(reverse("scorecards:assessment", args=["helix", LAST])).context["form"]
    response = client.post(reverse("scorecards:autosave", args=["helix", LAST]),
                           {"editor": opened["editor"].value(), "revision": opened["revision"].value()},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Draft saved at" in response.content.decode()
    assert HOME_SECRET not in response.content.decode()


@pytest.mark.parametrize("role", ["champion", "partner_champion", "viewer", "partner_user", "admin"])
def test_once_both_have_submitted_each_side_sees_the_other(client, home_submitted_partner_drafting, role):
    cast = home_submitted_partner_drafting
    submit(cast["partner_champion"], cast.account, 3, text=PARTNER_SECRET)
    seen = everything_seen_by(client, cast[role], cast.account)
    assert HOME_SECRET in seen and PARTNER_SECRET in seen
    csv_text = client.get(reverse("scorecards:export", args=["helix"])).content.decode()
    assert "Home firm" in csv_text and "Partner firm" in csv_text


def test_an_administrators_release_shows_what_was_submitted_and_never_a_draft(client, home_submitted_partner_drafting):
    cast = home_submitted_partner_drafting
    client.force_login(cast["admin"])
    response = client.post(reverse("scorecards:release", args=["helix", LAST]), follow=True)
    assert "is released" in response.content.decode()
    assert HOME_SECRET in everything_seen_by(client, cast["partner_champion"], cast.account)
    assert PARTNER_SECRET not in everything_seen_by(client, cast["champion"], cast.account)


def test_reopening_one_side_makes_the_quarter_blind_again(client, home_submitted_partner_drafting):
    cast = home_submitted_partner_drafting
    submit(cast["partner_champion"], cast.account, 3, text=PARTNER_SECRET)
    partner = Assessment.objects.get(account=cast.account, quarter=LAST, side="partner")
    services.assessment_reopen(assessment=partner, by=cast["admin"])
    assert PARTNER_SECRET not in everything_seen_by(client, cast["champion"], cast.account)
    assert HOME_SECRET not in everything_seen_by(client, cast["partner_user"], cast.account)


def test_movement_never_reveals_a_quarter_that_is_still_blind(client, cast):
    earlier = LAST.previous()
    submit(cast["champion"], cast.account, 1, quarter=earlier)  # the partner never submitted then
    submit(cast["champion"], cast.account, 4)
    submit(cast["partner_champion"], cast.account, 4)
    client.force_login(cast["partner_champion"])
    rows = client.get(reverse("scorecards:compare", args=["helix", LAST])).context["comparison"].rows
    assert {row.home.movement for row in rows} == {None}
    client.force_login(cast["champion"])
    rows = client.get(reverse("scorecards:compare", args=["helix", LAST])).context["comparison"].rows
    assert {row.home.movement for row in rows} == {"↑"}


def test_another_accounts_scorecards_never_show(client, cast):
    submit(cast["champion"], cast.account, 5, text=HOME_SECRET)
    client.force_login(cast["admin"])
    for url in every_route(cast.other_account):
        assert HOME_SECRET not in client.get(url).content.decode()
