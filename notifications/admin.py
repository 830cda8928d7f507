"""Notification: hidden. Each is written for one person under that person's rights (a
champion's reminder about their scorecard, a manager's survey response count) and only
they see it (``Notification.objects.for_user``); the admin is no exception.

ReminderClaim: read-only — which reminder went to whom and when, to answer "did I get
it?"; the claims are what makes each reminder go out once, so they are not edited here.

OutgoingEmail: read-only, and only its plain fields — to whom, when, whether it went and
why not, to answer "did my e-mail go out?" and to see a mail server refusing an address.
Never its subject or body: they are the notification's text, which is hidden (above); a
reminder can carry what only its reader may see. The rows are the outbox that makes each
e-mail go out once, so they are not edited here either.

EmailOptOut: read-only — each person sets their own on their preferences page."""

from django.contrib import admin

from accounts.admin_site import ReadOnlyAdmin

from .models import EmailOptOut, OutgoingEmail, ReminderClaim


@admin.register(ReminderClaim)
class ReminderClaimAdmin(ReadOnlyAdmin):
    list_display = ["kind", "subject_key", "period", "user", "claimed_at"]
    list_filter = ["kind", "period"]
    fields = list_display


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    list_display = ["to", "status", "created_at", "sent_at", "attempts"]
    list_filter = ["status"]
    fields = [*list_display, "attempt_started_at", "last_error", "message_id"]


@admin.register(EmailOptOut)
class EmailOptOutAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "created_at"]
    list_filter = ["kind"]
    fields = list_display
