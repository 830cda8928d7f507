from django.contrib import admin

from .models import EmailOptOut, Notification, ReminderClaim


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "account", "kind", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__username"]
    raw_id_fields = ["user", "account"]


@admin.register(ReminderClaim)
class ReminderClaimAdmin(admin.ModelAdmin):
    list_display = ["kind", "subject_key", "period", "user", "claimed_at"]
    list_filter = ["kind", "period"]
    raw_id_fields = ["user"]


admin.site.register(EmailOptOut)
