"""Delivering reminders exactly once, and the inbox's writes."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TypeVar

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import Truncator

from accounts.models import User
from accounts.text import one_line

from .models import EmailOptOut, Notification, ReminderClaim
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
    the rest. A failed item is logged with its traceback and skipped: its claim rolls back
    with its transaction, so the next run tries it again. Leaving the block raises the
    first failure once every item had its turn, so that the job shows as failed and
    Celery retries the transient ones — what went out is claimed and is not sent twice.

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

    A reminder that fails (its e-mail refused, say) does not stop the others; once they
    are out, its error is raised, and the next run (or Celery's retry) sends it."""
    sent = []
    with OneByOne(f"Reminders for {today}") as batch:
        for reminder in reminders_due(today):
            notification = batch.attempt(
                f"{reminder.kind} {reminder.subject_key} {reminder.period} for user {reminder.user_id}",
                lambda reminder=reminder: reminder_deliver(reminder),
            )
            if notification is not None:
                sent.append(notification)
        log.info("Reminders for %s: %d sent, %d failed.", today, len(sent), len(batch.failures))
    return sent


def reminder_deliver(reminder: Reminder) -> Notification | None:
    """Claim the reminder, then notify and e-mail, all in one transaction. Returns None
    when it was already claimed (by an earlier run, a retry or another worker).

    If the e-mail fails (SMTP down, an address refused) the whole transaction rolls back,
    claim included: a reminder that did not go out is never counted as sent, and the next
    run (or Celery's retry) sends it — each run tries it again for as long as it is due,
    and logs why it failed. The one gap left: the mail server accepts the message and then the
    commit fails — the person may then get the e-mail twice, never zero times."""
    with transaction.atomic():
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
            notification_email(notification, user)
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
        return notification


def _fitting_title(title: str) -> str:
    """A title is built from what people typed (an account's name, a meeting's place):
    one line, and cut to fit its column, which PostgreSQL would otherwise refuse."""
    return Truncator(one_line(title)).chars(Notification._meta.get_field("title").max_length)


def wants_email(user: User, kind: str) -> bool:
    return bool(user.email) and not EmailOptOut.objects.filter(user=user, kind=kind).exists()


def notification_email(notification: Notification, user: User) -> None:
    lines = [f"Hello {user.display_name},", "", notification.body]
    if notification.link:
        lines += ["", f"Open it in Tandem: {settings.TANDEM_BASE_URL}{notification.link}"]
    lines += ["", "You can turn these e-mails off in Tandem under Notifications → E-mail preferences."]
    send_mail(
        subject=mail_subject(notification.title), message="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[user.email], fail_silently=False,
    )


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
