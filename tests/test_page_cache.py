"""The dashboard and the plan are kept in the cache until the account changes: every change
shows on the next visit, each viewer sees only what they may, and the forms keep working."""

import datetime as dt
import re
from decimal import Decimal as D
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.quarters import Quarter
from dashboards import services as dashboards
from plans import services as plans
from plans.models import Action, Meeting, Topic
from portfolio.services import accounts_recompute_all

from .factories import record_figure, with_default_metrics
from .plans_helpers import action, meeting, person, topic

LAST = Quarter.current().previous()


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def metrics(cast):
    with_default_metrics(cast.account)
    return {m.name: m for m in cast.account.metrics.all()}


def dashboard_url(account) -> str:
    return reverse("dashboards:dashboard", args=[account.slug])


def plan_url(account) -> str:
    return reverse("plans:plan", args=[account.slug])


# --- the dashboard ------------------------------------------------------------------------


def test_a_saved_figure_shows_on_the_next_visit(client, cast, metrics):
    defects = metrics["Defect rate"]
    record_figure(defects, LAST, D("123456"))
    assert "123456" in page(client, cast["viewer"], dashboard_url(cast.account))
    record_figure(defects, LAST, D("987654"), by=cast["manager"])
    html = page(client, cast["viewer"], dashboard_url(cast.account))
    assert "987654" in html and "123456" not in html


@pytest.mark.parametrize("change", ["rename", "goal", "retire"])
def test_a_changed_metric_shows_on_the_next_visit(client, cast, metrics, change):
    metric = metrics["Defect rate"]
    record_figure(metric, LAST, D("100"))
    before = page(client, cast["viewer"], dashboard_url(cast.account))
    assert "Defect rate" in before
    if change == "rename":
        dashboards.metric_update(metric=metric, by=None, name="Faults per million")
        assert "Faults per million" in page(client, cast["viewer"], dashboard_url(cast.account))
    elif change == "goal":
        dashboards.metric_goal_set(metric=metric, by=None, effective_from=LAST, goal=D("4321"),
                                   warning_threshold=D("5000"))
        assert "≤ 4321" in page(client, cast["viewer"], dashboard_url(cast.account))
    else:
        dashboards.metric_retire(metric=metric, by=None)
        assert "Defect rate" not in page(client, cast["viewer"], dashboard_url(cast.account))


def test_recomputed_trends_show_on_the_next_visit(client, cast, metrics):
    with mock.patch("dashboards.services.enqueue_debounced"):  # no recompute after each figure
        for offset in range(6):
            record_figure(metrics["Defect rate"], LAST - 5 + offset, D(10 + 10 * offset))
    forecast = '<span class="muted">in '
    assert forecast not in page(client, cast["viewer"], dashboard_url(cast.account))
    # Trends are written in bulk, without signals: their writers say that the account changed.
    dashboards.metric_trends_recompute(account_id=cast.account.pk)
    assert forecast in page(client, cast["viewer"], dashboard_url(cast.account))


def test_the_nightly_recompute_of_every_account_shows_on_the_next_visit(client, cast, metrics):
    with mock.patch("dashboards.services.enqueue_debounced"):
        for offset in range(6):
            record_figure(metrics["Defect rate"], LAST - 5 + offset, D(10 + 10 * offset))
    forecast = '<span class="muted">in '
    assert forecast not in page(client, cast["viewer"], dashboard_url(cast.account))
    accounts_recompute_all()
    assert forecast in page(client, cast["viewer"], dashboard_url(cast.account))


def test_each_quarter_and_each_viewer_gets_their_own_page(client, cast, metrics):
    record_figure(metrics["Defect rate"], LAST, D("111"))
    record_figure(metrics["Defect rate"], LAST - 1, D("222"))
    latest = page(client, cast["manager"], dashboard_url(cast.account))
    earlier = page(client, cast["manager"], dashboard_url(cast.account) + f"?quarter={LAST - 1}")
    assert f"Status in {LAST}" in latest and f"Status in {LAST - 1}" in earlier
    # The viewer gets the same body as the manager, but never the manager's entry button.
    assert "results</a>" in latest
    assert "results</a>" not in page(client, cast["viewer"], dashboard_url(cast.account))


def test_the_empty_dashboard_offers_the_first_metric_only_to_those_who_may_add_it(client, cast):
    assert "Add the first" in page(client, cast["manager"], dashboard_url(cast.account))
    assert "Add the first" not in page(client, cast["viewer"], dashboard_url(cast.account))


def test_another_account_is_not_served_from_this_ones_cache(client, cast, metrics):
    record_figure(metrics["Defect rate"], LAST, D("123456"))
    assert "123456" in page(client, cast["admin"], dashboard_url(cast.account))
    assert "123456" not in page(client, cast["admin"], dashboard_url(cast.other_account))


