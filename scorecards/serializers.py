from __future__ import annotations

from rest_framework import serializers

from accounts.api.base import VERSION_HELP, ModelSerializer, QuarterField

from . import selectors
from .models import Assessment, Colour, Dimension, Rating


class DimensionSerializer(ModelSerializer):
    class Meta:
        model = Dimension
        fields = ["id", "name", "description", "position", "retired"]
        read_only_fields = ["position"]


class RatingSerializer(ModelSerializer):
    dimension_name = serializers.CharField(source="dimension.name", read_only=True)

    class Meta:
        model = Rating
        fields = ["dimension", "dimension_name", "colour", "comment", "action"]


class AssessmentListSerializer(serializers.ListSerializer):
    """A page of assessments, their ratings read in one query for the whole page."""

    def to_representation(self, data):
        assessments = list(data)
        ratings = selectors.rating_rows([assessment.pk for assessment in assessments])
        return [self.child.as_dict(assessment, ratings.get(assessment.pk, [])) for assessment in assessments]


class AssessmentSerializer(ModelSerializer):
    # The declared fields describe the API (its schema; a docstring here would show in
    # it). The dict itself is built in as_dict rather than field by field, each rating a
    # plain row from selectors.rating_rows: DRF's walk over the nested ratings was most of
    # an assessment list's time.
    champion = serializers.CharField(source="champion.username", read_only=True)
    ratings = RatingSerializer(many=True, read_only=True)
    version = serializers.IntegerField(source="revision", read_only=True, help_text=VERSION_HELP)

    class Meta:
        model = Assessment
        fields = ["id", "quarter", "side", "status", "champion", "submitted_at", "updated_at", "ratings", "version"]
        read_only_fields = fields
        list_serializer_class = AssessmentListSerializer

    def to_representation(self, assessment):
        return self.as_dict(assessment, selectors.rating_rows([assessment.pk]).get(assessment.pk, []))

    def as_dict(self, assessment: Assessment, ratings: list[dict]) -> dict:
        return {
            "id": assessment.pk,
            "quarter": str(assessment.quarter),
            "side": assessment.side,
            "status": assessment.status,
            "champion": assessment.champion.username,
            "submitted_at": self.time_text(assessment.submitted_at),
            "updated_at": self.time_text(assessment.updated_at),
            "ratings": ratings,
            "version": assessment.revision,
        }


class RatingInputSerializer(serializers.Serializer):
    dimension = serializers.IntegerField(help_text="The dimension's id.")
    colour = serializers.ChoiceField(choices=Colour.choices, allow_null=True, required=False, default=None,
                                     help_text="1 Bright Red … 5 Bright Green.")
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    action = serializers.CharField(required=False, allow_blank=True, default="", help_text="What I need to do.")


class AssessmentWriteSerializer(serializers.Serializer):
    quarter = QuarterField()
    ratings = RatingInputSerializer(many=True, required=False, default=list)
    version = serializers.IntegerField(
        min_value=0, help_text="The version of your side's assessment for the quarter that you last read (0 when "
                               "there was none). If it was saved since, nothing is saved and the answer is 409 with "
                               "both versions (``yours``, ``theirs``).",
    )


class SideViewSerializer(serializers.Serializer):
    colour = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField()
    action = serializers.CharField()
    previous = serializers.IntegerField(allow_null=True, help_text="Last quarter's colour.")
    movement = serializers.CharField(allow_null=True, help_text="↑, ↓ or = against last quarter.")


class ComparisonRowSerializer(serializers.Serializer):
    dimension = serializers.IntegerField(source="dimension.pk")
    dimension_name = serializers.CharField(source="dimension.name")
    gap = serializers.IntegerField(allow_null=True, help_text="Steps between the two colours.")
    home = SideViewSerializer()
    partner = SideViewSerializer()


class ComparisonSerializer(serializers.Serializer):
    quarter = QuarterField(source="state.quarter")
    is_open = serializers.BooleanField(source="state.is_open",
                                       help_text="Both champions submitted, or an administrator released the quarter.")
    submitted = serializers.ListField(child=serializers.CharField(), source="submitted_sides")
    released = serializers.BooleanField(source="state.released")
    home_average = serializers.FloatField(allow_null=True)
    partner_average = serializers.FloatField(allow_null=True)
    rows = ComparisonRowSerializer(many=True)
    discuss_first = serializers.ListField(child=serializers.IntegerField(), source="discuss_first_ids",
                                          help_text="Dimensions with a gap of two steps or more, largest first.")
