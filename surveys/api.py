"""Perception survey rounds over the API: their results exactly as the pages show them.

Results come only from ``selectors.rounds_results`` and ``selectors.round_results`` —
the one place that applies the anonymity rule (a firm's figures once the round is closed
and only when at least three of its people answered). No individual answer is stored, so
none can be served; who was asked is for those who run surveys, and whether a person
answered is shown to nobody.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.api.base import AccountScopedViewSet, QuarterField
from accounts.quarters import QUARTER_PATTERN, Quarter

from . import selectors
from .models import Invitation, SurveyRound


class PerFirmCountSerializer(serializers.Serializer):
    home = serializers.IntegerField()
    partner = serializers.IntegerField()


class PerFirmCommentsSerializer(serializers.Serializer):
    home = serializers.ListField(child=serializers.CharField())
    partner = serializers.ListField(child=serializers.CharField())


class FirmStatisticsSerializer(serializers.Serializer):
    respondents = serializers.IntegerField()
    mean = serializers.FloatField(help_text="Mean agreement, 1 (strongly disagree) to 5 (strongly agree).")
    spread = serializers.FloatField(help_text="Population standard deviation of the firm's answers.")
    alignment = serializers.ChoiceField(choices=["aligned", "mixed", "divided"])
    index = serializers.FloatField(help_text="The mean on 0–100.")
    distribution = serializers.ListField(child=serializers.IntegerField(), min_length=5, max_length=5,
                                         help_text="How many gave 1, 2, 3, 4 and 5.")


class StatementResultSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    text = serializers.CharField()
    home = FirmStatisticsSerializer(allow_null=True, help_text="Null: withheld (round not closed, or fewer than "
                                                               "three of the firm answered).")
    partner = FirmStatisticsSerializer(allow_null=True, help_text="Null: withheld, as for home.")
    gap = serializers.FloatField(allow_null=True, help_text="Home mean minus partner mean, when both are shown.")
    wide_gap = serializers.BooleanField(help_text=f"A gap of {selectors.WIDE_GAP:g} point or more: discuss it.")
    comments = PerFirmCommentsSerializer(help_text="Comments of the firms whose results are shown, A to Z.")


class RoundSerializer(serializers.Serializer):
    """A round and what anyone may see of its results."""

    quarter = QuarterField(source="survey.quarter")
    status = serializers.ChoiceField(source="survey.status", choices=SurveyRound.Status.choices)
    closes_on = serializers.DateField(source="survey.closes_on", help_text="The last day to answer.")
    opened_at = serializers.DateTimeField(source="survey.opened_at", allow_null=True)
    closed_at = serializers.DateTimeField(source="survey.closed_at", allow_null=True)
    released = serializers.BooleanField(help_text="Closed: results are shown for each firm with enough answers.")
    min_respondents = serializers.SerializerMethodField(help_text="Answers a firm needs for its results to show.")
    invited = PerFirmCountSerializer()
    answered = PerFirmCountSerializer(help_text="How many of each firm answered (never who).")
    home_rate = serializers.FloatField(allow_null=True, help_text="Response rate, 0–1.")
    partner_rate = serializers.FloatField(allow_null=True)
    total_rate = serializers.FloatField(allow_null=True)
    home_shown = serializers.BooleanField()
    partner_shown = serializers.BooleanField()
    home_index = serializers.FloatField(allow_null=True, help_text="The home firm's survey index (0–100), if shown.")
    partner_index = serializers.FloatField(allow_null=True)
    index = serializers.FloatField(allow_null=True, help_text="Both firms' survey index (0–100): only when both are "
                                                               "shown.")

    def get_min_respondents(self, result) -> int:
        return selectors.MIN_RESPONDENTS


class RoundDetailSerializer(RoundSerializer):
    statements = StatementResultSerializer(many=True, help_text="The statements as this round sent them.")


class RespondentSerializer(serializers.ModelSerializer):
    invitation_sent = serializers.SerializerMethodField(help_text="Whether the invitation e-mail has gone out.")

    class Meta:
        model = Invitation
        fields = ["id", "side", "name", "email", "roster_entry", "invitation_sent"]
        read_only_fields = fields

    def get_invitation_sent(self, invitation) -> bool:
        return invitation.invited_at is not None


ROUND = {
    "quarter": "2026-Q2", "status": "closed", "closes_on": "2026-06-20", "opened_at": "2026-06-01T08:00:00Z",
    "closed_at": "2026-06-21T02:00:00Z", "released": True, "min_respondents": 3,
    "invited": {"home": 6, "partner": 5}, "answered": {"home": 5, "partner": 2},
    "home_rate": 0.83, "partner_rate": 0.4, "total_rate": 0.64, "home_shown": True, "partner_shown": False,
    "home_index": 68.75, "partner_index": None, "index": None,
}
ROUND_EXAMPLE = OpenApiExample("A closed round; the partner firm's results withheld", response_only=True,
                               value=ROUND)
DETAIL_EXAMPLE = OpenApiExample("A closed round with its results", response_only=True, value={**ROUND, "statements": [{
    "position": 1, "text": "We trust each other.",
    "home": {"respondents": 5, "mean": 3.8, "spread": 0.75, "alignment": "mixed", "index": 70.0,
             "distribution": [0, 1, 0, 3, 1]},
    "partner": None, "gap": None, "wide_gap": False, "comments": {"home": ["Open books on costs"], "partner": []},
}]})
RESPONDENT_EXAMPLE = OpenApiExample("A person asked", response_only=True, value={
    "id": 31, "side": "partner", "name": "Pat Partner", "email": "pat@partner.example", "roster_entry": 5,
    "invitation_sent": True,
})


@extend_schema_view(
    list=extend_schema(summary="The account's survey rounds, newest first, with what may be seen of their results",
                       examples=[ROUND_EXAMPLE]),
    retrieve=extend_schema(summary="One round's results per statement, as far as anonymity allows",
                           examples=[DETAIL_EXAMPLE]),
)
class SurveyRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AccountScopedViewSet):
    """Every member reads the anonymous results; who was asked is for those who run surveys."""

    model = SurveyRound
    lookup_field = "quarter"
    lookup_value_regex = QUARTER_PATTERN
    filterset_fields = ["status"]
    ordering_fields = ["quarter"]
    ordering = ["-quarter"]

    def allowed(self, access):
        if self.action == "respondents":
            return access.can_run_surveys
        return super().allowed(access)

    def get_serializer_class(self):
        if self.action == "respondents":
            return RespondentSerializer
        return RoundDetailSerializer if self.action == "retrieve" else RoundSerializer

    def scoped_queryset(self):
        return SurveyRound.objects.filter(account=self.access.account)

    def _round(self, quarter: str) -> SurveyRound:
        try:
            parsed = Quarter.parse(quarter)
        except ValueError as exc:  # shaped like a quarter, but no such year
            raise exceptions.NotFound(str(exc)) from exc
        return selectors.round_for(self.access, parsed)

    def list(self, request, account_slug):
        rounds = list(self.paginate_queryset(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(RoundSerializer(selectors.rounds_results(rounds), many=True).data)

    def retrieve(self, request, account_slug, quarter):
        return Response(RoundDetailSerializer(selectors.round_results(self._round(quarter))).data)

    @extend_schema(summary="Who was asked in a round (those who run surveys); never whether they answered",
                   responses=RespondentSerializer(many=True), examples=[RESPONDENT_EXAMPLE])
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def respondents(self, request, account_slug, quarter):
        invitations = selectors.round_invitations(self._round(quarter))
        return Response(RespondentSerializer(invitations, many=True).data)


router = SimpleRouter()
router.register("surveys", SurveyRoundViewSet, basename="survey")
