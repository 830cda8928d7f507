"""Writing scorecards: only the side's champion writes, drafts are saved as they go,
submitting locks, and only an administrator's reopen (kept in history) unlocks."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import services as account_services
from accounts.access import get_account_access
from accounts.quarters import Quarter
from scorecards import services
from scorecards.models import Assessment, Colour, Dimension, Rating

from .scorecards_helpers import LAST, dimensions_of, draft, submit, text_of


def form_data(account, colours, text="", submit=False, side="home"):
    """The form as a champion fills it in on a page just opened: the hidden revision is
    the draft's as it is now."""
    draft = Assessment.objects.filter(account=account, quarter=LAST, side=side).first()
    data = {"revision": str(draft.revision if draft else 0)}
    dims = dimensions_of(account)
    for dimension, colour in zip(dims, list(colours) + [None] * len(dims), strict=False):
        if colour:
            data[f"colour-{dimension.pk}"] = str(colour)
        data[f"comment-{dimension.pk}"] = f"{text} {dimension.name}".strip()
        data[f"action-{dimension.pk}"] = ""
    data["submit" if submit else "save"] = "1"
    return data


@pytest.fixture(autouse=True)
def default_dimensions(cast):
    """The cast's accounts are made by factories, without the account_created signal."""
    dimensions_of(cast.account)
    dimensions_of(cast.other_account)


def page_url(quarter=LAST):
    return reverse("scorecards:assessment", args=["helix", quarter])


def test_a_new_account_starts_with_the_eight_default_dimensions(cast):
    account = account_services.account_create(by=cast["admin"], name="Kestrel", slug="kestrel", kind="supplier",
                                              level=1, target_level=2, currency="EUR")
    names = list(Dimension.objects.filter(account=account).values_list("name", flat=True))
    assert names[0] == "Performance against the dashboard goals" and "Trust" in names and len(names) == 8


def test_the_champion_saves_a_draft_then_submits_in_the_browser_form(client, cast):
    client.force_login(cast["champion"])
    page = text_of(client.get(page_url()))
    assert "Trust" in page and "✖ Bright Red" in page and "★ Bright Green" in page
    response = client.post(page_url(), form_data(cast.account, [2, 3], text="Early thoughts"), follow=True)
    assert "Draft saved at" in response.content.decode()
    assessment = Assessment.objects.get(account=cast.account, quarter=LAST, side="home")
    assert assessment.status == "draft" and assessment.champion == cast["champion"]
    assert "Early thoughts Trust" in client.get(page_url()).content.decode()

    response = client.post(page_url(), form_data(cast.account, [4] * 8, submit=True), follow=True)
    assert "submitted and locked" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.is_submitted and assessment.submitted_at is not None


def test_submitting_with_a_dimension_left_without_colour_is_refused_and_nothing_typed_is_lost(client, cast):
    client.force_login(cast["champion"])
    response = client.post(page_url(), form_data(cast.account, [4] * 7, text="Carefully typed", submit=True))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose a colour for every dimension before submitting" in page
    assert "Progress on joint initiatives" in page.split("Missing:")[1][:200]
    assert "Carefully typed Trust" in page
    assert not Assessment.objects.filter(status="submitted").exists()


