"""Who is reminded after a quarter ends, and that each reminder goes out exactly once —
however often the job runs, retries, or runs twice at the same time."""

from __future__ import annotations

import datetime as dt
from smtplib import SMTPException

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError

from accounts.models import Membership, Side
from accounts.quarters import Quarter
from notifications.models import EmailOptOut, Notification, OutgoingEmail, ReminderClaim
from notifications.reminders import Reminder, ReminderKind, iso_week, register, registered_kinds
from notifications.services import reminders_due, reminders_send
from notifications.tasks import TRANSIENT_ERRORS, send_due_reminders, send_pending_email

from .concurrency import run_at_once
from .factories import AssessmentFactory, record_figure, with_default_metrics
from .mail_helpers import WorkerKilled, mail_server

Q = Quarter.parse
APRIL_2 = dt.date(2026, 4, 2)  # 2026-Q1 (Jan–Mar) has just ended, with the default calendar


def due_to(today):
    return sorted((r.kind, r.user_id, r.period) for r in reminders_due(today))


def log_everything(account, quarter, by):
    for metric in account.metrics.active():
        record_figure(metric, quarter, 1, by=by, side=metric.data_owner)


def submit_scorecard(account, quarter, side, champion):
    AssessmentFactory(account=account, quarter=Q(quarter), side=side, champion=champion)


@pytest.fixture
def helix(cast):
    with_default_metrics(cast.account)
    return cast


def test_after_a_quarter_ends_managers_with_missing_results_and_champions_without_a_scorecard_are_due(helix):
    cast = helix
    assert due_to(APRIL_2) == sorted([
        ("results_missing", cast["manager"].pk, "2026-Q1"),
        ("scorecard_missing", cast["champion"].pk, "2026-Q1"),
        ("scorecard_missing", cast["partner_champion"].pk, "2026-Q1"),
    ])
    # Viewers, contributors, partner users and people of other accounts are never reminded.
    reminded = {r.user_id for r in reminders_due(APRIL_2)}
    for name in ("viewer", "contributor", "partner_user", "outsider", "admin", "portfolio"):
        assert cast[name].pk not in reminded


def test_nobody_is_reminded_once_everything_is_in(helix):
    cast = helix
    log_everything(cast.account, "2026-Q1", cast["manager"])
    submit_scorecard(cast.account, "2026-Q1", Side.HOME, cast["champion"])
    submit_scorecard(cast.account, "2026-Q1", Side.PARTNER, cast["partner_champion"])
    assert due_to(APRIL_2) == []


def test_a_draft_scorecard_still_counts_as_missing_and_one_side_does_not_excuse_the_other(helix):
    cast = helix
    AssessmentFactory(account=cast.account, quarter=Q("2026-Q1"), side=Side.HOME, champion=cast["champion"],
                      status="draft", submitted_at=None)
    submit_scorecard(cast.account, "2026-Q1", Side.PARTNER, cast["partner_champion"])
    scorecard_due = [(k, u) for k, u, _ in due_to(APRIL_2) if k == "scorecard_missing"]
    assert scorecard_due == [("scorecard_missing", cast["champion"].pk)]


def test_one_missing_result_is_enough_and_the_reminder_says_how_many(helix):
    cast = helix
    log_everything(cast.account, "2026-Q1", cast["manager"])
    metric = cast.account.metrics.active().first()
    record_figure(metric, "2026-Q1", None, by=cast["manager"], side=metric.data_owner)
    [reminder] = [r for r in reminders_due(APRIL_2) if r.kind == "results_missing"]
    assert "1 result for 2026-Q1" in reminder.body
    assert reminder.link == "/accounts/helix/dashboard/2026-Q1/"


def test_at_the_quarter_boundary_the_reminder_moves_to_the_quarter_that_just_ended(helix):
    cast = helix
    log_everything(cast.account, "2025-Q4", cast["manager"])
    last_day_of_q1, first_day_of_q2 = dt.date(2026, 3, 31), dt.date(2026, 4, 1)
    assert [r for r in reminders_due(last_day_of_q1) if r.kind == "results_missing"] == []
    assert [(r.period, r.user_id) for r in reminders_due(first_day_of_q2) if r.kind == "results_missing"] == [
        ("2026-Q1", cast["manager"].pk)
    ]


