"""The API does what the pages do, by the same rules: results per side with conflicts,
the blind rule, what partner users may not see, owners updating their actions, and
docs that work offline under the strict Content-Security-Policy."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.serializers import Serializer

from accounts.access import visible_accounts
from accounts.api.serializers import AccountSerializer
from accounts.models import Membership, PartnerAccount, Side
from dashboards.models import MetricResult
from notifications.models import Notification
from plans.models import Action, Meeting, RosterEntry
from plans.serializers import ActionSerializer
from scorecards.models import Assessment
from scorecards.serializers import AssessmentSerializer

from .api_helpers import LAST, api, first_dimension, first_metric, furnish, token_client
from .factories import record_figure
from .plans_helpers import action, meeting, person
from .scorecards_helpers import draft, ratings_for, submit


@pytest.fixture
def plan(cast):
    furnish(cast.other_account)
    return furnish(cast.account)


def home_metric(account):
    return account.metrics.filter(data_owner=Side.HOME).order_by("position").first()


# --- results ------------------------------------------------------------------------------


def test_a_script_saves_figures_and_reads_them_back_by_quarter(cast, plan):
    script = token_client(cast["manager"])
    metric = home_metric(cast.account)
    response = script.post(api("result-bulk", cast.account), {
        "quarter": str(LAST), "figures": [{"metric": metric.pk, "value": "97.5", "note": "ERP", "version": 0}],
    }, format="json")
    assert response.status_code == 200, response.json()
    assert [r["home_value"] for r in response.json()["saved"]] == ["97.5000"]
    listed = script.get(api("result-list", cast.account) + f"?quarter={LAST}&metric={metric.pk}").json()
    assert [(r["quarter"], r["home_value"], r["home_version"], r["home_entered_by"]) for r in listed["results"]] == [
        (str(LAST), "97.5000", 1, "manager")
    ]


def test_sending_what_is_stored_again_saves_nothing(cast, plan):
    script = token_client(cast["manager"])
    metric = home_metric(cast.account)
    record_figure(metric, LAST, 90, by=cast["manager"], note="n")
    history = MetricResult.history.count()
    response = script.post(api("result-bulk", cast.account), {
        "quarter": str(LAST), "figures": [{"metric": metric.pk, "value": "90", "note": "n", "version": 1}],
    }, format="json")
    assert (response.status_code, response.json()["unchanged"], MetricResult.history.count()) == (200, 1, history)


def test_a_figure_saved_by_someone_else_since_comes_back_as_a_conflict(cast, plan):
    metric = home_metric(cast.account)
    record_figure(metric, LAST, 90, by=cast["admin"])
    response = token_client(cast["manager"]).post(api("result-bulk", cast.account), {
        "quarter": str(LAST), "figures": [{"metric": metric.pk, "value": "95", "version": 0}],
    }, format="json")
    assert response.status_code == 409
    assert response.json()["conflicts"] == [{
        "metric": metric.pk, "their_value": "90.0000", "their_note": "", "their_version": 1, "by": "admin",
        "at": response.json()["conflicts"][0]["at"], "your_value": "95.0000",
    }]
    assert MetricResult.objects.get(metric=metric, quarter=LAST).home_value == 90


def test_figures_are_checked_against_their_unit_and_the_account(cast, plan):
    percent = cast.account.metrics.filter(unit="percent").first()
    foreign = first_metric(cast.other_account)
    response = token_client(cast["manager"]).post(api("result-bulk", cast.account), {
        "quarter": str(LAST), "figures": [{"metric": percent.pk, "value": "140", "version": 0},
                                          {"metric": foreign.pk, "value": "1", "version": 0}],
    }, format="json")
    assert response.status_code == 400
    assert response.json()["figures"] == [{"value": ["A percentage must be between 0 and 100."]},
                                          {"metric": ["No active metric of this account has this id."]}]


@pytest.mark.parametrize("quarter", ["2026-Q5", "26-Q1", "Q3 2026", ""])
def test_a_quarter_is_written_like_2026_q3(cast, plan, quarter):
    response = token_client(cast["manager"]).post(api("result-bulk", cast.account), {
        "quarter": quarter, "figures": [{"metric": first_metric(cast.account).pk, "value": "1", "version": 0}],
    }, format="json")
    assert response.status_code == 400 and "quarter" in response.json()


def test_the_partner_enters_the_partner_figure_beside_the_home_one(cast, plan):
    metric = home_metric(cast.account)
    record_figure(metric, LAST, 90, by=cast["manager"])
    response = token_client(cast["partner_user"]).post(api("result-bulk", cast.account), {
        "quarter": str(LAST), "figures": [{"metric": metric.pk, "value": "80", "version": 0}],
    }, format="json")
    assert response.status_code == 200
    saved = response.json()["saved"][0]
    assert (saved["home_value"], saved["partner_value"], saved["value"]) == ("90.0000", "80.0000", "90.0000")


def test_the_dashboard_reads_as_on_the_page(cast, plan):
    board = token_client(cast["viewer"]).get(api("dashboard-list", cast.account) + f"?quarter={LAST}").json()
    assert board["quarter"] == str(LAST) and len(board["rows"]) == cast.account.metrics.active().count()
    row = next(r for r in board["rows"] if r["metric"] == first_metric(cast.account).pk)
    assert row["value"] == "97.0000" and row["status"] in ("green", "yellow", "red")


# --- metrics ------------------------------------------------------------------------------


def test_changing_the_calculation_basis_clears_both_sign_offs(cast, plan):
    metric = first_metric(cast.account)
    token_client(cast["manager"]).post(api("metric-sign-off", cast.account, metric.pk))
    token_client(cast["partner_user"]).post(api("metric-sign-off", cast.account, metric.pk))
    metric.refresh_from_db()
    assert metric.fully_signed_off
    response = token_client(cast["manager"]).patch(api("metric-detail", cast.account, metric.pk),
                                                   {"calculation_basis": "Something else.", "version": metric.version},
                                                   format="json")
    assert response.status_code == 200
    assert (response.json()["home_signed_off_at"], response.json()["partner_signed_off_at"]) == (None, None)


def test_retiring_a_metric_keeps_its_results(cast, plan):
    metric = first_metric(cast.account)
    response = token_client(cast["manager"]).delete(api("metric-detail", cast.account, metric.pk))
    assert response.status_code == 204
    assert MetricResult.objects.filter(metric=metric).exists()
    listed = token_client(cast["viewer"]).get(api("metric-list", cast.account) + "?retired=true").json()
    assert [m["id"] for m in listed["results"]] == [metric.pk]
    back = token_client(cast["manager"]).post(api("metric-reinstate", cast.account, metric.pk)).json()
    positions = list(cast.account.metrics.active().values_list("position", flat=True))
    assert back["retired"] is False and back["position"] == max(positions), "it comes back at the end"


# --- scorecards: the blind rule -----------------------------------------------------------


def test_a_script_fetches_the_comparison_once_both_champions_have_submitted(cast, plan):
    script = token_client(cast["partner_user"])
    url = api("comparison-detail", cast.account, str(LAST))
    submit(cast["champion"], cast.account, 4, text="home")
    before = script.get(url).json()
    assert (before["is_open"], before["rows"], before["submitted"]) == (False, [], ["home"])
    assert [a["side"] for a in script.get(api("assessment-list", cast.account)).json()["results"]] == []

    response = token_client(cast["partner_champion"]).post(api("assessment-submit", cast.account), {
        "quarter": str(LAST),
        "ratings": [{"dimension": pk, "colour": 2} for pk in ratings_for(cast.account, 2)], "version": 0,
    }, format="json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"

    after = script.get(url).json()
    assert after["is_open"] and after["home_average"] == 4.0 and after["partner_average"] == 2.0
    assert after["discuss_first"] == [row["dimension"] for row in after["rows"]]
    sides = sorted(a["side"] for a in script.get(api("assessment-list", cast.account)).json()["results"])
    assert sides == ["home", "partner"]


def test_the_other_sides_draft_never_crosses_over(cast, plan):
    home = draft(cast["champion"], cast.account, 3)
    partner = token_client(cast["partner_user"])
    assert partner.get(api("assessment-detail", cast.account, home.pk)).status_code == 404
    assert token_client(cast["viewer"]).get(api("assessment-detail", cast.account, home.pk)).status_code == 200


def test_a_submitted_assessment_is_locked(cast, plan):
    submit(cast["champion"], cast.account, 4)
    response = token_client(cast["champion"]).post(api("assessment-draft", cast.account), {
        "quarter": str(LAST), "ratings": [{"dimension": first_dimension(cast.account).pk, "colour": 1}],
        "version": 1,
    }, format="json")
    assert response.status_code == 409 and "locked" in response.json()["detail"]


def test_assessments_and_accounts_read_as_their_declared_fields_would_write_them(cast, plan):
    """The assessment and account lists build each object as one dict, for speed: it is what
    DRF's walk over the serializers' declared fields gives (times in the API's time zone in
    summer and in winter, money as text, a draft's empty time and unrated dimension)."""
    draft(cast["champion"], cast.account, [3, None], text="home")
    summer = submit(cast["champion"], cast.account, 4, quarter=LAST.previous(), text="earlier")
    Assessment.objects.filter(pk=summer.pk).update(updated_at=dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC))
    PartnerAccount.objects.filter(pk=cast.account.pk).update(
        annual_value=Decimal("12500000.5"), updated_at=dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
    )
    champion = token_client(cast["champion"])

    assessments = Assessment.objects.filter(account=cast.account).order_by("-quarter", "side")
    walked = [Serializer.to_representation(AssessmentSerializer(a), a) for a in assessments]
    assert champion.get(api("assessment-list", cast.account)).json()["results"] == walked
    assert champion.get(api("assessment-detail", cast.account, summer.pk)).json() == walked[1]

    memberships = {m.account_id: m for m in Membership.objects.filter(user=cast["champion"])}
    accounts = visible_accounts(cast["champion"]).order_by("name")
    walked = [Serializer.to_representation(AccountSerializer(a, context={"memberships": memberships}), a)
              for a in accounts]
    assert champion.get(api("account-list")).json()["results"] == walked
    assert walked[0]["updated_at"].endswith("+01:00") and walked[0]["annual_value"] == "12500000.50"