def test_autosave_keeps_a_draft_when_the_tab_is_closed(client, cast):
    client.force_login(cast["partner_champion"])
    trust = Dimension.objects.get(account=cast.account, name="Trust")
    response = client.post(
        reverse("scorecards:autosave", args=["helix", LAST]),
        {f"colour-{trust.pk}": "2", f"comment-{trust.pk}": "Half a thought", "revision": "0"}, HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Draft saved at" in response.content.decode()
    rating = Rating.objects.get(assessment__side="partner", dimension=trust)
    assert (rating.colour, rating.comment) == (Colour.LIGHT_RED, "Half a thought")


def test_a_bad_colour_is_refused_with_a_message(client, cast):
    client.force_login(cast["champion"])
    trust = next(d for d in dimensions_of(cast.account) if d.name == "Trust")
    response = client.post(page_url(), {f"colour-{trust.pk}": "9", "save": "1"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Rating.objects.exists()


@pytest.mark.parametrize("role", ["manager", "contributor", "viewer", "partner_user", "admin", "portfolio"])
def test_only_the_sides_champion_writes_its_scorecard(client, cast, role):
    client.force_login(cast[role])
    assert client.post(page_url(), form_data(cast.account, [3] * 8, submit=True)).status_code == 403
    assert client.post(reverse("scorecards:autosave", args=["helix", LAST]), {}).status_code == 403
    assert "Submit scorecard" not in client.get(page_url()).content.decode()
    assert not Assessment.objects.exists()


def test_a_champion_cannot_write_the_other_sides_scorecard_even_through_the_service(cast):
    access = get_account_access(cast["partner_champion"], "helix")
    assert not access.can_write_scorecard_for("home")
    assessment = services.assessment_save_draft(access=access, quarter=LAST, ratings={})
    assert assessment.side == "partner"  # the service writes the user's own side, nothing else
    with pytest.raises(PermissionDenied):
        services.assessment_save_draft(access=get_account_access(cast["viewer"], "helix"), quarter=LAST, ratings={})


def test_a_future_quarter_cannot_be_assessed(client, cast):
    client.force_login(cast["champion"])
    assert client.get(page_url(Quarter.current().next())).status_code == 404


@pytest.mark.parametrize("url", ["/accounts/helix/scorecards/2026-Q5/", "/accounts/helix/scorecards/0999-Q1/compare/",
                                 "/accounts/helix/scorecards/2026Q1/", "/accounts/helix/scorecards/2026-Q1/reopen/x/"])
def test_a_malformed_quarter_or_side_is_not_found(client, cast, url):
    client.force_login(cast["admin"])
    assert client.get(url).status_code in (404, 405)
    assert client.post(url).status_code == 404


def test_a_submitted_scorecard_cannot_be_changed_by_its_champion(client, cast):
    submit(cast["champion"], cast.account, 4, text="Final")
    client.force_login(cast["champion"])
    response = client.post(page_url(), form_data(cast.account, [1] * 8, text="Changed my mind"))
    assert response.status_code == 409
    assert "is locked. Ask an administrator to reopen it" in response.content.decode()
    response = client.post(reverse("scorecards:autosave", args=["helix", LAST]), form_data(cast.account, [1] * 8))
    assert response.status_code == 409 and "Not saved" in response.content.decode()
    assert set(Rating.objects.values_list("colour", flat=True)) == {4}
    assert "Submit scorecard" not in client.get(page_url()).content.decode()


def test_only_an_administrator_reopens_and_the_reopening_is_kept_in_history(client, cast):
    submit(cast["champion"], cast.account, 4)
    url = reverse("scorecards:reopen", args=["helix", LAST, "home"])
    for role in ["champion", "manager", "portfolio", "partner_champion"]:
        client.force_login(cast[role])
        assert client.post(url).status_code == 403
    assert Assessment.objects.get().is_submitted

    client.force_login(cast["admin"])
    response = client.post(url, {"reason": "Typo in Trust"}, follow=True)
    assert "open for changes again" in response.content.decode()
    assessment = Assessment.objects.get()
    assert assessment.status == "draft"
    latest = assessment.history.first()
    assert latest.history_user == cast["admin"]
    assert latest.history_change_reason == "Reopened by an administrator: Typo in Trust"
    assert [h.status for h in assessment.history.order_by("history_id")][-2:] == ["submitted", "draft"]

    client.force_login(cast["champion"])
    client.post(page_url(), form_data(cast.account, [5] * 8, submit=True))
    assert set(Rating.objects.values_list("colour", flat=True)) == {5}


def test_every_rating_change_is_in_history_with_who(cast):
    draft(cast["champion"], cast.account, [2])
    draft(cast["champion"], cast.account, [3])
    rating = Rating.objects.get(colour=3)
    assert [h.colour for h in rating.history.order_by("history_id")] == [2, 3]
    assert {h.history_user for h in rating.history.all()} == {cast["champion"]}


def test_a_release_needs_an_administrator_and_something_submitted(client, cast):
    url = reverse("scorecards:release", args=["helix", LAST])
    client.force_login(cast["champion"])
    assert client.post(url).status_code == 403
    client.force_login(cast["admin"])
    response = client.post(url, follow=True)
    assert "there is nothing to release" in response.content.decode()


def test_dimensions_are_renamed_reordered_retired_and_restored_without_losing_history(client, cast):
    dims = dimensions_of(cast.account)
    submit(cast["champion"], cast.account, 3)
    trust = next(d for d in dims if d.name == "Trust")
    client.force_login(cast["manager"])
    url = reverse("scorecards:dimension_change", args=["helix", trust.pk])
    client.post(url, {"action": "up"})
    client.post(url, {"action": "save", "name": "Mutual trust", "description": "We rely on each other."})
    client.post(url, {"action": "retire"})
    active = [d.name for d in Dimension.objects.filter(account=cast.account, retired=False).order_by("position")]
    assert "Mutual trust" not in active and len(active) == 7
    assert Rating.objects.filter(dimension__name="Mutual trust").exists()  # last quarter keeps it

    page = client.get(reverse("scorecards:dimensions", args=["helix"])).content.decode()
    assert "Mutual trust" in page and "Restore" in page
    client.post(url, {"action": "restore"})
    order = [d.name for d in Dimension.objects.filter(account=cast.account, retired=False).order_by("position")]
    assert order.index("Mutual trust") == 1


def test_a_duplicate_dimension_name_is_refused_with_a_message(client, cast):
    dimensions_of(cast.account)
    client.force_login(cast["admin"])
    response = client.post(reverse("scorecards:dimensions", args=["helix"]), {"name": "Trust", "description": ""})
    assert response.status_code == 200
    assert "already has a dimension with this name" in response.content.decode()
    response = client.post(reverse("scorecards:dimensions", args=["helix"]), {"name": "Innovation", "description": ""})
    assert response.status_code == 302
    assert Dimension.objects.filter(account=cast.account).order_by("position").last().name == "Innovation"


def test_a_retired_dimension_is_not_offered_and_not_required(client, cast):
    dims = dimensions_of(cast.account)
    services.dimension_set_retired(dimension=dims[-1], by=cast["admin"], retired=True)
    client.force_login(cast["champion"])
    assert dims[-1].name not in client.get(page_url()).content.decode()
    response = client.post(page_url(), form_data(cast.account, [4] * 7, submit=True))
    assert response.status_code == 302 and Assessment.objects.get().is_submitted


def test_the_demo_tells_its_three_stories_and_can_run_twice(db):
    from accounts import demo as accounts_demo
    from scorecards import demo
    from scorecards.selectors import scores_unchanged_for_a_year

    accounts = accounts_demo.seed_accounts()
    assert demo.seed_scorecards(accounts) == 48
    assert demo.seed_scorecards(accounts) == 0
    helix = Assessment.objects.filter(account__slug="helix-components")
    assert helix.get(quarter=LAST, side="partner").status == "draft"
    assert helix.get(quarter=LAST, side="home").is_submitted
    first = min(a.quarter for a in helix)
    first_colours = Rating.objects.filter(assessment__in=helix.filter(quarter=first)).values_list("colour", flat=True)
    assert set(first_colours) <= {1, 2}  # Helix starts in the red ...
    latest = helix.get(quarter=LAST, side="home")
    last_colours = Rating.objects.filter(assessment=latest).values_list("colour", flat=True)
    assert set(last_colours) <= {4, 5}  # ... and is driven to green
    assert not Assessment.objects.filter(account__slug="meridian-health").exists()  # no partner champion
    corvane = accounts["corvane-logistics"]
    assert scores_unchanged_for_a_year(corvane, as_of=LAST)  # Corvane has gone quiet ...
    assert not scores_unchanged_for_a_year(accounts["northwind-retail"], as_of=LAST)  # ... Northwind has not


def test_administrators_find_reopen_and_release_on_the_history_page_and_nobody_else_does(client, cast):
    submit(cast["champion"], cast.account, 4)
    client.force_login(cast["admin"])
    page = text_of(client.get(reverse("scorecards:history", args=["helix"])))
    assert f"Reopen the home firm's {LAST} scorecard" in page and f"Release {LAST}" in page
    client.force_login(cast["champion"])
    page = text_of(client.get(reverse("scorecards:history", args=["helix"])))
    assert "Reopen" not in page and "Release" not in page


def open_form(client):
    """Open the assessment page as a browser tab does: its hidden edit stamp."""
    form = client.get(page_url()).context["form"]
    return {"editor": form["editor"].value(), "revision": form["revision"].value()}


def autosave(client, data):
    return client.post(reverse("scorecards:autosave", args=["helix", LAST]), data)


def test_a_tab_opened_before_another_tab_saved_is_refused_instead_of_overwriting(client, cast):
    client.force_login(cast["champion"])
    first_tab, second_tab = open_form(client), open_form(client)
    assert first_tab["editor"] != second_tab["editor"]
    assert autosave(client, {**form_data(cast.account, [4], text="First tab"), **first_tab}).status_code == 200
    # The first tab goes on saving as the champion types.
    assert autosave(client, {**form_data(cast.account, [5], text="First tab"), **first_tab}).status_code == 200
    stale = autosave(client, {**form_data(cast.account, [1], text="Second tab"), **second_tab})
    assert stale.status_code == 409
    assert "changed in another window" in stale.content.decode() and "Reload the page" in stale.content.decode()
    first = Rating.objects.get(assessment__side="home", dimension=dimensions_of(cast.account)[0])
    assert (first.colour, first.comment.startswith("First tab")) == (5, True)
    # Reloading the second tab makes it the one that saves from now on.
    reloaded = open_form(client)
    assert autosave(client, {**form_data(cast.account, [2], text="Reloaded"), **reloaded}).status_code == 200
    assert autosave(client, {**form_data(cast.account, [3], text="First tab"), **first_tab}).status_code == 409


def test_a_stale_save_keeps_what_was_typed_and_saving_again_replaces_the_other_version(client, cast):
    client.force_login(cast["champion"])
    first_tab, second_tab = open_form(client), open_form(client)
    autosave(client, {**form_data(cast.account, [4], text="First tab"), **first_tab})
    response = client.post(page_url(), {**form_data(cast.account, [1, 1], text="Typed in the second tab"),
                                        **second_tab})
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed in another window" in page and "Typed in the second tab Trust" in page
    assert not Rating.objects.filter(comment__startswith="Typed in the second tab").exists()
    resubmitted = {**form_data(cast.account, [1, 1], text="Typed in the second tab"),
                   "editor": response.context["form"]["editor"].value(),
                   "revision": response.context["form"]["revision"].value()}
    assert client.post(page_url(), resubmitted).status_code == 302
    assert Rating.objects.filter(comment__startswith="Typed in the second tab").count() == 8
