from decimal import Decimal

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import LevelChange, Membership, PartnerAccount, RelationshipLevel, Side

from .factories import MembershipFactory, PartnerAccountFactory, UserFactory
from .queries import assert_query_count_is_constant


def names_on_home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return sorted(card.account.name for card in response.context["cards"])


def test_members_see_exactly_their_accounts_and_global_roles_see_all(client, cast):
    assert names_on_home(client, cast["manager"]) == ["Helix Components"]
    assert names_on_home(client, cast["outsider"]) == ["Tarn Metals"]
    everything = ["Corvane Logistics", "Helix Components", "Tarn Metals"]
    assert names_on_home(client, cast["admin"]) == everything
    # A portfolio viewer's home is the portfolio, over every account (tests/test_portfolio_page.py).
    client.force_login(cast["portfolio"])
    assert client.get(reverse("home"))["Location"] == reverse("portfolio:index")


def test_a_user_without_memberships_is_told_how_to_get_access(client, db):
    client.force_login(UserFactory(username="newbie"))
    assert "An administrator gives you access" in client.get(reverse("home")).content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_signing_in_with_the_form_lands_on_my_accounts(client, cast):
    response = client.post(reverse("login"), {"username": "manager", "password": "correct-horse-battery"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Helix Components" in response.content.decode()


def test_a_wrong_password_gets_a_clear_message(client, cast):
    response = client.post(reverse("login"), {"username": "manager", "password": "nope"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


def test_partner_users_see_only_their_own_firms_people(client, cast):
    client.force_login(cast["partner_user"])
    people = list(client.get(reverse("accounts:overview", args=["helix"])).context["people"])
    assert people and all(m.side == Side.PARTNER for m in people)


def test_the_overview_shows_level_target_and_the_people_with_their_roles(client, cast):
    client.force_login(cast["viewer"])
    page = client.get(reverse("accounts:overview", args=["helix"])).content.decode()
    assert "Preferred supplier" in page and "Strategic partner" in page
    assert "Account manager" in page and "Executive champion" in page


def _form_data(account, **changes):
    data = {
        "name": account.name, "slug": account.slug, "kind": account.kind, "level": account.level,
        "target_level": account.target_level, "industry": "", "region": "", "annual_value": "",
        "currency": "EUR", "description": "", "strategy_pillars": "", "level_note": "",
        "version": account.version,
    }
    data.update(changes)
    return data


def test_an_account_manager_raises_the_level_and_the_change_is_dated_with_who(client, cast):
    client.force_login(cast["manager"])
    url = reverse("accounts:edit", args=["helix"])
    data = _form_data(cast.account, level=RelationshipLevel.STRATEGIC, level_note="Joint roadmap signed")
    response = client.post(url, data)
    assert response.status_code == 302
    change = LevelChange.objects.get(account=cast.account)
    assert (change.previous_level, change.level, change.changed_by) == (
        RelationshipLevel.PREFERRED, RelationshipLevel.STRATEGIC, cast["manager"])
    page = client.get(reverse("accounts:overview", args=["helix"])).content.decode()
    assert "Joint roadmap signed" in page


def test_an_account_manager_cannot_move_the_account_to_another_address(client, cast):
    client.force_login(cast["manager"])
    client.post(reverse("accounts:edit", args=["helix"]), _form_data(cast.account, slug="stolen", name="Helix AB"))
    cast.account.refresh_from_db()
    assert (cast.account.slug, cast.account.name) == ("helix", "Helix AB")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("annual_value", "lots", "Enter a number."),
        ("annual_value", "-5", "The annual value cannot be negative."),
        ("currency", "E1", "three-letter currency code"),
        ("level", "9", "is not one of the available choices"),
        ("name", "", "This field is required."),
        # The name goes into e-mail subjects: a line break there would add a header.
        ("name", "Helix\r\nBcc: spy@evil.example", "Keep this on one line"),
    ],
)
def test_a_bad_field_gets_a_message_and_everything_typed_is_kept(client, cast, field, value, message):
    client.force_login(cast["manager"])
    data = _form_data(cast.account, description="A long text I typed carefully", **{field: value})
    response = client.post(reverse("accounts:edit", args=["helix"]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message.lower() in page.lower()
    assert "A long text I typed carefully" in page
    assert "Nothing you typed has been lost" in page


def test_an_administrator_creates_an_account_and_its_level_history_starts(client, cast):
    client.force_login(cast["admin"])
    data = _form_data(PartnerAccount(name="Kestrel Software", slug="kestrel", kind="supplier", level=1, target_level=2),
                      annual_value="3300000.50", currency="eur")
    response = client.post(reverse("accounts:create"), data)
    assert response.status_code == 302
    account = PartnerAccount.objects.get(slug="kestrel")
    assert account.annual_value == Decimal("3300000.50") and account.currency == "EUR"
    assert account.level_changes.get().note == "Account created"


def test_a_duplicate_address_is_refused_clearly(client, cast):
    client.force_login(cast["admin"])
    data = _form_data(PartnerAccount(name="Another Helix", slug="helix", kind="supplier", level=1, target_level=2))
    response = client.post(reverse("accounts:create"), data)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_an_administrator_gives_and_removes_access(client, cast):
    newcomer = UserFactory(username="newcomer")
    client.force_login(cast["admin"])
    url = reverse("accounts:memberships", args=["helix"])
    response = client.post(url, {"user": newcomer.pk, "side": "home", "role": "viewer"})
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer)
    client.post(reverse("accounts:membership_remove", args=["helix", membership.pk]))
    assert not Membership.objects.filter(user=newcomer).exists()
    entries = client.get(reverse("accounts:history", args=["helix"])).context["entries"]
    assert entries[0].what == f"{newcomer.display_name}'s membership (Viewer, Home firm) deleted"
    assert entries[0].who == cast["admin"]


def test_a_second_champion_on_the_same_side_is_refused_with_a_message(client, cast):
    client.force_login(cast["admin"])
    response = client.post(
        reverse("accounts:memberships", args=["helix"]),
        {"user": UserFactory(username="other-exec").pk, "side": "home", "role": "executive_champion"},
    )
    assert response.status_code == 200
    assert "already has an executive champion" in response.content.decode()


def test_a_partner_user_belongs_to_one_account_only(client, cast):
    client.force_login(cast["admin"])
    response = client.post(
        reverse("accounts:memberships", args=["corvane"]),
        {"user": cast["partner_user"].pk, "side": "partner", "role": "contributor"},
    )
    assert response.status_code == 200
    assert "User: Select a valid choice" not in response.content.decode()
    assert "exactly one account" in response.content.decode()


def test_partner_side_account_managers_are_refused(db):
    membership = MembershipFactory.build(
        user=UserFactory(), account=PartnerAccountFactory(), side=Side.PARTNER, role="account_manager"
    )
    with pytest.raises(Exception, match="Account managers belong to the home firm"):
        membership.full_clean()


def test_history_shows_who_changed_which_field_from_what_to_what(client, cast):
    services.account_update(account=cast.account, by=cast["manager"], region="Nordics")
    services.account_update(account=cast.account, by=cast["admin"], region="Northern Europe")
    client.force_login(cast["viewer"])
    response = client.get(reverse("accounts:history", args=["helix"]))
    entries = response.context["entries"]
    changed = [e for e in entries if e.changes]
    assert changed[0].who == cast["admin"]
    assert ("region", "Nordics", "Northern Europe") in changed[0].changes


def test_history_shows_who_changed_the_dashboard_and_the_plan(client, cast):
    from plans import services as plans
    from plans.models import Action

    from .factories import record_figure, with_default_metrics
    from .plans_helpers import action, person

    metric = with_default_metrics(cast.account).metrics.get(name="On-time delivery")
    record_figure(metric, "2026-Q1", 97, by=cast["manager"])
    record_figure(metric, "2026-Q1", 98.5, by=cast["admin"])
    item = action(cast.account, "Send the audit report", person(cast.account, "Otto"))
    plans.action_update_progress(action=item, by=cast["contributor"], status=Action.Status.DONE, note="Sent")
    client.force_login(cast["viewer"])
    entries = client.get(reverse("accounts:history", args=["helix"])).context["entries"]
    by_what = {(e.what, e.who): e.changes for e in entries}
    assert ("status", "open", "done") in by_what[("Action “Send the audit report” changed", cast["contributor"])]
    result_change = by_what[("2026-Q1 result of “On-time delivery” changed", cast["admin"])]
    assert result_change == [("partner value", "97", "98.5")]
    assert ("Roster entry “Otto” created", None) in by_what


def test_history_page_query_count_does_not_grow_with_history(client, cast):
    from .factories import record_figure, with_default_metrics
    from .plans_helpers import action, person

    metrics = list(with_default_metrics(cast.account).metrics.active()[:3])
    owner = person(cast.account, "Otto")

    def more_history():
        for region in ["A", "B", "C", "D", "E", "F"]:
            services.account_update(account=cast.account, by=cast["manager"], region=region)
            action(cast.account, f"Action {region}", owner)
            for metric in metrics:
                record_figure(metric, "2026-Q1", len(region) + ord(region), by=cast["manager"])

    assert_query_count_is_constant(client, cast["viewer"], reverse("accounts:history", args=["helix"]), more_history,
                                   pinned=20)


def _more_accounts_for(user):
    for _ in range(10):
        MembershipFactory(account=PartnerAccountFactory(), user=user, role="viewer")


def _more_people_in(account):
    for _ in range(10):
        MembershipFactory(account=account, role="viewer")


@pytest.mark.parametrize(
    ("url", "grow", "pinned"),
    [
        ("/", lambda cast: _more_accounts_for(cast["manager"]), 8),  # +1: the bell's unread count
        ("/accounts/helix/", lambda cast: _more_people_in(cast.account), 10),
        ("/accounts/helix/members/", lambda cast: _more_people_in(cast.account), 10),
    ],
)
def test_page_query_counts_are_pinned_and_do_not_grow_with_data(client, cast, url, grow, pinned):
    user = cast["admin"] if "members" in url else cast["manager"]
    assert_query_count_is_constant(client, user, url, lambda: grow(cast), pinned)
