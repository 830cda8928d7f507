"""Personal links: unguessable, stored only as a hash, good for one answer, dead once
the round closes — and every bad link gets a clear page, never an error."""

import datetime as dt
import hashlib

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from surveys import services
from surveys.models import Invitation, ScoreTally, SurveyComment, SurveyRound

from .surveys_helpers import answer, links_in_outbox, open_round

AGREE = [4] * 8


@pytest.fixture
def survey(cast):
    survey, links = open_round(cast.account, by=cast["manager"], home=3, partner=3)
    return survey, links


def page(client, token, method="get", data=None):
    url = reverse("survey_answer", args=[token])
    return client.post(url, data or {}) if method == "post" else client.get(url)


def all_agree(**extra):
    data = {f"score_{n}": "4" for n in range(1, 9)}
    data.update(extra)
    return data


def test_each_person_gets_one_email_with_a_personal_link_and_only_its_hash_is_stored(survey):
    survey, links = survey
    assert len(mail.outbox) == 6
    assert len(set(links.values())) == 6
    for email, token in links.items():
        assert len(token) >= 43  # 32 random bytes
        invitation = Invitation.objects.get(email=email)
        assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
        stored = " ".join(str(value) for value in Invitation.objects.filter(pk=invitation.pk).values().first().values())
        assert token not in stored


def test_the_link_opens_the_survey_without_signing_in_and_names_the_other_firm(client, survey, settings):
    survey, links = survey
    response = page(client, links["partner1@example.com"])
    assert response.status_code == 200
    text = response.content.decode()
    assert "We can trust the other firm." in text
    assert f"“the other firm” is {settings.HOME_FIRM_NAME}" in text
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_answering_counts_the_scores_for_the_firm_and_shows_thanks(client, survey):
    survey, links = survey
    response = page(client, links["home1@example.com"], "post", all_agree(score_7="2", comment_7="Too many surprises"))
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    trust = survey.statements.get(position=7)
    assert ScoreTally.objects.get(statement=trust, side="home", score=2).count == 1
    assert ScoreTally.objects.get(statement=trust, side="home", score=4).count == 0
    assert SurveyComment.objects.get().text == "Too many surprises"


def test_a_used_link_says_you_have_already_answered_and_counts_nothing_twice(client, survey):
    survey, links = survey
    token = links["home1@example.com"]
    page(client, token, "post", all_agree())
    again = page(client, token)
    assert again.status_code == 410
    assert "You have already answered" in again.content.decode()
    second = page(client, token, "post", all_agree())
    assert second.status_code == 410
    assert sum(ScoreTally.objects.filter(side="home").values_list("count", flat=True)) == 8


def test_answering_twice_through_the_service_is_refused(survey):
    survey, links = survey
    answer(links["home1@example.com"], AGREE)
    with pytest.raises(services.LinkUsed):
        answer(links["home1@example.com"], AGREE)


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one character changed
    lambda t: t[:-5],  # cut short
    lambda t: "x" * 10,  # far too short
    lambda t: "not-a-real-token-but-long-enough-to-look-like-one",
])
def test_a_tampered_or_unknown_link_gets_a_friendly_not_found_page(client, survey, tamper):
    survey, links = survey
    response = page(client, tamper(links["home1@example.com"]))
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


def test_a_link_with_odd_characters_is_not_found_rather_than_an_error(client, survey):
    response = client.get("/survey/%27%3B%20DROP%20TABLE%3B--abcdefghijklmnopqrstu/")
    assert response.status_code == 404


def test_once_the_round_is_closed_every_link_has_expired(client, survey):
    survey, links = survey
    services.round_close(survey=survey, by=None)
    response = page(client, links["partner2@example.com"])
    assert response.status_code == 410
    assert "This survey has closed" in response.content.decode()
    assert page(client, links["partner2@example.com"], "post", all_agree()).status_code == 410


def test_after_the_last_day_links_expire_even_before_the_nightly_job_closes_the_round(client, survey):
    survey, links = survey
    SurveyRound.objects.filter(pk=survey.pk).update(closes_on=timezone.localdate() - dt.timedelta(days=1))
    assert page(client, links["home2@example.com"]).status_code == 410


def test_the_reminder_carries_a_second_link_and_both_work_until_the_person_answers(client, survey):
    survey, links = survey
    mail.outbox.clear()
    SurveyRound.objects.filter(pk=survey.pk).update(closes_on=timezone.localdate() + dt.timedelta(days=2))
    invitation = Invitation.objects.get(email="home1@example.com")
    assert services.invitation_remind(invitation_id=invitation.pk, today=timezone.localdate())
    reminder_token = links_in_outbox()["home1@example.com"]
    assert reminder_token != links["home1@example.com"]
    assert page(client, links["home1@example.com"]).status_code == 200
    assert page(client, reminder_token, "post", all_agree()).status_code == 200
    assert page(client, links["home1@example.com"]).status_code == 410


def test_a_missing_answer_is_shown_and_nothing_is_counted(client, survey):
    survey, links = survey
    data = all_agree()
    del data["score_3"]
    response = page(client, links["home1@example.com"], "post", data)
    assert response.status_code == 422
    assert "Choose how far you agree with this statement." in response.content.decode()
    assert not any(ScoreTally.objects.values_list("count", flat=True))
    assert page(client, links["home1@example.com"]).status_code == 200


def test_a_score_off_the_scale_is_refused(client, survey):
    survey, links = survey
    response = page(client, links["home1@example.com"], "post", all_agree(score_1="9"))
    assert response.status_code == 422
    assert not any(ScoreTally.objects.values_list("count", flat=True))


def test_a_draft_round_has_no_working_links(cast):
    from .surveys_helpers import draft_round

    draft_round(cast.account, home=3)
    assert not Invitation.objects.exclude(token_hash=None).exists()
    assert not mail.outbox
