"""The What-Who-When plan of a relationship: who (the roster of both firms), what (topics
and actions) and when (review meetings with agenda, minutes and decisions)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.concurrency import Versioned
from accounts.models import PartnerAccount, Side
from accounts.quarters import QuarterField
from accounts.text import validate_one_line

MAX_ACTIVE_TOPICS = 5

STANDING_HARD_QUESTIONS = (
    "What has changed in your expectations and priorities since our last meeting?\n"
    "Does what we hear from across your organisation match what you tell us?\n"
    "What should we stop, start or continue doing so that the relationship does not stall?"
)


class PlanSettings(Versioned):
    """Per account: how often the quarterly review is held, when the next one is due, and
    the standing hard questions every review agenda ends with."""

    class Cadence(models.IntegerChoices):
        MONTHLY = 1, "Monthly"
        QUARTERLY = 3, "Quarterly"
        HALF_YEARLY = 6, "Every six months"

    account = models.OneToOneField(PartnerAccount, on_delete=models.CASCADE, related_name="plan_settings")
    review_cadence = models.PositiveSmallIntegerField(
        "review cadence", choices=Cadence.choices, default=Cadence.QUARTERLY
    )
    next_review_on = models.DateField("next review date", null=True, blank=True)
    hard_questions = models.TextField(
        "standing hard questions", blank=True, default=STANDING_HARD_QUESTIONS,
        help_text="One question per line; every quarterly review agenda ends with them.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "plan settings"
        constraints = [
            models.CheckConstraint(condition=Q(review_cadence__in=[1, 3, 6]), name="plan_cadence_is_known"),
        ]

    def __str__(self) -> str:
        return f"Plan settings of {self.account}"

    @property
    def questions(self) -> list[str]:
        return [line.strip() for line in self.hard_questions.splitlines() if line.strip()]


class RosterEntry(Versioned):
    """A person of either firm who takes part in the relationship, with or without a login."""

    class Role(models.TextChoices):
        POINT_PERSON = "point_person", "Point person"
        EXECUTIVE_CHAMPION = "executive_champion", "Executive champion"
        STEERING_TEAM = "steering_team", "Steering team"
        FUNCTIONAL_CONTACT = "functional_contact", "Functional contact"
        OMBUDSMAN = "ombudsman", "Ombudsman"

    class Influence(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    class Stance(models.TextChoices):
        SUPPORTER = "supporter", "Supporter"
        NEUTRAL = "neutral", "Neutral"
        SCEPTIC = "sceptic", "Sceptic"

    account = models.ForeignKey(PartnerAccount, on_delete=models.CASCADE, related_name="roster")
    name = models.CharField(max_length=120)
    title = models.CharField(max_length=120, blank=True)
    function = models.CharField(max_length=80, blank=True, help_text="e.g. Procurement, Quality, R&D.")
    region = models.CharField(max_length=80, blank=True)
    side = models.CharField(max_length=10, choices=Side.choices)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.FUNCTIONAL_CONTACT)
    influence = models.CharField(max_length=6, choices=Influence.choices, default=Influence.MEDIUM)
    stance = models.CharField(max_length=10, choices=Stance.choices, default=Stance.NEUTRAL)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="roster_entries",
        help_text="Their Tandem login, if they have one: they can then update the actions they own.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["side", "function", "name"]
        verbose_name_plural = "roster entries"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "user"], condition=Q(user__isnull=False), name="one_roster_entry_per_login",
                violation_error_message="This login is already on the roster.",
            ),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="roster_side_is_known"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        firm = "home" if self.side == Side.HOME else "partner"
        return f"{self.name} ({firm}{', ' + self.function if self.function else ''})"


class Topic(Versioned):
    """A future-oriented subject the two firms want to work on together."""

    class Status(models.TextChoices):
        LONG_LIST = "long_list", "Long list"
        SHORT_LIST = "short_list", "Short list"
        ACTIVE = "active", "Active priority"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    class Horizon(models.TextChoices):
        QUICK_WIN = "quick_win", "Quick win"
        LONG_TERM = "long_term", "Long term"

    account = models.ForeignKey(PartnerAccount, on_delete=models.CASCADE, related_name="topics")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.LONG_LIST)
    home_benefit = models.TextField("benefit for the home firm", blank=True)
    partner_benefit = models.TextField("benefit for the partner firm", blank=True)
    horizon = models.CharField(max_length=10, choices=Horizon.choices, default=Horizon.LONG_TERM)
    owners = models.ManyToManyField(RosterEntry, blank=True, related_name="topics")
    target_quarter = QuarterField(null=True, blank=True, help_text="Written like 2026-Q3.")
    progress = models.PositiveSmallIntegerField(
        "progress (%)", default=0, help_text="How far along it is, 0 to 100."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[owners])

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="topic_progress_at_most_100"),
            models.CheckConstraint(
                condition=~Q(status="active") | (~Q(home_benefit="") & ~Q(partner_benefit="")),
                name="active_topic_states_both_benefits",
                violation_error_message="An active priority states the benefit for each firm.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, access) -> MeetingQuerySet:
        """The account's meetings this user may see: internal account meetings are the
        home firm's alone."""
        queryset = self.filter(account=access.account)
        if not access.can_see_internal:
            queryset = queryset.exclude(kind=Meeting.Kind.INTERNAL)
        return queryset


