"""The portfolio's rows over the API: the table of the /portfolio/ page, with its access
(``accounts.access.can_see_portfolio``: partner users are told it does not exist), its
filters, search and sort read by the page's own form, and its selector."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, viewsets
from rest_framework.routers import SimpleRouter

from accounts.access import can_see_portfolio
from accounts.api.base import QuarterField
from accounts.api.pagination import KnownParametersPagination, list_query
from accounts.models import PartnerAccount, RelationshipLevel

from . import selectors
from .forms import PortfolioFilterForm


class ManagerSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(source="display_name")


class PortfolioRowSerializer(serializers.Serializer):
    """One account as the portfolio table shows it (an account's health is null until computed)."""

    slug = serializers.SlugField(source="account.slug")
    name = serializers.CharField(source="account.name")
    kind = serializers.ChoiceField(source="account.kind", choices=PartnerAccount.Kind.choices)
    managers = ManagerSerializer(many=True, help_text="The account managers, by name.")
    level = serializers.ChoiceField(source="account.level", choices=RelationshipLevel.choices)
    target_level = serializers.ChoiceField(source="account.target_level", choices=RelationshipLevel.choices)
    level_differs = serializers.BooleanField(help_text="The level is not (yet) the target.")
    annual_value = serializers.DecimalField(source="account.annual_value", max_digits=14, decimal_places=2,
                                            allow_null=True)
    currency = serializers.CharField(source="account.currency")
    results_quarter = QuarterField(source="health.results_quarter", allow_null=True,
                                   help_text="The latest quarter with results.")
    green_share = serializers.FloatField(allow_null=True, help_text=selectors.COLUMNS_BY_KEY["green"].hint
                                         + " From 0 to 1.")
    green_trend = serializers.IntegerField(allow_null=True, help_text=selectors.COLUMNS_BY_KEY["trend"].hint)
    home_champion_average = serializers.FloatField(source="home_average", allow_null=True,
                                                   help_text=selectors.COLUMNS_BY_KEY["home"].hint)
    partner_champion_average = serializers.FloatField(source="partner_average", allow_null=True,
                                                      help_text=selectors.COLUMNS_BY_KEY["partner"].hint)
    champion_gap = serializers.FloatField(allow_null=True, help_text=selectors.COLUMNS_BY_KEY["gap"].hint)
    survey_index = serializers.FloatField(allow_null=True, help_text=selectors.COLUMNS_BY_KEY["survey"].hint)
    survey_quarter = QuarterField(source="health.survey_quarter", allow_null=True,
                                  help_text="The quarter of the survey round the index comes from.")
    overdue_actions = serializers.IntegerField(allow_null=True)
    last_review_meeting_on = serializers.DateField(source="last_review_on", allow_null=True)
    days_since_review = serializers.IntegerField(allow_null=True)
    flags = serializers.ListField(child=serializers.ChoiceField(choices=list(selectors.FLAG_LABELS.items())),
                                  help_text="The flags raised, by key.")
    flag_labels = serializers.ListField(child=serializers.CharField(),
                                        help_text="The flags in words, as the table's tooltips and the exports say.")
    complacent = serializers.BooleanField(help_text="Any of the three complacency flags.")


ROW_EXAMPLE = OpenApiExample("A row", response_only=True, value={
    "slug": "helix", "name": "Helix Components", "kind": "supplier",
    "managers": [{"username": "ada", "name": "Ada Lovelace"}], "level": 3, "target_level": 4,
    "level_differs": True, "annual_value": "27000000.00", "currency": "EUR", "results_quarter": "2026-Q2",
    "green_share": 0.93, "green_trend": 5, "home_champion_average": 3.75, "partner_champion_average": 3.25,
    "champion_gap": 0.5, "survey_index": 68.8, "survey_quarter": "2026-Q2", "overdue_actions": 1,
    "last_review_meeting_on": "2026-07-15", "days_since_review": 40, "flags": ["mismatches"],
    "flag_labels": ["Open calculation mismatches (1)"], "complacent": False,
})

_FORM = PortfolioFilterForm.base_fields


def _choices(name: str) -> list:
    return [value for value, _ in _FORM[name].choices if value != ""]


PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Search by account name (contains, any case)."),
    OpenApiParameter("type", OpenApiTypes.STR, enum=_choices("type"), description="The account's type."),
    OpenApiParameter("level", OpenApiTypes.INT, enum=_choices("level"), description="The relationship level."),
    OpenApiParameter("flag", OpenApiTypes.STR, enum=_choices("flag"),
                     description="; ".join(f"`{key}`: {label}" for key, label in selectors.FLAG_FILTERS.items())),
    OpenApiParameter("owner", OpenApiTypes.INT, description="An account manager's user id."),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=_choices("sort"),
                     description=f"A column's key, `-` first for descending; `{selectors.DEFAULT_SORT}` "
                                 "(most flags first) unless given."),
]


@extend_schema_view(list=extend_schema(
    summary="The portfolio's rows: every account you see, filtered and sorted as on the portfolio page",
    description="The same query string as the page's (`?type=supplier&flag=any&sort=-green`); a value the page "
                "would ignore is refused here with 400. The flags look at the last quarter that has ended.",
    parameters=PARAMETERS, responses=PortfolioRowSerializer(many=True), examples=[ROW_EXAMPLE],
))
class PortfolioViewSet(viewsets.GenericViewSet):
    """Read-only; for those the portfolio is for (``can_see_portfolio``), others get 404."""

    serializer_class = PortfolioRowSerializer
    pagination_class = KnownParametersPagination
    filter_backends = []  # the page's form reads the filters
    query_parameters = list(PortfolioFilterForm.base_fields)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication (401), throttling
        if not can_see_portfolio(request.user):
            raise exceptions.NotFound("No such page.")

    def list(self, request):
        params = list_query(self)
        form = PortfolioFilterForm.for_user(params, request.user)
        query = form.query()
        if form.errors:
            raise exceptions.ValidationError({name: list(errors) for name, errors in form.errors.items()})
        page = self.paginate_queryset(selectors.portfolio_table(request.user, query))
        return self.get_paginated_response(PortfolioRowSerializer(selectors.table_rows(page), many=True).data)


router = SimpleRouter()
router.register("portfolio", PortfolioViewSet, basename="portfolio")
