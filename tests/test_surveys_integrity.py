"""Nobody can rig a survey round to single someone out: the partner firm vouches for
everyone asked, both firms' people, the people asked are fixed once the round opens, a
closed round never reopens, and while a round is open nobody can tell who answered.
Rounds are for quarters people can still speak for."""

import json
import re

import pytest
from django import forms
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.quarters import Quarter
from surveys import services
from surveys.models import Invitation, SurveyRound
from surveys.reminders import survey_closing_due
from surveys.services import RespondentInput

from .api_helpers import api, token_client
from .surveys_helpers import answer, closed_round, confirm_list, draft_round, listed, open_round

QUARTER = Quarter.current()
STUFFED = "real.person@helix.example\nmy.alias.one@mail.example\nmy.alias.two@mail.example"
ALIASES = "Hugo Home <my.alias.one@mail.example>\nHanna Home <my.alias.two@mail.example>"


def confirmation_page(cast):
    return reverse("surveys:partner_confirmation", args=[cast.account.slug, QUARTER])


# --- (a) the partner firm vouches for everyone asked, both firms' people -----------------------


def test_a_manager_who_lists_their_own_addresses_as_partner_people_cannot_open_the_round(client, cast):
    slug = cast.account.slug
    client.force_login(cast["manager"])
    client.post(reverse("surveys:create", args=[slug]), {"quarter": str(QUARTER), "closes_on": "2099-12-31"})
    respondents = reverse("surveys:respondents", args=[slug, QUARTER])
    client.post(respondents, {"side": "home", "emails": "h1@example.com\nh2@example.com\nh3@example.com"})
    client.post(respondents, {"side": "partner", "emails": STUFFED})

    response = client.post(reverse("surveys:open", args=[slug, QUARTER]), follow=True)
    assert ("The executive champion of Helix Components has not yet confirmed the 6 people asked (of both firms)"
            in response.content.decode())
    survey = SurveyRound.objects.get()
    assert survey.is_draft and not mail.outbox
    with pytest.raises(ValidationError, match="has not yet confirmed"):
        services.round_open(survey=survey, by=cast["admin"])


def test_a_manager_who_lists_a_partner_person_as_home_side_next_to_two_own_addresses_cannot_open_the_round(
    client, cast,
):
    slug, pat = cast.account.slug, cast["partner_user"]
    client.force_login(cast["manager"])
    client.post(reverse("surveys:create", args=[slug]), {"quarter": str(QUARTER), "closes_on": "2099-12-31"})
    client.post(reverse("surveys:respondents", args=[slug, QUARTER]),
                {"side": "home", "emails": f"Pat Okafor <{pat.email}>\n{ALIASES}"})

    response = client.post(reverse("surveys:open", args=[slug, QUARTER]), follow=True)
    assert ("The executive champion of Helix Components has not yet confirmed the 3 people asked"
            in response.content.decode())
    over_api = token_client(cast["manager"]).post(api("survey-open", cast.account, str(QUARTER)))
    assert over_api.status_code == 400 and "has not yet confirmed the 3 people" in json.dumps(over_api.json())
    assert SurveyRound.objects.get().is_draft and not mail.outbox

    # The partner champion sees their colleague listed as the home firm's, and the two odd addresses.
    client.force_login(cast["partner_champion"])
    page = client.get(confirmation_page(cast)).content.decode()
    home_list = page[page.index('id="home-people-heading"'):]
    assert "3 people asked for Tandem Home" in home_list
    for shown in ("Pat Okafor", pat.email, "Hugo Home", "my.alias.one@mail.example", "my.alias.two@mail.example"):
        assert shown in home_list
    listed = token_client(cast["partner_champion"]).get(api("survey-partner-confirmation", cast.account,
                                                            str(QUARTER))).json()
    assert listed == {"home": [{"name": "Hanna Home", "email": "my.alias.two@mail.example"},
                               {"name": "Hugo Home", "email": "my.alias.one@mail.example"},
                               {"name": "Pat Okafor", "email": pat.email}],
                      "partner": [], "confirmed_at": None}