class Meeting(Versioned):
    class Kind(models.TextChoices):
        QUARTERLY_REVIEW = "quarterly_review", "Quarterly review"
        STEERING_TEAM = "steering_team", "Steering team"
        INTERNAL = "internal", "Internal account meeting"

    account = models.ForeignKey(PartnerAccount, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.QUARTERLY_REVIEW)
    held_on = models.DateField("date")
    # Part of the reminder's e-mail subject: one line only (see accounts/text.py).
    location = models.CharField(max_length=200, blank=True, validators=[validate_one_line])
    attendees = models.ManyToManyField(RosterEntry, blank=True, related_name="meetings")
    minutes = models.TextField(blank=True)
    internal_notes = models.TextField(
        blank=True, help_text="For the home firm only; never shown to the partner's people."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[attendees])

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.held_on:%d %b %Y}"

    @property
    def is_internal(self) -> bool:
        return self.kind == self.Kind.INTERNAL

    @property
    def is_past(self) -> bool:
        return self.held_on < timezone.localdate()


class AgendaItem(models.Model):
    class Source(models.TextChoices):
        SPOTLIGHT = "spotlight", "Outside the Green Zone"
        MISMATCH = "mismatch", "Calculation mismatch"
        SCORECARD_GAP = "scorecard_gap", "Scorecard gap"
        OVERDUE = "overdue", "Overdue action"
        TOPIC = "topic", "Priority topic"
        HARD_QUESTION = "hard_question", "Hard question"
        OTHER = "other", "Other"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.OTHER)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class ActionQuerySet(models.QuerySet):
    def visible_to(self, access) -> ActionQuerySet:
        """The account's actions this user may see: those decided in an internal account
        meeting stay with the home firm."""
        queryset = self.filter(account=access.account)
        return queryset if access.can_see_internal else queryset.shared_with_partner()

    def shared_with_partner(self) -> ActionQuerySet:
        return self.exclude(meeting__kind=Meeting.Kind.INTERNAL)

    def overdue(self, today=None) -> ActionQuerySet:
        today = today or timezone.localdate()
        return self.filter(due_on__lt=today).exclude(status=Action.Status.DONE)


class Action(Versioned):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        BLOCKED = "blocked", "Blocked"

    account = models.ForeignKey(PartnerAccount, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(RosterEntry, on_delete=models.PROTECT, related_name="actions")
    due_on = models.DateField("due date")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    topic = models.ForeignKey(Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions")
    metric = models.ForeignKey(
        "dashboards.MetricDefinition", on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions",
        help_text="The meeting whose decision it carries out.",
    )
    note = models.CharField(max_length=500, blank=True, help_text="Latest progress or what blocks it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(topic__isnull=True) | Q(metric__isnull=True), name="action_links_a_topic_or_a_metric",
                violation_error_message="Link the action to a topic or to a metric, not both.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today=None) -> bool:
        return self.status != self.Status.DONE and self.due_on < (today or timezone.localdate())

    @property
    def overdue(self) -> bool:
        return self.is_overdue()


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField("decision")
    action = models.OneToOneField(
        Action, on_delete=models.SET_NULL, null=True, blank=True, related_name="decision"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:80]