# --- the plan -------------------------------------------------------------------------------


@pytest.fixture
def people(cast):
    return {
        "home": person(cast.account, "Hana Home", user=cast["contributor"]),
        "partner": person(cast.account, "Pia Partner", side="partner", user=cast["partner_user"]),
    }


def test_plan_changes_show_on_the_next_visit(client, cast, people):
    before = page(client, cast["viewer"], plan_url(cast.account))
    assert "Lower the scrap rate" not in before
    new_topic = topic(cast.account, "Lower the scrap rate", status=Topic.Status.SHORT_LIST)
    assert "Lower the scrap rate" in page(client, cast["viewer"], plan_url(cast.account))

    new_action = action(cast.account, "Send the scrap figures", people["home"], topic=new_topic)
    assert "Send the scrap figures" in page(client, cast["viewer"], plan_url(cast.account))

    plans.action_update_progress(action=new_action, by=None, status=Action.Status.DONE, note="")
    html = page(client, cast["viewer"], plan_url(cast.account))
    assert "Done in the last three months (1)" in html

    plans.roster_entry_save(entry=_renamed(people["home"], "Hana Renamed"), by=None)
    assert "Hana Renamed" in page(client, cast["viewer"], plan_url(cast.account))

    plans.topic_save(topic=new_topic, by=None, owners=[people["partner"]])
    assert "Pia Partner" in page(client, cast["viewer"], plan_url(cast.account))

    review = meeting(cast.account, days=20)
    html = page(client, cast["viewer"], plan_url(cast.account))
    assert "0 agenda items" in html
    plans.agenda_item_add(meeting=review, by=None, title="Scrap")
    assert "1 agenda item<" in page(client, cast["viewer"], plan_url(cast.account))


def _renamed(entry, name):
    entry.name = name
    return entry


def test_the_review_date_and_cadence_show_at_once(client, cast):
    page(client, cast["viewer"], plan_url(cast.account))
    next_review = timezone.localdate() + dt.timedelta(days=9)
    plans.plan_settings_update(account=cast.account, by=None, review_cadence=1, next_review_on=next_review,
                               hard_questions="")
    html = page(client, cast["viewer"], plan_url(cast.account))
    assert "Reviews monthly" in html and next_review.strftime("%-d %b %Y") in html


def test_the_partner_never_gets_the_home_firms_cached_plan(client, cast, people):
    internal = meeting(cast.account, kind=Meeting.Kind.INTERNAL, days=5)
    action(cast.account, "Internal follow-up", people["home"], meeting=internal)
    home = page(client, cast["manager"], plan_url(cast.account))
    assert "Internal follow-up" in home and "Home firm only" in home
    partner = page(client, cast["partner_user"], plan_url(cast.account))
    assert "Internal follow-up" not in partner and "Home firm only" not in partner


def test_each_viewer_gets_only_their_own_links(client, cast, people):
    own = action(cast.account, "Hana's action", people["home"])
    edit = reverse("plans:action_edit", args=[cast.account.slug, own.pk])
    progress = reverse("plans:action_progress", args=[cast.account.slug, own.pk])
    edit, progress = f'href="{edit}"', f'href="{progress}"'
    manager = page(client, cast["manager"], plan_url(cast.account))
    assert edit in manager and progress not in manager
    owner = page(client, cast["contributor"], plan_url(cast.account))
    assert progress in owner and edit not in owner
    viewer = page(client, cast["viewer"], plan_url(cast.account))
    assert progress not in viewer and edit not in viewer


def test_a_changed_role_is_not_served_the_old_roles_page(client, cast, people):
    action(cast.account, "Hana's action", people["home"])
    assert "Add an action" not in page(client, cast["viewer"], plan_url(cast.account))
    Membership.objects.filter(user=cast["viewer"], account=cast.account).update(
        role=Membership.Role.ACCOUNT_MANAGER)  # even without a signal: the viewer's role is part of the key
    assert "Add an action" in page(client, cast["viewer"], plan_url(cast.account))


def test_overdue_is_judged_on_the_day_of_the_visit(client, cast, people):
    action(cast.account, "Due tomorrow", people["home"], days=1)
    assert "overdue</span>" not in page(client, cast["viewer"], plan_url(cast.account))
    later = timezone.now() + dt.timedelta(days=3)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert "1 overdue" in page(client, cast["viewer"], plan_url(cast.account))


