"""Helpers for the scorecard tests: write assessments the way champions do, through
the services."""

from __future__ import annotations

from accounts.access import get_account_access
from accounts.quarters import Quarter
from scorecards import services
from scorecards.models import Dimension
from scorecards.services import RatingInput

LAST = Quarter.current().previous()


def dimensions_of(account) -> list[Dimension]:
    if not Dimension.objects.filter(account=account).exists():
        services.dimensions_apply_defaults(account=account)
    return list(Dimension.objects.filter(account=account, retired=False).order_by("position", "pk"))


def ratings_for(account, colours, text: str = "") -> dict[int, RatingInput]:
    """Colours in dimension order; a single int rates every dimension the same."""
    dims = dimensions_of(account)
    if isinstance(colours, int):
        colours = [colours] * len(dims)
    return {
        d.pk: RatingInput(colour=c, comment=f"{text} comment on {d.name}" if text else "",
                          action=f"{text} action on {d.name}" if text else "")
        for d, c in zip(dims, colours, strict=False)
    }


def submit(user, account, colours, quarter: Quarter = LAST, text: str = ""):
    access = get_account_access(user, account.slug)
    return services.assessment_submit(access=access, quarter=quarter, ratings=ratings_for(account, colours, text))


def draft(user, account, colours, quarter: Quarter = LAST, text: str = ""):
    access = get_account_access(user, account.slug)
    return services.assessment_save_draft(access=access, quarter=quarter, ratings=ratings_for(account, colours, text))


def text_of(response) -> str:
    """What a reader sees: the page's text without markup, whitespace collapsed."""
    import re

    from django.utils.html import strip_tags

    return re.sub(r"\s+", " ", strip_tags(response.content.decode()))
