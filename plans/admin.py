from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Action, AgendaItem, Decision, Meeting, PlanSettings, RosterEntry, Topic


@admin.register(PlanSettings)
class PlanSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["account", "review_cadence", "next_review_on"]


@admin.register(RosterEntry)
class RosterEntryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "account", "side", "role", "function", "user"]
    list_filter = ["side", "role"]
    search_fields = ["name", "account__name"]


@admin.register(Topic)
class TopicAdmin(SimpleHistoryAdmin):
    list_display = ["title", "account", "status", "horizon", "target_quarter", "progress"]
    list_filter = ["status", "horizon"]
    search_fields = ["title", "account__name"]


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ["title", "account", "owner", "due_on", "status"]
    list_filter = ["status"]
    search_fields = ["title", "account__name"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["account", "kind", "held_on"]
    list_filter = ["kind"]
    inlines = [AgendaItemInline, DecisionInline]