# --- the plan -----------------------------------------------------------------------------


def test_the_actions_read_as_drfs_walk_over_their_fields_would_write_them(cast, plan):
    """Actions are written as dicts by hand too: every kind of value, the same output."""
    review = meeting(cast.account, days=-20)
    done = action(cast.account, "Done long ago", plan.person, days=-400, status=Action.Status.DONE, meeting=review)
    Action.objects.filter(pk=done.pk).update(metric=first_metric(cast.account), note="Closed",
                                             updated_at=dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC))
    action(cast.account, "Overdue", plan.person, days=-3, topic=plan.topic)
    manager = token_client(cast["manager"])

    actions = Action.objects.filter(account=cast.account).order_by("due_on", "id")
    walked = [Serializer.to_representation(ActionSerializer(a), a) for a in actions]
    assert [a["overdue"] for a in walked] == [False, True, False]
    assert walked[0]["metric"] and walked[0]["meeting"] and walked[1]["topic"]
    assert manager.get(api("action-list", cast.account)).json()["results"] == walked
    assert manager.get(api("action-detail", cast.account, done.pk)).json() == walked[0]


def test_partner_users_see_neither_the_home_stakeholder_map_nor_internal_meetings(cast, plan):
    internal = meeting(cast.account, kind=Meeting.Kind.INTERNAL, internal_notes="Our walk-away price")
    action(cast.account, "Internal follow-up", plan.person, meeting=internal)
    partner = token_client(cast["partner_user"])
    roster = partner.get(api("roster-list", cast.account)).json()["results"]
    assert roster and all("stance" not in p and "influence" not in p for p in roster)
    meetings = partner.get(api("meeting-list", cast.account)).json()["results"]
    assert internal.pk not in [m["id"] for m in meetings] and all("internal_notes" not in m for m in meetings)
    assert partner.get(api("meeting-detail", cast.account, internal.pk)).status_code == 404
    actions = [a["title"] for a in partner.get(api("action-list", cast.account)).json()["results"]]
    assert "Internal follow-up" not in actions
    home = token_client(cast["viewer"]).get(api("meeting-detail", cast.account, internal.pk)).json()
    assert home["internal_notes"] == "Our walk-away price"


