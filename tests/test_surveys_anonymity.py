"""Nobody — administrators included, in pages, exports, the admin or the history —
sees an individual's answers, and a firm's results show only once the round is closed
and at least three of its people answered."""

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.quarters import Quarter
from surveys import selectors, services
from surveys.models import Invitation, ScoreTally, SurveyComment

from .surveys_helpers import answer, answer_all, closed_round, open_round

# Distinctive means so that they can be looked for in pages: home 4.33, partner 1.50.
HOME_THREE = [[4] * 8, [4] * 8, [5] * 8]
PARTNER_TWO = [[1] * 8, [2] * 8]


def round_page(client, user, survey):
    client.force_login(user)
    return client.get(reverse("surveys:round", args=[survey.account.slug, survey.quarter])).content.decode()


def export(client, user, account):
    client.force_login(user)
    return client.get(reverse("surveys:export", args=[account.slug])).content.decode()


@pytest.fixture
def two_partner_answers(cast):
    return closed_round(cast.account, home_answers=HOME_THREE, partner_answers=PARTNER_TWO)


@pytest.mark.parametrize("who", ["admin", "manager", "portfolio", "partner_champion"])
def test_a_firm_with_two_answers_is_withheld_on_the_round_page_for_everyone(client, cast, two_partner_answers, who):
    text = round_page(client, cast[who], two_partner_answers)
    assert "4.33 ± 0.47" in text  # the home firm: three answered
    assert "1.50" not in text and "0.50" not in text  # the partner firm's mean and spread
    assert "Withheld: fewer than 3 answered" in text


def test_a_firm_with_two_answers_is_withheld_in_the_export(client, cast, two_partner_answers):
    lines = export(client, cast["admin"], cast.account).splitlines()
    partner = [line for line in lines if ",Partner firm," in line]
    assert len(partner) == 8 and all("withheld: fewer than three answered" in line for line in partner)
    assert all(",1.50," not in line for line in lines)
    home = [line for line in lines if ",Home firm," in line]
    assert all(",4.33,0.47," in line for line in home)


def test_withheld_firms_leave_no_gap_no_index_and_no_portfolio_figure(cast, two_partner_answers):
    result = selectors.round_results(two_partner_answers)
    assert result.home_shown and not result.partner_shown
    assert all(row.partner is None and row.gap is None for row in result.statements)
    assert result.partner_index is None and result.index is None
    assert selectors.latest_survey_index(account_id=cast.account.pk) is None


def test_the_history_chart_and_table_leave_out_a_withheld_firm(client, cast, two_partner_answers):
    client.force_login(cast["admin"])
    text = client.get(reverse("surveys:index", args=[cast.account.slug])).content.decode()
    assert "fewer than 3" in text
    history = selectors.survey_history(cast.account)
    from surveys.charts import history_figure

    partner_line = history_figure(history)["data"][1]
    assert partner_line["y"] == [None]


def test_comments_of_a_firm_below_the_threshold_are_not_shown(client, cast):
    survey, links = open_round(cast.account, home=3, partner=3)
    answer_all(links, "home", HOME_THREE)
    partner_tokens = [t for e, t in sorted(links.items()) if e.startswith("partner")]
    answer(partner_tokens[0], [1] * 8, comments={7: "I do not trust them at all"})
    answer(partner_tokens[1], [2] * 8)
    survey = services.round_close(survey=survey, by=None)
    assert "I do not trust them at all" not in round_page(client, cast["admin"], survey)
    result = selectors.round_results(survey)
    assert result.released and result.home_shown
    assert all(not row.comments["partner"] for row in result.statements)


def test_three_answers_from_each_firm_show_both_firms_the_gap_and_the_index(client, cast):
    survey = closed_round(cast.account, home_answers=HOME_THREE, partner_answers=[[1] * 8, [2] * 8, [3] * 8])
    text = round_page(client, cast["viewer"], survey)
    assert "4.33 ± 0.47" in text and "2.00 ± 0.82" in text and "+2.33" in text
    result = selectors.round_results(survey)
    assert result.index == pytest.approx((83.333 + 25.0) / 2, abs=0.01)
    assert selectors.latest_survey_index(account_id=cast.account.pk) == (survey.quarter, 54.2)


def test_an_open_round_shows_only_how_many_answered_never_the_figures(client, cast):
    survey, links = open_round(cast.account, home=4, partner=4)
    answer_all(links, "home", HOME_THREE)
    answer_all(links, "partner", [[1] * 8, [2] * 8, [3] * 8])
    text = round_page(client, cast["admin"], survey)
    assert "4.33" not in text and "After the round closes" in text
    assert selectors.round_results(survey).any_shown is False
    assert ",Home firm," not in export(client, cast["admin"], cast.account)
    assert selectors.latest_survey_index(account_id=cast.account.pk) is None


def test_nobody_can_see_who_answered_only_how_many(client, cast):
    survey, links = open_round(cast.account, home=3, partner=3)
    answer(links["home2@example.com"], [5] * 8)
    client.force_login(cast["admin"])
    text = client.get(reverse("surveys:respondents", args=[cast.account.slug, survey.quarter])).content.decode()
    assert "home2@example.com" in text
    assert "answered" not in text.split("home2@example.com")[1].split("</tr>")[0].lower()


def test_the_respondents_page_does_not_tell_who_was_reminded(client, cast):
    """Only those who have not answered get the reminder: showing it would show who answered."""
    from surveys.services import survey_mail_send_due

    survey, links = open_round(cast.account, home=3, partner=3)
    answer(links["home2@example.com"], [5] * 8)
    survey_mail_send_due(survey.closes_on - dt.timedelta(days=1))
    assert survey.invitations.filter(reminded_at__isnull=False).count() == 5
    client.force_login(cast["admin"])
    text = client.get(reverse("surveys:respondents", args=[cast.account.slug, survey.quarter])).content.decode()
    rows = {email: text.split(email)[1].split("</tr>")[0] for email in ("home1@example.com", "home2@example.com")}
    assert "remind" not in text.split("<tbody>")[1].lower()
    assert rows["home1@example.com"].replace("home1", "") == rows["home2@example.com"].replace("home2", "")


def test_answers_cannot_be_joined_back_to_an_invitation(cast):
    survey, links = open_round(cast.account, home=3, partner=3)
    invitation = Invitation.objects.get(email="home1@example.com")
    history_before = invitation.history.count()
    answer(links["home1@example.com"], [5] * 8, comments={1: "Great"})
    # The answer is stored only as counts and a comment with its firm: no key to a person, no time.
    for model in (ScoreTally, SurveyComment):
        fields = {f.name for f in model._meta.get_fields()}
        assert not fields & {"invitation", "user", "email", "created_at", "answered_at", "respondent"}
    # Answering leaves no trace in the invitation's history (so no time to correlate either).
    assert invitation.history.count() == history_before
    assert "answered" not in {f.name for f in Invitation.history.model._meta.get_fields()}


def test_the_admin_offers_neither_answers_nor_invitations(cast):
    registered = set(admin.site._registry)
    assert not registered & {ScoreTally, SurveyComment, Invitation}


def test_the_roll_up_reads_only_closed_rounds_with_both_firms_over_the_threshold(cast):
    earlier = closed_round(cast.account, quarter=Quarter.current().previous(),
                           home_answers=[[5] * 8] * 3, partner_answers=[[5] * 8] * 3)
    closed_round(cast.account, home_answers=[[3] * 8] * 3, partner_answers=[[3] * 8] * 2)
    assert selectors.latest_survey_index(account_id=cast.account.pk) == (earlier.quarter, 100.0)
