"""Metric definitions, results, the dashboard and the results import over the API.

Reads start from the account in ``self.access``; writes call ``dashboards.services``
(and ``dashboards.imports``), exactly as the pages do.
"""

from __future__ import annotations

from django import forms
from django.db import transaction
from django_filters import rest_framework as filters
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.api.base import QUARTER_SCHEMA, AccountScopedViewSet, conflict_responses
from accounts.quarters import Quarter

from . import imports, selectors, services
from .models import MetricDefinition, MetricResult
from .serializers import (
    BulkResultsResponseSerializer,
    BulkResultsSerializer,
    DashboardSerializer,
    GoalSerializer,
    GoalSetSerializer,
    ImportReportSerializer,
    ImportSerializer,
    MetricSerializer,
    NewMetricSerializer,
    ResultSerializer,
)
from .views import template_response


class SingleObjectSchema(AutoSchema):
    """The dashboard is one object per account, though it is served at a collection's URL."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


QUARTER_PARAM = OpenApiParameter("quarter", OpenApiTypes.STR, pattern=QUARTER_SCHEMA["pattern"],
                                 description="A quarter written like 2026-Q3.")


def _quarter_param(request, *, required: bool) -> Quarter | None:
    text = request.query_params.get("quarter", "").strip()
    if not text:
        if required:
            raise exceptions.ValidationError({"quarter": "Give the quarter, written like 2026-Q3."})
        return None
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        raise exceptions.ValidationError({"quarter": str(exc)}) from exc


# --- metric definitions -----------------------------------------------------------------

METRIC_EXAMPLE = OpenApiExample("A metric", response_only=True, value={
    "id": 12, "position": 1, "name": "On-time delivery", "category": "basic", "unit": "percent",
    "direction": "higher", "mismatch_tolerance": "0.5000", "calculation_basis": "Lines delivered on the agreed day.",
    "data_owner": "home", "home_signed_off_at": "2026-02-01T10:00:00Z", "partner_signed_off_at": None,
    "retired": False, "goals": [{"effective_from": "1000-Q1", "goal": "98.0000", "warning_threshold": "95.0000",
                                 "note": ""}], "version": 3,
})
NEW_METRIC_EXAMPLE = OpenApiExample("A new metric", request_only=True, value={
    "name": "Invoice accuracy", "category": "basic", "unit": "percent", "direction": "higher",
    "mismatch_tolerance": "0", "calculation_basis": "Invoices without correction / all invoices.",
    "data_owner": "home", "goal": "99", "warning_threshold": "97",
})


class MetricFilter(filters.FilterSet):
    retired = filters.BooleanFilter(field_name="retired_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = MetricDefinition
        fields = ["category", "unit", "data_owner", "retired"]


@extend_schema_view(
    list=extend_schema(summary="The account's metric definitions", examples=[METRIC_EXAMPLE]),
    retrieve=extend_schema(summary="One metric definition", examples=[METRIC_EXAMPLE]),
    create=extend_schema(summary="Add a metric with its first goal", examples=[NEW_METRIC_EXAMPLE, METRIC_EXAMPLE]),
    update=extend_schema(summary="Change a metric's definition", examples=[METRIC_EXAMPLE],
                         responses=conflict_responses(MetricSerializer)),
    partial_update=extend_schema(summary="Change part of a metric's definition", examples=[
        OpenApiExample("New basis", request_only=True,
                       value={"calculation_basis": "Lines on time / all lines.", "version": 3}),
        METRIC_EXAMPLE,
    ], responses=conflict_responses(MetricSerializer)),
    destroy=extend_schema(summary="Retire a metric (its results and goals are kept)"),
)
class MetricViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, mixins.DestroyModelMixin, AccountScopedViewSet):
    model = MetricDefinition
    filterset_class = MetricFilter
    ordering_fields = ["position", "name"]
    ordering = ["position", "name"]

    def get_serializer_class(self):
        return NewMetricSerializer if self.action == "create" else MetricSerializer

    def can_write(self, access):
        if self.action == "sign_off":
            return access.can_sign_off_basis_for(access.side)
        return access.can_edit_account

    def scoped_queryset(self):
        return MetricDefinition.objects.filter(account=self.access.account).prefetch_related("goals")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)  # a new metric starts at the first version
        serializer.instance = services.metric_create(account=self.access.account, by=self.request.user, **data)

    def perform_update(self, serializer):
        metric, data = serializer.instance, dict(serializer.validated_data)
        metric.version = data.pop("version")
        changes = {name: value for name, value in data.items() if getattr(metric, name) != value}
        if changes:
            services.metric_update(metric=metric, by=self.request.user, **changes)
        serializer.instance = self.scoped_queryset().get(pk=metric.pk)

    def perform_destroy(self, instance):
        if not instance.is_retired:
            services.metric_retire(metric=instance, by=self.request.user)

    @extend_schema(summary="Agree a new goal from a quarter on", request=GoalSetSerializer,
                   responses={201: GoalSerializer}, examples=[OpenApiExample("A new goal", value={
                       "effective_from": "2026-Q3", "goal": "98.5", "warning_threshold": "96", "note": "Agreed in QBR",
                   })])
    @action(detail=True, methods=["post"])
    def goals(self, request, account_slug, pk):
        metric = self.get_object()
        given = GoalSetSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        goal = services.metric_goal_set(metric=metric, by=request.user, **given.validated_data)
        return Response(GoalSerializer(goal).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Bring a retired metric back, with its history", request=None,
                   responses={200: MetricSerializer}, examples=[METRIC_EXAMPLE])
    @action(detail=True, methods=["post"])
    def reinstate(self, request, account_slug, pk):
        metric = self.get_object()
        if metric.is_retired:
            services.metric_reinstate(metric=metric, by=request.user)
        return Response(MetricSerializer(self.scoped_queryset().get(pk=metric.pk)).data)

    @extend_schema(summary="Sign off the calculation basis for your side", request=None,
                   responses={200: MetricSerializer}, examples=[METRIC_EXAMPLE])
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, account_slug, pk):
        metric = self.get_object()
        services.metric_sign_off(metric=metric, side=self.access.side, by=request.user)
        return Response(MetricSerializer(self.scoped_queryset().get(pk=metric.pk)).data)


# --- results ----------------------------------------------------------------------------

RESULT_EXAMPLE = OpenApiExample("A result", response_only=True, value={
    "id": 301, "metric": 12, "metric_name": "On-time delivery", "quarter": "2026-Q2", "value": "97.2000",
    "is_mismatch": False, "home_value": "97.2000", "home_note": "", "home_version": 1, "home_entered_by": "ada",
    "home_entered_at": "2026-07-03T09:12:00Z", "partner_value": "97.0000", "partner_note": "Our ERP count",
    "partner_version": 1, "partner_entered_by": "pat", "partner_entered_at": "2026-07-04T15:40:00Z",
})
BULK_EXAMPLE = OpenApiExample("Two figures", request_only=True, value={
    "quarter": "2026-Q2",
    "figures": [{"metric": 12, "value": "97.2", "note": "", "version": 0},
                {"metric": 13, "value": None, "note": "Not measured this quarter", "version": 2}],
})
REPORT_EXAMPLE = OpenApiExample("A report", response_only=True, value={
    "quarter": "2026-Q2", "side": "home", "saved": 0, "unchanged": 13, "skipped": 1,
    "errors": [{"row": 4, "column": "value", "message": "A percentage must be between 0 and 100."}],
})


class IdFilter(filters.NumberFilter):
    """An object's id: a whole number that a database id can be (SQLite fails on a bigger one)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=-(2**63), max_value=2**63 - 1, **kwargs)

    def get_max_validator(self):
        return None  # the field's own