def test_a_fiscal_year_starting_in_april_moves_the_boundaries(helix, settings):
    settings.FISCAL_YEAR_START_MONTH = 4
    cast = helix
    # FY2026 runs April 2025 – March 2026, so 2026-Q4 is January to March 2026.
    log_everything(cast.account, "2026-Q4", cast["manager"])
    submit_scorecard(cast.account, "2026-Q4", Side.HOME, cast["champion"])
    submit_scorecard(cast.account, "2026-Q4", Side.PARTNER, cast["partner_champion"])
    assert Quarter.containing(dt.date(2026, 4, 1)) == Q("2027-Q1")
    assert due_to(dt.date(2026, 4, 1)) == []  # 2026-Q4 just ended, and everything is in
    # On 31 March 2026 the quarter that had ended was 2026-Q3 (October–December 2025).
    assert {(k, p) for k, _, p in due_to(dt.date(2026, 3, 31))} == {
        ("results_missing", "2026-Q3"), ("scorecard_missing", "2026-Q3"),
    }
    # And on 1 July 2026 (2027-Q1 over) everybody is due again, for 2027-Q1.
    assert {p for _, _, p in due_to(dt.date(2026, 7, 1))} == {"2027-Q1"}


def test_sending_creates_a_notification_and_an_email_with_the_link(helix, settings):
    settings.TANDEM_BASE_URL = "https://tandem.example.com"
    cast = helix
    sent = reminders_send(APRIL_2)
    assert len(sent) == 3
    note = Notification.objects.get(user=cast["manager"])
    assert note.kind == "results_missing" and note.account == cast.account and note.emailed_at
    assert note.link == "/accounts/helix/dashboard/2026-Q1/"
    message = next(m for m in mail.outbox if m.to == [cast["manager"].email])
    assert message.subject == "[Tandem] Log the 2026-Q1 results for Helix Components"
    assert "https://tandem.example.com/accounts/helix/dashboard/2026-Q1/" in message.body
    # The Message-ID made when the reminder was claimed: a resend would carry it too.
    assert message.message()["Message-ID"] == OutgoingEmail.objects.get(notification=note).message_id


def test_running_twice_sends_nothing_new(helix):
    first = reminders_send(APRIL_2)
    again = reminders_send(APRIL_2)
    later_the_same_quarter = reminders_send(APRIL_2 + dt.timedelta(days=30))
    assert len(first) == 3 and again == [] and later_the_same_quarter == []
    assert Notification.objects.count() == 3 == ReminderClaim.objects.count()
    assert len(mail.outbox) == 3
    assert reminders_due(APRIL_2) == []
    assert len(reminders_due(APRIL_2, include_sent=True)) == 3


def test_the_next_quarter_is_a_new_reminder(helix):
    reminders_send(APRIL_2)
    assert len(reminders_send(dt.date(2026, 7, 1))) == 3
    assert set(ReminderClaim.objects.values_list("period", flat=True)) == {"2026-Q1", "2026-Q2"}


def test_a_retry_after_the_mail_server_failed_sends_each_email_once(helix):
    """The first run fails on the second e-mail: the others go out, everyone has the
    notification in the app, the failed e-mail waits with its error, and the run then
    reports the error (so that Celery retries it). The retry sends the one left —
    nobody gets two, nobody none."""
    calls = {"n": 0}

    def second_fails(message):
        calls["n"] += 1
        return SMTPException("421 try again later") if calls["n"] == 2 else None

    with mail_server(refuses=second_fails), pytest.raises(SMTPException):
        reminders_send(APRIL_2)
    assert ReminderClaim.objects.count() == Notification.objects.count() == 3
    assert len(mail.outbox) == 2
    [waiting] = OutgoingEmail.objects.filter(sent_at=None)
    assert waiting.status == "pending" and "421 try again later" in waiting.last_error

    with mail_server(refuses=second_fails):
        assert reminders_send(APRIL_2) == []  # nothing new to claim; the e-mail left goes
    assert ReminderClaim.objects.count() == Notification.objects.count() == 3
    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == len(set(recipients)) == 3
    assert not OutgoingEmail.objects.exclude(status="sent").exists()


