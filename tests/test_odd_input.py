"""Odd input gets a clear answer — a message, a 400 or a 404 — and never a 500: quarters
at the edge of the calendar, JSON nested without end, numbers past what a database
counts, NUL characters (which PostgreSQL refuses to store or compare) and parameters
nobody expects."""

from html import unescape

import pytest
from django.urls import reverse

from accounts.models import PartnerAccount
from accounts.quarters import Quarter
from dashboards.models import MetricGoal
from plans.models import Topic
from surveys.models import SurveyRound

from .api_helpers import LAST, api, first_dimension, first_metric, token_client
from .test_access_api import ROUTES as API_ROUTES
from .test_access_api import _world  # noqa: F401  (autouse: the access matrix's accounts, furnished)

# Tandem keeps the quarters of fiscal years 2000 to 2100.
FIRST_SUPPORTED, LAST_SUPPORTED = Quarter(2000, 1), Quarter(2100, 4)
OUTSIDE = ["9999-Q4", "1000-Q1", "2101-Q1", "1999-Q4"]
EDGES = [str(FIRST_SUPPORTED), str(LAST_SUPPORTED)]
OUTSIDE_MESSAGE = f"is outside the quarters Tandem keeps: give one from {FIRST_SUPPORTED} to {LAST_SUPPORTED}."


@pytest.fixture
def world(cast):
    return cast


@pytest.fixture
def admin(client, world):
    client.force_login(world["admin"])
    return client


# --- quarters at the edge of the calendar -------------------------------------------------

QUARTER_PAGES = {
    "entry": lambda slug, q: reverse("dashboards:entry", args=[slug, q]),
    "import": lambda slug, q: reverse("dashboards:import", args=[slug, q]),
    "import template": lambda slug, q: reverse("dashboards:import_template", args=[slug, q, "csv"]),
    "scorecard": lambda slug, q: reverse("scorecards:assessment", args=[slug, q]),
    "compare": lambda slug, q: reverse("scorecards:compare", args=[slug, q]),
    "survey round": lambda slug, q: reverse("surveys:round", args=[slug, q]),
    "API comparison": lambda slug, q: reverse("api:comparison-detail", args=[slug, q]),
    "API survey round": lambda slug, q: reverse("api:survey-detail", args=[slug, q]),
}


@pytest.mark.parametrize("quarter", OUTSIDE)
@pytest.mark.parametrize("page", QUARTER_PAGES)
def test_a_quarter_outside_the_calendar_in_a_url_is_not_found(admin, page, quarter):
    assert admin.get(QUARTER_PAGES[page]("helix", quarter)).status_code == 404


@pytest.mark.parametrize(("edge", "neighbour"), [(FIRST_SUPPORTED, FIRST_SUPPORTED + 4),
                                                 (LAST_SUPPORTED, LAST_SUPPORTED - 4)], ids=EDGES)
@pytest.mark.parametrize("page", QUARTER_PAGES)
def test_the_first_and_last_quarters_of_the_calendar_are_served_like_any_other(admin, page, edge, neighbour):
    # Like any quarter that has not begun, the last is not found on some pages (a scorecard)
    # and sends the person back on others (the entry of figures).
    url = QUARTER_PAGES[page]
    assert admin.get(url("helix", str(edge))).status_code == admin.get(url("helix", str(neighbour))).status_code
    if edge == FIRST_SUPPORTED and page in ("entry", "scorecard", "compare", "API comparison"):
        assert admin.get(url("helix", str(edge))).status_code == 200


@pytest.mark.parametrize("quarter", [*OUTSIDE, *EDGES])
def test_the_dashboard_explains_a_quarter_outside_the_calendar_and_shows_the_latest(admin, quarter):
    response = admin.get(reverse("dashboards:dashboard", args=["helix"]), {"quarter": quarter})
    assert response.status_code == 200
    shown = unescape(response.content.decode())
    if quarter in OUTSIDE:
        assert f"“{quarter}” {OUTSIDE_MESSAGE} Showing the latest quarter instead." in shown
    else:
        assert OUTSIDE_MESSAGE not in shown


API_QUARTER_QUERIES = ["dashboard-list", "result-list", "assessment-list", "result-template"]


@pytest.mark.parametrize("quarter", OUTSIDE)
@pytest.mark.parametrize("url_name", API_QUARTER_QUERIES)
def test_the_api_refuses_a_quarter_outside_the_calendar_in_the_query_string(world, url_name, quarter):
    response = token_client(world["admin"]).get(api(url_name, world.account, quarter=quarter))
    assert response.status_code == 400
    assert list(response.json()) == ["quarter"]
    assert f"“{quarter}” {OUTSIDE_MESSAGE}" in str(response.json()["quarter"])


