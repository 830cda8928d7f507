"""The Django admin keeps the rules every other channel keeps (DESIGN.md §2).

Only administrators get in, and an administrator belongs to the home firm: the admin shows
nothing of a partner's draft scorecard, of who answered a survey or what they wrote, or of
anybody's notifications — not in a list, a change page, a history page, a search, a filter
or a delete confirmation. Records the app edits on its own pages are read-only here, and
every model in the admin carries a decision (``DECISIONS``)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from notifications.models import Notification, OutgoingEmail
from plans.models import Meeting
from scorecards.models import Assessment, Rating
from surveys.models import SurveyRound

from .plans_helpers import meeting
from .scorecards_helpers import draft, submit
from .surveys_helpers import answer, closed_round, open_round

PARTNER_DRAFT = "PARTNER-DRAFT-SECRET"
SURVEY_COMMENT = "SURVEY-COMMENT-SECRET"
RESPONDENT = "partner1@example.com"  # answered the survey
INTERNAL_NOTE = "INTERNAL-NOTE-SECRET"
NOTIFICATION = "NOTIFICATION-SECRET"
# The partner champion rates every dimension Bright Red; the home champion Light Green.
PARTNER_COLOUR = "Bright Red"
SECRETS = [PARTNER_DRAFT, SURVEY_COMMENT, RESPONDENT, INTERNAL_NOTE, NOTIFICATION, PARTNER_COLOUR]

# Every model in the admin, and the ones kept out of it on purpose. "hidden": not
# registered, a rule hides it (or part of it) from the home firm; "read-only": the app
# edits it on its own pages, the admin lists it; "editable": the admin's own work.
DECISIONS = {
    "auth.Group": "editable",
    "accounts.User": "editable",
    "accounts.PartnerAccount": "editable",
    "accounts.Membership": "editable",
    "accounts.ApiToken": "editable",  # revoking only
    "accounts.FollowUp": "read-only",  # operational: only the worker changes them
    "notifications.Notification": "hidden",
    "notifications.ReminderClaim": "read-only",
    "notifications.OutgoingEmail": "read-only",  # to whom, when, why not: never its subject or body
    "notifications.EmailOptOut": "read-only",
    "plans.PlanSettings": "read-only",
    "plans.RosterEntry": "read-only",
    "plans.Topic": "read-only",
    "plans.Action": "read-only",
    "plans.Meeting": "read-only",
    "plans.AgendaItem": "hidden",
    "plans.Decision": "hidden",
    "scorecards.Dimension": "read-only",
    "scorecards.Assessment": "hidden",
    "scorecards.Rating": "hidden",
    "scorecards.QuarterRelease": "read-only",
    "surveys.SurveyRound": "read-only",
    "surveys.SurveyStatement": "read-only",
    "surveys.RoundStatement": "hidden",
    "surveys.Invitation": "hidden",
    "surveys.ScoreTally": "hidden",
    "surveys.SurveyComment": "hidden",
    "django_celery_beat.PeriodicTask": "editable",
    "django_celery_beat.ClockedSchedule": "editable",
    "django_celery_beat.CrontabSchedule": "editable",
    "django_celery_beat.SolarSchedule": "editable",
    "django_celery_beat.IntervalSchedule": "editable",
    "axes.AccessAttempt": "editable",  # as shipped: read-only fields; deleting one lifts a lockout
    "axes.AccessLog": "editable",
    "axes.AccessFailureLog": "editable",
}


def registered() -> dict[str, admin.ModelAdmin]:
    return {model._meta.label: model_admin for model, model_admin in admin.site._registry.items()}


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def raw_admin_url(model, tail: str = "") -> str:
    """For models that have no admin: the URL their pages would have."""
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/{tail}"


@pytest.fixture
def site_admin(client, cast):
    """The cast's administrator as ``createsuperuser`` and the demo make one."""
    user = cast["admin"]
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


@pytest.fixture
def hidden_things(cast):
    """One of each: a partner draft, a survey answer with a comment, an internal meeting's
    notes, a notification."""
    account = cast.account
    submit(cast["champion"], account, 4, text="HOME")
    draft(cast["partner_champion"], account, 1, text=PARTNER_DRAFT)
    survey, links = open_round(account, home=1, partner=3)
    answer(links[RESPONDENT], [2] * survey.statements.count(), comments={1: SURVEY_COMMENT})
    meeting(account, kind=Meeting.Kind.INTERNAL, days=-3, internal_notes=INTERNAL_NOTE, minutes=INTERNAL_NOTE)
    notification = Notification.objects.create(
        user=cast["partner_champion"], account=account, kind="scorecard_missing", subject_key="x",
        title="Submit your scorecard", body=NOTIFICATION,
    )
    OutgoingEmail.objects.create(
        notification=notification, to=cast["partner_champion"].email, subject=f"[Tandem] {NOTIFICATION}",
        body=NOTIFICATION, message_id="<1.2.3@tandem.example.com>",
    )
    return cast


