"""Invitation, RoundStatement, ScoreTally and SurveyComment: hidden. Invitations hold who
was asked and whether they answered; tallies and comments hold the answers. The survey
pages show results only after a round closes, only for firms with three respondents or
more, and never anyone's own answers (``surveys.selectors``); the admin could do none of
that, nor keep invitations and answers from being set side by side.

SurveyRound and SurveyStatement: read-only. Rounds are opened, closed (for good) and
given their respondents on the survey pages; statements are edited there too. The
round's list shows its dates and status, nothing of its respondents."""

from django.contrib import admin

from accounts.admin_site import ReadOnlyAdmin

from .models import SurveyRound, SurveyStatement


@admin.register(SurveyRound)
class SurveyRoundAdmin(ReadOnlyAdmin):
    list_display = ["account", "quarter", "status", "closes_on"]
    list_filter = ["status"]
    search_fields = ["account__name"]
    fields = [*list_display, "opened_at", "closed_at", "created_by"]


@admin.register(SurveyStatement)
class SurveyStatementAdmin(ReadOnlyAdmin):
    list_display = ["account", "position", "text"]
    search_fields = ["account__name", "text"]
    fields = list_display
