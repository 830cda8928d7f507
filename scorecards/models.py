"""Champion scorecards: each side's executive champion rates the relationship every
quarter, dimension by dimension, on a five-step colour scale.

Who may see which assessment is decided in ``scorecards.selectors`` (the blind rule);
writes go through ``scorecards.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from accounts.models import PartnerAccount, Side
from accounts.quarters import QuarterField

SYMBOLS = {1: "✖", 2: "▼", 3: "●", 4: "▲", 5: "★"}


class Colour(models.IntegerChoices):
    """The five steps, worst to best; the numbers order them and measure gaps."""

    BRIGHT_RED = 1, "Bright Red"
    LIGHT_RED = 2, "Light Red"
    YELLOW = 3, "Yellow"
    LIGHT_GREEN = 4, "Light Green"
    BRIGHT_GREEN = 5, "Bright Green"

    @property
    def symbol(self) -> str:
        """A shape for every step, so the scale reads without colour (greyscale, print)."""
        return SYMBOLS[self.value]

    @property
    def css(self) -> str:
        return f"colour-{self.value}"

    @classmethod
    def nearest(cls, average: float | None) -> Colour | None:
        return None if average is None else cls(min(5, max(1, int(average + 0.5))))


class Dimension(models.Model):
    """One aspect of the relationship the champions rate. Retired dimensions stay, so
    earlier assessments keep their meaning; they are just not offered any more."""

    account = models.ForeignKey(PartnerAccount, on_delete=models.CASCADE, related_name="scorecard_dimensions")
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    retired = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["account", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "name"], name="one_dimension_name_per_account",
                violation_error_message="This account already has a dimension with this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Assessment(models.Model):
    """One side's read of the relationship for one quarter."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    account = models.ForeignKey(PartnerAccount, on_delete=models.CASCADE, related_name="assessments")
    quarter = QuarterField()
    side = models.CharField(max_length=10, choices=Side.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    champion = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments",
        help_text="The champion who wrote it.",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Which open form saved last and how many saves there have been: a form opened before
    # another window's save is refused instead of overwriting it (see scorecards.services).
    revision = models.PositiveIntegerField(default=0)
    editor = models.CharField(max_length=32, blank=True)
    history = HistoricalRecords(excluded_fields=["revision", "editor"])

    class Meta:
        ordering = ["account", "quarter", "side"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "quarter", "side"], name="one_assessment_per_account_quarter_side",
                violation_error_message="This side already has an assessment for this quarter.",
            ),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="assessment_side_is_known"),
            models.CheckConstraint(
                condition=Q(status="draft", submitted_at__isnull=True)
                | Q(status="submitted", submitted_at__isnull=False),
                name="assessment_submitted_has_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.quarter} ({self.get_side_display()}, {self.get_status_display()})"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Rating(models.Model):
    """A colour, a comment and "what I need to do" for one dimension in one assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="ratings")
    colour = models.PositiveSmallIntegerField(choices=Colour.choices, null=True, blank=True)
    comment = models.TextField(blank=True)
    action = models.TextField("what I need to do", blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "dimension__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "dimension"], name="one_rating_per_dimension"),
            models.CheckConstraint(
                condition=Q(colour__isnull=True) | Q(colour__gte=1, colour__lte=5), name="rating_colour_on_the_scale"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}: {self.get_colour_display() or 'not rated'}"

    @property
    def colour_choice(self) -> Colour | None:
        return None if self.colour is None else Colour(self.colour)


class QuarterRelease(models.Model):
    """An administrator lifted the blind rule for a quarter one champion never submitted."""

    account = models.ForeignKey(PartnerAccount, on_delete=models.CASCADE, related_name="scorecard_releases")
    quarter = QuarterField()
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "quarter"], name="one_release_per_account_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.quarter} released"
