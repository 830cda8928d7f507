from __future__ import annotations

from rest_framework import serializers

from accounts.api.base import ModelSerializer, QuarterField, VersionedSerializer
from accounts.quarters import Quarter

from .models import VALUE_DIGITS, MetricDefinition, MetricGoal, MetricResult, unit_problem
from .services import Figure


class GoalSerializer(ModelSerializer):
    class Meta:
        model = MetricGoal
        fields = ["effective_from", "goal", "warning_threshold", "note"]


class MetricSerializer(VersionedSerializer):
    goals = GoalSerializer(many=True, read_only=True)
    retired = serializers.SerializerMethodField()

    class Meta:
        model = MetricDefinition
        fields = [
            "id", "position", "name", "category", "unit", "direction", "mismatch_tolerance", "calculation_basis",
            "data_owner", "home_signed_off_at", "partner_signed_off_at", "retired", "goals", "version",
        ]
        read_only_fields = ["position", "home_signed_off_at", "partner_signed_off_at"]

    def get_retired(self, metric) -> bool:
        return metric.is_retired


class NewMetricSerializer(MetricSerializer):
    goal = serializers.DecimalField(**VALUE_DIGITS, write_only=True, help_text="The Green Zone starts here.")
    warning_threshold = serializers.DecimalField(
        **VALUE_DIGITS, write_only=True, help_text="Between the goal and this is yellow; beyond it, red."
    )

    class Meta(MetricSerializer.Meta):
        fields = [*MetricSerializer.Meta.fields, "goal", "warning_threshold"]


class GoalSetSerializer(serializers.Serializer):
    effective_from = QuarterField()
    goal = serializers.DecimalField(**VALUE_DIGITS)
    warning_threshold = serializers.DecimalField(**VALUE_DIGITS)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ResultSerializer(ModelSerializer):
    metric_name = serializers.CharField(source="metric.name", read_only=True)
    value = serializers.DecimalField(**VALUE_DIGITS, read_only=True, allow_null=True,
                                     help_text="The result: the data owner's figure.")
    is_mismatch = serializers.BooleanField(read_only=True)
    home_entered_by = serializers.CharField(source="home_entered_by.username", read_only=True, allow_null=True)
    partner_entered_by = serializers.CharField(source="partner_entered_by.username", read_only=True,
                                               allow_null=True)

    class Meta:
        model = MetricResult
        fields = [
            "id", "metric", "metric_name", "quarter", "value", "is_mismatch",
            "home_value", "home_note", "home_version", "home_entered_by", "home_entered_at",
            "partner_value", "partner_note", "partner_version", "partner_entered_by", "partner_entered_at",
        ]
        read_only_fields = fields


class FigureSerializer(serializers.Serializer):
    metric = serializers.IntegerField(help_text="The metric's id.")
    value = serializers.DecimalField(**VALUE_DIGITS, allow_null=True, help_text="Your side's figure; null clears it.")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        min_value=0, help_text="Your side's version of the figure you last read (0 when there was none). "
                               "If someone saved since, the figure comes back as a conflict.",
    )


class BulkResultsSerializer(serializers.Serializer):
    """One side's figures for a quarter; each is checked like a box of the entry grid:
    an active metric of this account, a figure its unit allows."""

    quarter = QuarterField()
    figures = FigureSerializer(many=True, allow_empty=False)

    def validate_quarter(self, quarter):
        if quarter > Quarter.current():
            raise serializers.ValidationError(f"{quarter} has not begun yet.")
        return quarter

    def validate_figures(self, figures):
        metrics = {m.pk: m for m in self.context["access"].account.metrics.active()}
        errors, checked = [], []
        for figure in figures:
            metric = metrics.get(figure["metric"])
            if metric is None:
                errors.append({"metric": ["No active metric of this account has this id."]})
            elif figure["value"] is not None and (problem := unit_problem(metric.unit, figure["value"])):
                errors.append({"value": [problem]})
            else:
                errors.append({})
                checked.append(Figure(metric=metric, value=figure["value"], note=figure["note"],
                                      seen_version=figure["version"]))
        if any(errors):
            raise serializers.ValidationError(errors)
        return checked


class ConflictSerializer(serializers.Serializer):
    metric = serializers.IntegerField(source="metric.pk")
    their_value = serializers.DecimalField(**VALUE_DIGITS, allow_null=True)
    their_note = serializers.CharField()
    their_version = serializers.IntegerField()
    by = serializers.CharField(source="by.username", allow_null=True)
    at = serializers.DateTimeField(allow_null=True)
    your_value = serializers.DecimalField(**VALUE_DIGITS, allow_null=True)


class BulkResultsResponseSerializer(serializers.Serializer):
    saved = ResultSerializer(many=True)
    unchanged = serializers.IntegerField(help_text="Figures sent that equal what is stored: not saved again.")
    conflicts = ConflictSerializer(many=True)


class ImportSerializer(serializers.Serializer):
    quarter = QuarterField()
    file = serializers.FileField(help_text="A .csv or .xlsx file laid out like the template.")


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The file's row, counting the header as 1; 0 for the file as a whole.")
    column = serializers.CharField()
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    quarter = QuarterField(allow_null=True)
    side = serializers.CharField()
    saved = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Rows without a value.")
    errors = RowErrorSerializer(many=True)


class DashboardRowSerializer(serializers.Serializer):
    metric = serializers.IntegerField(source="metric.pk")
    name = serializers.CharField(source="metric.name")
    category = serializers.CharField(source="metric.category")
    unit = serializers.CharField(source="metric.unit")
    direction = serializers.CharField(source="metric.direction")
    goal = serializers.DecimalField(source="goal.goal", **VALUE_DIGITS, allow_null=True)
    warning_threshold = serializers.DecimalField(source="goal.warning_threshold", **VALUE_DIGITS, allow_null=True)
    value = serializers.DecimalField(source="result.value", **VALUE_DIGITS, allow_null=True)
    check_value = serializers.DecimalField(source="result.check_value", **VALUE_DIGITS, allow_null=True)
    is_mismatch = serializers.BooleanField(source="result.is_mismatch", allow_null=True)
    status = serializers.CharField(allow_null=True, help_text="green, yellow or red; null without a result.")
    previous_status = serializers.CharField(allow_null=True)
    out_since = QuarterField(allow_null=True)
    trend = serializers.CharField(source="trend_word")


class DashboardSerializer(serializers.Serializer):
    account = serializers.CharField(source="account.slug")
    quarter = QuarterField()
    quarters_with_results = serializers.ListField(child=QuarterField())
    green = serializers.IntegerField(source="green_count")
    rows = DashboardRowSerializer(many=True)