def test_an_actions_owner_updates_its_status_and_note_only(cast, plan):
    owner = person(cast.account, "Contributor", user=cast["contributor"])
    owned = action(cast.account, "Send samples", owner)
    script = token_client(cast["contributor"])
    response = script.patch(api("action-detail", cast.account, owned.pk),
                            {"status": "done", "note": "Sent", "title": "Renamed", "version": owned.version},
                            format="json")
    assert response.status_code == 200
    owned.refresh_from_db()
    assert (owned.status, owned.note, owned.title) == ("done", "Sent", "Send samples")
    other = action(cast.account, "Not mine", plan.person)
    assert script.patch(api("action-detail", cast.account, other.pk), {"status": "done"},
                        format="json").status_code == 403


def test_a_topic_takes_owners_only_from_its_own_account(cast, plan):
    foreign = RosterEntry.objects.filter(account=cast.other_account).first()
    response = token_client(cast["manager"]).post(api("topic-list", cast.account), {
        "title": "Green steel", "owners": [foreign.pk], "target_quarter": "2027-Q2",
    }, format="json")
    assert response.status_code == 400 and "owners" in response.json()
    ok = token_client(cast["manager"]).post(api("topic-list", cast.account), {
        "title": "Green steel", "owners": [plan.person.pk], "target_quarter": "2027-Q2",
    }, format="json")
    assert ok.status_code == 201 and ok.json()["target_quarter"] == "2027-Q2"


