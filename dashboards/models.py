"""The performance dashboard: agreed metrics, their goals over time, and quarterly results.

A metric's goal lives in ``MetricGoal`` rows, each effective from a stated quarter, so an
earlier quarter is always judged against the goal that held then. A result keeps each
firm's own figure side by side; the metric's data owner decides whose figure counts.
"""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from accounts.concurrency import Versioned
from accounts.models import PartnerAccount, Side
from accounts.quarters import Quarter, QuarterField

if TYPE_CHECKING:
    from .selectors import JudgingMetric

G = TypeVar("G")
VALUE_DIGITS = {"max_digits": 16, "decimal_places": 4}
# A metric's first goal holds "from the start": every quarter before the first change.
BEGINNING = Quarter(1000, 1)


class Category(models.TextChoices):
    BASIC = "basic", "Basic (blocking and tackling)"
    STRATEGIC = "strategic", "Strategic relationship"


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Unit(models.TextChoices):
    """The unit decides what a valid figure is (see ``unit_problem``)."""

    PERCENT = "percent", "% (0–100)"
    PERCENT_CHANGE = "percent_change", "% change (may be negative)"
    PPM = "ppm", "ppm"
    DAYS = "days", "days"
    HOURS = "hours", "hours"
    WEEKS = "weeks", "weeks"
    COUNT = "count", "count"
    THOUSANDS = "thousands", "thousands (account currency)"
    NUMBER = "number", "number"


UNIT_SYMBOLS = {
    Unit.PERCENT: "%", Unit.PERCENT_CHANGE: "%", Unit.PPM: "ppm", Unit.DAYS: "days", Unit.HOURS: "h",
    Unit.WEEKS: "weeks", Unit.COUNT: "", Unit.THOUSANDS: "k", Unit.NUMBER: "",
}
NON_NEGATIVE_UNITS = {Unit.PPM, Unit.DAYS, Unit.HOURS, Unit.WEEKS, Unit.COUNT, Unit.THOUSANDS}


def unit_problem(unit: str, value: Decimal) -> str | None:
    """Why ``value`` cannot be a figure in ``unit``, or None if it can."""
    if unit == Unit.PERCENT and not Decimal(0) <= value <= Decimal(100):
        return "A percentage must be between 0 and 100."
    if unit == Unit.COUNT and value < 0:
        return "A count cannot be negative."
    if unit == Unit.COUNT and value != value.to_integral_value():
        return "A count is a whole number."
    if unit in NON_NEGATIVE_UNITS and value < 0:
        return f"A figure in {Unit(unit).label} cannot be negative."
    return None


class Status(models.TextChoices):
    GREEN = "green", "Green"
    YELLOW = "yellow", "Yellow"
    RED = "red", "Red"


def judge(value: Decimal | float | None, *, direction: str, goal: Decimal, warning: Decimal) -> Status | None:
    """Green when the goal is met, yellow up to the warning threshold, red beyond it.

    The one judge of a figure: the dashboard's colours, the stored trends' Green Zone and
    the portfolio's green share all come from here, through :func:`status_of_value`. A
    figure read as a float (the charts, the nightly trends) is judged against the goal's
    nearest floats: a float and a Decimal compare exactly, so 0.1 would miss a goal of
    Decimal("0.1"). Figures and goals have at most four decimals, so below a hundred
    billion their nearest floats keep their order and equality: the same status as in
    Decimals."""
    if value is None:
        return None
    if isinstance(value, float):
        goal, warning = float(goal), float(warning)
    if direction == Direction.LOWER:
        value, goal, warning = -value, -goal, -warning
    if value >= goal:
        return Status.GREEN
    if value >= warning:
        return Status.YELLOW
    return Status.RED


def status_of_value(
    metric: MetricDefinition | JudgingMetric, value: Decimal | float | None, quarter: Quarter
) -> Status | None:
    """How ``value`` stands against the metric's goal in force in ``quarter``; None without
    a figure or a goal."""
    goal = metric.goal_for(quarter)
    if value is None or goal is None:
        return None
    return judge(value, direction=metric.direction, goal=goal.goal, warning=goal.warning_threshold)


def in_green_zone(metric: MetricDefinition | JudgingMetric, quarter: Quarter, value: float) -> bool | None:
    """Whether a figure is green, or None without a goal to judge it by: what the stored
    trends count their streak and forecast with."""
    status = status_of_value(metric, value, quarter)
    return None if status is None else status == Status.GREEN


