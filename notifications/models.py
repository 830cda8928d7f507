"""In-app notifications, the claims that make each reminder go out exactly once, the
e-mails waiting to go out, and each person's e-mail choices.

This app sits just above ``accounts``: it knows users and accounts and nothing else.
The apps above it register the reminder kinds they know about (see ``reminders.py``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import PartnerAccount


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> NotificationQuerySet:
        """The one way in: a person only ever sees their own notifications."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    account = models.ForeignKey(
        PartnerAccount, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    subject_key = models.CharField(max_length=120)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # A relative URL: following it goes through the normal access rules, so somebody
    # removed from the account since gets a 404, not the page.
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]
        constraints = [
            models.CheckConstraint(
                condition=Q(link="") | Q(link__startswith="/"), name="notification_link_is_relative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class ReminderClaim(models.Model):
    """A reminder that has gone out. Inserted *before* the notification and the e-mail,
    in the same transaction: the unique constraint, not a check-then-send, is what makes
    a second run, a retry or a concurrent worker skip it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    subject_key = models.CharField(max_length=120)
    period = models.CharField(max_length=40, help_text="A quarter (2026-Q1), an ISO week (2026-W07), a meeting…")
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "subject_key", "period"], name="one_reminder_per_user_subject_and_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_key} {self.period} → {self.user}"


class OutgoingEmailQuerySet(models.QuerySet):
    def due(self, lease_over: dt.datetime) -> OutgoingEmailQuerySet:
        """Not sent, and nobody is sending it: never tried, its last attempt failed, or
        that attempt began before ``lease_over`` and was never confirmed (its worker died)."""
        return self.filter(
            Q(status=OutgoingEmail.Status.PENDING)
            | Q(status=OutgoingEmail.Status.SENDING, attempt_started_at__lt=lease_over)
        )


class OutgoingEmail(models.Model):
    """A reminder's e-mail, written in the transaction that claims the reminder and sent
    after that commit, outside any transaction (``services.outgoing_emails_send``).

    The message is built once, here, with its Message-ID: every attempt sends the very
    same message, so a resend after an attempt nobody confirmed is one message to the
    mail servers and clients that drop a Message-ID they have already seen.

    Never put a secret here (a survey's personal link): administrators list these rows —
    who, when, and why one failed; never the subject or the body."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"

    notification = models.OneToOneField(Notification, on_delete=models.CASCADE, related_name="email")
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    message_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # While SENDING, the lease: nobody else sends it until TANDEM_EMAIL_LEASE_SECONDS after this.
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status"], name="outgoing_email_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent"]), name="outgoing_email_status_is_known"
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="outgoing_email_sent_when_sent_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(attempt_started_at__isnull=False),
                name="outgoing_email_sending_has_a_lease",
            ),
        ]

    def __str__(self) -> str:
        return f"To {self.to} ({self.get_status_display().lower()})"


class EmailOptOut(models.Model):
    """This person does not want e-mail for this kind of notification (the in-app
    notification still arrives). No row means e-mail is on."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs")
    kind = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_email_opt_out_per_kind")]

    def __str__(self) -> str:
        return f"{self.user} — no e-mail for {self.kind}"
