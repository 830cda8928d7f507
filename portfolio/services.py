"""Health roll-ups per account, stored for the portfolio."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.background import enqueue_debounced
from accounts.models import PartnerAccount
from accounts.quarters import Quarter
from dashboards.models import Status
from dashboards.selectors import dashboard_for
from dashboards.services import metric_trends_recompute
from plans.selectors import plan_health
from scorecards.selectors import champion_averages, scores_unchanged_for_a_year
from surveys.selectors import latest_survey_index

from .models import AccountHealth


def health_recompute_later(*, account_id: int) -> None:
    from .tasks import recompute_account_health

    enqueue_debounced(recompute_account_health, key=f"health:{account_id}", args=[account_id],
                      delay=settings.TANDEM_RECOMPUTE_DELAY_SECONDS)


@transaction.atomic
def account_health_recompute(*, account_id: int) -> AccountHealth | None:
    account = PartnerAccount.objects.filter(pk=account_id).first()
    if account is None:
        return None
    board = dashboard_for(account=account, quarter=None)
    judged = [row for row in board.rows if row.status is not None]
    green = sum(1 for row in judged if row.status == Status.GREEN)
    champions = champion_averages(account)
    today = timezone.localdate()
    plan = plan_health(account_id=account.pk, today=today)
    earlier = [row for row in board.rows if row.previous_status is not None]
    earlier_green = sum(1 for row in earlier if row.previous_status == Status.GREEN)
    survey_quarter, survey_index = latest_survey_index(account_id=account.pk) or (None, None)
    health, _ = AccountHealth.objects.update_or_create(account=account, defaults={
        "results_quarter": board.quarter if board.quarters_with_results else None,
        "metrics_with_results": len(judged),
        "metrics_green": green,
        "green_share": round(green / len(judged), 4) if judged else None,
        "scorecard_quarter": champions.quarter,
        "home_champion_average": champions.home,
        "partner_champion_average": champions.partner,
        "champion_gap": champions.gap,
        "overdue_actions": plan.overdue_actions,
        "days_since_review_meeting": plan.days_since_review(today),
        "previous_green_share": round(earlier_green / len(earlier), 4) if earlier else None,
        "metrics_missing": len(board.missing),
        "open_mismatches": len(board.mismatches),
        "last_review_meeting_on": plan.last_review_on,
        "scores_unchanged_for_a_year": scores_unchanged_for_a_year(
            account, as_of=Quarter.containing(today).previous()
        ),
        "survey_quarter": survey_quarter,
        "survey_index": survey_index,
    })
    return health


def accounts_recompute_all() -> int:
    """Trends and health for every account, one account at a time: the ids are streamed
    and nothing is kept between accounts, so memory does not grow with the portfolio."""
    count = 0
    for account_id in PartnerAccount.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=200):
        metric_trends_recompute(account_id=account_id)
        account_health_recompute(account_id=account_id)
        count += 1
    return count