def revealed(response) -> list[str]:
    text = response.content.decode()
    return [secret for secret in SECRETS if secret in text]


def every_admin_page(client, user):
    """Every list (also searched for each secret), change, history, past-version and delete
    page the admin has for the objects in the database, and each "delete selected"
    confirmation."""
    request = RequestFactory().get("/")
    request.user = user
    yield reverse("admin:index"), client.get(reverse("admin:index"))
    for model, model_admin in admin.site._registry.items():
        changelist = admin_url(model, "changelist")
        yield changelist, client.get(changelist)
        if model_admin.search_fields:
            for secret in SECRETS:
                response = client.get(changelist, {"q": secret})
                assert response.context["cl"].result_count == 0, (changelist, secret)
        objects = list(model._default_manager.all()[:30])
        for obj in objects:
            for view in ("change", "history", "delete"):
                url = admin_url(model, view, obj.pk)
                yield url, client.get(url)
            if hasattr(model_admin, "history_form_view"):
                for version in obj.history.all():
                    url = admin_url(model, "simple_history", obj.pk, version.history_id)
                    yield url, client.get(url)
        if objects and "delete_selected" in model_admin.get_actions(request):
            response = client.post(changelist, {"action": "delete_selected",
                                                "_selected_action": [obj.pk for obj in objects]})
            yield f"{changelist} delete selected", response


def test_no_admin_page_shows_a_partner_draft_survey_answers_internal_notes_or_notifications(
    site_admin, hidden_things
):
    pages = 0
    for url, response in every_admin_page(site_admin, hidden_things["admin"]):
        assert response.status_code in (200, 302, 403), url
        assert revealed(response) == [], url
        pages += 1
    assert pages > 100  # the sweep did reach the objects


@pytest.mark.parametrize("model", [Assessment, Rating])
def test_the_admin_has_no_page_for_scorecard_assessments_or_their_ratings(site_admin, hidden_things, model):
    partner_draft = Assessment.objects.get(side="partner")
    obj = partner_draft if model is Assessment else partner_draft.ratings.first()
    version = obj.history.first().history_id
    pages = ["", "?status__exact=draft", "?side__exact=partner", f"?q={PARTNER_DRAFT}", f"{obj.pk}/change/",
             f"{obj.pk}/history/", f"{obj.pk}/history/{version}/", f"{obj.pk}/delete/"]
    for url in [raw_admin_url(model, page) for page in pages]:
        assert site_admin.get(url).status_code == 404, url
    with pytest.raises(NoReverseMatch):
        admin_url(model, "changelist")


def test_the_admin_cannot_filter_for_the_partners_draft_through_a_related_model(site_admin, hidden_things):
    for url in [
        reverse("admin:accounts_user_changelist") + "?assessments__status=draft",
        reverse("admin:accounts_partneraccount_changelist") + "?assessments__status=draft",
    ]:
        assert site_admin.get(url).status_code == 400, url


def test_deleting_an_account_in_the_admin_names_nothing_the_rules_hide(site_admin, hidden_things):
    account = hidden_things.account
    page = site_admin.get(admin_url(type(account), "delete", account.pk))
    assert page.status_code == 200
    assert revealed(page) == []
    assert "(Partner firm, Draft)" not in page.content.decode()
    summary = dict(page.context["model_count"])
    assert summary["survey rounds"] == 1 and "assessments" not in summary and "ratings" not in summary
    selected = site_admin.post(reverse("admin:accounts_partneraccount_changelist"),
                               {"action": "delete_selected", "_selected_action": [account.pk]})
    assert selected.status_code == 200 and revealed(selected) == []


def test_an_account_can_still_be_deleted_in_the_admin_with_everything_that_belongs_to_it(site_admin, cast):
    account = cast.other_account
    survey, links = open_round(account, partner=3)
    answer(links[RESPONDENT], [2] * survey.statements.count(), comments={1: SURVEY_COMMENT})
    url = admin_url(type(account), "delete", account.pk)
    page = site_admin.get(url)
    assert revealed(page) == [] and not page.context["protected"]
    assert dict(page.context["model_count"])["survey rounds"] == 1

    assert site_admin.post(url, {"post": "yes"}).status_code == 302
    assert not type(account).objects.filter(pk=account.pk).exists()
    assert not SurveyRound.objects.filter(account_id=account.pk).exists()


