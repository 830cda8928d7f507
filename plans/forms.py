from __future__ import annotations

from django import forms

from accounts.concurrency import VersionedModelForm
from accounts.models import PartnerAccount
from dashboards.forms import add_service_errors, describe_errors
from dashboards.models import MetricDefinition

from .models import Action, Meeting, PlanSettings, RosterEntry, Topic

__all__ = ["add_service_errors", "describe_errors"]

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AccountForm(VersionedModelForm):
    """A model form whose choices of people, topics and metrics come from one account."""

    def __init__(self, *args, account: PartnerAccount, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.instance.account = account
        roster = RosterEntry.objects.filter(account=account).order_by("side", "name")
        for name in ("owner", "owners", "attendees"):
            if name in self.fields:
                self.fields[name].queryset = roster
                self.fields[name].label_from_instance = lambda e: e.label
        if "topic" in self.fields:
            self.fields["topic"].queryset = Topic.objects.filter(account=account).exclude(
                status__in=[Topic.Status.DONE, Topic.Status.DROPPED]
            ).order_by("title")
        if "metric" in self.fields:
            self.fields["metric"].queryset = MetricDefinition.objects.filter(
                account=account, retired_at__isnull=True
            ).order_by("position")

    def full_clean(self):
        super().full_clean()
        if self.is_bound:
            describe_errors(self)


class PlanSettingsForm(VersionedModelForm):
    class Meta:
        model = PlanSettings
        fields = ["review_cadence", "next_review_on", "hard_questions"]
        widgets = {"next_review_on": DATE, "hard_questions": forms.Textarea(attrs={"rows": 5})}


class RosterEntryForm(AccountForm):
    class Meta:
        model = RosterEntry
        fields = ["name", "title", "function", "region", "side", "role", "influence", "stance", "user"]

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, account=account, **kwargs)
        from accounts.models import User

        self.fields["user"].queryset = User.objects.filter(memberships__account=account).order_by("username")
        self.fields["user"].label = "Tandem login"
        self.fields["user"].required = False


class TopicForm(AccountForm):
    class Meta:
        model = Topic
        fields = ["title", "description", "status", "horizon", "home_benefit", "partner_benefit", "owners",
                  "target_quarter", "progress"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "home_benefit": forms.Textarea(attrs={"rows": 2}),
            "partner_benefit": forms.Textarea(attrs={"rows": 2}),
            "owners": forms.CheckboxSelectMultiple,
        }

    def clean(self):
        data = super().clean()
        if data.get("status") == Topic.Status.ACTIVE:
            for name in ("home_benefit", "partner_benefit"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, "An active priority states what each firm gains.")
        return data


class ActionForm(AccountForm):
    class Meta:
        model = Action
        fields = ["title", "owner", "due_on", "status", "topic", "metric", "note"]
        widgets = {"due_on": DATE}

    def clean(self):
        data = super().clean()
        if data.get("topic") and data.get("metric"):
            self.add_error("metric", "Link the action to a topic or to a metric, not both.")
        return data


class ActionProgressForm(VersionedModelForm):
    class Meta:
        model = Action
        fields = ["status", "note"]


class MeetingForm(AccountForm):
    class Meta:
        model = Meeting
        fields = ["kind", "held_on", "location", "attendees"]
        widgets = {"held_on": DATE, "attendees": forms.CheckboxSelectMultiple}


class MinutesForm(VersionedModelForm):
    class Meta:
        model = Meeting
        fields = ["minutes", "internal_notes"]
        widgets = {"minutes": forms.Textarea(attrs={"rows": 6}), "internal_notes": forms.Textarea(attrs={"rows": 3})}


class AgendaItemForm(forms.Form):
    title = forms.CharField(label="Agenda item", max_length=300)
    detail = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    """A decision, and — with an owner and a due date — its action, in one step."""

    text = forms.CharField(label="Decision", widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(
        queryset=RosterEntry.objects.none(), required=False, label="Action owner",
        help_text="Choose an owner and a due date to turn the decision into an action.",
    )
    due_on = forms.DateField(required=False, label="Action due date", widget=DATE)

    def __init__(self, *args, account: PartnerAccount, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = RosterEntry.objects.filter(account=account).order_by("side", "name")
        self.fields["owner"].label_from_instance = lambda e: e.label

    def clean(self):
        data = super().clean()
        if bool(data.get("owner")) != bool(data.get("due_on")) and not self.errors:
            missing = "due_on" if data.get("owner") else "owner"
            self.add_error(missing, "An action needs both an owner and a due date.")
        describe_errors(self)
        return data


class MakeActionForm(DecisionForm):
    text = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].required = True
        self.fields["due_on"].required = True
