"""Perception survey rounds over the API: their results exactly as the pages show them.

Results come only from ``selectors.rounds_results`` and ``selectors.round_results`` —
the one place that applies the anonymity rule (a firm's figures once the round is closed
and only when at least three of its people answered; while it is open, per firm only
whether three have answered yet). No individual answer is stored, so none can be served;
who was asked is for those who run surveys, and whether a person answered is shown to
nobody. The partner firm's champion confirms everyone a round asks, both firms' people,
before it can open (``partner-confirmation``), as on the pages, through the same service.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.api.base import AccountScopedViewSet, QuarterField
from accounts.models import Side
from accounts.quarters import QUARTER_PATTERN, Quarter

from . import selectors, services
from .models import Invitation, SurveyRound


class PerFirmCountSerializer(serializers.Serializer):
    home = serializers.IntegerField()
    partner = serializers.IntegerField()


class PerFirmFlagSerializer(serializers.Serializer):
    home = serializers.BooleanField()
    partner = serializers.BooleanField()


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
    partner_confirmed_at = serializers.DateTimeField(
        source="survey.partner_confirmed_at", allow_null=True,
        help_text="When the partner firm's champion confirmed the people asked, of both firms; a round opens only "
                  "after that.")
    released = serializers.BooleanField(help_text="Closed: results are shown for each firm with enough answers.")
    min_respondents = serializers.SerializerMethodField(help_text="Answers a firm needs for its results to show.")
    invited = PerFirmCountSerializer()
    answered = PerFirmCountSerializer(allow_null=True, help_text="How many of each firm answered (never who); null "
                                                                 "until the round closes.")
    threshold_reached = PerFirmFlagSerializer(help_text="Whether at least min_respondents of each firm have "
                                                        "answered: the only figure while the round is open.")
    home_rate = serializers.FloatField(allow_null=True, help_text="Response rate, 0–1; null until the round closes.")
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


class PersonAskedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["name", "email"]
        read_only_fields = fields


class PartnerConfirmationSerializer(serializers.Serializer):
    """Everyone a round asks, per firm, and whether the partner firm's champion confirmed the list."""

    home = PersonAskedSerializer(many=True, help_text="The people asked as the home firm's.")
    partner = PersonAskedSerializer(many=True, help_text="The people asked as the partner firm's.")
    confirmed_at = serializers.DateTimeField(allow_null=True)


def _addresses(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=254), allow_empty=True, help_text=help_text)


class PartnerConfirmSerializer(serializers.Serializer):
    """The whole list as you read it: if anyone was added, removed or listed under the other
    firm since, nothing is confirmed."""

    home = _addresses("The addresses listed as the home firm's people, exactly as you read them (may be empty).")
    partner = _addresses("The addresses listed as the partner firm's people, exactly as you read them (may be empty).")


class RoundCreateSerializer(serializers.Serializer):
    quarter = QuarterField(help_text=f"The current quarter or one of the {services.ROUND_QUARTERS_BACK} before it.")
    closes_on = serializers.DateField(help_text="The last day to answer; not in the past.")


class RespondentInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    side = serializers.ChoiceField(choices=Side.choices, help_text="The firm the person works for.")
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)
    roster_entry = serializers.IntegerField(required=False, allow_null=True, default=None,
                                            help_text="Their entry on the account's roster, if any.")


class RespondentsAddSerializer(serializers.Serializer):
    people = RespondentInputSerializer(many=True, help_text="Someone already asked is skipped; one bad address "
                                                            "adds nobody.")

    def people_to_add(self) -> list[services.RespondentInput]:
        return [services.RespondentInput(email=p["email"], side=p["side"], name=p["name"],
                                         roster_entry_id=p["roster_entry"]) for p in self.validated_data["people"]]