def test_each_viewers_forms_carry_their_own_csrf_token(cast, people):
    from django.test import Client

    move = reverse("plans:topic_move", args=[cast.account.slug, topic(cast.account, "Move me").pk])
    for user, status in ((cast["manager"], Topic.Status.LONG_LIST), (cast["admin"], Topic.Status.DROPPED)):
        browser = Client(enforce_csrf_checks=True)
        html = page(browser, user, plan_url(cast.account))
        assert "<csrf-token>" not in html
        form = html[html.index(f'action="{move}"'):]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        assert browser.post(move, {"csrfmiddlewaretoken": token, "status": status}).status_code == 302
        assert Topic.objects.get(title="Move me").status == status


def test_a_new_release_never_serves_what_the_last_one_rendered(settings, tmp_path):
    from accounts.versioned_cache import release

    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "page.html"
    template.write_text("<p>before</p>")
    settings.BASE_DIR = tmp_path
    release.cache_clear()
    try:
        before = release()
        template.write_text("<p>after</p>")
        release.cache_clear()
        after = release()
        assert after != before
        settings.FISCAL_YEAR_START_MONTH = 4  # the same quarters, named differently
        release.cache_clear()
        assert release() not in (before, after)
    finally:
        release.cache_clear()



def test_a_cache_that_keeps_nothing_still_serves_every_page(client, cast, metrics, settings):
    # As when the file cache culls a version token between two reads, or Redis evicts it.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    record_figure(metrics["Defect rate"], LAST, D("123456"))
    assert "123456" in page(client, cast["viewer"], dashboard_url(cast.account))
    topic(cast.account, "Joint forecasting")
    assert "Joint forecasting" in page(client, cast["viewer"], plan_url(cast.account))
    assert cast.account.name in page(client, cast["portfolio"], reverse("portfolio:index"))
    assert client.get(reverse("portfolio:matrix")).status_code == 200


# --- the API's scorecards ---------------------------------------------------------------------


def assessments(user, account) -> list[dict]:
    from .api_helpers import api, token_client

    return token_client(user).get(api("assessment-list", account)).json()["results"]


def test_a_changed_draft_a_renamed_dimension_and_a_renamed_champion_show_at_once(cast):
    from scorecards import services as scorecards

    from .scorecards_helpers import dimensions_of, draft

    draft(cast["champion"], cast.account, 3)
    assert {r["colour"] for r in assessments(cast["viewer"], cast.account)[0]["ratings"]} == {3}
    draft(cast["champion"], cast.account, 5)
    assert {r["colour"] for r in assessments(cast["viewer"], cast.account)[0]["ratings"]} == {5}
    scorecards.dimension_update(dimension=dimensions_of(cast.account)[0], by=cast["admin"], name="Candour")
    assert assessments(cast["viewer"], cast.account)[0]["ratings"][0]["dimension_name"] == "Candour"
    cast["champion"].username = "the-champion"
    cast["champion"].save()
    assert assessments(cast["viewer"], cast.account)[0]["champion"] == "the-champion"


def test_the_home_sides_cached_list_never_reaches_the_partner_until_the_quarter_opens(cast):
    from scorecards import services as scorecards

    from .scorecards_helpers import LAST, draft, submit

    draft(cast["champion"], cast.account, 3)
    assert [a["side"] for a in assessments(cast["viewer"], cast.account)] == ["home"]
    assert assessments(cast["partner_user"], cast.account) == []
    submit(cast["champion"], cast.account, 4)
    assert assessments(cast["partner_user"], cast.account) == []  # blind until both submit, or a release
    scorecards.quarter_release(account=cast.account, quarter=LAST, by=cast["admin"])
    assert [a["side"] for a in assessments(cast["partner_user"], cast.account)] == ["home"]


# --- the API's list of accounts ---------------------------------------------------------------


def account_list(user) -> dict[str, dict]:
    from .api_helpers import api, token_client

    return {a["slug"]: a for a in token_client(user).get(api("account-list")).json()["results"]}


def test_each_user_gets_their_own_list_of_accounts_and_every_change_shows_at_once(cast, other_account):
    from accounts import services as accounts
    from accounts.models import User

    manager = cast["manager"]
    assert set(account_list(manager)) == {cast.account.slug}
    assert account_list(cast["partner_user"])[cast.account.slug]["my_side"] == "partner"
    membership = Membership.objects.create(user=manager, account=other_account, role=Membership.Role.VIEWER)
    assert account_list(manager)[other_account.slug]["my_role"] == "viewer"
    membership.role = Membership.Role.ACCOUNT_MANAGER
    membership.save()
    assert account_list(manager)[other_account.slug]["my_role"] == "account_manager"
    accounts.account_update(account=other_account, by=cast["admin"], name="Corvane Freight")
    assert account_list(manager)[other_account.slug]["name"] == "Corvane Freight"
    membership.delete()
    assert set(account_list(manager)) == {cast.account.slug}
    manager.global_role = User.GlobalRole.PORTFOLIO_VIEWER
    manager.save()
    assert other_account.slug in account_list(manager)
