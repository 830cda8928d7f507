"""Invitations and the one reminder go out exactly once each, however often the jobs
run or retry; rounds close themselves after their last day; managers hear in-app
when a round is about to close."""

import datetime as dt
from smtplib import SMTPException, SMTPRecipientsRefused

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from accounts.models import PartnerAccount
from notifications.reminders import registered_kinds
from notifications.services import reminders_due
from surveys import services
from surveys.models import Invitation, SurveyRound
from surveys.tasks import send_due_survey_mail, send_round_invitations

from .concurrency import run_at_once
from .mail_helpers import WorkerKilled, mail_server
from .surveys_helpers import LINK, answer, draft_round, open_round

TODAY = timezone.localdate


def test_opening_a_round_sends_each_invitation_after_commit_and_once(cast, django_capture_on_commit_callbacks):
    survey = draft_round(cast.account, home=2, partner=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.round_open(survey=survey, by=cast["manager"])
    assert sorted(m.to[0] for m in mail.outbox) == [
        "home1@example.com", "home2@example.com", "partner1@example.com", "partner2@example.com",
    ]
    assert send_round_invitations(survey.pk) == 0
    assert send_due_survey_mail() == {"closed": 0, "invited": 0, "reminded": 0}
    assert len(mail.outbox) == 4


def test_the_invitation_tells_what_anonymity_means_and_until_when_the_link_works(cast):
    survey, _ = open_round(cast.account, partner=1)
    message = mail.outbox[0]
    assert message.subject == f"[Tandem] the {survey.quarter} survey on working with {settings.HOME_FIRM_NAME}"
    assert "at least three people of your firm" in message.body
    # Asked for one firm: someone of the other firm listed here is told not to answer.
    assert "You are asked as one of the people of Helix Components" in message.body
    assert f"{survey.closes_on:%d %B %Y}" in message.body
    assert f"{settings.TANDEM_BASE_URL}/survey/" in message.body


def test_a_failed_email_is_sent_by_the_next_run(cast):
    survey = draft_round(cast.account, home=1)
    services.round_open(survey=survey, by=None)
    with mail_server(refuses=lambda message: SMTPException("down")), pytest.raises(SMTPException):
        services.round_invitations_send(round_id=survey.pk)
    invitation = Invitation.objects.get()
    assert invitation.invited_at is None and invitation.invite_started_at is None
    assert services.survey_mail_send_due(TODAY()).invited == 1
    assert len(mail.outbox) == 1


def test_an_invitation_whose_sending_was_never_confirmed_goes_again_only_after_the_lease_with_a_working_link(
    cast, client, settings
):
    """The worker dies after the mail server accepted the invitation and before it could
    record so. Until the lease is over nobody sends it again; then the next run does.
    The link was never kept, so the second e-mail carries a new one, which works; the
    first link then meets the page that says to use the newer e-mail."""
    settings.TANDEM_EMAIL_LEASE_SECONDS = 600
    survey = draft_round(cast.account, home=2)
    services.round_open(survey=survey, by=None)
    dies = "home1@example.com"
    with mail_server(dies_after_accepting=lambda message: message.to == [dies]), pytest.raises(WorkerKilled):
        services.round_invitations_send(round_id=survey.pk)
    [first] = [m for m in mail.outbox if m.to == [dies]]
    unconfirmed = Invitation.objects.get(email=dies)
    assert unconfirmed.invited_at is None and unconfirmed.invite_started_at is not None

    assert services.survey_mail_send_due(TODAY()).invited == 1  # the other one only
    assert [m.to[0] for m in mail.outbox].count(dies) == 1

    Invitation.objects.filter(pk=unconfirmed.pk).update(
        invite_started_at=unconfirmed.invite_started_at - dt.timedelta(seconds=601)
    )
    assert services.survey_mail_send_due(TODAY()).invited == 1
    assert services.survey_mail_send_due(TODAY()).invited == 0
    first_link, second = LINK.search(first.body).group(0), [m for m in mail.outbox if m.to == [dies]][1]
    second_link = LINK.search(second.body).group(0)
    assert second_link != first_link
    assert second.message()["Message-ID"] != first.message()["Message-ID"]  # not the same message
    assert client.get(second_link).status_code == 200
    assert "if you received a newer e-mail, use the link in that one" in client.get(first_link).content.decode()
    assert Invitation.objects.get(pk=unconfirmed.pk).invited_at is not None


def test_an_address_the_mail_server_refuses_holds_back_nobody_else(cast):
    """One refused address fails its own e-mails only: the others' invitations and
    reminders go out, the run then reports the error, and the next run sends the rest."""
    survey = draft_round(cast.account, home=3, closes_in=2)
    services.round_open(survey=survey, by=None)
    refused = "home2@example.com"

    def refuse_one(message):
        if message.to == [refused]:
            return SMTPRecipientsRefused({refused: (550, b"mailbox unavailable")})
        return None

    with mail_server(refuses=refuse_one), pytest.raises(SMTPRecipientsRefused):
        services.survey_mail_send_due(TODAY())
    assert sorted(m.to[0] for m in mail.outbox) == ["home1@example.com"] * 2 + ["home3@example.com"] * 2
    assert Invitation.objects.get(email=refused).invited_at is None

    run = services.survey_mail_send_due(TODAY())
    assert (run.invited, run.reminded) == (1, 1)
    assert sorted(m.to[0] for m in mail.outbox if m.to == [refused]) == [refused] * 2
    assert services.survey_mail_send_due(TODAY()) == services.MailRun(closed=0, invited=0, reminded=0)


def test_a_line_break_in_a_stored_account_name_does_not_reach_the_subject(cast):
    PartnerAccount.objects.filter(pk=cast.account.pk).update(name="Helix\r\nBcc: spy@evil.example")
    survey, _ = open_round(cast.account, home=1)
    [message] = mail.outbox
    assert message.subject == f"[Tandem] the {survey.quarter} survey on working with Helix Bcc: spy@evil.example"
    assert message.message()["Bcc"] is None


def test_the_reminder_goes_once_in_the_last_days_and_only_to_those_who_have_not_answered(cast):
    survey, links = open_round(cast.account, home=2, partner=1, closes_in=10)
    answer(links["home1@example.com"], [4] * 8)
    mail.outbox.clear()
    closes_on = survey.closes_on
    assert services.survey_mail_send_due(closes_on - dt.timedelta(days=4)).reminded == 0
    assert services.survey_mail_send_due(closes_on - dt.timedelta(days=3)).reminded == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["home2@example.com", "partner1@example.com"]
    assert mail.outbox[0].subject.startswith("[Tandem] Reminder: ")
    for day in (3, 2, 0):
        assert services.survey_mail_send_due(closes_on - dt.timedelta(days=day)).reminded == 0
    assert len(mail.outbox) == 2


def test_a_reminder_claimed_by_one_worker_is_not_sent_by_another(cast):
    survey, _ = open_round(cast.account, home=1, closes_in=2)
    invitation = Invitation.objects.get()
    mail.outbox.clear()
    results = [services.invitation_remind(invitation_id=invitation.pk, today=TODAY()) for _ in range(3)]
    assert results == [True, False, False]
    assert len(mail.outbox) == 1


def test_rounds_close_themselves_after_their_last_day(cast, django_capture_on_commit_callbacks):
    survey, _ = open_round(cast.account, home=3, closes_in=1)
    assert services.survey_mail_send_due(survey.closes_on).closed == 0
    result = send_due_survey_mail((survey.closes_on + dt.timedelta(days=1)).isoformat())
    assert result["closed"] == 1
    survey.refresh_from_db()
    assert survey.status == SurveyRound.Status.CLOSED


def test_account_managers_hear_in_app_when_a_round_is_about_to_close(cast):
    assert "survey_closing" in {kind.key for kind in registered_kinds()}
    survey, links = open_round(cast.account, home=3, closes_in=2)
    answer(links["home1@example.com"], [4] * 8)
    due = [r for r in reminders_due(TODAY()) if r.kind == "survey_closing"]
    assert [(r.user_id, r.period) for r in due] == [(cast["manager"].pk, str(survey.quarter))]
    # Never how many: only whether three of each firm have answered yet.
    assert "So far fewer than 3 people of the home firm and fewer than 3 of Helix Components have answered, " \
           "of 3 asked." in due[0].body
    answer(links["home2@example.com"], [4] * 8)
    assert due[0].body == [r for r in reminders_due(TODAY()) if r.kind == "survey_closing"][0].body
    answer(links["home3@example.com"], [4] * 8)
    body = [r for r in reminders_due(TODAY()) if r.kind == "survey_closing"][0].body
    assert "at least 3 people of the home firm" in body
    a_week_before = TODAY() - dt.timedelta(days=5)
    assert not [r for r in reminders_due(a_week_before) if r.kind == "survey_closing"]


def test_the_daily_survey_job_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["send-survey-mail"]
    assert entry["task"] == "surveys.send_due_survey_mail"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_invitation_and_reminder_once(cast):
    """Two workers run the daily job at the same moment: the conditional UPDATE on each
    invitation lets exactly one of them send each e-mail."""
    survey = draft_round(cast.account, home=4, partner=4, closes_in=2)
    services.round_open(survey=survey, by=None)
    mail.outbox.clear()  # on commit, the eager task already sent them: start again
    Invitation.objects.update(invited_at=None, token_hash=None)
    # What counts is the mail that went out: a run that meets a locked SQLite database
    # is retried whole (as Celery retries the task), so the totals it returns cover
    # only its last attempt, while what its first attempt sent stays sent.
    run_at_once(lambda: services.survey_mail_send_due(TODAY()))
    everyone = sorted(Invitation.objects.values_list("email", flat=True))
    invited = sorted(m.to[0] for m in mail.outbox if not m.subject.startswith("[Tandem] Reminder: "))
    reminded = sorted(m.to[0] for m in mail.outbox if m.subject.startswith("[Tandem] Reminder: "))
    assert len(everyone) == 8
    assert invited == everyone and reminded == everyone
    assert not Invitation.objects.filter(invited_at=None).exists()
    assert not Invitation.objects.filter(reminded_at=None).exists()
