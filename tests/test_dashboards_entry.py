"""Entering a quarter in the browser: only changes are saved, bad figures keep
everything typed, someone else's save is never overwritten, each firm its own side."""

import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from accounts.models import Side
from accounts.quarters import Quarter
from dashboards.models import MetricResult

from .factories import record_figure, with_default_metrics

QUARTER = Quarter.current().previous()


@pytest.fixture
def metrics(cast):
    with_default_metrics(cast.account)
    return {m.name: m for m in cast.account.metrics.all()}  # helix: a customer account by default


def entry_url(quarter=QUARTER, slug="helix"):
    return reverse("dashboards:entry", args=[slug, quarter])


def grid_data(response):
    """Everything the grid form would post as rendered: the person's starting point."""
    page = response.content.decode()
    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        data[name] = value
    for name in re.findall(r'<input[^>]*name="([^"]+)"', page):
        data.setdefault(name, "")
    data.pop("csrfmiddlewaretoken", None)
    return data


def field(metric, name="value"):
    return f"m{metric.pk}-{name}"


def test_the_grid_shows_every_active_metric_with_unit_goal_and_last_quarters_result(client, cast, metrics):
    record_figure(metrics["On-time delivery"], QUARTER.previous(), D("96.4"))
    client.force_login(cast["manager"])
    response = client.get(entry_url())
    page = response.content.decode()
    assert len(response.context["grid"].forms) == 14
    row = page[page.index(">On-time delivery<"):page.index(field(metrics["On-time delivery"], "note"))]
    assert "% (0–100)" in row and "98" in row and "96.4" in row
    assert f'<label class="visually-hidden" for="id_{field(metrics["Defect rate"])}">Defect rate (ppm)</label>' in page


