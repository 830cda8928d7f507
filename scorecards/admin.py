from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Assessment, Dimension, QuarterRelease, Rating


@admin.register(Dimension)
class DimensionAdmin(SimpleHistoryAdmin):
    list_display = ("name", "account", "position", "retired")
    list_filter = ("retired",)
    search_fields = ("name", "account__name")


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0
    readonly_fields = ("dimension", "colour", "comment", "action")
    can_delete = False


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    """Read-only here: reopening goes through the scorecard history page so the
    service records it."""

    list_display = ("account", "quarter", "side", "status", "champion", "submitted_at")
    list_filter = ("side", "status")
    search_fields = ("account__name", "quarter")
    readonly_fields = ("account", "quarter", "side", "status", "champion", "submitted_at")
    inlines = [RatingInline]

    def has_add_permission(self, request):
        return False


@admin.register(QuarterRelease)
class QuarterReleaseAdmin(SimpleHistoryAdmin):
    list_display = ("account", "quarter", "released_by", "released_at")
