"""Only the rounds and the statements are in the admin. Invitations hold who was asked
(and link hashes); tallies and comments hold answers. None of them is registered, so
the admin can neither show a firm's answers below the threshold of three nor place
invitations and answers side by side."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import SurveyRound, SurveyStatement


@admin.register(SurveyRound)
class SurveyRoundAdmin(SimpleHistoryAdmin):
    list_display = ["account", "quarter", "status", "closes_on"]
    list_filter = ["status"]
    search_fields = ["account__name"]
    readonly_fields = ["opened_at", "closed_at"]


@admin.register(SurveyStatement)
class SurveyStatementAdmin(SimpleHistoryAdmin):
    list_display = ["account", "position", "text"]
    search_fields = ["account__name", "text"]
