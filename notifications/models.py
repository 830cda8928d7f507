"""In-app notifications, the claims that make each reminder go out exactly once, and
each person's e-mail choices.

This app sits just above ``accounts``: it knows users and accounts and nothing else.
The apps above it register the reminder kinds they know about (see ``reminders.py``).
"""

from __future__ import annotations

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
