import pytest
from django.urls import reverse

from accounts.quarters import Quarter
from dashboards.models import MetricDefinition

from .access import Route, check_route, expect, matrix_cases
from .factories import with_default_metrics

QUARTER = Quarter.current().previous()
ENTER_FIGURES = {"admin": 200, "manager": 200, "partner_champion": 200, "partner_user": 200}
SIGN_OFF = {"admin": 302, "manager": 302, "partner_champion": 302, "partner_user": 302}


def _a_metric_of(account):
    return MetricDefinition.objects.filter(account=account).order_by("position").first().pk


def _metric_url(name):
    return lambda c, a: reverse(f"dashboards:{name}", args=[a.slug, _a_metric_of(a)])


# Form pages are posted empty: whoever may gets the form back with its messages (200; an
# import without a file, 400). The valid submissions are in the form sweep (tests/form_sweep.py).
ROUTES = [
    Route("dashboard", lambda c, a: reverse("dashboards:dashboard", args=[a.slug]), expect(200)),
    Route("dashboard-quarter", lambda c, a: reverse("dashboards:dashboard", args=[a.slug]) + f"?quarter={QUARTER}",
          expect(200)),
    Route("entry", lambda c, a: reverse("dashboards:entry", args=[a.slug, QUARTER]), expect(403, **ENTER_FIGURES)),
    Route("entry-save", lambda c, a: reverse("dashboards:entry", args=[a.slug, QUARTER]),
          expect(403, **ENTER_FIGURES), method="post"),
    Route("import", lambda c, a: reverse("dashboards:import", args=[a.slug, QUARTER]), expect(403, **ENTER_FIGURES)),
    Route("import-upload", lambda c, a: reverse("dashboards:import", args=[a.slug, QUARTER]),
          expect(403, **dict.fromkeys(ENTER_FIGURES, 400)), method="post"),
    Route("import-template", lambda c, a: reverse("dashboards:import_template", args=[a.slug, QUARTER, "xlsx"]),
          expect(403, **ENTER_FIGURES)),
    Route("metrics", lambda c, a: reverse("dashboards:metrics", args=[a.slug]), expect(200)),
    Route("metric-add", lambda c, a: reverse("dashboards:metric_add", args=[a.slug]),
          expect(403, admin=200, manager=200)),
    Route("metric-add-save", lambda c, a: reverse("dashboards:metric_add", args=[a.slug]),
          expect(403, admin=200, manager=200), method="post"),
    Route("metric", _metric_url("metric"), expect(200)),
    Route("metric-edit", _metric_url("metric_edit"), expect(403, admin=200, manager=200)),
    Route("metric-edit-save", _metric_url("metric_edit"), expect(403, admin=200, manager=200), method="post"),
    Route("metric-goal", _metric_url("metric_goal"), expect(403, admin=200, manager=200)),
    Route("metric-goal-save", _metric_url("metric_goal"), expect(403, admin=200, manager=200), method="post"),
    Route("metric-sign-off", _metric_url("metric_sign_off"), expect(403, **SIGN_OFF), method="post"),
    Route("metric-move", _metric_url("metric_move"), expect(403, admin=302, manager=302), method="post",
          data=lambda c, a: {"direction": "down"}),
    Route("metric-retire", _metric_url("metric_retire"), expect(403, admin=302, manager=302), method="post"),
]


def furnish(cast):
    """What the routes point at, on both accounts (also used by tests/test_completeness.py)."""
    with_default_metrics(cast.account)
    with_default_metrics(cast.other_account)


@pytest.fixture(autouse=True)
def _metrics(cast):
    furnish(cast)


@pytest.mark.parametrize(("route", "role", "which"), matrix_cases(ROUTES))
def test_access_matrix(client, cast, route, role, which):
    check_route(client, cast, route, role, which)


@pytest.mark.parametrize("name", ["metric", "metric_edit", "metric_goal"])
def test_a_metric_of_another_account_is_not_found_even_for_an_administrator(client, cast, name):
    foreign = _a_metric_of(cast.other_account)
    client.force_login(cast["admin"])
    assert client.get(reverse(f"dashboards:{name}", args=[cast.account.slug, foreign])).status_code == 404


@pytest.mark.parametrize("name", ["metric_sign_off", "metric_move", "metric_retire"])
def test_writes_to_a_metric_of_another_account_are_not_found_and_change_nothing(client, cast, name):
    foreign = MetricDefinition.objects.get(pk=_a_metric_of(cast.other_account))
    client.force_login(cast["admin"])
    assert client.post(reverse(f"dashboards:{name}", args=[cast.account.slug, foreign.pk])).status_code == 404
    after = MetricDefinition.objects.get(pk=foreign.pk)
    assert (after.position, after.retired_at, after.home_signed_off_at) == (1, None, None)