def test_deleting_the_partner_champion_in_the_admin_does_not_tell_they_have_a_draft(site_admin, hidden_things):
    champion = hidden_things["partner_champion"]
    page = site_admin.get(admin_url(type(champion), "delete", champion.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert revealed(page) == []
    assert "Draft" not in text and "Assessment" not in text
    assert page.context["protected"]  # the scorecard they wrote keeps them; deactivate instead


@pytest.mark.parametrize("model_name", ["invitation", "scoretally", "surveycomment", "roundstatement"])
def test_the_admin_has_no_page_for_survey_invitations_or_answers(site_admin, hidden_things, model_name):
    assert site_admin.get(f"/admin/surveys/{model_name}/").status_code == 404
    assert site_admin.get(f"/admin/surveys/{model_name}/?answered__exact=1").status_code == 404


def test_a_survey_round_in_the_admin_says_nothing_about_who_was_asked_or_answered(site_admin, hidden_things):
    survey = SurveyRound.objects.get()
    page = site_admin.get(admin_url(SurveyRound, "change", survey.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert "example.com" not in text and "answered" not in text.lower()


def test_the_admin_cannot_reopen_a_closed_survey_round(site_admin, cast):
    survey = closed_round(cast.account, home_answers=[[4] * 8] * 3, partner_answers=[[3] * 8] * 3)
    opened = survey.history.get(status="open")
    data = {"account": survey.account_id, "quarter": str(survey.quarter), "status": "open",
            "closes_on": survey.closes_on.isoformat()}
    assert site_admin.post(admin_url(SurveyRound, "change", survey.pk), data).status_code == 403
    # simple-history's "revert to this version" page saved the open version back
    site_admin.post(raw_admin_url(SurveyRound, f"{survey.pk}/history/{opened.history_id}/"), data)
    assert site_admin.post(admin_url(SurveyRound, "delete", survey.pk), {"post": "yes"}).status_code == 403
    survey.refresh_from_db()
    assert survey.is_closed


@pytest.mark.parametrize("lookup", ["internal_notes__icontains", "minutes__icontains"])
def test_internal_notes_cannot_be_searched_for_through_a_filter_in_the_admin(site_admin, hidden_things, lookup):
    response = site_admin.get(admin_url(Meeting, "changelist"), {lookup: "INTERNAL"})
    assert response.status_code == 400


def test_an_admin_list_filters_only_by_its_own_filters(site_admin, hidden_things):
    surveys = admin_url(SurveyRound, "changelist")
    assert site_admin.get(surveys, {"status__exact": "open"}).context["cl"].result_count == 1
    assert site_admin.get(admin_url(Meeting, "changelist"), {"kind__exact": "internal"}).status_code == 200


READ_ONLY = sorted(label for label, decision in DECISIONS.items() if decision == "read-only")


@pytest.mark.parametrize("label", READ_ONLY)
def test_records_the_app_edits_on_its_own_pages_are_read_only_in_the_admin(site_admin, hidden_things, label):
    model = next(model for model in admin.site._registry if model._meta.label == label)
    assert site_admin.get(admin_url(model, "changelist")).status_code == 200
    assert site_admin.get(admin_url(model, "add")).status_code == 403
    assert site_admin.post(admin_url(model, "change", 1), {}).status_code == 403
    assert site_admin.post(admin_url(model, "delete", 1), {"post": "yes"}).status_code == 403
    with pytest.raises(NoReverseMatch):  # no "revert to this version" page
        admin_url(model, "simple_history", 1, 1)


def test_only_administrators_get_into_the_admin(client, cast):
    partner = cast["partner_champion"]
    partner.is_staff = True
    partner.save()
    partner.user_permissions.set(Permission.objects.all())
    client.force_login(partner)
    for url in [reverse("admin:index"), reverse("admin:accounts_membership_changelist"),
                reverse("admin:plans_meeting_changelist")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), url

    administrator = cast["admin"]
    administrator.is_staff = True
    administrator.save()
    administrator.user_permissions.set(Permission.objects.filter(codename__endswith="membership"))
    client.force_login(administrator)
    assert client.get(reverse("admin:accounts_membership_changelist")).status_code == 200


def test_every_model_in_the_admin_has_a_decision():
    undecided = sorted(set(registered()) - set(DECISIONS))
    assert undecided == [], "Decide for each: hidden, read-only or editable (see accounts/admin_site.py)"


def test_the_decisions_hold(rf, cast, site_admin):
    request = rf.get("/admin/")
    request.user = cast["admin"]
    in_admin = registered()
    for label, decision in DECISIONS.items():
        if decision == "hidden":
            assert label not in in_admin, label
            continue
        model_admin = in_admin[label]
        if decision == "read-only":
            assert model_admin.has_view_permission(request), label
            assert not model_admin.has_add_permission(request), label
            assert not model_admin.has_change_permission(request), label
            assert not model_admin.has_delete_permission(request), label
            assert not model_admin.get_actions(request), label


def test_the_admin_still_manages_users_accounts_memberships_and_periodic_tasks(site_admin, cast):
    for name in ["accounts_user", "accounts_partneraccount", "accounts_membership", "django_celery_beat_periodictask"]:
        assert site_admin.get(reverse(f"admin:{name}_add")).status_code == 200, name
        assert site_admin.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
    membership = cast["viewer"].memberships.get()
    response = site_admin.post(reverse("admin:accounts_membership_change", args=[membership.pk]), {
        "user": membership.user_id, "account": membership.account_id, "side": "home", "role": "contributor",
    })
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "contributor"
    assert site_admin.get(reverse("admin:accounts_membership_history", args=[membership.pk])).status_code == 200