ROUND = {
    "quarter": "2026-Q2", "status": "closed", "closes_on": "2026-06-20", "opened_at": "2026-06-01T08:00:00Z",
    "closed_at": "2026-06-21T02:00:00Z", "partner_confirmed_at": "2026-05-29T15:12:00Z", "released": True,
    "min_respondents": 3, "invited": {"home": 6, "partner": 5}, "answered": {"home": 5, "partner": 2},
    "threshold_reached": {"home": True, "partner": False},
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


DRAFT_EXAMPLE = OpenApiExample("A new round", request_only=True, value={"quarter": "2026-Q3",
                                                                       "closes_on": "2026-09-20"})
PARTNER_LIST_EXAMPLE = OpenApiExample("The people asked, not yet confirmed", response_only=True, value={
    "home": [{"name": "Ana Home", "email": "ana@home.example"}],
    "partner": [{"name": "Pat Partner", "email": "pat@partner.example"}], "confirmed_at": None,
})
CONFIRM_EXAMPLE = OpenApiExample("Confirming the list as read", request_only=True,
                                 value={"home": ["ana@home.example"], "partner": ["pat@partner.example"]})
PEOPLE_EXAMPLE = OpenApiExample("Two people", request_only=True, value={"people": [
    {"email": "pat@partner.example", "side": "partner", "name": "Pat Partner", "roster_entry": 5},
    {"email": "ana@home.example", "side": "home", "name": ""},
]})


@extend_schema_view(
    list=extend_schema(summary="The account's survey rounds, newest first, with what may be seen of their results",
                       examples=[ROUND_EXAMPLE]),
    retrieve=extend_schema(summary="One round's results per statement, as far as anonymity allows",
                           examples=[DETAIL_EXAMPLE]),
    create=extend_schema(summary="Draft a round for a quarter (those who run surveys)", request=RoundCreateSerializer,
                         responses={201: RoundDetailSerializer}, examples=[DRAFT_EXAMPLE, DETAIL_EXAMPLE]),
    destroy=extend_schema(summary="Delete a draft round (those who run surveys)"),
)
class SurveyRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AccountScopedViewSet):
    """Every member reads the anonymous results; those who run surveys (``can_run_surveys``)
    draft, open, close and delete rounds and see who was asked; the partner firm's champion
    (``can_confirm_partner_respondents``) confirms everyone a round asks, of both firms.
    Writes call ``surveys.services``."""

    model = SurveyRound
    lookup_field = "quarter"
    lookup_value_regex = QUARTER_PATTERN
    filterset_fields = ["status"]
    ordering_fields = ["quarter"]
    ordering = ["-quarter"]

    def allowed(self, access):
        if self.action == "respondents":
            return access.can_run_surveys
        if self.action == "partner_confirmation":
            return access.can_confirm_partner_respondents
        return super().allowed(access)

    def can_write(self, access):
        return access.can_run_surveys

    def get_serializer_class(self):
        if self.action == "respondents":
            return RespondentSerializer
        if self.action == "partner_confirmation":
            return PartnerConfirmationSerializer
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

    def _detail(self, survey: SurveyRound, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(RoundDetailSerializer(selectors.round_results(survey)).data, status=status_code)

    def create(self, request, account_slug):
        given = RoundCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        survey = services.round_create(account=self.access.account, by=request.user, **given.validated_data)
        return self._detail(survey, status.HTTP_201_CREATED)

    def destroy(self, request, account_slug, quarter):
        services.round_delete(survey=self._round(quarter), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Open a draft round: its wording is frozen and everyone asked gets their link",
                   request=None, responses=RoundDetailSerializer, examples=[DETAIL_EXAMPLE])
    @action(detail=True, methods=["post"], url_path="open", url_name="open")
    def open_round(self, request, account_slug, quarter):
        return self._detail(services.round_open(survey=self._round(quarter), by=request.user))

    @extend_schema(summary="Close an open round now: its links stop working and its results show",
                   request=None, responses=RoundDetailSerializer, examples=[DETAIL_EXAMPLE])
    @action(detail=True, methods=["post"], url_path="close", url_name="close")
    def close_round(self, request, account_slug, quarter):
        return self._detail(services.round_close(survey=self._round(quarter), by=request.user))

    @extend_schema(methods=["GET"], summary="Everyone a round asks, per firm (the partner's champion)",
                   responses=PartnerConfirmationSerializer, examples=[PARTNER_LIST_EXAMPLE])
    @extend_schema(methods=["POST"], summary="Confirm, as the partner's champion, the people asked: the partner firm's "
                                             "are its people and none of them is listed as the home firm's; a round "
                                             "opens only then",
                   request=PartnerConfirmSerializer, responses=PartnerConfirmationSerializer,
                   examples=[CONFIRM_EXAMPLE, PARTNER_LIST_EXAMPLE])
    @action(detail=True, methods=["get", "post"], url_path="partner-confirmation", url_name="partner-confirmation",
            pagination_class=None, filter_backends=[])
    def partner_confirmation(self, request, account_slug, quarter):
        survey = self._round(quarter)
        if request.method == "POST":
            given = PartnerConfirmSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            survey = services.partner_respondents_confirm(survey=survey, by=request.user, **given.validated_data)
        return Response(PartnerConfirmationSerializer({
            **selectors.confirmation_list(survey), "confirmed_at": survey.partner_confirmed_at,
        }).data)

    @extend_schema(methods=["GET"], summary="Who was asked in a round (those who run surveys); never whether they "
                                            "answered", responses=RespondentSerializer(many=True),
                   examples=[RESPONDENT_EXAMPLE])
    @extend_schema(methods=["POST"], summary="Ask more people in a draft round (those who run surveys); once it opens "
                                             "the people asked are fixed", request=RespondentsAddSerializer,
                   responses={201: RespondentSerializer(many=True)}, examples=[PEOPLE_EXAMPLE, RESPONDENT_EXAMPLE])
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def respondents(self, request, account_slug, quarter):
        survey = self._round(quarter)
        if request.method == "POST":
            given = RespondentsAddSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            added = services.respondents_add(survey=survey, by=request.user, people=given.people_to_add())
            return Response(RespondentSerializer(added, many=True).data, status=status.HTTP_201_CREATED)
        return Response(RespondentSerializer(selectors.round_invitations(survey), many=True).data)


router = SimpleRouter()
router.register("surveys", SurveyRoundViewSet, basename="survey")