def test_only_the_figures_that_changed_are_saved(client, cast, metrics):
    lead_time = metrics["Order lead time"]  # home-owned on a customer account
    record_figure(lead_time, QUARTER, D("9"), by=cast["admin"])
    client.force_login(cast["manager"])
    data = grid_data(client.get(entry_url()))
    data[field(metrics["Defect rate"])] = "42"
    response = client.post(entry_url(), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:dashboard", args=["helix"]) + f"?quarter={QUARTER}"
    saved = MetricResult.objects.filter(quarter=QUARTER)
    assert {r.metric.name for r in saved} == {"Order lead time", "Defect rate"}
    untouched = saved.get(metric=lead_time)
    assert (untouched.home_version, untouched.home_entered_by) == (1, cast["admin"])
    assert saved.get(metric=metrics["Defect rate"]).home_entered_by == cast["manager"]


@pytest.mark.parametrize(
    ("metric", "typed", "message"),
    [("Defect rate", "twelve", "Enter a number."),
     ("On-time delivery", "104", "A percentage must be between 0 and 100."),
     ("Active joint innovation projects", "-2", "A count cannot be negative."),
     ("Active joint innovation projects", "2.5", "A count is a whole number.")],
)
def test_a_bad_figure_gets_a_message_beside_it_and_everything_typed_is_kept(client, cast, metrics, metric, typed,
                                                                            message):
    client.force_login(cast["manager"])
    data = grid_data(client.get(entry_url()))
    data[field(metrics[metric])] = typed
    data[field(metrics["Order lead time"])] = "11.5"
    data[field(metrics["Order lead time"], "note")] = "Port strike in week 7"
    response = client.post(entry_url(), data)
    assert response.status_code == 200
    page = response.content.decode()
    error_id = f"id_{field(metrics[metric])}_error"
    assert f'<p class="error" id="{error_id}">{message}</p>' in page
    bad_input = re.search(rf'<input[^>]*name="{field(metrics[metric])}"[^>]*>', page).group(0)
    assert f'value="{typed}"' in bad_input
    assert 'aria-invalid="true"' in bad_input and f'aria-describedby="{error_id}"' in bad_input
    assert 'value="11.5"' in page and "Port strike in week 7" in page
    assert "Nothing you typed has been lost" in page
    assert not MetricResult.objects.exists()


def test_a_figure_saved_by_someone_else_since_the_page_opened_is_refused_showing_both(client, cast, metrics):
    lead_time, defects = metrics["Order lead time"], metrics["Defect rate"]
    client.force_login(cast["manager"])
    data = grid_data(client.get(entry_url()))
    record_figure(lead_time, QUARTER, D("12"), by=cast["admin"])  # admin saves meanwhile

    data[field(lead_time)] = "9.5"
    data[field(defects)] = "40"
    response = client.post(entry_url(), data)

    assert response.status_code == 409
    page = response.content.decode()
    assert "saved 12" in page and "your 9.5 was not saved" in page
    assert cast["admin"].display_name in page
    assert MetricResult.objects.get(metric=lead_time, quarter=QUARTER).home_value == D("12")
    assert MetricResult.objects.get(metric=defects, quarter=QUARTER).home_value == D("40")  # the rest saved
    # Saving again is a deliberate choice to replace their figure with mine.
    again = grid_data(response)
    assert again[field(lead_time)] == "9.5"
    assert client.post(entry_url(), again).status_code == 302
    assert MetricResult.objects.get(metric=lead_time, quarter=QUARTER).home_value == D("9.5")
    assert MetricResult.objects.get(metric=defects, quarter=QUARTER).home_version == 1


def test_a_figure_someone_else_changed_that_i_did_not_touch_is_left_alone(client, cast, metrics):
    lead_time = metrics["Order lead time"]
    client.force_login(cast["manager"])
    data = grid_data(client.get(entry_url()))
    record_figure(lead_time, QUARTER, D("12"), by=cast["admin"])
    data[field(metrics["Defect rate"])] = "40"
    assert client.post(entry_url(), data).status_code == 302
    assert MetricResult.objects.get(metric=lead_time, quarter=QUARTER).home_value == D("12")


def test_partner_users_enter_only_the_partner_firms_figures(client, cast, metrics):
    on_time, lead_time = metrics["On-time delivery"], metrics["Order lead time"]  # partner-owned, home-owned
    client.force_login(cast["partner_user"])
    response = client.get(entry_url())
    assert response.context["side"] == Side.PARTNER
    data = grid_data(response)
    data[field(on_time)] = "97.2"
    data[field(lead_time)] = "13"
    data["home_value"] = data[f"{field(lead_time)[:-6]}-home_value"] = "1"  # nothing can address the home side
    assert client.post(entry_url(), data).status_code == 302
    on_time_result = MetricResult.objects.get(metric=on_time)
    lead_time_result = MetricResult.objects.get(metric=lead_time)
    assert (on_time_result.partner_value, on_time_result.home_value) == (D("97.2"), None)
    assert (lead_time_result.partner_value, lead_time_result.home_value) == (D("13"), None)
    assert on_time_result.value == D("97.2") and lead_time_result.value is None


def test_home_figures_are_not_shown_as_editable_to_partners_and_vice_versa(client, cast, metrics):
    record_figure(metrics["Order lead time"], QUARTER, D("9"), by=cast["manager"])
    client.force_login(cast["partner_user"])
    form = next(f for f in client.get(entry_url()).context["grid"] if f.row.metric.name == "Order lead time")
    assert form.initial["value"] == "" and form.row.result.home_value == D("9")


def test_home_members_without_edit_rights_cannot_open_the_grid(client, cast, metrics):
    for role in ["viewer", "contributor", "champion", "portfolio"]:
        client.force_login(cast[role])
        assert client.get(entry_url()).status_code == 403, role
        assert client.post(entry_url(), {}).status_code == 403, role


def test_a_quarter_that_has_not_begun_is_explained_not_entered(client, cast, metrics):
    client.force_login(cast["manager"])
    response = client.get(entry_url(Quarter.current().next()), follow=True)
    assert "has not begun yet" in response.content.decode()


def test_saving_nothing_changed_says_so(client, cast, metrics):
    client.force_login(cast["manager"])
    response = client.post(entry_url(), grid_data(client.get(entry_url())), follow=True)
    assert "Nothing had changed" in response.content.decode()
    assert not MetricResult.objects.exists()


def test_a_malformed_quarter_in_the_address_is_not_found(client, cast, metrics):
    client.force_login(cast["manager"])
    assert client.get("/accounts/helix/dashboard/2026-Q5/").status_code == 404
