"""The portfolio's stored roll-ups. The portfolio sits above every other app, so it is
the one place that can combine dashboards, scorecards and plans."""

from __future__ import annotations

from django.db import models

from accounts.models import PartnerAccount
from accounts.quarters import QuarterField


class AccountHealth(models.Model):
    """One account's health, recomputed in the background (``portfolio.tasks``) after its
    results or scorecards change, and nightly."""

    account = models.OneToOneField(PartnerAccount, on_delete=models.CASCADE, primary_key=True, related_name="health")
    results_quarter = QuarterField(null=True, help_text="The latest quarter with results.")
    metrics_with_results = models.PositiveSmallIntegerField(default=0)
    metrics_green = models.PositiveSmallIntegerField(default=0)
    green_share = models.FloatField(null=True, help_text="Share (0–1) of metrics with a result that are green.")
    scorecard_quarter = QuarterField(null=True, help_text="The latest quarter both champions' scorecards are open.")
    home_champion_average = models.FloatField(null=True)
    partner_champion_average = models.FloatField(null=True)
    champion_gap = models.FloatField(null=True, help_text="Steps between the two champions' averages.")
    overdue_actions = models.PositiveIntegerField(null=True)
    # None: no quarterly review has been held yet. Counted on the day of the computation,
    # which the nightly recompute keeps current.
    days_since_review_meeting = models.PositiveIntegerField(null=True)
    # For the portfolio's columns and flags (issue 7).
    previous_green_share = models.FloatField(
        null=True, help_text="Green share of the quarter before the latest one: the trend compares the two."
    )
    metrics_missing = models.PositiveSmallIntegerField(
        default=0, help_text="Active metrics without a result in the latest quarter with results."
    )
    open_mismatches = models.PositiveSmallIntegerField(
        default=0, help_text="Calculation mismatches in the latest quarter with results."
    )
    last_review_meeting_on = models.DateField(null=True, help_text="The latest quarterly review held.")
    scores_unchanged_for_a_year = models.BooleanField(
        default=False, help_text="Neither champion's scorecard has changed in four quarters."
    )
    # Filled in once perception surveys land: None means no survey round yet.
    survey_index = models.FloatField(null=True, help_text="Latest perception survey index, both firms together.")
    survey_quarter = QuarterField(null=True)
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Health of {self.account_id}"
