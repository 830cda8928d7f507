"""Delivering reminders exactly once, e-mail as nearly so as SMTP allows, and the
inbox's writes.

E-mail, exactly once as far as SMTP allows
------------------------------------------
A mail server cannot take a message back, and no transaction spans it and the database.
So a reminder goes out in three steps, each committed on its own:

1. **Claim** (one transaction): the ``ReminderClaim``, the in-app ``Notification`` and an
   ``OutgoingEmail`` row carrying the whole message and a Message-ID made once.
2. **Lease** (one conditional UPDATE): the row turns ``sending`` with the time the
   attempt began, only if it is due — nobody else is sending it.
3. **Send, then record**: the message goes out outside any transaction, on a connection
   kept open for the run (``MailServer``), so the send returns on the server's 250 after
   DATA, and ``sent_at`` is committed at once, before anything else is said to the server.

A send that fails records its error and turns the row back to ``pending``: the next run
(the reminders, or the drain every few minutes) sends it. A worker that dies mid-send
leaves the row ``sending``; once ``TANDEM_EMAIL_LEASE_SECONDS`` have passed, the next run
sends it again, with the same Message-ID.

The one window left: between the server's 250 after DATA and the commit of ``sent_at``
(a worker killed there, the database lost there, or a 250 that never reaches us — a
connection that drops or times out after the final "." of DATA). The message was
accepted, the row does not say so, and it goes out a second time: the same message with
the same Message-ID, which mail clients and servers that deduplicate by Message-ID show
once. Nothing is ever sent zero times. A lease shorter than a slow send would open a
second window (two workers sending the same row, again with one Message-ID), hence the
default of ten minutes against ``EMAIL_TIMEOUT``'s twenty seconds per network step.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from email.utils import make_msgid
from typing import TypeVar

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import Truncator

from accounts.models import User
from accounts.text import one_line

from .models import EmailOptOut, Notification, OutgoingEmail, ReminderClaim
from .reminders import Reminder, registered_kinds

log = logging.getLogger(__name__)
T = TypeVar("T")


def mail_subject(text: str) -> str:
    """The subject of every e-mail Tandem sends: on one line whatever was stored, so that
    a line break typed into a name or a location can neither make the header invalid
    (and the send fail) nor add a header of its own."""
    return one_line(f"[Tandem] {text}")


class OneByOne:
    """Sends a batch one item at a time, so that one item that fails does not hold back
    the rest. A failed item is logged with its traceback and skipped: it is left as not
    sent, so the next run tries it again. Leaving the block raises the first failure once
    every item had its turn, so that the job shows as failed and Celery retries the
    transient ones — what went out is recorded as sent and is not sent twice.

        with OneByOne("Reminders") as batch:
            for reminder in due:
                batch.attempt(f"{reminder.kind} for user {reminder.user_id}", lambda: deliver(reminder))
    """

    def __init__(self, what: str):
        self.what = what
        self.failures: list[Exception] = []

    def attempt(self, item: str, send: Callable[[], T]) -> T | None:
        try:
            return send()
        except SoftTimeLimitExceeded:
            raise  # the task ran out of time: stop now, the next run carries on
        except Exception as exc:
            log.exception("%s: %s failed and is left for the next run; the others still go.", self.what, item)
            self.failures.append(exc)
            return None

    def __enter__(self) -> OneByOne:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc is None and self.failures:
            raise self.failures[0]


def _claimed(reminders: list[Reminder]) -> set[tuple[int, str, str, str]]:
    if not reminders:
        return set()
    kinds = {r.kind for r in reminders}
    periods = {r.period for r in reminders}
    rows = ReminderClaim.objects.filter(kind__in=kinds, period__in=periods).values_list(
        "user_id", "kind", "subject_key", "period"
    )
    return set(rows)


def reminders_due(today: dt.date, *, include_sent: bool = False) -> list[Reminder]:
    """Every reminder the registered kinds say is due on ``today``; by default only
    those not sent yet. Reads only: nothing is claimed or sent."""
    due = [reminder for kind in registered_kinds() for reminder in kind.due(today)]
    if include_sent:
        return due
    sent = _claimed(due)
    return [r for r in due if r.claim_key not in sent]


def reminders_send(today: dt.date) -> list[Notification]:
    """Send every reminder due on ``today`` that has not gone out yet. Safe to run as
    often as you like, on as many workers as you like: each reminder is claimed once.

    Every reminder is claimed first — its notification in the inbox, its e-mail written
    down —, then every e-mail due goes out (those of earlier runs too). An e-mail that
    fails holds back no other; once they are out, its error is raised, and the next run
    (or Celery's retry) sends it."""
    created = []
    with OneByOne(f"Reminders for {today}") as batch:
        for reminder in reminders_due(today):
            notification = batch.attempt(
                f"{reminder.kind} {reminder.subject_key} {reminder.period} for user {reminder.user_id}",
                lambda reminder=reminder: reminder_deliver(reminder),
            )
            if notification is not None:
                created.append(notification)
        emailed = _send_each(batch)
        log.info("Reminders for %s: %d notified, %d e-mails sent, %d failed.", today, len(created), emailed,
                 len(batch.failures))
    return created


@transaction.atomic
def reminder_deliver(reminder: Reminder) -> Notification | None:
    """Claim the reminder, notify in the app and write its e-mail down, in one transaction;
    nothing is sent here (see the module's docstring). Returns None when it was already
    claimed (by an earlier run, a retry or another worker)."""
    user = User.objects.filter(pk=reminder.user_id, is_active=True).first()
    if user is None:
        return None
    try:
        with transaction.atomic():
            ReminderClaim.objects.create(
                user=user, kind=reminder.kind, subject_key=reminder.subject_key, period=reminder.period
            )
    except IntegrityError:
        return None
    notification = Notification.objects.create(
        user=user, account_id=reminder.account_id, kind=reminder.kind, subject_key=reminder.subject_key,
        title=_fitting_title(reminder.title), body=reminder.body, link=reminder.link,
    )
    if wants_email(user, reminder.kind):
        OutgoingEmail.objects.create(
            notification=notification, to=user.email, subject=mail_subject(notification.title),
            body=notification_email_body(notification, user), message_id=make_msgid(domain=DNS_NAME),
        )
    return notification


def _fitting_title(title: str) -> str:
    """A title is built from what people typed (an account's name, a meeting's place):
    one line, and cut to fit its column, which PostgreSQL would otherwise refuse."""
    return Truncator(one_line(title)).chars(Notification._meta.get_field("title").max_length)


def wants_email(user: User, kind: str) -> bool:
    return bool(user.email) and not EmailOptOut.objects.filter(user=user, kind=kind).exists()


def notification_email_body(notification: Notification, user: User) -> str:
    lines = [f"Hello {user.display_name},", "", notification.body]
    if notification.link:
        lines += ["", f"Open it in Tandem: {settings.TANDEM_BASE_URL}{notification.link}"]
    lines += ["", "You can turn these e-mails off in Tandem under Notifications → E-mail preferences."]
    return "\n".join(lines)


# --- sending e-mail ------------------------------------------------------------------------


class MailServer:
    """One connection to the mail server for a whole run. On an open connection a send
    returns as soon as the server has accepted the message (its 250 after DATA), without
    the QUIT and close of a connection per message, so the caller records the send at
    once. A send that fails drops the connection, whose state is then unknown; the next
    send opens a new one. Leaving the block closes it.

        with MailServer() as mail_server:
            mail_server.send(message)
    """

    def __init__(self):
        self.connection = get_connection(fail_silently=False)

    def send(self, message: EmailMessage) -> None:
        try:
            self.connection.open()  # does nothing while it is open
            self.connection.send_messages([message])
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        # Best effort: what was sent is recorded already, and a server that does not
        # answer QUIT changes nothing about it.
        with contextlib.suppress(Exception):
            self.connection.close()

    def __enter__(self) -> MailServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def email_lease_over() -> dt.datetime:
    """An attempt to send begun before this, and never confirmed, is taken for dead."""
    return timezone.now() - dt.timedelta(seconds=settings.TANDEM_EMAIL_LEASE_SECONDS)


def outgoing_emails_send() -> int:
    """Send every e-mail that is due (never tried, failed, or its attempt's lease is over);
    returns how many went out. Raises the first failure once the others had their turn."""
    with OneByOne("Outgoing e-mail") as batch:
        return _send_each(batch)


def _send_each(batch: OneByOne) -> int:
    due = OutgoingEmail.objects.due(email_lease_over()).order_by("pk")
    with MailServer() as mail_server:
        return sum(
            bool(batch.attempt(f"e-mail {email.message_id} to user {email.notification.user_id}",
                               lambda email=email: outgoing_email_send(email, mail_server)))
            for email in due.select_related("notification")
        )


def outgoing_email_send(email: OutgoingEmail, mail_server: MailServer) -> bool:
    """Lease the row, send it, record that it went. False if somebody else holds it or
    it went already: nothing is sent then. A failure is recorded on the row and raised."""
    leased = OutgoingEmail.objects.due(email_lease_over()).filter(pk=email.pk).update(
        status=OutgoingEmail.Status.SENDING, attempt_started_at=timezone.now(), attempts=F("attempts") + 1,
    )
    if not leased:
        return False
    message = EmailMessage(
        subject=email.subject, body=email.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[email.to],
        headers={"Message-ID": email.message_id},
    )
    try:
        mail_server.send(message)
    except Exception as exc:
        OutgoingEmail.objects.filter(pk=email.pk, status=OutgoingEmail.Status.SENDING).update(
            status=OutgoingEmail.Status.PENDING, last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    # The window: the server has accepted the message; until this commits, nothing says so.
    now = timezone.now()
    with transaction.atomic():
        OutgoingEmail.objects.filter(pk=email.pk).update(status=OutgoingEmail.Status.SENT, sent_at=now, last_error="")
        Notification.objects.filter(pk=email.notification_id).update(emailed_at=now)
    return True


def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())


@transaction.atomic
def email_preferences_set(*, user: User, emailed_kinds: set[str]) -> None:
    """E-mail for exactly ``emailed_kinds`` among the registered kinds; off for the rest."""
    known = {kind.key for kind in registered_kinds()}
    off = known - set(emailed_kinds)
    EmailOptOut.objects.filter(user=user).exclude(kind__in=off).delete()
    existing = set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))
    EmailOptOut.objects.bulk_create([EmailOptOut(user=user, kind=kind) for kind in sorted(off - existing)])
