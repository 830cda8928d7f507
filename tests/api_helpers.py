"""Building blocks for the API tests: an account with something of every kind, a
client that speaks JSON with a token, and URLs by name."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from rest_framework.test import APIClient

from accounts.quarters import Quarter
from accounts.tokens import token_create
from dashboards.models import MetricDefinition
from plans.models import Action, Meeting, RosterEntry, Topic
from scorecards.models import Dimension

from .factories import record_figure, with_default_metrics
from .plans_helpers import action, meeting, person, topic
from .scorecards_helpers import dimensions_of

LAST = Quarter.current().previous()


def api(name: str, account=None, *args, **query) -> str:
    """``api("metric-list", account)`` → /api/v1/accounts/helix/metrics/"""
    kwargs = {"account_slug": account.slug} if account is not None else {}
    url = reverse(f"api:{name}", kwargs=kwargs) if not args else reverse(f"api:{name}", args=[
        *([account.slug] if account is not None else []), *args])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


@dataclass
class Plan:
    person: RosterEntry
    topic: Topic
    action: Action
    meeting: Meeting


def furnish(account) -> Plan:
    """Metrics, dimensions and a small plan, made through the services."""
    with_default_metrics(account)
    record_figure(first_metric(account), LAST, Decimal("97"))
    dimensions_of(account)
    someone = person(account, f"Someone at {account.slug}")
    subject = topic(account, f"Topic at {account.slug}")
    return Plan(person=someone, topic=subject, action=action(account, "Follow up", someone), meeting=meeting(account))


def first_metric(account) -> MetricDefinition:
    return MetricDefinition.objects.filter(account=account).order_by("position").first()


def first_dimension(account) -> Dimension:
    return Dimension.objects.filter(account=account).order_by("position").first()


def token_client(user, name: str = "script") -> APIClient:
    """A client that authenticates as a script would: with a personal token, no session."""
    _, key = token_create(user=user, name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client