def test_an_email_that_cannot_be_sent_holds_back_no_other_and_goes_out_once_on_the_next_run(helix, caplog):
    """Whatever the error — here the mail library refusing one message — the others of the
    run go out, the in-app notification arrives anyway, and the failed e-mail is logged,
    not counted as sent, and sent by the next run."""
    cast = helix

    def refuse_the_champion(message):
        if message.to == [cast["champion"].email]:
            return ValueError("Header values may not contain linefeed or carriage return characters")
        return None

    with mail_server(refuses=refuse_the_champion), pytest.raises(ValueError):
        reminders_send(APRIL_2)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast["manager"].email, cast["partner_champion"].email])
    assert Notification.objects.get(user=cast["champion"]).emailed_at is None
    assert "failed and is left for the next run" in caplog.text

    assert reminders_send(APRIL_2) == []
    assert reminders_send(APRIL_2) == []
    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == len(set(recipients)) == 3
    assert Notification.objects.get(user=cast["champion"]).emailed_at is not None
    assert ReminderClaim.objects.count() == Notification.objects.count() == 3


def test_an_email_whose_sending_was_never_confirmed_goes_again_only_after_the_lease_with_the_same_message_id(
    helix, settings
):
    """The worker dies after the mail server accepted the manager's e-mail and before it
    could record so. Until the lease is over nobody sends it again (its worker might
    still be at it); then the next run does — the same message, with the same
    Message-ID, which mail clients that deduplicate show once."""
    cast = helix
    settings.TANDEM_EMAIL_LEASE_SECONDS = 600
    manager = cast["manager"].email

    with mail_server(dies_after_accepting=lambda message: message.to == [manager]), pytest.raises(WorkerKilled):
        reminders_send(APRIL_2)
    unconfirmed = OutgoingEmail.objects.get(to=manager)
    assert unconfirmed.status == "sending" and unconfirmed.sent_at is None
    first = [m for m in mail.outbox if m.to == [manager]]
    assert len(first) == 1

    reminders_send(APRIL_2)  # at once: the others go, the manager's is left alone
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [manager, cast["champion"].email, cast["partner_champion"].email]
    )
    OutgoingEmail.objects.filter(pk=unconfirmed.pk).update(
        attempt_started_at=unconfirmed.attempt_started_at - dt.timedelta(seconds=590)
    )
    assert send_pending_email.apply().get() == 0  # ten seconds short of the lease

    OutgoingEmail.objects.filter(pk=unconfirmed.pk).update(
        attempt_started_at=unconfirmed.attempt_started_at - dt.timedelta(seconds=601)
    )
    assert send_pending_email.apply().get() == 1
    again = [m for m in mail.outbox if m.to == [manager]]
    assert len(again) == 2
    assert again[0].message()["Message-ID"] == again[1].message()["Message-ID"] == unconfirmed.message_id
    assert again[0].body == again[1].body
    unconfirmed.refresh_from_db()
    assert (unconfirmed.status, unconfirmed.attempts) == ("sent", 2)
    assert send_pending_email.apply().get() == 0 and reminders_send(APRIL_2) == []
    assert len(mail.outbox) == 4


def test_a_failed_email_is_sent_by_the_drain_between_reminder_runs(helix):
    with mail_server(refuses=lambda message: SMTPException("451 local error")), pytest.raises(SMTPException):
        reminders_send(APRIL_2)
    assert mail.outbox == [] and Notification.objects.count() == 3
    assert set(OutgoingEmail.objects.values_list("status", "attempts")) == {("pending", 1)}
    assert send_pending_email.apply().get() == 3
    assert send_pending_email.apply().get() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(OutgoingEmail.objects.values_list("to", flat=True))


