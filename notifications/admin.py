"""Notification: hidden. Each is written for one person under that person's rights (a
champion's reminder about their scorecard, a manager's survey response count) and only
they see it (``Notification.objects.for_user``); the admin is no exception.

ReminderClaim: read-only — which reminder went to whom and when, to answer "did I get
it?"; the claims are what makes each reminder go out once, so they are not edited here.

EmailOptOut: read-only — each person sets their own on their preferences page."""

from django.contrib import admin

from accounts.admin_site import ReadOnlyAdmin

from .models import EmailOptOut, ReminderClaim


@admin.register(ReminderClaim)
class ReminderClaimAdmin(ReadOnlyAdmin):
    list_display = ["kind", "subject_key", "period", "user", "claimed_at"]
    list_filter = ["kind", "period"]
    fields = list_display


@admin.register(EmailOptOut)
class EmailOptOutAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "created_at"]
    list_filter = ["kind"]
    fields = list_display
