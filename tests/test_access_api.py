"""The access matrix for every API route and method: the same rules as the pages. On an
account a member does not belong to, every route answers 404; anonymous requests get
401 (no redirect to a sign-in page)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Membership
from dashboards.models import MetricDefinition, MetricResult
from plans.models import Action, Meeting, RosterEntry, Topic
from scorecards.models import Assessment
from surveys import services as survey_services
from surveys.models import SurveyRound

from .access import Route, check_route, expect, matrix_cases
from .api_helpers import LAST, api, first_dimension, first_metric, furnish
from .factories import AssessmentFactory, MembershipFactory, UserFactory
from .scorecards_helpers import draft
from .surveys_helpers import draft_round, listed

JSON = {"content_type": "application/json"}
EDITORS = {"admin": 0, "manager": 0}
FIGURES = ("admin", "manager", "partner_champion", "partner_user")
CHAMPIONS = ("champion", "partner_champion")
PARTNERS_404 = {"partner_champion": 404, "partner_user": 404}


def read(default=200, **overrides):
    return expect(default, anonymous=401, **overrides)


def only(roles, status, **overrides):
    """``status`` for these roles, 403 for every other reader."""
    return read(403, **{**dict.fromkeys(roles, status), **overrides})


def unrecorded_metric(account):
    return MetricDefinition.objects.filter(account=account, results__isnull=True).order_by("position").first().pk


def _obj(model, **filters):
    return lambda account: model.objects.filter(account=account, **filters).order_by("pk").first().pk


def version_of(model, pk) -> int:
    """The version a client read before changing the record (accounts.concurrency)."""
    return model.objects.get(pk=pk).version


def home_draft_version(account) -> int:
    """The version of the home champion's draft (the world's only one): the home champion
    changes it; the partner champion starts theirs, so the version sent is not checked."""
    home = Assessment.objects.filter(account=account, quarter=LAST, side="home").first()
    return home.revision if home else 0


person_of = _obj(RosterEntry)
topic_of = _obj(Topic)
action_of = _obj(Action)
meeting_of = _obj(Meeting)


def _import_file(c, a):
    metric = first_metric(a)
    content = f"metric_id,value,note\n{metric.pk},42,from a file\n".encode()
    return {"quarter": str(LAST), "file": SimpleUploadedFile("results.csv", content, content_type="text/csv")}


def _survey_list(account):
    return listed(SurveyRound.objects.get(account=account, quarter=LAST))


def _opened(account, quarter) -> dict:
    """Opens the account's round for ``quarter`` just before a route closes it: an account
    has one open round at a time, and the matrix opens LAST's too."""
    survey_services.round_open(survey=SurveyRound.objects.get(account=account, quarter=quarter), by=None)
    return {}


def _new_member(c, a):
    return {"user": UserFactory(username="newcomer").username, "side": "home", "role": "viewer"}