def test_the_drain_is_on_the_beat_schedule():
    from celery.schedules import crontab

    entry = settings.CELERY_BEAT_SCHEDULE["send-pending-email"]
    assert entry["task"] == "notifications.send_pending_email"
    assert entry["schedule"] == crontab(minute="*/10")


def test_the_task_retries_transient_errors_only():
    assert SMTPException in TRANSIENT_ERRORS and OperationalError in TRANSIENT_ERRORS
    assert send_due_reminders.autoretry_for == TRANSIENT_ERRORS
    assert ValueError not in TRANSIENT_ERRORS and not issubclass(ValueError, TRANSIENT_ERRORS)


def test_the_task_takes_an_iso_date_and_sends(helix):
    result = send_due_reminders.apply(args=[APRIL_2.isoformat()])
    assert result.get() == 3
    assert send_due_reminders.apply(args=[APRIL_2.isoformat()]).get() == 0


def test_email_can_be_turned_off_per_kind_and_the_notification_still_arrives(helix):
    cast = helix
    EmailOptOut.objects.create(user=cast["champion"], kind="scorecard_missing")
    reminders_send(APRIL_2)
    assert Notification.objects.filter(user=cast["champion"]).count() == 1
    assert Notification.objects.get(user=cast["champion"]).emailed_at is None
    assert not OutgoingEmail.objects.filter(notification__user=cast["champion"]).exists()
    assert [m.to for m in mail.outbox if m.to == [cast["champion"].email]] == []
    assert len(mail.outbox) == 2


def test_an_inactive_user_is_not_reminded(helix):
    cast = helix
    cast["manager"].is_active = False
    cast["manager"].save()
    reminders_send(APRIL_2)
    assert not Notification.objects.filter(user=cast["manager"]).exists()


def test_a_person_removed_from_the_account_is_no_longer_due(helix):
    cast = helix
    Membership.objects.filter(user=cast["manager"]).delete()
    assert "results_missing" not in {k for k, _, _ in due_to(APRIL_2)}


def test_the_registry_takes_new_kinds_such_as_weekly_overdue_actions(helix):
    """How the plan's reminders plug in: a kind with a weekly period is sent once a week."""
    cast = helix
    kind = ReminderKind(
        key="test_weekly", label="Test: weekly", due=lambda today: [Reminder(
            user_id=cast["contributor"].pk, kind="test_weekly", subject_key="action:1", period=iso_week(today),
            title="An action is overdue", body="…", link="/", account_id=cast.account.pk,
        )],
    )
    register(kind)
    try:
        monday, friday, next_monday = dt.date(2026, 4, 6), dt.date(2026, 4, 10), dt.date(2026, 4, 13)
        weekly = [n for n in reminders_send(monday) if n.kind == "test_weekly"]
        assert len(weekly) == 1
        assert [n for n in reminders_send(friday) if n.kind == "test_weekly"] == []
        assert len([n for n in reminders_send(next_monday) if n.kind == "test_weekly"]) == 1
    finally:
        from notifications import reminders

        reminders._KINDS.pop("test_weekly")
    assert "test_weekly" not in {k.key for k in registered_kinds()}


def test_reminders_due_command_lists_without_sending(helix, capsys):
    call_command("reminders_due", "--date", APRIL_2.isoformat())
    out = capsys.readouterr().out
    assert "3 reminders due on 2026-04-02" in out
    assert "manager" in out and "/accounts/helix/dashboard/2026-Q1/" in out
    assert Notification.objects.count() == 0 and mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_reminder_once(cast):
    """Two workers run the job at the same moment. Whoever inserts a claim first sends;
    the other hits the unique constraint and skips. A run that meets a busy database
    retries, as the Celery task does (OperationalError is transient)."""
    with_default_metrics(cast.account)
    # Counted from what was sent, not from what the runs return: a retried run reports
    # only its last attempt, while what its first attempt sent stays sent.
    run_at_once(lambda: reminders_send(APRIL_2))
    assert ReminderClaim.objects.count() == Notification.objects.count() == 3
    recipients = [message.to[0] for message in mail.outbox]
    assert len(recipients) == len(set(recipients)) == 3