def test_a_round_asking_only_home_people_also_waits_for_the_partner_champion(cast):
    survey = draft_round(cast.account, home=4, partner_confirmed=False)
    with pytest.raises(ValidationError, match="has not yet confirmed the 4 people asked"):
        services.round_open(survey=survey, by=cast["manager"])
    confirm_list(survey, by=cast["partner_champion"])
    assert services.round_open(survey=survey, by=cast["manager"]).is_open


def test_an_account_without_a_partner_champion_cannot_open_a_round_and_says_so(client, cast):
    draft_round(cast.other_account, home=3, partner=3, partner_confirmed=False)  # Corvane has no partner champion
    client.force_login(cast["admin"])
    slug = cast.other_account.slug
    page = client.get(reverse("surveys:round", args=[slug, QUARTER])).content.decode()
    response = client.post(reverse("surveys:open", args=[slug, QUARTER]), follow=True).content.decode()
    over_api = token_client(cast["admin"]).post(api("survey-open", cast.other_account, str(QUARTER)))
    for said in (page, response, json.dumps(over_api.json())):
        assert "Corvane Logistics has no executive champion in Tandem" in said
    assert over_api.status_code == 400 and SurveyRound.objects.get().is_draft


def test_the_partner_champion_reads_the_whole_list_confirms_it_and_the_round_then_opens(client, cast):
    survey = draft_round(cast.account, home=3, partner=3, partner_confirmed=False)
    client.force_login(cast["partner_champion"])
    round_page = client.get(reverse("surveys:round", args=[cast.account.slug, QUARTER])).content.decode()
    assert "Check and confirm the people asked" in round_page
    page = client.get(confirmation_page(cast)).content.decode()
    assert all(email in page for side in ("home", "partner") for email in listed(survey)[side])
    assert "Home 1" in page and "Partner 3" in page

    response = client.post(confirmation_page(cast), listed(survey), follow=True)
    assert "you confirmed the people asked in this round" in response.content.decode()
    survey.refresh_from_db()
    assert survey.partner_confirmed_by == cast["partner_champion"] and survey.partner_confirmed_at is not None
    assert services.round_open(survey=survey, by=cast["manager"]).is_open


