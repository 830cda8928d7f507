"""The form sweep's registry: every HTML form of the site, filled in with valid data and
sent by the person it is for. tests/test_form_sweep.py sends each entry and checks that
it is accepted, that the person reads what was done, and that it was done;
tests/test_completeness.py checks that every view taking a POST and every form class of
the project has an entry here.

Adding a form is one entry in ENTRIES, for example::

    Entry("dashboards:metric_goal", lambda w: w.at("dashboards:metric_goal", w.metric("On-time delivery").pk),
          by="manager", data=lambda w: {"effective_from": str(LAST), "goal": "97.5", "warning_threshold": "92"},
          says="New goal for “On-time delivery”: 97.5",
          changed=lambda w: w.metric("On-time delivery").goal_for(LAST).goal == Decimal("97.5"),
          forms=[GoalForm]),

``url`` and ``data`` receive a :class:`World`: the cast's account, whose objects (metrics,
roster, meetings, survey rounds...) are made through the services the first time an entry
asks for one. ``changed`` reads the effect back from the database: it must be false
before the form is sent and true after.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from accounts.forms import AccountForm, ApiTokenForm, MembershipForm
from accounts.models import ApiToken, Membership, PartnerAccount, Side
from accounts.quarters import Quarter
from accounts.tokens import token_create
from dashboards import selectors as dashboard_selectors
from dashboards import services as dashboard_services
from dashboards.forms import EntryRowForm, GoalForm, ImportForm, MetricForm, NewMetricForm
from dashboards.models import MetricResult
from notifications.models import EmailOptOut, Notification
from plans import selectors as plan_selectors
from plans import services as plan_services
from plans.forms import (
    ActionForm,
    ActionProgressForm,
    AgendaItemForm,
    DecisionForm,
    MakeActionForm,
    MeetingForm,
    MinutesForm,
    PlanSettingsForm,
    RosterEntryForm,
    TopicForm,
)
from plans.models import Action, AgendaItem, Decision, Meeting, RosterEntry, Topic
from portfolio.forms import PortfolioFilterForm
from scorecards.forms import AssessmentForm, DimensionForm, ReasonForm
from scorecards.models import Assessment, Dimension, QuarterRelease
from surveys import selectors as survey_selectors
from surveys.forms import AddByEmailForm, AnswerForm, ClosingForm, RoundForm, StatementsForm
from surveys.models import Invitation, SurveyRound, SurveyStatement

from .factories import PASSWORD, UserFactory, with_default_metrics
from .plans_helpers import action, meeting, person, topic
from .scorecards_helpers import dimensions_of, submit
from .surveys_helpers import draft_round, listed, open_round

NOW = Quarter.current()
LAST = NOW.previous()


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _posted(value):
    """A value as a browser sends it."""
    if isinstance(value, list | tuple):
        return [_posted(v) for v in value]
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def filled_in(form: forms.BaseForm, **typed) -> dict:
    """What a browser sends for ``form`` as the page shows it, with ``typed`` typed over it
    (field names without the form's prefix)."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue  # an empty choice or an unticked box sends nothing
        data[bound.html_name] = "on" if value is True else _posted(value)
        if bound.field.show_hidden_initial:
            data[bound.html_initial_name] = data[bound.html_name]
    data.update({form.add_prefix(name): _posted(value) for name, value in typed.items()})
    return data


class World:
    """The cast's account (``helix``) and what its forms act on, each made through the
    services the first time an entry asks for it."""

    def __init__(self, cast, client):
        self.cast, self.client, self.account = cast, client, cast.account

    def at(self, url_name: str, *args) -> str:
        """The URL of one of the account's pages: ``w.at("plans:topic_edit", w.topic.pk)``."""
        return reverse(url_name, args=[self.account.slug, *args])

    def fresh(self, obj: Model) -> Model:
        return type(obj).objects.get(pk=obj.pk)

    # --- dashboards
    @cached_property
    def metrics(self) -> dict:
        with_default_metrics(self.account)
        return {m.name: m for m in self.account.metrics.all()}

    def metric(self, name: str):
        """A metric of the default template, read afresh. (The account is a customer, so
        "Order lead time" is the home firm's figure and "On-time delivery" the partner's.)"""
        return self.fresh(self.metrics[name])

    def result(self, name: str, quarter: Quarter = LAST) -> MetricResult | None:
        return MetricResult.objects.filter(metric=self.metrics[name], quarter=quarter).first()

    def entry_grid(self, side: str, quarter: Quarter = LAST, **typed: str) -> dict:
        """The entry page's grid as shown, with figures typed for some metrics:
        ``entry_grid("home", **{"Order lead time": "9"})``."""
        self.metrics  # noqa: B018 - made before the grid is read
        data = {}
        for row in dashboard_selectors.entry_rows(account=self.account, quarter=quarter):
            form = EntryRowForm(row=row, side=side)
            data.update(filled_in(form, **({"value": typed[row.metric.name]} if row.metric.name in typed else {})))
        return data

    # --- scorecards
    @cached_property
    def dimensions(self) -> list[Dimension]:
        return dimensions_of(self.account)

    def assessment_form(self, colour: int, **extra) -> dict:
        """The scorecard form with every dimension coloured ``colour``."""
        form = AssessmentForm(dimensions=self.dimensions)
        return {**filled_in(form, **{f"colour-{d.pk}": colour for d in self.dimensions}), **extra}

    def assessment(self, side: str, quarter: Quarter = LAST) -> Assessment | None:
        return Assessment.objects.filter(account=self.account, quarter=quarter, side=side).first()

    @cached_property
    def home_submitted(self) -> Assessment:
        """The home champion's scorecard for last quarter, submitted."""
        return submit(self.cast["champion"], self.account, 4)

    # --- plans
    @cached_property
    def person(self) -> RosterEntry:
        return person(self.account, "Maja Berg", side=Side.HOME)

    @cached_property
    def partner_person(self) -> RosterEntry:
        """The partner user on the roster: the owner of ``action``."""
        return person(self.account, "Partner User", side=Side.PARTNER, user=self.cast["partner_user"])

    @cached_property
    def topic(self) -> Topic:
        return topic(self.account, "Joint forecasting", owners=[self.person])

    @cached_property
    def action(self) -> Action:
        return action(self.account, "Share the forecast", self.partner_person)

    @cached_property
    def review(self) -> Meeting:
        """A quarterly review with one agenda item and one decision without an action."""
        review = meeting(self.account)
        plan_services.agenda_item_add(meeting=review, by=None, title="Dashboard")
        plan_services.decision_record(meeting=review, by=None, text="Look into the delays")
        return review

    def plan_form(self, form_class, instance=None, **typed) -> dict:
        return filled_in(form_class(instance=instance, account=self.account), **typed)

    # --- surveys
    @cached_property
    def draft_round(self) -> SurveyRound:
        """This quarter's round, drafted, with one person of each firm asked."""
        return draft_round(self.account, home=1, partner=1, quarter=NOW)

    @cached_property
    def unconfirmed_round(self) -> SurveyRound:
        """This quarter's round, drafted with one person of each firm, whom the partner's
        champion has not confirmed yet."""
        return draft_round(self.account, home=1, partner=1, quarter=NOW, partner_confirmed=False)

    @cached_property
    def open_round(self) -> tuple[SurveyRound, dict[str, str]]:
        """Last quarter's round, open, and each asked person's personal link token."""
        return open_round(self.account, home=2, partner=2, quarter=LAST)

    def round_status(self, quarter: Quarter) -> str | None:
        return SurveyRound.objects.filter(account=self.account, quarter=quarter).values_list(
            "status", flat=True).first()

    # --- you
    @cached_property
    def notification(self) -> Notification:
        return Notification.objects.create(
            user=self.cast["manager"], account=self.account, kind="results_missing",
            subject_key=f"account:{self.account.pk}", title="Log the results", body="…",
            link=reverse("dashboards:dashboard", args=[self.account.slug]),
        )

    @cached_property
    def token(self) -> ApiToken:
        return token_create(user=self.cast["manager"], name="upload script")[0]

    def membership(self, username: str) -> Membership:
        return Membership.objects.get(account=self.account, user__username=username)

    def signed_in(self) -> bool:
        """Whether the client is signed in: the home page shows rather than sends to sign in."""
        return self.client.get(reverse("home")).status_code == 200


@dataclass(frozen=True)
class Entry:
    url_name: str  # the view the form is sent to, e.g. "dashboards:metric_goal"
    url: Callable[[World], str]
    by: str | None  # who sends it: a role of the cast (tests/conftest.py); None: nobody signed in
    says: str | None  # what the person reads afterwards (a message, or the page they land on)
    changed: Callable[[World], bool] | None  # the effect, read from the database; None only for GET forms
    data: Callable[[World], dict] = lambda w: {}
    given: Callable[[World], object] | None = None  # what must exist before the page is opened
    forms: list = field(default_factory=list)  # the project's form classes the view fills from the data
    status: int = 302
    method: str = "post"
    label: str = ""  # the test id, when a view has several entries

    @property
    def id(self) -> str:
        return self.label or self.url_name


# An account manager's cast of characters: the manager edits, the champions write their
# scorecards, the partner user enters the partner firm's figures and updates their actions,
# the administrator keeps accounts and people, anyone signed in looks after their own things.
ENTRIES = [
    # --- signing in and out, your API tokens
    Entry("login", lambda w: reverse("login"), by=None, data=lambda w: {"username": "manager", "password": PASSWORD},
          says="Helix Components", changed=World.signed_in),
    Entry("logout", lambda w: reverse("logout"), by="manager", says="Sign in to Tandem",
          changed=lambda w: not w.signed_in()),
    Entry("api_tokens", lambda w: reverse("api_tokens"), by="manager", data=lambda w: {"name": "quarterly upload"},
          says="Token “quarterly upload” made. Copy its key now",
          changed=lambda w: ApiToken.objects.filter(user=w.cast["manager"], name="quarterly upload").exists(),
          forms=[ApiTokenForm]),
    Entry("api_token_revoke", lambda w: reverse("api_token_revoke", args=[w.token.pk]), by="manager",
          says="Token “upload script” revoked", changed=lambda w: w.fresh(w.token).revoked_at is not None),

    # --- accounts and who may see them
    Entry("accounts:create", lambda w: reverse("accounts:create"), by="admin",
          data=lambda w: filled_in(AccountForm(), name="Nordwind Energy", slug="nordwind", kind="supplier"),
          says="Account “Nordwind Energy” created.", changed=lambda w: PartnerAccount.objects.filter(
              slug="nordwind").exists(), forms=[AccountForm]),
    Entry("accounts:edit", lambda w: w.at("accounts:edit"), by="manager",
          data=lambda w: filled_in(AccountForm(instance=w.account), region="Nordics", level_note="Joint roadmap"),
          says="Account details saved.", changed=lambda w: w.fresh(w.account).region == "Nordics",
          forms=[AccountForm]),
    Entry("accounts:memberships", lambda w: w.at("accounts:memberships"), by="admin",
          data=lambda w: {"user": UserFactory(username="newcomer").pk, "side": "home", "role": "viewer"},
          says="now has access as Viewer.",
          changed=lambda w: Membership.objects.filter(account=w.account, user__username="newcomer").exists(),
          forms=[MembershipForm]),
    Entry("accounts:membership_edit", lambda w: w.at("accounts:membership_edit", w.membership("viewer").pk),
          by="admin", data=lambda w: filled_in(MembershipForm(instance=w.membership("viewer"), account=w.account),
                                               role="contributor"),
          says="access changed.", changed=lambda w: w.membership("viewer").role == "contributor",
          forms=[MembershipForm]),
    Entry("accounts:membership_remove", lambda w: w.at("accounts:membership_remove", w.membership("viewer").pk),
          by="admin", says="no longer has access to Helix Components.",
          changed=lambda w: not w.account.memberships.filter(user__username="viewer").exists()),

    # --- the dashboard
    Entry("dashboards:entry", lambda w: w.at("dashboards:entry", LAST), by="manager", label="entry-home-figure",
          data=lambda w: w.entry_grid("home", **{"Order lead time": "9"}), says=f"Saved 1 figure for {LAST}.",
          changed=lambda w: w.result("Order lead time") is not None and w.result("Order lead time").home_value == 9,
          forms=[EntryRowForm]),
    Entry("dashboards:entry", lambda w: w.at("dashboards:entry", LAST), by="partner_user",
          label="entry-partner-figure", data=lambda w: w.entry_grid("partner", **{"On-time delivery": "97.2"}),
          says=f"Saved 1 figure for {LAST}.", forms=[EntryRowForm],
          changed=lambda w: (r := w.result("On-time delivery")) is not None and r.partner_value == Decimal("97.2")),
    Entry("dashboards:import", lambda w: w.at("dashboards:import", LAST), by="manager",
          data=lambda w: {"file": SimpleUploadedFile(
              "results.csv", f"metric_id,value,note\n{w.metrics['Order lead time'].pk},11,from the ERP\n".encode(),
              content_type="text/csv")},
          says=f"Imported {LAST}: 1 figure saved", forms=[ImportForm],
          changed=lambda w: (r := w.result("Order lead time")) is not None and r.home_value == 11),
    Entry("dashboards:metric_add", lambda w: w.at("dashboards:metric_add"), by="manager",
          data=lambda w: {"name": "Forecast accuracy", "category": "strategic", "unit": "percent",
                          "direction": "higher", "mismatch_tolerance": "1", "data_owner": "home",
                          "calculation_basis": "1 - MAPE", "goal": "85", "warning_threshold": "80"},
          says="“Forecast accuracy” added to the dashboard.", forms=[NewMetricForm],
          changed=lambda w: w.account.metrics.filter(name="Forecast accuracy").exists()),
    Entry("dashboards:metric_edit", lambda w: w.at("dashboards:metric_edit", w.metrics["Invoice accuracy"].pk),
          by="manager", data=lambda w: filled_in(MetricForm(instance=w.metric("Invoice accuracy")),
                                                 calculation_basis="Invoices paid as sent, of all invoices."),
          says="“Invoice accuracy” saved.", forms=[MetricForm],
          changed=lambda w: w.metric("Invoice accuracy").calculation_basis.startswith("Invoices paid as sent")),
    Entry("dashboards:metric_goal", lambda w: w.at("dashboards:metric_goal", w.metrics["On-time delivery"].pk),
          by="manager", data=lambda w: {"effective_from": str(LAST), "goal": "97.5", "warning_threshold": "92",
                                        "note": "Harder to reach with the new carrier"},
          says="New goal for “On-time delivery”: 97.5", forms=[GoalForm],
          changed=lambda w: w.metric("On-time delivery").goal_for(LAST).goal == Decimal("97.5")),
    Entry("dashboards:metric_sign_off", lambda w: w.at("dashboards:metric_sign_off", w.metrics["Defect rate"].pk),
          by="partner_user", says="You signed off the calculation basis of “Defect rate” for the Partner firm.",
          changed=lambda w: w.metric("Defect rate").partner_signed_off_at is not None),
    Entry("dashboards:metric_move", lambda w: w.at("dashboards:metric_move", w.metrics["Defect rate"].pk),
          by="manager", data=lambda w: {"direction": "down"}, says="“Defect rate” moved down.",
          changed=lambda w: w.metric("Defect rate").position == 2),
    Entry("dashboards:metric_retire", lambda w: w.at("dashboards:metric_retire", w.metrics["Defect rate"].pk),
          by="manager", says="“Defect rate” retired.", changed=lambda w: w.metric("Defect rate").is_retired),
    Entry("dashboards:metric_retire", lambda w: w.at("dashboards:metric_retire", w.metrics["Defect rate"].pk),
          by="manager", label="metric-reinstate",
          given=lambda w: dashboard_services.metric_retire(metric=w.metric("Defect rate"), by=None),
          says="“Defect rate” is back on the dashboard", changed=lambda w: not w.metric("Defect rate").is_retired),
    # The quarter picker: a GET form.
    Entry("dashboards:dashboard", lambda w: w.at("dashboards:dashboard"), by="viewer", method="get", status=200,
          given=lambda w: w.metrics, data=lambda w: {"quarter": str(LAST - 2)}, says=f"No results for {LAST - 2} yet.",
          changed=None),

    # --- scorecards
    Entry("scorecards:assessment", lambda w: w.at("scorecards:assessment", LAST), by="champion",
          label="assessment-draft", data=lambda w: w.assessment_form(4, save="1"), says="Draft saved at",
          changed=lambda w: (a := w.assessment("home")) is not None and a.ratings.count() == len(w.dimensions),
          forms=[AssessmentForm]),
    Entry("scorecards:assessment", lambda w: w.at("scorecards:assessment", LAST), by="partner_champion",
          label="assessment-submit", data=lambda w: w.assessment_form(2, submit="1"),
          says=f"Your {LAST} scorecard is submitted and locked.", forms=[AssessmentForm],
          changed=lambda w: (a := w.assessment("partner")) is not None and a.is_submitted),
    Entry("scorecards:autosave", lambda w: w.at("scorecards:autosave", LAST), by="champion", status=200,
          data=lambda w: w.assessment_form(3), says="Draft saved at", forms=[AssessmentForm],
          changed=lambda w: (a := w.assessment("home")) is not None and a.ratings.filter(colour=3).exists()),
    Entry("scorecards:release", lambda w: w.at("scorecards:release", LAST), by="admin",
          given=lambda w: w.home_submitted,
          data=lambda w: {"reason": "The partner champion is on leave"},
          says=f"{LAST} is released: each side now sees what the other submitted.", forms=[ReasonForm],
          changed=lambda w: QuarterRelease.objects.filter(account=w.account, quarter=LAST).exists()),
    Entry("scorecards:reopen", lambda w: w.at("scorecards:reopen", LAST, "home"), by="admin",
          given=lambda w: w.home_submitted,
          data=lambda w: {"reason": "A colour was chosen by mistake"},
          says=f"The home firm's {LAST} scorecard is open for changes again.", forms=[ReasonForm],
          changed=lambda w: not w.assessment("home").is_submitted),
    Entry("scorecards:dimensions", lambda w: w.at("scorecards:dimensions"), by="manager", given=lambda w: w.dimensions,
          data=lambda w: {"name": "Joint innovation", "description": "New products made together"},
          says="Dimension “Joint innovation” added.", forms=[DimensionForm],
          changed=lambda w: Dimension.objects.filter(account=w.account, name="Joint innovation").exists()),
    Entry("scorecards:dimension_change", lambda w: w.at("scorecards:dimension_change", w.dimensions[0].pk),
          by="manager", label="dimension-rename",
          data=lambda w: {"action": "save", "name": "Dashboard goals met", "description": ""},
          says="“Dashboard goals met” saved.", forms=[DimensionForm],
          changed=lambda w: w.fresh(w.dimensions[0]).name == "Dashboard goals met"),
    Entry("scorecards:dimension_change", lambda w: w.at("scorecards:dimension_change", w.dimensions[0].pk),
          by="manager", label="dimension-move", data=lambda w: {"action": "down"}, says=None,
          changed=lambda w: w.fresh(w.dimensions[0]).position > w.fresh(w.dimensions[1]).position),
    Entry("scorecards:dimension_change", lambda w: w.at("scorecards:dimension_change", w.dimensions[0].pk),
          by="manager", label="dimension-retire", data=lambda w: {"action": "retire"}, says="retired.",
          changed=lambda w: w.fresh(w.dimensions[0]).retired),

    # --- the plan: who
    Entry("plans:settings", lambda w: w.at("plans:settings"), by="manager",
          data=lambda w: filled_in(PlanSettingsForm(instance=plan_selectors.plan_settings_for(w.account)),
                                   review_cadence="1", next_review_on=in_days(40),
                                   hard_questions="What has changed in your priorities?"),
          says="Review cadence and hard questions saved.", forms=[PlanSettingsForm],
          changed=lambda w: plan_selectors.plan_settings_for(w.fresh(w.account)).review_cadence == 1),
    Entry("plans:roster_add", lambda w: w.at("plans:roster_add"), by="manager",
          data=lambda w: w.plan_form(RosterEntryForm, name="Nia Okafor", title="Head of Quality", side="partner",
                                     role="steering_team", influence="high", stance="supporter"),
          says="Nia Okafor is on the roster as", forms=[RosterEntryForm],
          changed=lambda w: RosterEntry.objects.filter(account=w.account, name="Nia Okafor").exists()),
    Entry("plans:roster_edit", lambda w: w.at("plans:roster_edit", w.person.pk), by="manager",
          data=lambda w: w.plan_form(RosterEntryForm, w.person, title="Chief Procurement Officer"),
          says="Maja Berg is on the roster as", forms=[RosterEntryForm],
          changed=lambda w: w.fresh(w.person).title == "Chief Procurement Officer"),
    Entry("plans:roster_remove", lambda w: w.at("plans:roster_remove", w.person.pk), by="manager",
          says="Maja Berg is no longer on the roster.",
          changed=lambda w: not RosterEntry.objects.filter(pk=w.person.pk).exists()),

    # --- the plan: what
    Entry("plans:topic_add", lambda w: w.at("plans:topic_add"), by="manager",
          data=lambda w: w.plan_form(TopicForm, title="Green steel", status="short_list", horizon="long_term",
                                     home_benefit="Lower emissions", partner_benefit="A premium product",
                                     owners=[w.person.pk], target_quarter=str(NOW + 4), progress="10"),
          says="“Green steel” saved (short list).", forms=[TopicForm],
          changed=lambda w: Topic.objects.filter(account=w.account, title="Green steel", target_quarter=NOW + 4,
                                                 owners=w.person).exists()),
    Entry("plans:topic_edit", lambda w: w.at("plans:topic_edit", w.topic.pk), by="manager",
          data=lambda w: w.plan_form(TopicForm, w.topic, progress="40", target_quarter=str(NOW + 2)),
          says="“Joint forecasting” saved", forms=[TopicForm],
          changed=lambda w: (t := w.fresh(w.topic)).progress == 40 and t.target_quarter == NOW + 2),
    Entry("plans:topic_move", lambda w: w.at("plans:topic_move", w.topic.pk), by="manager",
          data=lambda w: {"status": "short_list"}, says="“Joint forecasting” is now: short list.",
          changed=lambda w: w.fresh(w.topic).status == Topic.Status.SHORT_LIST),
    Entry("plans:action_add", lambda w: w.at("plans:action_add"), by="manager",
          data=lambda w: w.plan_form(ActionForm, title="Send the forecast", owner=w.person.pk,
                                     due_on=in_days(30), status="open", topic=w.topic.pk),
          says="Action “Send the forecast” saved for Maja Berg.", forms=[ActionForm],
          changed=lambda w: Action.objects.filter(account=w.account, title="Send the forecast",
                                                  topic=w.topic).exists()),
    Entry("plans:action_edit", lambda w: w.at("plans:action_edit", w.action.pk), by="manager",
          data=lambda w: w.plan_form(ActionForm, w.action, due_on=in_days(60)),
          says="Action “Share the forecast” saved for Partner User.", forms=[ActionForm],
          changed=lambda w: w.fresh(w.action).due_on == in_days(60)),
    Entry("plans:action_progress", lambda w: w.at("plans:action_progress", w.action.pk), by="partner_user",
          data=lambda w: filled_in(ActionProgressForm(instance=w.action), status="in_progress",
                                   note="Draft sent to planning"),
          says="“Share the forecast” is now in progress.", forms=[ActionProgressForm],
          changed=lambda w: w.fresh(w.action).note == "Draft sent to planning"),

    # --- the plan: when
    Entry("plans:meeting_add", lambda w: w.at("plans:meeting_add"), by="manager",
          data=lambda w: w.plan_form(MeetingForm, kind="steering_team", held_on=in_days(20), location="Lyon",
                                     attendees=[w.person.pk]),
          says="scheduled.", forms=[MeetingForm],
          changed=lambda w: Meeting.objects.filter(account=w.account, location="Lyon", attendees=w.person).exists()),
    Entry("plans:meeting_edit", lambda w: w.at("plans:meeting_edit", w.review.pk), by="manager",
          data=lambda w: w.plan_form(MeetingForm, w.review, location="Rotterdam"), says="saved.",
          forms=[MeetingForm], changed=lambda w: w.fresh(w.review).location == "Rotterdam"),
    Entry("plans:agenda_accept", lambda w: w.at("plans:agenda_accept", w.review.pk), by="manager",
          says="proposed item", changed=lambda w: w.review.agenda_items.count() > 1),
    Entry("plans:agenda_add", lambda w: w.at("plans:agenda_add", w.review.pk), by="manager",
          data=lambda w: {"title": "Any other business", "detail": ""}, says="Agenda item added.",
          forms=[AgendaItemForm], changed=lambda w: w.review.agenda_items.filter(title="Any other business").exists()),
    Entry("plans:agenda_remove",
          lambda w: w.at("plans:agenda_remove", w.review.pk, w.review.agenda_items.get(title="Dashboard").pk),
          by="manager", says="“Dashboard” removed from the agenda.",
          changed=lambda w: not AgendaItem.objects.filter(meeting=w.review, title="Dashboard").exists()),
    Entry("plans:minutes", lambda w: w.at("plans:minutes", w.review.pk), by="manager",
          data=lambda w: filled_in(MinutesForm(instance=w.review), minutes="Both firms agreed the forecast.",
                                   internal_notes="Push on price next time."),
          says="Minutes saved.", forms=[MinutesForm],
          changed=lambda w: w.fresh(w.review).minutes == "Both firms agreed the forecast."),
    Entry("plans:decision_add", lambda w: w.at("plans:decision_add", w.review.pk), by="manager",
          data=lambda w: {"text": "Pilot the joint forecast", "owner": w.person.pk, "due_on": in_days(30)},
          says="Decision recorded and action created for Maja Berg", forms=[DecisionForm],
          changed=lambda w: Decision.objects.filter(meeting=w.review, text="Pilot the joint forecast",
                                                    action__owner=w.person).exists()),
    Entry("plans:decision_action", lambda w: w.at("plans:decision_action", w.review.decisions.get().pk),
          by="manager", data=lambda w: {"owner": w.person.pk, "due_on": in_days(30)},
          says="Action created for Maja Berg.", forms=[MakeActionForm],
          changed=lambda w: w.review.decisions.get().action is not None),

    # --- perception surveys
    Entry("surveys:create", lambda w: w.at("surveys:create"), by="manager",
          data=lambda w: filled_in(RoundForm(), quarter=str(NOW)),
          says=f"Survey round {NOW} drafted.", forms=[RoundForm], changed=lambda w: w.round_status(NOW) == "draft"),
    Entry("surveys:statements", lambda w: w.at("surveys:statements"), by="manager",
          data=lambda w: {"statements": "We trust each other.\nWe win together.",
                          "version": survey_selectors.statement_set(w.account).version},
          says="Statements saved.", forms=[StatementsForm],
          changed=lambda w: list(SurveyStatement.objects.filter(account=w.account).order_by(
              "position").values_list("text", flat=True)) == ["We trust each other.", "We win together."]),
    Entry("surveys:respondents", lambda w: w.at("surveys:respondents", w.draft_round.quarter), by="manager",
          data=lambda w: {"side": "partner", "emails": "Ana Silva <ana.silva@example.com>"},
          says="1 person added.", forms=[AddByEmailForm],
          changed=lambda w: w.draft_round.invitations.filter(email="ana.silva@example.com").exists()),
    Entry("surveys:respondent_remove", lambda w: w.at("surveys:respondent_remove", NOW,
                                                      w.draft_round.invitations.order_by("pk").first().pk),
          by="manager", says="removed from the round.", changed=lambda w: w.draft_round.invitations.count() == 1),
    Entry("surveys:partner_confirmation", lambda w: w.at("surveys:partner_confirmation", w.unconfirmed_round.quarter),
          by="partner_champion",
          data=lambda w: listed(w.unconfirmed_round),
          says="you confirmed the people asked in this round",
          changed=lambda w: w.fresh(w.unconfirmed_round).partner_confirmed_at is not None),
    Entry("surveys:open", lambda w: w.at("surveys:open", w.draft_round.quarter), by="manager",
          says=f"Round {NOW} is open", changed=lambda w: w.round_status(NOW) == "open"),
    Entry("surveys:close", lambda w: w.at("surveys:close", w.open_round[0].quarter), by="manager",
          says=f"Round {LAST} is closed", changed=lambda w: w.round_status(LAST) == "closed"),
    Entry("surveys:closing", lambda w: w.at("surveys:closing", w.open_round[0].quarter), by="manager",
          data=lambda w: {"closes_on": in_days(30)}, says="People can answer until", forms=[ClosingForm],
          changed=lambda w: w.fresh(w.open_round[0]).closes_on == in_days(30)),
    Entry("surveys:delete", lambda w: w.at("surveys:delete", w.draft_round.quarter), by="manager",
          says=f"Draft round {NOW} deleted.", changed=lambda w: w.round_status(NOW) is None),
    # The personal link: nobody signed in, the token is the key.
    Entry("survey_answer", lambda w: reverse("survey_answer", args=[next(iter(w.open_round[1].values()))]),
          by=None, status=200, data=lambda w: {
              **{f"score_{s.position}": "4" for s in w.open_round[0].statements.all()}, "comment_1": "Good year"},
          says=f"Your answers to the {LAST} survey are in.", forms=[AnswerForm],
          changed=lambda w: Invitation.objects.filter(round=w.open_round[0], answered=True).exists()),

    # --- your notifications
    Entry("notifications:mark_read", lambda w: reverse("notifications:mark_read", args=[w.notification.pk]),
          by="manager", says="· read", changed=lambda w: w.fresh(w.notification).read_at is not None),
    Entry("notifications:mark_read", lambda w: reverse("notifications:mark_read", args=[w.notification.pk]),
          by="manager", label="notification-open", data=lambda w: {"open": "1"},
          says="Performance dashboard — Helix Components",
          changed=lambda w: w.fresh(w.notification).read_at is not None),
    Entry("notifications:mark_all_read", lambda w: reverse("notifications:mark_all_read"), by="manager",
          given=lambda w: w.notification, says="Marked 1 notification as read.",
          changed=lambda w: w.fresh(w.notification).read_at is not None),
    Entry("notifications:preferences", lambda w: reverse("notifications:preferences"), by="champion",
          data=lambda w: {"email": ["results_missing"]}, says="Your e-mail preferences are saved.",
          changed=lambda w: EmailOptOut.objects.filter(user=w.cast["champion"], kind="scorecard_missing").exists()),

    # --- the portfolio's filters: a GET form
    Entry("portfolio:index", lambda w: reverse("portfolio:index"), by="portfolio", method="get", status=200,
          data=lambda w: {"q": "Helix"}, says="1 account match the filters", changed=None,
          forms=[PortfolioFilterForm]),
]


# --- what the completeness test checks against ---------------------------------------------

def project_apps() -> list[str]:
    """The project's own Django apps (not those installed from packages)."""
    return [app.name for app in apps.get_app_configs() if "site-packages" not in Path(app.path).parts
            and not app.name.startswith("django.")]


def is_project_form(form_class: type) -> bool:
    # Forms in an app's admin module are the Django admin's, tested with the admin.
    module = form_class.__module__
    return module.split(".")[0] in project_apps() and not module.endswith(".admin")


def project_form_classes() -> list[type]:
    """Every form class the project's apps define (their forms modules imported first)."""
    for app in project_apps():
        if importlib.util.find_spec(f"{app}.forms"):
            importlib.import_module(f"{app}.forms")
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if is_project_form(cls) and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