def test_the_five_priority_limit_holds_through_the_api(cast, plan):
    from .plans_helpers import topic

    for n in range(5):
        topic(cast.account, f"Priority {n}", status="active")
    response = token_client(cast["manager"]).patch(api("topic-detail", cast.account, plan.topic.pk),
                                                   {"status": "active", "version": plan.topic.version}, format="json")
    assert response.status_code == 400 and "five active priorities" in response.json()["status"][0]


def test_a_roster_entry_who_owns_actions_cannot_be_removed(cast, plan):
    response = token_client(cast["manager"]).delete(api("roster-detail", cast.account, plan.person.pk))
    assert response.status_code == 400 and "owns 1 action" in response.json()["non_field_errors"][0]


def test_a_meeting_is_scheduled_with_attendees_of_its_account(cast, plan):
    response = token_client(cast["manager"]).post(api("meeting-list", cast.account), {
        "kind": "quarterly_review", "held_on": str(dt.date.today() + dt.timedelta(days=30)),
        "attendees": [plan.person.pk],
    }, format="json")
    assert response.status_code == 201 and response.json()["attendees"] == [plan.person.pk]


# --- accounts, memberships, notifications --------------------------------------------------


def test_a_partner_user_cannot_be_given_a_second_account(cast, plan):
    response = token_client(cast["admin"]).post(api("membership-list", cast.other_account), {
        "user": cast["partner_user"].username, "side": "partner", "role": "viewer",
    }, format="json")
    assert response.status_code == 400 and "exactly one account" in response.json()["user"][0]


def test_accounts_are_listed_with_my_role_filtered_and_ordered(cast, plan):
    listed = token_client(cast["admin"]).get(api("account-list") + "?ordering=-name&limit=2").json()
    assert [a["slug"] for a in listed["results"]] == ["tarn", "helix"] and listed["count"] == 3
    mine = token_client(cast["champion"]).get(api("account-detail", cast.account)).json()
    assert (mine["my_side"], mine["my_role"]) == ("home", "executive_champion")


def test_people_see_and_mark_only_their_own_notifications(cast, plan):
    mine = Notification.objects.create(user=cast["viewer"], account=cast.account, kind="k", subject_key="s",
                                       title="Yours")
    theirs = Notification.objects.create(user=cast["manager"], kind="k", subject_key="s", title="Not yours")
    script = token_client(cast["viewer"])
    assert [n["title"] for n in script.get(api("notification-list")).json()["results"]] == ["Yours"]
    assert script.get(api("notification-detail", None, theirs.pk)).status_code == 404
    assert script.post(api("notification-read", None, theirs.pk)).status_code == 404
    assert script.post(api("notification-read", None, mine.pk)).json()["is_read"] is True
    assert script.get(api("notification-list") + "?unread=true").json()["results"] == []


# --- the schema and the docs ---------------------------------------------------------------


def test_the_schema_is_served_as_openapi_3(client, cast):
    response = client.get(reverse("api:schema") + "?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.") and "/api/v1/accounts/{account_slug}/results/bulk/" in schema["paths"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_every_operation_has_an_example(client, cast):
    schema = client.get(reverse("api:schema") + "?format=json").json()
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            bodies = [*operation.get("requestBody", {}).get("content", {}).values(),
                      *[c for r in operation["responses"].values() for c in r.get("content", {}).values()]]
            if all(body.get("schema", {}).get("format") == "binary" for body in bodies):
                continue  # a file download
            if not any("examples" in body or "example" in body for body in bodies):
                missing.append(f"{method.upper()} {path}")
    assert not missing, missing


def test_the_docs_page_works_offline_under_the_strict_csp(client, cast):
    response = client.get(reverse("api:docs"))
    page = response.content.decode()
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "<script>" not in page and "cdn" not in page.lower() and "http" not in page.replace("http-equiv", "")
    scripts = [part.split('"')[0] for part in page.split('<script src="')[1:]]
    assert len(scripts) == 3
    for src in scripts:
        if "?script" in src:
            init = client.get(src.replace("&amp;", "&"))
            assert init.status_code == 200 and "SwaggerUIBundle" in init.content.decode()
        else:
            assert src.startswith("/static/drf_spectacular_sidecar/")
            assert client.get(src).status_code == 200, f"{src} is served locally"
