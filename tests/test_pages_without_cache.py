"""The pages and the API's lists are computed from the database on every request: with
the shared cache unreachable (Redis down) they still serve, and they show what the
database holds now, however it was written."""

from decimal import Decimal

import pytest
from django.urls import reverse

from dashboards.models import MetricResult
from plans.models import Topic

from .api_helpers import LAST, api, first_metric, furnish, token_client
from .factories import AccountHealthFactory, record_figure
from .scorecards_helpers import draft


class UnreachableCache:
    """A cache backend whose server is gone: every call fails, as Redis's client does."""

    def __init__(self, *args, **kwargs):
        pass

    def close(self, **kwargs):
        pass  # Django closes every cache it used after each request; there is nothing to close

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("The cache is down.")

        return fail


@pytest.fixture
def furnished(cast):
    """Something on every page, saved while the cache was up."""
    furnish(cast.account)
    record_figure(first_metric(cast.account), LAST, Decimal("123456"))
    draft(cast["champion"], cast.account, 3)
    AccountHealthFactory(account=cast.account)


@pytest.fixture
def cache_down(furnished, settings):
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.UnreachableCache"}}


PAGES = [
    ("dashboard", "viewer", lambda cast: reverse("dashboards:dashboard", args=[cast.account.slug]), "123456"),
    ("plan", "viewer", lambda cast: reverse("plans:plan", args=[cast.account.slug]), "Topic at helix"),
    ("portfolio", "portfolio", lambda cast: reverse("portfolio:index"), "Helix"),
    ("health matrix", "portfolio", lambda cast: reverse("portfolio:matrix"), "/accounts/helix/"),
]


@pytest.mark.parametrize(("label", "role", "url", "shown"), PAGES, ids=[page[0] for page in PAGES])
def test_a_page_serves_what_was_saved_with_the_cache_down(client, cast, cache_down, label, role, url, shown):
    client.force_login(cast[role])
    response = client.get(url(cast))
    assert response.status_code == 200
    assert shown in response.content.decode()


LISTS = [
    ("accounts", "manager", lambda cast: api("account-list"), "helix"),
    ("assessments", "champion", lambda cast: api("assessment-list", cast.account), '"colour":3'),
    ("portfolio", "portfolio", lambda cast: api("portfolio-list"), "helix"),
]


@pytest.mark.parametrize(("label", "role", "url", "shown"), LISTS, ids=[item[0] for item in LISTS])
def test_an_api_list_serves_what_was_saved_with_the_cache_down(cast, furnished, redis_down, label, role, url, shown):
    # The list needs no cache; the per-user throttle counts in it and lets requests
    # through while Redis is down (config/cache.py).
    response = token_client(cast[role]).get(url(cast))
    assert response.status_code == 200
    assert shown in response.content.decode()


def test_a_change_written_straight_to_the_database_shows_on_the_next_visit(client, cast, furnished):
    # As a data fix, a restore or a write during a cache outage does: no signal is sent.
    client.force_login(cast["viewer"])
    plan = reverse("plans:plan", args=[cast.account.slug])
    dashboard = reverse("dashboards:dashboard", args=[cast.account.slug])
    assert "Topic at helix" in client.get(plan).content.decode()
    assert "123456" in client.get(dashboard).content.decode()
    Topic.objects.filter(account=cast.account).update(title="Renamed by a data fix")
    MetricResult.objects.filter(metric=first_metric(cast.account), quarter=LAST).update(home_value=Decimal("654321"))
    assert "Renamed by a data fix" in client.get(plan).content.decode()
    assert "654321" in client.get(dashboard).content.decode()
