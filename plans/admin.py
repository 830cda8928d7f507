"""The plan is edited on the account's plan pages, through services that check each
change (at most five active priorities, attendees from the roster) and record who made
it. Here every part of it is read-only and shows only who, what kind and when: minutes,
internal notes, agendas and decisions — internal meetings' above all — are read on the
plan pages, which apply the internal/partner split to whoever reads them. AgendaItem and
Decision are hidden (they were inlines of the meeting)."""

from django.contrib import admin

from accounts.admin_site import ReadOnlyAdmin

from .models import Action, Meeting, PlanSettings, RosterEntry, Topic


@admin.register(PlanSettings)
class PlanSettingsAdmin(ReadOnlyAdmin):
    list_display = ["account", "review_cadence", "next_review_on"]
    fields = list_display


# Read-only, without the stakeholder map (influence, stance).
@admin.register(RosterEntry)
class RosterEntryAdmin(ReadOnlyAdmin):
    list_display = ["name", "account", "side", "role", "function", "user"]
    list_filter = ["side", "role"]
    search_fields = ["name", "account__name"]
    fields = list_display


# Read-only, without descriptions and benefits.
@admin.register(Topic)
class TopicAdmin(ReadOnlyAdmin):
    list_display = ["title", "account", "status", "horizon", "target_quarter", "progress"]
    list_filter = ["status", "horizon"]
    search_fields = ["title", "account__name"]
    fields = list_display


# Read-only, without progress notes.
@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ["title", "account", "owner", "due_on", "status"]
    list_filter = ["status"]
    search_fields = ["title", "account__name"]
    fields = list_display


# Read-only: kind, date and place; no minutes, internal notes, agenda or decisions.
@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["account", "kind", "held_on", "location"]
    list_filter = ["kind"]
    fields = [*list_display, "created_by", "created_at"]
