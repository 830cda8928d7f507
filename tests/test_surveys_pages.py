"""An account manager runs a survey round from the pages: statements, a round, people
from the roster and by e-mail, opening, answers through the links, closing, results."""

import pytest
from django.core import mail
from django.db.models import F
from django.urls import reverse

from accounts.quarters import Quarter
from plans.models import RosterEntry
from surveys import services
from surveys.models import Invitation, ScoreTally, SurveyComment, SurveyRound, SurveyStatement
from surveys.selectors import statement_set

from .queries import assert_query_count_is_constant
from .surveys_helpers import answer_all, closed_round, confirm_list, draft_round, links_in_outbox, listed, open_round

QUARTER = Quarter.current()


def test_a_manager_runs_a_round_for_thirty_people_and_sees_how_each_firm_perceives_the_partnership(
    client, cast, django_capture_on_commit_callbacks
):
    slug = cast.account.slug
    client.force_login(cast["manager"])
    pat = RosterEntry.objects.create(account=cast.account, name="Pat Partner", side="partner",
                                     user=cast["partner_champion"])
    nina = RosterEntry.objects.create(account=cast.account, name="Nina Nologin", side="partner")

    response = client.post(reverse("surveys:create", args=[slug]), {"quarter": str(QUARTER),
                                                                      "closes_on": "2099-12-31"})
    assert response["Location"] == reverse("surveys:respondents", args=[slug, QUARTER])
    page = client.get(response["Location"]).content.decode()
    assert "Pat Partner" in page and cast["partner_champion"].email in page

    home = "\n".join(f"Home Person {n} <home{n}@example.com>" for n in range(1, 16))
    partner = "\n".join(f"partner{n}@example.com" for n in range(1, 14))
    client.post(reverse("surveys:respondents", args=[slug, QUARTER]), {"side": "home", "emails": home})
    client.post(reverse("surveys:respondents", args=[slug, QUARTER]), {
        "side": "partner", "emails": partner, "roster": [pat.pk, nina.pk], f"email-{nina.pk}": "nina@example.com",
    })
    survey = SurveyRound.objects.get(account=cast.account, quarter=QUARTER)
    assert survey.invitations.count() == 30
    assert survey.invitations.get(roster_entry=pat).email == cast["partner_champion"].email

    # The partner firm's champion vouches for all 30 people asked before the round can open.
    response = client.post(reverse("surveys:open", args=[slug, QUARTER]), follow=True)
    assert "has not yet confirmed the 30 people asked (of both firms)" in response.content.decode()
    client.force_login(cast["partner_champion"])
    page = client.get(reverse("surveys:partner_confirmation", args=[slug, QUARTER])).content.decode()
    assert "nina@example.com" in page and "partner13@example.com" in page and "home15@example.com" in page
    client.post(reverse("surveys:partner_confirmation", args=[slug, QUARTER]), listed(survey))
    client.force_login(cast["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("surveys:open", args=[slug, QUARTER]), follow=True)
    assert "each person gets their personal link by e-mail" in response.content.decode()
    assert len(mail.outbox) == 30
    links = links_in_outbox()
    answer_all({e: t for e, t in links.items() if e.startswith("home")}, "home", [[4] * 8] * 10)
    partner_links = {e: t for e, t in links.items() if not e.startswith("home")}
    answer_all({f"partner-{e}": t for e, t in partner_links.items()}, "partner", [[2] * 8] * 9)

    page = client.get(reverse("surveys:round", args=[slug, QUARTER])).content.decode()
    assert "After the round closes" in page and "4.00" not in page
    client.post(reverse("surveys:close", args=[slug, QUARTER]))
    page = client.get(reverse("surveys:round", args=[slug, QUARTER])).content.decode()
    assert "4.00 ± 0.00" in page and "2.00 ± 0.00" in page and "+2.00" in page
    assert "67%" in page and "60%" in page and "Discuss first" in page
    overview = client.get(reverse("surveys:index", args=[slug])).content.decode()
    assert "<strong>50</strong>" in overview  # (75 + 25) / 2


def test_a_round_keeps_the_wording_it_was_sent_with(client, cast):
    client.force_login(cast["manager"])
    survey, _ = open_round(cast.account, home=1)
    response = client.post(reverse("surveys:statements", args=[cast.account.slug]),
                           {"statements": "We trust each other.\nWe win together.",
                            "version": statement_set(cast.account).version})
    assert response.status_code == 302
    assert list(SurveyStatement.objects.filter(account=cast.account).values_list("text", flat=True)) == [
        "We trust each other.", "We win together.",
    ]
    assert survey.statements.count() == 8
    assert survey.statements.get(position=7).text == "We can trust the other firm."
    services.round_close(survey=survey, by=None)
    later, _ = open_round(cast.account, home=1, quarter=QUARTER.previous())
    assert list(later.statements.values_list("text", flat=True)) == ["We trust each other.", "We win together."]


def test_statements_with_a_duplicate_are_refused_with_a_message(client, cast):
    client.force_login(cast["manager"])
    response = client.post(reverse("surveys:statements", args=[cast.account.slug]),
                           {"statements": "We trust.\nwe trust.", "version": "0"})
    assert response.status_code == 200
    assert "Each statement appears only once." in response.content.decode()


def test_a_bad_address_adds_nobody_and_says_which_line(client, cast):
    client.force_login(cast["manager"])
    services.round_create(account=cast.account, by=None, quarter=QUARTER,
                          closes_on=QUARTER.end_date.replace(year=2099))
    response = client.post(reverse("surveys:respondents", args=[cast.account.slug, QUARTER]),
                           {"side": "home", "emails": "ok@example.com\nnot an address"})
    assert "Line 2 (“not an address”) is not an e-mail address." in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_round_cannot_open_without_people_or_twice(cast):
    survey = services.round_create(account=cast.account, by=None, quarter=QUARTER,
                                   closes_on=QUARTER.end_date.replace(year=2099))
    with pytest.raises(services.ValidationError, match="Add the people"):
        services.round_open(survey=survey, by=None)
    services.respondents_add(survey=survey, by=None, people=[services.RespondentInput("a@example.com", "home")])
    confirm_list(survey)
    services.round_open(survey=survey, by=None)
    with pytest.raises(services.ValidationError, match="already open"):
        services.round_open(survey=survey, by=None)


def test_a_second_round_for_the_same_quarter_is_refused(client, cast):
    client.force_login(cast["manager"])
    data = {"quarter": str(QUARTER), "closes_on": "2099-12-31"}
    client.post(reverse("surveys:create", args=[cast.account.slug]), data)
    response = client.post(reverse("surveys:create", args=[cast.account.slug]), data, follow=True)
    assert "already has a survey round for" in response.content.decode()
    assert SurveyRound.objects.count() == 1


def _grow(account, quarters):
    def grow():
        for quarter in quarters:
            closed_round(account, quarter=quarter, home_answers=[[4] * 8] * 4, partner_answers=[[3] * 8] * 3)
    return grow


def test_the_overview_costs_the_same_queries_with_more_rounds(client, cast):
    closed_round(cast.account, quarter=QUARTER, home_answers=[[4] * 8] * 3, partner_answers=[[3] * 8] * 3)
    url = reverse("surveys:index", args=[cast.account.slug])
    grow = _grow(cast.account, [QUARTER - n for n in range(1, 4)])
    assert_query_count_is_constant(client, cast["manager"], url, grow, pinned=14)


def test_the_round_page_costs_the_same_queries_with_more_people(client, cast):
    survey = closed_round(cast.account, quarter=QUARTER, home_answers=[[4] * 8] * 3, partner_answers=[[3] * 8] * 3)
    url = reverse("surveys:round", args=[cast.account.slug, survey.quarter])

    def grow():
        # As if twenty more people of each firm had answered, with comments.
        ScoreTally.objects.filter(statement__round=survey, score=3).update(count=F("count") + 20)
        SurveyComment.objects.bulk_create([SurveyComment(statement=statement, side=side, text=f"Comment {n}")
                                           for statement in survey.statements.all() for side in ("home", "partner")
                                           for n in range(5)])

    assert_query_count_is_constant(client, cast["manager"], url, grow, pinned=13)
    assert "Comment 4" in client.get(url).content.decode()


def test_the_respondents_page_costs_the_same_queries_with_more_people(client, cast):
    # Not yet confirmed, as after adding anyone: the page then also says what the round awaits.
    survey = draft_round(cast.account, home=3, partner=3, partner_confirmed=False)
    RosterEntry.objects.create(account=cast.account, name="Rosa Roster", side="home")
    url = reverse("surveys:respondents", args=[cast.account.slug, survey.quarter])

    def grow():
        services.respondents_add(survey=survey, by=None, people=[
            services.RespondentInput(f"more{n}@example.com", "home") for n in range(20)])
        RosterEntry.objects.bulk_create([RosterEntry(account=cast.account, name=f"R {n}", side="partner")
                                         for n in range(10)])

    assert_query_count_is_constant(client, cast["manager"], url, grow, pinned=15)


def test_closing_the_round_tells_the_portfolio_to_recompute_the_account_but_an_answer_does_not(cast):
    """An open round's answers change nothing the portfolio reads; a recomputation per
    answer would only record when each one came in."""
    from accounts.signals import account_figures_changed

    heard = []

    def listener(sender, account_id, **kwargs):
        heard.append(account_id)

    account_figures_changed.connect(listener, dispatch_uid="test-surveys-listener")
    try:
        survey, links = open_round(cast.account, home=1)
        answer_all(links, "home", [[4] * 8])
        services.round_close(survey=survey, by=None)
    finally:
        account_figures_changed.disconnect(dispatch_uid="test-surveys-listener")
    assert heard == [cast.account.pk]


def test_a_new_account_is_offered_the_eight_default_statements_without_saving_anything(client, cast):
    client.force_login(cast["manager"])
    page = client.get(reverse("surveys:statements", args=[cast.account.slug])).content.decode()
    assert "Our joint effort is a win-win for both firms." in page and "We can trust the other firm." in page
    assert not SurveyStatement.objects.exists()


@pytest.mark.parametrize("picked", ["²", "١", "abc", "99999999999999999999"])
def test_an_odd_roster_pick_adds_nobody_instead_of_failing(client, cast, picked):
    survey = draft_round(cast.account, home=1)
    client.force_login(cast["manager"])
    response = client.post(reverse("surveys:respondents", args=[cast.account.slug, survey.quarter]),
                           {"roster": picked, "side": "home"})
    assert response.status_code in (200, 302)
    assert survey.invitations.count() == 1


def test_the_partner_confirmation_page_costs_the_same_queries_with_more_people(client, cast):
    survey = draft_round(cast.account, home=3, partner=3, partner_confirmed=False)
    url = reverse("surveys:partner_confirmation", args=[cast.account.slug, survey.quarter])

    def grow():
        services.respondents_add(survey=survey, by=None, people=[
            services.RespondentInput(f"more{n}@example.com", side) for n in range(10) for side in ("home", "partner")])

    assert_query_count_is_constant(client, cast["partner_champion"], url, grow, pinned=10)