@pytest.mark.parametrize("quarter", EDGES)
@pytest.mark.parametrize("url_name", API_QUARTER_QUERIES)
def test_the_api_answers_for_the_first_and_last_quarters(world, url_name, quarter):
    assert token_client(world["admin"]).get(api(url_name, world.account, quarter=quarter)).status_code == 200


def _goal(world):
    return api("metric-goals", world.account, first_metric(world.account).pk), {
        "goal": "5", "warning_threshold": "5"}, "effective_from"


def _round(world):
    return api("survey-list", world.account), {"closes_on": "2099-01-31"}, "quarter"


def _figures(world):
    metric = first_metric(world.account)
    return api("result-bulk", world.account), {"figures": [{"metric": metric.pk, "value": "1", "version": 0}]}, \
        "quarter"


def _draft(world):
    return api("assessment-draft", world.account), {
        "ratings": [{"dimension": first_dimension(world.account).pk, "colour": 4}], "version": 0}, "quarter"


@pytest.mark.parametrize("quarter", ["1000-Q1", "1999-Q4"])
@pytest.mark.parametrize("write", [_goal, _round, _figures, _draft])
def test_the_api_refuses_a_quarter_outside_the_calendar_in_a_payload(world, write, quarter):
    url, data, field = write(world)
    champion = world["admin"] if write is not _draft else world["champion"]
    response = token_client(champion).post(url, {**data, field: quarter}, format="json")
    assert response.status_code == 400
    assert response.json() == {field: [f"“{quarter}” {OUTSIDE_MESSAGE}"]}


def test_a_goal_form_refuses_a_quarter_outside_the_calendar(admin, world):
    metric = first_metric(world.account)
    goals = MetricGoal.objects.count()
    response = admin.post(reverse("dashboards:metric_goal", args=["helix", metric.pk]),
                          {"effective_from": "9999-Q4", "goal": "5", "warning_threshold": "5"})
    assert response.status_code == 200
    assert f"“9999-Q4” {OUTSIDE_MESSAGE}" in unescape(response.content.decode())
    assert MetricGoal.objects.count() == goals


def test_a_topic_form_refuses_a_target_quarter_outside_the_calendar(admin, world):
    response = admin.post(reverse("plans:topic_add", args=["helix"]), {
        "title": "Green steel", "status": "long_list", "horizon": "long_term", "target_quarter": "9999-Q4",
        "home_benefit": "Ours", "partner_benefit": "Theirs", "progress": "0",
    })
    assert response.status_code == 200
    assert f"“9999-Q4” {OUTSIDE_MESSAGE}" in unescape(response.content.decode())
    assert not Topic.objects.filter(title="Green steel").exists()


def test_a_survey_round_is_not_drafted_for_a_quarter_outside_the_calendar(admin, world):
    rounds = SurveyRound.objects.count()
    response = admin.post(reverse("surveys:create", args=["helix"]), {"quarter": "1000-Q1",
                                                                      "closes_on": "2099-01-31"}, follow=True)
    assert f"“1000-Q1” {OUTSIDE_MESSAGE}" in unescape(response.content.decode())
    assert SurveyRound.objects.count() == rounds


# --- JSON nested without end ----------------------------------------------------------------

JSON_WRITES = [("result-bulk", "manager"), ("metric-list", "manager"), ("assessment-draft", "champion"),
               ("account-list", "admin"), ("survey-list", "manager")]


@pytest.mark.parametrize("body", [pytest.param("[" * 100_000, id="100000 levels, unfinished"),
                                  pytest.param("[" * 50 + "]" * 50, id="50 levels")])
