"""Scorecard dimensions, assessments and the comparison over the API. What an assessment
shows is decided by the blind rule (``selectors.can_see_side``), as on the pages."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.api.base import AccountScopedViewSet, Conflict, EditConflictSerializer
from accounts.api.pagination import KnownParametersPagination
from accounts.quarters import QUARTER_PATTERN, Quarter

from . import selectors, services
from .models import Assessment, Dimension
from .serializers import AssessmentSerializer, AssessmentWriteSerializer, ComparisonSerializer, DimensionSerializer

DIMENSION_EXAMPLE = OpenApiExample("A dimension", value={
    "id": 3, "name": "Trust", "description": "We rely on each other's word.", "position": 3, "retired": False,
})
ASSESSMENT_EXAMPLE = OpenApiExample("An assessment", response_only=True, value={
    "id": 41, "quarter": "2026-Q2", "side": "home", "status": "submitted", "champion": "carl",
    "submitted_at": "2026-07-10T16:00:00Z", "updated_at": "2026-07-10T16:00:00Z",
    "ratings": [{"dimension": 3, "dimension_name": "Trust", "colour": 4, "comment": "Open books on costs",
                 "action": "Share the capacity plan"}],
    "version": 6,
})
WRITE_EXAMPLE = OpenApiExample("Ratings", request_only=True, value={
    "quarter": "2026-Q2", "ratings": [{"dimension": 3, "colour": 4, "comment": "Open books", "action": ""}],
    "version": 5,
})
STALE = OpenApiResponse(EditConflictSerializer, description=(
    "Your assessment is submitted and locked (``detail`` only), or it was saved since the version you sent: then "
    "``theirs`` is the assessment as saved. Nothing was saved."))


@extend_schema_view(
    list=extend_schema(summary="The account's scorecard dimensions", examples=[DIMENSION_EXAMPLE]),
    retrieve=extend_schema(summary="One dimension", examples=[DIMENSION_EXAMPLE]),
    create=extend_schema(summary="Add a dimension", examples=[DIMENSION_EXAMPLE]),
    update=extend_schema(summary="Rename, describe, retire or restore a dimension", examples=[DIMENSION_EXAMPLE]),
    partial_update=extend_schema(summary="Rename, describe, retire or restore a dimension",
                                 examples=[DIMENSION_EXAMPLE]),
    destroy=extend_schema(summary="Retire a dimension (earlier assessments keep it)"),
)
class DimensionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       mixins.UpdateModelMixin, mixins.DestroyModelMixin, AccountScopedViewSet):
    model = Dimension
    serializer_class = DimensionSerializer
    filterset_fields = ["retired"]
    ordering_fields = ["position", "name"]
    ordering = ["retired", "position", "id"]

    def scoped_queryset(self):
        return Dimension.objects.filter(account=self.access.account)

    def perform_create(self, serializer):
        data = serializer.validated_data
        dimension = services.dimension_create(account=self.access.account, by=self.request.user, name=data["name"],
                                              description=data.get("description", ""))
        if data.get("retired"):
            dimension = services.dimension_set_retired(dimension=dimension, by=self.request.user, retired=True)
        serializer.instance = dimension

    def perform_update(self, serializer):
        dimension, data = serializer.instance, serializer.validated_data
        retired = data.get("retired", dimension.retired)
        dimension = services.dimension_update(dimension=dimension, by=self.request.user,
                                              name=data.get("name", dimension.name),
                                              description=data.get("description", dimension.description))
        if retired != dimension.retired:
            dimension = services.dimension_set_retired(dimension=dimension, by=self.request.user, retired=retired)
        serializer.instance = dimension

    def perform_destroy(self, instance):
        services.dimension_set_retired(dimension=instance, by=self.request.user, retired=True)


@extend_schema_view(
    list=extend_schema(summary="The assessments you may see: your side's, and the other side's once the "
                               "quarter is open", examples=[ASSESSMENT_EXAMPLE]),
    retrieve=extend_schema(summary="One assessment, if the blind rule lets you see it", examples=[ASSESSMENT_EXAMPLE]),
)
class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AccountScopedViewSet):
    model = Assessment
    serializer_class = AssessmentSerializer
    pagination_class = KnownParametersPagination
    filterset_fields = ["side", "status"]
    query_parameters = ["quarter"]  # read by scoped_queryset
    ordering_fields = ["quarter", "side"]
    ordering = ["-quarter", "side"]

    def can_write(self, access):
        return access.can_write_scorecard_for(access.side)

    def scoped_queryset(self):
        # the serializer reads the ratings, for a whole page at once
        queryset = selectors.visible_assessments(self.access).select_related("champion")
        if quarter := self.request.query_params.get("quarter"):
            try:
                queryset = queryset.filter(quarter=Quarter.parse(quarter))
            except ValueError as exc:
                raise exceptions.ValidationError({"quarter": str(exc)}) from exc
        return queryset

    def _save(self, request, save):
        given = AssessmentWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        ratings = {
            r["dimension"]: services.RatingInput(colour=r["colour"], comment=r["comment"], action=r["action"])
            for r in given.validated_data["ratings"]
        }
        stamp = services.EditStamp(editor="", revision=given.validated_data["version"])
        try:
            assessment = save(access=self.access, quarter=given.validated_data["quarter"], ratings=ratings,
                              stamp=stamp)
        except services.AssessmentLocked as exc:
            raise Conflict(" ".join(exc.messages)) from exc
        saved = self.scoped_queryset().get(pk=assessment.pk)
        return Response(AssessmentSerializer(saved).data, status=status.HTTP_200_OK)

    @extend_schema(summary="Save your side's draft for a quarter (champions)", request=AssessmentWriteSerializer,
                   responses={200: AssessmentSerializer, 409: STALE},
                   examples=[WRITE_EXAMPLE, ASSESSMENT_EXAMPLE])
    @action(detail=False, methods=["post"])
    def draft(self, request, account_slug):
        return self._save(request, services.assessment_save_draft)

    @extend_schema(summary="Submit your side's assessment for a quarter (champions); every dimension needs a colour",
                   request=AssessmentWriteSerializer,
                   responses={200: AssessmentSerializer, 409: STALE},
                   examples=[WRITE_EXAMPLE, ASSESSMENT_EXAMPLE])
    @action(detail=False, methods=["post"])
    def submit(self, request, account_slug):
        return self._save(request, services.assessment_submit)


@extend_schema_view(retrieve=extend_schema(
    summary="The side-by-side comparison for a quarter, as far as the blind rule allows",
    examples=[OpenApiExample("An open quarter", value={
        "quarter": "2026-Q2", "is_open": True, "submitted": ["home", "partner"], "released": False,
        "home_average": 3.5, "partner_average": 3.0, "discuss_first": [3],
        "rows": [{"dimension": 3, "dimension_name": "Trust", "gap": 2,
                  "home": {"colour": 4, "comment": "", "action": "", "previous": 3, "movement": "↑"},
                  "partner": {"colour": 2, "comment": "Late answers", "action": "", "previous": 2,
                              "movement": "="}}],
    })],
))
class ComparisonViewSet(mixins.RetrieveModelMixin, AccountScopedViewSet):
    model = Assessment
    serializer_class = ComparisonSerializer
    lookup_field = "quarter"
    lookup_value_regex = QUARTER_PATTERN
    pagination_class = None
    filter_backends = []

    def retrieve(self, request, account_slug, quarter):
        try:
            quarter = Quarter.parse(quarter)
        except ValueError as exc:  # e.g. 0834-Q4: shaped like a quarter, but no such year
            raise exceptions.NotFound(str(exc)) from exc
        result = selectors.comparison(self.access, quarter)
        result.submitted_sides = sorted(result.state.submitted)
        result.discuss_first_ids = [row.dimension.pk for row in result.discuss_first]
        return Response(ComparisonSerializer(result).data)


router = SimpleRouter()
router.register("dimensions", DimensionViewSet, basename="dimension")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("comparisons", ComparisonViewSet, basename="comparison")
