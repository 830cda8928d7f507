"""Delivering reminders exactly once, and the inbox's writes."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User

from .models import EmailOptOut, Notification, ReminderClaim
from .reminders import Reminder, registered_kinds

log = logging.getLogger(__name__)


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
    often as you like, on as many workers as you like: each reminder is claimed once."""
    sent = []
    for reminder in reminders_due(today):
        notification = reminder_deliver(reminder)
        if notification is not None:
            sent.append(notification)
    log.info("Reminders for %s: %d sent.", today, len(sent))
    return sent


def reminder_deliver(reminder: Reminder) -> Notification | None:
    """Claim the reminder, then notify and e-mail, all in one transaction. Returns None
    when it was already claimed (by an earlier run, a retry or another worker).

    If the e-mail fails (SMTP down) the whole transaction rolls back, claim included, so
    the retry sends it. The one gap left: the mail server accepts the message and then the
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
            title=reminder.title, body=reminder.body, link=reminder.link,
        )
        if wants_email(user, reminder.kind):
            notification_email(notification, user)
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
        return notification


def wants_email(user: User, kind: str) -> bool:
    return bool(user.email) and not EmailOptOut.objects.filter(user=user, kind=kind).exists()


def notification_email(notification: Notification, user: User) -> None:
    lines = [f"Hello {user.display_name},", "", notification.body]
    if notification.link:
        lines += ["", f"Open it in Tandem: {settings.TANDEM_BASE_URL}{notification.link}"]
    lines += ["", "You can turn these e-mails off in Tandem under Notifications → E-mail preferences."]
    send_mail(
        subject=f"[Tandem] {notification.title}", message="\n".join(lines),
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