class MetricQuerySet(models.QuerySet):
    def active(self):
        return self.filter(retired_at__isnull=True)


class MetricDefinition(Versioned):
    """``version`` counts the changes of the definition (the fields of its edit form);
    sign-offs, moves and retirements write other fields and leave it."""

    account = models.ForeignKey(PartnerAccount, on_delete=models.CASCADE, related_name="metrics")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=10, choices=Category.choices, default=Category.BASIC)
    unit = models.CharField(max_length=16, choices=Unit.choices)
    direction = models.CharField(max_length=6, choices=Direction.choices, default=Direction.HIGHER)
    mismatch_tolerance = models.DecimalField(
        **VALUE_DIGITS, default=Decimal(0),
        help_text="How far the two firms' figures may differ before it counts as a calculation mismatch.",
    )
    calculation_basis = models.TextField(
        blank=True, help_text="Exactly how the quarterly result is computed: source, formula, period, exclusions."
    )
    data_owner = models.CharField(
        max_length=10, choices=Side.choices, default=Side.HOME,
        help_text="The firm whose figure is the result; the other firm may add its own figure as a check.",
    )
    home_signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    home_signed_off_at = models.DateTimeField(null=True, blank=True)
    partner_signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    partner_signed_off_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = MetricQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "name"], condition=Q(retired_at__isnull=True),
                name="one_active_metric_per_name_and_account",
                violation_error_message="This account already has an active metric with this name.",
            ),
            models.CheckConstraint(
                condition=Q(mismatch_tolerance__gte=0), name="metric_tolerance_not_negative",
                violation_error_message="The mismatch tolerance cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(data_owner__in=[Side.HOME, Side.PARTNER]), name="metric_data_owner_is_a_side"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("dashboards:metric", args=[self.account.slug, self.pk])

    @property
    def symbol(self) -> str:
        return UNIT_SYMBOLS.get(self.unit, "")

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    @property
    def checking_side(self) -> str:
        return Side.PARTNER if self.data_owner == Side.HOME else Side.HOME

    def signed_off_by(self, side: str):
        return self.home_signed_off_by if side == Side.HOME else self.partner_signed_off_by

    def signed_off_at(self, side: str):
        return self.home_signed_off_at if side == Side.HOME else self.partner_signed_off_at

    @property
    def fully_signed_off(self) -> bool:
        return bool(self.home_signed_off_at and self.partner_signed_off_at)

    def goal_for(self, quarter: Quarter) -> MetricGoal | None:
        """The goal in force in ``quarter``. Quarters before the first stated goal are
        judged against that first goal. Reads ``goals`` prefetched in order."""
        return goal_in_force(self._goals_in_order(), quarter)

    def remember_goals(self, goals: list[MetricGoal]) -> None:
        """Give the metric its goals, read in one query for many metrics: prefetching builds
        a queryset per metric, which dominated the nightly recompute and cost the dashboard."""
        self._remembered_goals = sorted(goals, key=lambda g: g.effective_from)

    def _goals_in_order(self) -> list[MetricGoal]:
        """The goals oldest first. With ``goals`` prefetched, sorted once per prefetch rather
        than once per call: a forty-quarter dashboard asks thousands of times."""
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("goals")
        if prefetched is None:
            remembered = getattr(self, "_remembered_goals", None)
            if remembered is not None:
                return remembered
            return sorted(self.goals.all(), key=lambda g: g.effective_from)
        cached = getattr(self, "_goals_in_order_cache", None)
        if cached is None or cached[0] is not prefetched:
            cached = (prefetched, sorted(prefetched, key=lambda g: g.effective_from))
            self._goals_in_order_cache = cached
        return cached[1]


def goal_in_force(goals: list[G], quarter: Quarter) -> G | None:
    """Of ``goals`` (oldest first, each with an ``effective_from``), the one in force in
    ``quarter``; before the first, the first: it is judged against from the start."""
    if not goals:
        return None
    in_force = bisect_right(goals, quarter, key=attrgetter("effective_from"))  # goals in force by then
    return goals[in_force - 1] if in_force else goals[0]


class MetricGoal(models.Model):
    """A goal and warning threshold agreed for a metric, in force from a quarter on."""

    metric = models.ForeignKey(MetricDefinition, on_delete=models.CASCADE, related_name="goals")
    effective_from = QuarterField()
    goal = models.DecimalField(**VALUE_DIGITS)
    warning_threshold = models.DecimalField(
        **VALUE_DIGITS, help_text="Beyond the goal, up to here is yellow; further still is red."
    )
    replaced_goal = models.DecimalField(**VALUE_DIGITS, null=True, blank=True)
    replaced_warning_threshold = models.DecimalField(**VALUE_DIGITS, null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    set_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "effective_from"], name="one_goal_per_metric_and_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.metric}: {self.goal} {self.effective_label}"

    @property
    def effective_label(self) -> str:
        return "from the start" if self.effective_from == BEGINNING else f"from {self.effective_from}"

    def clean(self):
        if self.goal is None or self.warning_threshold is None or not self.metric_id:
            return
        if self.metric.direction == Direction.HIGHER and self.warning_threshold > self.goal:
            raise ValidationError(
                {"warning_threshold": "When higher is better, the warning threshold is at or below the goal."}
            )
        if self.metric.direction == Direction.LOWER and self.warning_threshold < self.goal:
            raise ValidationError(
                {"warning_threshold": "When lower is better, the warning threshold is at or above the goal."}
            )
        for name in ("goal", "warning_threshold"):
            if problem := unit_problem(self.metric.unit, getattr(self, name)):
                raise ValidationError({name: problem})


class MetricResult(models.Model):
    """One metric in one quarter: each firm's own figure, with who entered it and when.

    ``*_version`` counts saves of that side's figure, so an entry form opened before
    somebody else saved can be recognised and refused instead of overwriting.
    """

    metric = models.ForeignKey(MetricDefinition, on_delete=models.CASCADE, related_name="results")
    quarter = QuarterField()
    home_value = models.DecimalField(**VALUE_DIGITS, null=True, blank=True)
    home_note = models.CharField(max_length=500, blank=True)
    home_entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="+")
    home_entered_at = models.DateTimeField(null=True, blank=True)
    home_version = models.PositiveIntegerField(default=0)
    partner_value = models.DecimalField(**VALUE_DIGITS, null=True, blank=True)
    partner_note = models.CharField(max_length=500, blank=True)
    partner_entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                           blank=True, related_name="+")
    partner_entered_at = models.DateTimeField(null=True, blank=True)
    partner_version = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["metric", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "quarter"], name="one_result_per_metric_and_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.quarter}"

    def value_of(self, side: str) -> Decimal | None:
        return self.home_value if side == Side.HOME else self.partner_value

    def note_of(self, side: str) -> str:
        return self.home_note if side == Side.HOME else self.partner_note

    def version_of(self, side: str) -> int:
        return self.home_version if side == Side.HOME else self.partner_version

    def entered_by(self, side: str):
        return self.home_entered_by if side == Side.HOME else self.partner_entered_by

    def entered_at(self, side: str):
        return self.home_entered_at if side == Side.HOME else self.partner_entered_at

    @property
    def value(self) -> Decimal | None:
        """The result: the data owner's figure."""
        return self.value_of(self.metric.data_owner)

    @property
    def check_value(self) -> Decimal | None:
        return self.value_of(self.metric.checking_side)

    @property
    def is_mismatch(self) -> bool:
        if self.value is None or self.check_value is None:
            return False
        return abs(self.value - self.check_value) > self.metric.mismatch_tolerance


class MetricTrend(models.Model):
    """A metric's trend, computed in the background (``dashboards.tasks``) after results
    change and nightly, so the dashboard reads it instead of computing it."""

    metric = models.OneToOneField(
        MetricDefinition, on_delete=models.CASCADE, primary_key=True, related_name="stored_trend"
    )
    quarter = QuarterField(help_text="The latest quarter with a result: the facts are as of this quarter.")
    quarters_used = models.PositiveSmallIntegerField()
    moving_average = models.FloatField(help_text="Mean of the results of the last four quarters.")
    in_green = models.BooleanField(null=True)
    streak = models.PositiveSmallIntegerField(help_text="Quarters in a row in (or out of) the Green Zone.")
    slope = models.FloatField(null=True, help_text="Change per quarter, least squares over the last four quarters.")
    forecast_quarter = QuarterField(null=True)
    forecast = models.FloatField(null=True)
    quarters_until_out = models.PositiveSmallIntegerField(
        null=True, help_text="While in the Green Zone and declining: quarters until the trend line leaves it."
    )
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.metric_id} trend as of {self.quarter}"