class ResultFilter(filters.FilterSet):
    quarter = filters.CharFilter(method="filter_quarter", help_text="A quarter written like 2026-Q3.")
    metric = IdFilter(field_name="metric_id")

    class Meta:
        model = MetricResult
        fields = ["quarter", "metric"]

    def filter_quarter(self, queryset, name, value):
        try:
            return queryset.filter(quarter=Quarter.parse(value))
        except ValueError as exc:
            raise exceptions.ValidationError({"quarter": str(exc)}) from exc


@extend_schema_view(
    list=extend_schema(summary="Results, both firms' figures side by side", examples=[RESULT_EXAMPLE]),
    retrieve=extend_schema(summary="One result", examples=[RESULT_EXAMPLE]),
)
class ResultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AccountScopedViewSet):
    model = MetricResult
    serializer_class = ResultSerializer
    filterset_class = ResultFilter
    ordering_fields = ["quarter", "metric__position"]
    ordering = ["quarter", "metric__position"]

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        view = super().as_view(actions, **initkwargs)
        if actions and set(actions.values()) == {"import_file"}:
            # Like the import page: the file is read outside any transaction, and the
            # import takes one for its writes only (dashboards.imports.results_import).
            view = transaction.non_atomic_requests(view)
        return view

    def can_write(self, access):
        return access.can_enter_figures_for(access.side)

    def allowed(self, access):
        if self.action == "template":
            return self.can_write(access)
        return super().allowed(access)

    def scoped_queryset(self):
        return MetricResult.objects.filter(metric__account=self.access.account).select_related(
            "metric", "home_entered_by", "partner_entered_by"
        )

    @extend_schema(summary="Save your side's figures for a quarter", request=BulkResultsSerializer,
                   responses={200: BulkResultsResponseSerializer,
                              409: OpenApiResponse(BulkResultsResponseSerializer,
                                                   description="Some figures were changed by someone else since "
                                                               "you read them; those were not saved.")},
                   examples=[BULK_EXAMPLE])
    @action(detail=False, methods=["post"])
    def bulk(self, request, account_slug):
        given = BulkResultsSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        saved, conflicts, unchanged = services.results_upsert(
            quarter=given.validated_data["quarter"], side=self.access.side, figures=given.validated_data["figures"],
            by=request.user,
        )
        body = BulkResultsResponseSerializer({"saved": saved, "unchanged": unchanged, "conflicts": conflicts}).data
        return Response(body, status=status.HTTP_409_CONFLICT if conflicts else status.HTTP_200_OK)

    @extend_schema(summary="Import your side's figures for a quarter from CSV or Excel (all or nothing)",
                   request={"multipart/form-data": ImportSerializer},
                   responses={200: ImportReportSerializer,
                              400: OpenApiResponse(ImportReportSerializer, description="Nothing was written.")},
                   examples=[REPORT_EXAMPLE])
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request, account_slug):
        given = ImportSerializer(data=request.data)
        if given.is_valid():
            report = imports.results_import(access=self.access, quarter=given.validated_data["quarter"],
                                            file=given.validated_data["file"])
        else:  # the same report shape, so that a script reads one kind of answer
            errors = [imports.RowError(0, name, str(message))
                      for name, messages in given.errors.items() for message in messages]
            report = imports.ImportReport(quarter=given.validated_data.get("quarter"), side=self.access.side,
                                          errors=errors)
        return Response(ImportReportSerializer(report).data,
                        status=status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST)

    @extend_schema(summary="Download the import template for a quarter, with your side's stored figures",
                   parameters=[QUARTER_PARAM, OpenApiParameter("type", OpenApiTypes.STR, enum=["csv", "xlsx"])],
                   responses={(200, "text/csv"): OpenApiTypes.BINARY,
                              (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                                  OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def template(self, request, account_slug):
        quarter = _quarter_param(request, required=True)
        kind = request.query_params.get("type", "csv")
        if kind not in ("csv", "xlsx"):
            raise exceptions.ValidationError({"type": "Choose csv or xlsx."})
        return template_response(access=self.access, quarter=quarter, kind=kind)


# --- the dashboard ----------------------------------------------------------------------


@extend_schema_view(list=extend_schema(
    summary="The dashboard for a quarter: each metric's goal, result, status and trend",
    parameters=[QUARTER_PARAM], responses=DashboardSerializer,
    examples=[OpenApiExample("A dashboard", value={
        "account": "helix", "quarter": "2026-Q2", "quarters_with_results": ["2026-Q1", "2026-Q2"], "green": 1,
        "rows": [{"metric": 12, "name": "On-time delivery", "category": "basic", "unit": "percent",
                  "direction": "higher", "goal": "98.0000", "warning_threshold": "95.0000", "value": "97.2000",
                  "check_value": "97.0000", "is_mismatch": False, "status": "yellow", "previous_status": "green",
                  "out_since": "2026-Q2", "trend": "worsening"}],
    })],
))
class DashboardViewSet(AccountScopedViewSet):
    model = MetricDefinition
    schema = SingleObjectSchema()
    pagination_class = None
    filter_backends = []
    serializer_class = DashboardSerializer

    def list(self, request, account_slug):
        board = selectors.dashboard_for(account=self.access.account, quarter=_quarter_param(request, required=False))
        return Response(DashboardSerializer(board).data)


router = SimpleRouter()
router.register("metrics", MetricViewSet, basename="metric")
router.register("results", ResultViewSet, basename="result")
router.register("dashboard", DashboardViewSet, basename="dashboard")