@pytest.mark.parametrize(("url_name", "role"), JSON_WRITES)
def test_deeply_nested_json_is_refused_with_a_clear_message(world, url_name, role, body):
    account = world.account if url_name != "account-list" else None
    client = token_client(world[role])
    response = client.generic("POST", api(url_name, account), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - the document is nested more than 20 levels deep."}


def test_json_as_deep_as_any_request_needs_is_read(world):
    metric = first_metric(world.account)
    response = token_client(world["manager"]).post(api("result-bulk", world.account), {
        "quarter": str(LAST), "figures": [{"metric": metric.pk, "value": "97", "note": "", "version": 0}],
    }, format="json")
    assert response.status_code == 200, response.json()


# --- numbers past what a database counts ----------------------------------------------------

HUGE = "99999999999999999999999"
LISTS = ["account-list", "metric-list", "result-list", "assessment-list", "roster-list", "portfolio-list",
         "notification-list", "survey-list"]


@pytest.mark.parametrize("url_name", LISTS)
def test_a_page_size_past_what_a_database_counts_gives_the_largest_page(world, url_name):
    account = None if url_name in ("account-list", "portfolio-list", "notification-list") else world.account
    response = token_client(world["admin"]).get(api(url_name, account, limit=HUGE))
    assert response.status_code == 200
    assert response.json()["next"] is None


@pytest.mark.parametrize("value", [HUGE, f"-{HUGE}"])
def test_a_metric_id_past_what_a_database_counts_is_refused(world, value):
    response = token_client(world["admin"]).get(api("result-list", world.account, metric=value))
    assert response.status_code == 400
    assert list(response.json()) == ["metric"]


# --- NUL characters and other values nobody expects ------------------------------------------

ODD_VALUES = {
    "page": ["-1", "0", "abc", HUGE, "%00"],
    "limit": ["-1", "abc", HUGE, "%00"],
    "offset": ["-1", "abc", HUGE, "%00"],
    "ordering": ["__nonexistent", "-", "%00", "name,-name,__x"],
    "search": ["%00", "a%00b", "x" * 5000],
    "quarter": ["%00", "2026-Q3%00", "x" * 5000, "9999-Q4", "1000-Q1"],
    "q": ["%00", "x" * 5000],
    "type": ["%00"], "kind": ["%00"], "level": [HUGE, "%00"], "owner": [HUGE, "%00"], "flag": ["%00"],
    "sort": ["%00", "__nonexistent"], "status": ["%00"], "side": ["%00"], "metric": ["abc", HUGE, "%00"],
    "topic": [HUGE, "%00"], "unread": ["%00"], "%00": ["%00"],
}
PAGES = [
    ("dashboard", lambda: reverse("dashboards:dashboard", args=["helix"])),
    ("portfolio", lambda: reverse("portfolio:index")),
    ("portfolio matrix", lambda: reverse("portfolio:matrix")),
    ("inbox", lambda: reverse("notifications:inbox")),
    ("history", lambda: reverse("accounts:history", args=["helix"])),
    ("plan", lambda: reverse("plans:plan", args=["helix"])),
    ("scorecards", lambda: reverse("scorecards:history", args=["helix"])),
    ("surveys", lambda: reverse("surveys:index", args=["helix"])),
]


READS = [pytest.param(url, id=label) for label, url in PAGES] + [
    pytest.param(lambda route=route: route.url(None, PartnerAccount.objects.get(slug="helix")), id=f"API {route.label}")
    for route in API_ROUTES if route.method == "get" and route.statuses["admin"] == 200  # the admin reads it
]


@pytest.mark.parametrize("url", READS)
def test_odd_query_parameters_never_break_a_page_or_a_list(admin, world, url):
    base = url()
    joiner = "&" if "?" in base else "?"
    broken = []
    for name, values in ODD_VALUES.items():
        for value in values:
            response = admin.get(f"{base}{joiner}{name}={value}")
            if response.status_code >= 500 or response.status_code not in (200, 400, 404):
                broken.append((name, value[:20], response.status_code))
    assert not broken


@pytest.mark.parametrize(("url", "data"), [
    (lambda: reverse("accounts:create"), {"name": "Nord\x00wind", "slug": "nordwind", "kind": "supplier",
                                          "level": "1", "target_level": "1", "currency": "EUR"}),
    (lambda: reverse("plans:topic_add", args=["helix"]), {"title": "Green\x00steel", "status": "long_list",
                                                          "horizon": "long_term", "progress": "0"}),
    (lambda: reverse("scorecards:dimensions", args=["helix"]), {"name": "Sp\x00eed"}),
    (lambda: reverse("surveys:create", args=["helix"]), {"quarter": "2026-Q1\x00", "closes_on": "2099-01-31"}),
    (lambda: reverse("dashboards:metric_add", args=["helix"]), {
        "name": "Warranty\x00", "category": "basic", "unit": "days", "direction": "lower", "mismatch_tolerance": "0",
        "data_owner": "home", "goal": "5", "warning_threshold": "6"}),
], ids=["account", "topic", "dimension", "survey round", "metric"])
def test_a_nul_character_in_a_form_is_refused_and_nothing_is_stored(admin, world, url, data):
    accounts, topics = PartnerAccount.objects.count(), Topic.objects.count()
    response = admin.post(url(), data, follow=True)
    assert response.status_code == 200
    assert "Null characters are not allowed." in unescape(response.content.decode())
    assert (PartnerAccount.objects.count(), Topic.objects.count()) == (accounts, topics)


@pytest.mark.parametrize(("url_name", "data"), [
    ("account-list", {"name": "Nord\x00wind", "slug": "nordwind", "kind": "supplier"}),
    ("metric-list", {"name": "Warranty\x00", "unit": "days", "goal": "5", "warning_threshold": "5"}),
    ("topic-list", {"title": "Green\x00steel"}),
    ("dimension-list", {"name": "Sp\x00eed"}),
    ("roster-list", {"name": "Ni\x00a", "side": "partner"}),
])
def test_a_nul_character_in_a_payload_is_refused(world, url_name, data):
    account = None if url_name == "account-list" else world.account
    response = token_client(world["admin"]).post(api(url_name, account), data, format="json")
    assert response.status_code == 400
    assert "Null characters are not allowed." in str(response.json())