def test_over_the_api_the_partner_champion_lists_and_confirms_both_firms_people(cast):
    draft_round(cast.account, home=1, partner=2, partner_confirmed=False)
    url = api("survey-partner-confirmation", cast.account, str(QUARTER))
    champion = token_client(cast["partner_champion"])
    assert champion.get(url).json() == {
        "home": [{"name": "Home 1", "email": "home1@example.com"}],
        "partner": [{"name": "Partner 1", "email": "partner1@example.com"},
                    {"name": "Partner 2", "email": "partner2@example.com"}],
        "confirmed_at": None,
    }
    confirmed = champion.post(url, {"home": ["home1@example.com"],
                                    "partner": ["partner1@example.com", "partner2@example.com"]}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["confirmed_at"] is not None
    opened = token_client(cast["manager"]).post(api("survey-open", cast.account, str(QUARTER)))
    assert opened.status_code == 200 and opened.json()["partner_confirmed_at"] == confirmed.json()["confirmed_at"]


def test_nobody_on_the_home_side_may_confirm_for_the_partner_firm_administrators_included(client, cast):
    survey = draft_round(cast.account, home=3, partner=3, partner_confirmed=False)
    for who in ("admin", "manager"):
        client.force_login(cast[who])
        assert client.post(confirmation_page(cast), listed(survey)).status_code == 403
        response = token_client(cast[who]).post(api("survey-partner-confirmation", cast.account, str(QUARTER)),
                                                listed(survey), format="json")
        assert response.status_code == 403
    survey.refresh_from_db()
    assert survey.partner_confirmed_at is None


def assert_withdrawn(survey, people: int):
    survey.refresh_from_db()
    assert survey.partner_confirmed_at is None
    with pytest.raises(ValidationError, match=f"not yet confirmed the {people} people"):
        services.round_open(survey=survey, by=None)


def test_adding_or_removing_anyone_of_either_firm_withdraws_the_confirmation(cast):
    survey = draft_round(cast.account, home=3, partner=3)
    assert survey.partner_confirmed_at is not None
    services.respondents_add(survey=survey, by=cast["manager"],
                             people=[RespondentInput("my.alias@mail.example", "home")])
    assert_withdrawn(survey, 7)

    confirm_list(survey)
    services.invitation_remove(invitation=Invitation.objects.get(email="home1@example.com"), by=cast["manager"])
    assert_withdrawn(survey, 6)

    confirm_list(survey)
    services.respondents_add(survey=survey, by=cast["manager"],
                             people=[RespondentInput("my.alias.two@mail.example", "partner")])
    assert_withdrawn(survey, 7)

    confirm_list(survey)
    services.invitation_remove(invitation=Invitation.objects.get(email="partner1@example.com"), by=cast["manager"])
    assert_withdrawn(survey, 6)


def test_a_home_person_added_on_the_page_after_the_confirmation_withdraws_it(client, cast):
    draft_round(cast.account, home=3, partner=3)
    client.force_login(cast["manager"])
    page = client.post(reverse("surveys:respondents", args=[cast.account.slug, QUARTER]),
                       {"side": "home", "emails": "my.alias@mail.example"}, follow=True).content.decode()
    assert "has not yet confirmed the 7 people asked" in page
    response = client.post(reverse("surveys:open", args=[cast.account.slug, QUARTER]), follow=True)
    assert "has not yet confirmed the 7 people asked" in response.content.decode()
    assert SurveyRound.objects.get().is_draft


def test_confirming_a_list_whose_home_side_changed_since_it_was_read_confirms_nothing(client, cast):
    survey = draft_round(cast.account, home=3, partner=3, partner_confirmed=False)
    as_read = listed(survey)
    services.respondents_add(survey=survey, by=cast["manager"],
                             people=[RespondentInput("my.alias@mail.example", "home")])
    client.force_login(cast["partner_champion"])
    response = client.post(confirmation_page(cast), as_read, follow=True)
    assert "The list changed since you read it" in response.content.decode()
    over_api = token_client(cast["partner_champion"]).post(
        api("survey-partner-confirmation", cast.account, str(QUARTER)), as_read, format="json")
    assert over_api.status_code == 400 and "The list changed since you read it" in json.dumps(over_api.json())
    survey.refresh_from_db()
    assert survey.partner_confirmed_at is None

    # Read again, the list shows the new address, and confirming what is shown now works.
    assert "my.alias@mail.example" in response.content.decode()
    client.post(confirmation_page(cast), listed(survey))
    survey.refresh_from_db()
    assert survey.partner_confirmed_at is not None


def test_confirming_a_list_in_which_someone_moved_to_the_other_firm_confirms_nothing(cast):
    survey = draft_round(cast.account, home=3, partner=3, partner_confirmed=False)
    as_read = listed(survey)
    services.invitation_remove(invitation=Invitation.objects.get(email="partner1@example.com"), by=cast["manager"])
    services.respondents_add(survey=survey, by=cast["manager"],
                             people=[RespondentInput("partner1@example.com", "home")])
    with pytest.raises(ValidationError, match="The list changed since you read it"):
        services.partner_respondents_confirm(survey=survey, by=cast["partner_champion"], **as_read)
    survey.refresh_from_db()
    assert survey.partner_confirmed_at is None


# --- the people asked are fixed once the round opens ---------------------------------------------


def test_nobody_can_be_added_or_removed_once_the_round_is_open(client, cast):
    survey, _ = open_round(cast.account, home=3, partner=3)
    mail.outbox.clear()
    late = [RespondentInput("my.alias@mail.example", "partner")]
    with pytest.raises(ValidationError, match="fixed when the round opened"):
        services.respondents_add(survey=survey, by=cast["manager"], people=late)
    with pytest.raises(ValidationError, match="fixed when the round opened"):
        services.invitation_remove(invitation=survey.invitations.first(), by=cast["manager"])

    client.force_login(cast["manager"])
    response = client.post(reverse("surveys:respondents", args=[cast.account.slug, QUARTER]),
                           {"side": "partner", "emails": "my.alias@mail.example"}, follow=True)
    assert "fixed when the round opened" in response.content.decode()
    over_api = token_client(cast["manager"]).post(api("survey-respondents", cast.account, str(QUARTER)),
                                                  {"people": [{"email": "my.alias@mail.example", "side": "partner"}]},
                                                  format="json")
    assert over_api.status_code == 400 and "fixed when the round opened" in json.dumps(over_api.json())
    assert survey.invitations.count() == 6 and not mail.outbox


# --- (b) a closed round never reopens ------------------------------------------------------------


@pytest.fixture
def closed(cast):
    return closed_round(cast.account, home_answers=[[4] * 8] * 3, partner_answers=[[2] * 8] * 3)


def test_a_closed_round_cannot_be_saved_open_again(closed):
    closed.status, closed.closed_at = SurveyRound.Status.OPEN, None
    with pytest.raises(ValidationError, match="a closed round never reopens"):
        closed.full_clean()
    with pytest.raises(ValidationError, match="a closed round never reopens"):
        closed.save()
    assert SurveyRound.objects.get(pk=closed.pk).is_closed


def test_a_form_on_the_round_such_as_the_admins_refuses_to_reopen_it(closed):
    form_class = forms.modelform_factory(SurveyRound, fields=["status", "closes_on"])
    form = form_class({"status": "open", "closes_on": "2099-12-31"}, instance=closed)
    assert not form.is_valid()
    assert "a closed round never reopens" in str(form.errors)


def test_the_database_refuses_an_open_round_that_carries_its_closing_time(closed):
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyRound.objects.filter(pk=closed.pk).update(status=SurveyRound.Status.OPEN)


def test_an_open_round_never_goes_back_to_draft(cast):
    survey, _ = open_round(cast.account, home=3)
    survey.status, survey.opened_at = SurveyRound.Status.DRAFT, None
    with pytest.raises(ValidationError, match="only moves forward"):
        survey.save()


def test_reopening_a_closed_round_is_refused_by_the_service_the_page_and_the_api_saying_why(client, cast, closed):
    with pytest.raises(ValidationError, match="a closed round never reopens"):
        services.round_open(survey=closed, by=cast["admin"])
    with pytest.raises(ValidationError, match="a closed round never reopens"):
        services.round_update_closing(survey=closed, by=cast["admin"], closes_on=closed.closes_on.replace(year=2099))
    client.force_login(cast["admin"])
    response = client.post(reverse("surveys:open", args=[cast.account.slug, QUARTER]), follow=True)
    assert "a closed round never reopens" in response.content.decode()
    over_api = token_client(cast["admin"]).post(api("survey-open", cast.account, str(QUARTER)))
    assert over_api.status_code == 400 and "a closed round never reopens" in json.dumps(over_api.json())
    assert SurveyRound.objects.get(pk=closed.pk).is_closed


# --- while a round is open, nobody can tell who answered -------------------------------------------


CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"')


def everything_shown(client, cast, survey) -> list[str]:
    """What each kind of user sees of an open round: pages, the API, the managers' reminder."""
    slug, quarter = cast.account.slug, str(survey.quarter)
    shown = []
    for who in ("manager", "partner_champion"):
        client.force_login(cast[who])
        for url in (reverse("surveys:round", args=[slug, quarter]), reverse("surveys:index", args=[slug])):
            shown.append(CSRF.sub("", client.get(url).content.decode()))
        script = token_client(cast[who])
        shown += [script.get(api("survey-detail", cast.account, quarter)).content.decode(),
                  script.get(api("survey-list", cast.account)).content.decode()]
    client.force_login(cast["manager"])
    shown.append(CSRF.sub("", client.get(reverse("surveys:respondents", args=[slug, quarter])).content.decode()))
    shown.append(token_client(cast["manager"]).get(api("survey-respondents", cast.account, quarter)).content.decode())
    shown += [reminder.body for reminder in survey_closing_due(survey.closes_on)]
    return shown


def test_while_a_round_is_open_one_more_answer_changes_nothing_anyone_can_see(client, cast):
    survey, links = open_round(cast.account, home=5, partner=5, closes_in=2)
    answer(links["home1@example.com"], [4] * 8)
    before = everything_shown(client, cast, survey)
    assert len(before) == 11 and "have answered" in before[-1]  # the managers' reminder is among them
    answer(links["home2@example.com"], [2] * 8)
    assert everything_shown(client, cast, survey) == before


def test_an_open_round_shows_only_whether_three_of_each_firm_have_answered(client, cast):
    survey, links = open_round(cast.account, home=5, partner=5)
    for email in ("home1@example.com", "home2@example.com", "home3@example.com", "partner1@example.com"):
        answer(links[email], [4] * 8)
    client.force_login(cast["manager"])
    page = client.get(reverse("surveys:round", args=[cast.account.slug, QUARTER])).content.decode()
    rows = re.findall(r'<th scope="row">(Home|Partner) firm</th><td class="num">5</td><td class="num">([^<]+)</td>',
                      page)
    assert rows == [("Home", "at least 3"), ("Partner", "fewer than 3")]
    services.round_close(survey=survey, by=None)
    page = client.get(reverse("surveys:round", args=[cast.account.slug, QUARTER])).content.decode()
    rows = re.findall(r'<th scope="row">(Home|Partner) firm</th><td class="num">5</td><td class="num">([^<]+)</td>',
                      page)
    assert rows == [("Home", "3"), ("Partner", "1")]


# --- rounds for quarters people can still speak for ---------------------------------------------------


@pytest.mark.parametrize(("typed", "message"), [
    ("1900-Q1", "is outside the quarters Tandem keeps: give one from 2000-Q1 to 2100-Q4."),
    ("2001-Q1", "2001-Q1 is too long ago for people to say how the partnership felt then; survey a quarter from "
                f"{QUARTER - 4} to {QUARTER}."),
])
def test_a_round_for_a_quarter_long_past_is_refused_with_a_clear_message_on_the_form_and_over_the_api(
        client, cast, typed, message):
    client.force_login(cast["manager"])
    response = client.post(reverse("surveys:create", args=[cast.account.slug]),
                           {"quarter": typed, "closes_on": "2099-12-31"})
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert f'value="{typed}"' in page  # what was typed is kept
    over_api = token_client(cast["manager"]).post(api("survey-list", cast.account),
                                                  {"quarter": typed, "closes_on": "2099-12-31"}, format="json")
    assert over_api.status_code == 400 and message in over_api.json()["quarter"][0]
    assert not SurveyRound.objects.exists()


@pytest.mark.parametrize(("back", "allowed"), [(0, True), (4, True), (5, False), (-1, False), (-8, False)])
def test_a_round_surveys_the_current_quarter_or_one_of_the_four_before_it(cast, back, allowed):
    create = lambda: services.round_create(account=cast.account, by=None, quarter=QUARTER - back,  # noqa: E731
                                           closes_on=QUARTER.end_date.replace(year=2099))
    if allowed:
        assert create().quarter == QUARTER - back
    else:
        with pytest.raises(ValidationError, match="too long ago|has not started yet"):
            create()


def test_a_second_round_does_not_open_while_another_is_open_so_two_cannot_be_set_side_by_side(client, cast):
    """Rounds asking A, B, C, D and B, C, D, open together, would give A's answers as
    their difference."""
    first, _ = open_round(cast.account, home=1, partner=4, quarter=QUARTER)
    second = draft_round(cast.account, home=1, partner=3, quarter=QUARTER - 1)
    client.force_login(cast["manager"])
    response = client.post(reverse("surveys:open", args=[cast.account.slug, second.quarter]), follow=True)
    assert f"Round {QUARTER} is still open: close it before opening another" in response.content.decode()
    assert SurveyRound.objects.get(pk=second.pk).status == "draft"

    services.round_close(survey=first, by=None)
    services.round_open(survey=second, by=None)
    assert SurveyRound.objects.get(pk=second.pk).status == "open"