ROUTES = [
    # accounts and memberships
    Route("accounts", lambda c, a: api("account-list"), read(200, outsider=200), account_scoped=False),
    Route("account-create", lambda c, a: api("account-list"), {**only(["admin"], 201), "outsider": 403}, method="post",
          data=lambda c, a: {"name": "Nordwind", "slug": "nordwind", "kind": "supplier"}, extra=JSON,
          account_scoped=False),
    Route("account", lambda c, a: api("account-detail", a), read()),
    Route("account-update", lambda c, a: api("account-detail", a), only(EDITORS, 200), method="patch",
          data=lambda c, a: {"region": "Nordics", "version": a.version}, extra=JSON),
    Route("memberships", lambda c, a: api("membership-list", a), only(["admin"], 200)),
    Route("membership-create", lambda c, a: api("membership-list", a), only(["admin"], 201), method="post",
          data=_new_member, extra=JSON),
    Route("membership-update", lambda c, a: api("membership-detail", a, Membership.objects.filter(
        account=a).order_by("pk").first().pk), only(["admin"], 200), method="patch",
        data=lambda c, a: {"role": "viewer"}, extra=JSON),
    Route("membership-delete", lambda c, a: api("membership-detail", a, Membership.objects.filter(
        account=a, role="viewer").order_by("pk").first().pk), only(["admin"], 204), method="delete"),
    Route("membership", lambda c, a: api("membership-detail", a, Membership.objects.filter(
        account=a).order_by("pk").first().pk), only(["admin"], 200)),
    # the dashboard
    Route("dashboard", lambda c, a: api("dashboard-list", a) + f"?quarter={LAST}", read()),
    Route("metrics", lambda c, a: api("metric-list", a), read()),
    Route("metric", lambda c, a: api("metric-detail", a, first_metric(a).pk), read()),
    Route("metric-create", lambda c, a: api("metric-list", a), only(EDITORS, 201), method="post", extra=JSON,
          data=lambda c, a: {"name": "Warranty turnaround", "unit": "days", "goal": "5", "warning_threshold": "5"}),
    Route("metric-update", lambda c, a: api("metric-detail", a, first_metric(a).pk), only(EDITORS, 200),
          method="patch", data=lambda c, a: {"calculation_basis": "A new basis.", "version": first_metric(a).version},
          extra=JSON),
    Route("metric-retire", lambda c, a: api("metric-detail", a, first_metric(a).pk), only(EDITORS, 204),
          method="delete"),
    Route("metric-reinstate", lambda c, a: api("metric-reinstate", a, first_metric(a).pk), only(EDITORS, 200),
          method="post"),
    Route("metric-goal", lambda c, a: api("metric-goals", a, first_metric(a).pk), only(EDITORS, 201),
          method="post", extra=JSON,
          data=lambda c, a: {"effective_from": str(LAST), "goal": "5", "warning_threshold": "5"}),
    Route("metric-sign-off", lambda c, a: api("metric-sign-off", a, first_metric(a).pk), only(FIGURES, 200),
          method="post"),
    Route("results", lambda c, a: api("result-list", a) + f"?quarter={LAST}", read()),
    Route("result", lambda c, a: api("result-detail", a, MetricResult.objects.filter(
        metric__account=a).first().pk), read()),
    Route("results-bulk", lambda c, a: api("result-bulk", a), only(FIGURES, 200), method="post", extra=JSON,
          data=lambda c, a: {"quarter": str(LAST),
                             "figures": [{"metric": unrecorded_metric(a), "value": "42", "version": 0}]}),
    Route("results-import", lambda c, a: api("result-import-file", a), only(FIGURES, 200), method="post",
          data=_import_file),
    Route("results-template", lambda c, a: api("result-template", a) + f"?quarter={LAST}&type=xlsx",
          only(FIGURES, 200)),
    # scorecards
    Route("dimensions", lambda c, a: api("dimension-list", a), read()),
    Route("dimension-create", lambda c, a: api("dimension-list", a), only(EDITORS, 201), method="post",
          data=lambda c, a: {"name": "Speed"}, extra=JSON),
    Route("dimension-update", lambda c, a: api("dimension-detail", a, first_dimension(a).pk), only(EDITORS, 200),
          method="patch", data=lambda c, a: {"description": "Sharper"}, extra=JSON),
    Route("dimension-retire", lambda c, a: api("dimension-detail", a, first_dimension(a).pk), only(EDITORS, 204),
          method="delete"),
    Route("assessments", lambda c, a: api("assessment-list", a), read()),
    Route("dimension", lambda c, a: api("dimension-detail", a, first_dimension(a).pk), read()),
    # The home side's draft: the partner side cannot see it, so for them it does not exist.
    Route("assessment", lambda c, a: api("assessment-detail", a, Assessment.objects.get(account=a).pk),
          read(200, partner_champion=404, partner_user=404)),
    Route("assessment-draft", lambda c, a: api("assessment-draft", a), only(CHAMPIONS, 200), method="post",
          extra=JSON, data=lambda c, a: {"quarter": str(LAST),
                                         "ratings": [{"dimension": first_dimension(a).pk, "colour": 4}],
                                         "version": home_draft_version(a)}),
    # The home champion's draft rates every dimension; the partner champion has rated none.
    Route("assessment-submit", lambda c, a: api("assessment-submit", a), only(CHAMPIONS, 400, champion=200),
          method="post",
          extra=JSON, data=lambda c, a: {"quarter": str(LAST), "ratings": [], "version": home_draft_version(a)}),
    Route("comparison", lambda c, a: api("comparison-detail", a, str(LAST)), read()),
    # the plan
    Route("roster", lambda c, a: api("roster-list", a), read()),
    Route("roster-detail", lambda c, a: api("roster-detail", a, person_of(a)), read()),
    Route("roster-create", lambda c, a: api("roster-list", a), only(EDITORS, 201), method="post", extra=JSON,
          data=lambda c, a: {"name": "Nia", "side": "partner"}),
    Route("roster-update", lambda c, a: api("roster-detail", a, person_of(a)), only(EDITORS, 200), method="patch",
          data=lambda c, a: {"title": "CTO", "version": version_of(RosterEntry, person_of(a))}, extra=JSON),
    Route("roster-delete", lambda c, a: api("roster-detail", a, RosterEntry.objects.create(
        account=a, name="Leaving", side="home").pk), only(EDITORS, 204), method="delete"),
    Route("topics", lambda c, a: api("topic-list", a), read()),
    Route("topic-detail", lambda c, a: api("topic-detail", a, topic_of(a)), read()),
    Route("topic-create", lambda c, a: api("topic-list", a), only(EDITORS, 201), method="post", extra=JSON,
          data=lambda c, a: {"title": "Green steel", "owners": [person_of(a)]}),
    Route("topic-update", lambda c, a: api("topic-detail", a, topic_of(a)), only(EDITORS, 200), method="patch",
          data=lambda c, a: {"progress": 50, "version": version_of(Topic, topic_of(a))}, extra=JSON),
    Route("actions", lambda c, a: api("action-list", a), read()),
    Route("action-detail", lambda c, a: api("action-detail", a, action_of(a)), read()),
    Route("action-create", lambda c, a: api("action-list", a), only(EDITORS, 201), method="post", extra=JSON,
          data=lambda c, a: {"title": "Call", "owner": person_of(a), "due_on": "2030-01-31"}),
    Route("action-update", lambda c, a: api("action-detail", a, action_of(a)), only(EDITORS, 200), method="patch",
          data=lambda c, a: {"status": "done", "version": version_of(Action, action_of(a))}, extra=JSON),
    Route("meetings", lambda c, a: api("meeting-list", a), read()),
    Route("meeting-detail", lambda c, a: api("meeting-detail", a, meeting_of(a)), read()),
    Route("meeting-create", lambda c, a: api("meeting-list", a), only(EDITORS, 201), method="post", extra=JSON,
          data=lambda c, a: {"kind": "steering_team", "held_on": "2030-02-01", "attendees": [person_of(a)]}),
    Route("meeting-update", lambda c, a: api("meeting-detail", a, meeting_of(a)), only(EDITORS, 200),
          method="patch", data=lambda c, a: {"minutes": "Agreed.", "version": version_of(Meeting, meeting_of(a))},
          extra=JSON),
    # perception surveys: everyone reads the anonymous results; who was asked is for those who run surveys
    Route("surveys", lambda c, a: api("survey-list", a), read()),
    Route("survey", lambda c, a: api("survey-detail", a, str(LAST)), read()),
    Route("survey-respondents", lambda c, a: api("survey-respondents", a, str(LAST)), only(EDITORS, 200)),
    Route("survey-respondents-add", lambda c, a: api("survey-respondents", a, str(LAST)), only(EDITORS, 201),
          method="post", extra=JSON, data=lambda c, a: {"people": [{"email": "new@example.com", "side": "home"}]}),
    Route("survey-create", lambda c, a: api("survey-list", a), only(EDITORS, 201), method="post", extra=JSON,
          data=lambda c, a: {"quarter": str(LAST + 1), "closes_on": "2099-01-31"}),
    Route("survey-open", lambda c, a: api("survey-open", a, str(LAST)), only(EDITORS, 200), method="post"),
    Route("survey-close", lambda c, a: api("survey-close", a, str(LAST - 1)), only(EDITORS, 200), method="post",
          data=lambda c, a: _opened(a, LAST - 1)),
    Route("survey-delete", lambda c, a: api("survey-detail", a, str(LAST)), only(EDITORS, 204), method="delete"),
    # the partner firm's champion, and nobody else, vouches for everyone asked
    Route("survey-partner-list", lambda c, a: api("survey-partner-confirmation", a, str(LAST)),
          only(["partner_champion"], 200)),
    Route("survey-partner-confirm", lambda c, a: api("survey-partner-confirmation", a, str(LAST)),
          only(["partner_champion"], 200), method="post", extra=JSON,
          data=lambda c, a: _survey_list(a)),
    # the portfolio: the home firm's view; partner users are told it does not exist
    Route("portfolio", lambda c, a: api("portfolio-list"), read(200, outsider=200, **PARTNERS_404),
          account_scoped=False),
    Route("portfolio-filtered", lambda c, a: api("portfolio-list") + "?type=supplier&flag=any&sort=-green",
          read(200, outsider=200, **PARTNERS_404), account_scoped=False),
    # your own notifications
    Route("notifications", lambda c, a: api("notification-list"), read(200, outsider=200), account_scoped=False),
    Route("notifications-read-all", lambda c, a: api("notification-read-all"), read(200, outsider=200),
          method="post", account_scoped=False),
]


