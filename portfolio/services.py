"""Health roll-ups per account, stored for the portfolio."""

from __future__ import annotations

import gc

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.background import enqueue_debounced
from accounts.models import PartnerAccount
from accounts.quarters import Quarter
from dashboards.selectors import judging_metrics, latest_statuses
from dashboards.services import metric_trends_recompute_many
from plans.selectors import plan_health_many
from scorecards.selectors import champion_averages_many, open_quarters_many, scores_unchanged_for_a_year_many
from surveys.selectors import latest_survey_index_many

from .models import AccountHealth

# Accounts recomputed together by the nightly run: large enough that each query reads
# many accounts' rows, small enough that memory stays flat however large the portfolio.
RECOMPUTE_CHUNK = 100
HEALTH_FIELDS = [
    "results_quarter", "metrics_with_results", "metrics_green", "green_share", "scorecard_quarter",
    "home_champion_average", "partner_champion_average", "champion_gap", "overdue_actions",
    "days_since_review_meeting", "previous_green_share", "metrics_missing", "open_mismatches",
    "last_review_meeting_on", "scores_unchanged_for_a_year", "survey_quarter", "survey_index", "computed_at",
]


def health_recompute_later(*, account_id: int) -> None:
    from .tasks import recompute_account_health

    enqueue_debounced(recompute_account_health, key=f"health:{account_id}", args=[account_id],
                      delay=settings.TANDEM_RECOMPUTE_DELAY_SECONDS)


def account_health_recompute(*, account_id: int) -> AccountHealth | None:
    account_health_recompute_many(account_ids=[account_id])
    return AccountHealth.objects.filter(account_id=account_id).first()


@transaction.atomic
def account_health_recompute_many(*, account_ids: list[int], metrics: list | None = None) -> int:
    """Store the health of several accounts, in a fixed number of queries however many
    (``metrics``: their active metrics from ``judging_metrics``, when the caller has them)."""
    account_ids = list(PartnerAccount.objects.filter(pk__in=account_ids).values_list("pk", flat=True))
    if not account_ids:
        return 0
    statuses = latest_statuses(account_ids=account_ids, metrics=metrics)
    open_quarters = open_quarters_many(account_ids)  # read once for both scorecard roll-ups
    champions = champion_averages_many(account_ids=account_ids, open_quarters=open_quarters)
    today = timezone.localdate()
    plans = plan_health_many(account_ids=account_ids, today=today)
    flat_scores = scores_unchanged_for_a_year_many(
        account_ids=account_ids, as_of=Quarter.containing(today).previous(), open_quarters=open_quarters
    )
    surveys = latest_survey_index_many(account_ids=account_ids)
    rows = []
    for account_id in account_ids:
        latest, champion, plan = statuses[account_id], champions[account_id], plans[account_id]
        survey_quarter, survey_index = surveys[account_id] or (None, None)
        rows.append(AccountHealth(
            account_id=account_id,
            results_quarter=latest.quarter,
            metrics_with_results=latest.judged,
            metrics_green=latest.green,
            green_share=_share(latest.green, latest.judged),
            previous_green_share=_share(latest.previous_green, latest.previous_judged),
            metrics_missing=latest.missing,
            open_mismatches=latest.mismatches,
            scorecard_quarter=champion.quarter,
            home_champion_average=champion.home,
            partner_champion_average=champion.partner,
            champion_gap=champion.gap,
            scores_unchanged_for_a_year=flat_scores[account_id],
            overdue_actions=plan.overdue_actions,
            days_since_review_meeting=plan.days_since_review(today),
            last_review_meeting_on=plan.last_review_on,
            survey_quarter=survey_quarter,
            survey_index=survey_index,
        ))
    AccountHealth.objects.bulk_create(rows, update_conflicts=True, unique_fields=["account"],
                                      update_fields=HEALTH_FIELDS)
    return len(rows)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def accounts_recompute_all() -> int:
    """Trends and health for every account, a chunk of accounts at a time: each chunk's
    results are read once, in a handful of queries, and written in bulk; nothing is kept
    between chunks, so memory does not grow with the portfolio."""
    count = 0
    ids = PartnerAccount.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=RECOMPUTE_CHUNK)
    chunk: list[int] = []
    # The run builds and drops millions of small objects; each of the garbage collector's
    # full passes would also walk everything alive before it (Django, the app, the
    # worker), which none of the run's garbage refers to. Frozen, they are skipped.
    gc.freeze()
    try:
        for account_id in ids:
            chunk.append(account_id)
            if len(chunk) == RECOMPUTE_CHUNK:
                count += _recompute(chunk)
                chunk = []
        if chunk:
            count += _recompute(chunk)
    finally:
        gc.unfreeze()
    return count


@transaction.atomic
def _recompute(account_ids: list[int]) -> int:
    metrics = judging_metrics(account_ids)  # read once for the trends and the health
    metric_trends_recompute_many(account_ids=account_ids, metrics=metrics)
    return account_health_recompute_many(account_ids=account_ids, metrics=metrics)