@pytest.fixture(autouse=True)
def _world(cast):
    furnish(cast.account)
    furnish(cast.other_account)
    MembershipFactory(account=cast.other_account, role=Membership.Role.VIEWER)
    draft(cast["champion"], cast.account, 3)
    AssessmentFactory(account=cast.other_account, quarter=LAST, status="draft", submitted_at=None)
    for account in (cast.account, cast.other_account):
        draft_round(account, home=1, partner=1, quarter=LAST)
        draft_round(account, home=1, quarter=LAST - 1)  # opened by the route that closes it


@pytest.mark.parametrize(("route", "role", "which"), matrix_cases(ROUTES))
def test_api_access_matrix(client, cast, route, role, which):
    check_route(client, cast, route, role, which)


# Operations tested elsewhere: PUT runs the same code as PATCH with every field given, and
# a notification belongs to one person, so its routes are tested per person (test_api.py).
UNTESTED_HERE = {("put", None), ("get", "/api/v1/notifications/{id}/"), ("post", "/api/v1/notifications/{id}/read/")}


def test_every_api_operation_is_in_the_matrix(cast):
    import re

    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    urls = [(route.method, route.url(cast, cast.account).split("?")[0]) for route in ROUTES]
    missing = []
    for path, operations in schema["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "$")
        for method in operations:
            if (method, None) in UNTESTED_HERE or (method, path) in UNTESTED_HERE:
                continue
            if not any(m == method and pattern.match(url) for m, url in urls):
                missing.append(f"{method.upper()} {path}")
    assert not missing, "API operations missing from the access matrix: " + ", ".join(missing)
