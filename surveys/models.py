"""Perception surveys: many people of both firms rate the partnership each quarter.

How anonymity is built into the tables
--------------------------------------
* An :class:`Invitation` says who was asked (name, e-mail, firm) and holds only the
  SHA-256 *hashes* of the personal links sent to them; the links themselves are never
  stored. When someone answers, their invitation is marked ``answered`` with a plain
  ``UPDATE`` (no timestamp, and no history record: simple-history only records saves).
* The answers are not stored per person at all. Each score adds one to a
  :class:`ScoreTally` — how many people of one firm gave one score to one statement —
  and an optional comment becomes a :class:`SurveyComment` with a random key, its
  firm and its statement. Neither has a foreign key to an invitation, a timestamp or
  history, and neither is in the admin, so nothing — pages, exports, the admin, the
  history tables — can join an answer back to the person who gave it.
* Results are read only through ``surveys.selectors.round_results``, which applies the
  threshold of three respondents per firm and shows a round's results once it is closed.
* A round only moves forward — draft, open, closed — and a closed round never reopens
  (``SurveyRound.clean``/``save`` and a check constraint; ``surveys.services`` explains
  how that and the partner firm's confirmation of the people asked keep a round from being
  rigged, and the limit that remains).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.concurrency import Versioned
from accounts.models import PartnerAccount, Side
from accounts.quarters import QuarterField
from plans.models import RosterEntry

# The five-point agreement scale; 1 is "strongly disagree", 5 "strongly agree".
SCALE = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}

ONLY_FORWARD = ("A survey round only moves forward, from draft to open to closed: a closed round never reopens, "
                "and when it opened and closed stays as it was.")
_STATUS_ORDER = {"draft": 0, "open": 1, "closed": 2}


class SurveyStatement(Versioned):
    """One of the account's statements as they will be sent in the next round. Editing
    them never changes a round already opened: a round keeps a copy of its wording.
    They are edited as one set: every change of the set gives all of them the set's next
    ``version`` (see ``surveys.selectors.StatementSet``)."""

    account = models.ForeignKey(PartnerAccount, on_delete=models.CASCADE, related_name="survey_statements")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    history = HistoricalRecords()

    class Meta:
        ordering = ["account", "position"]
        constraints = [
            models.UniqueConstraint(fields=["account", "position"], name="one_survey_statement_per_position"),
        ]

    def __str__(self) -> str:
        return self.text


class SurveyRound(models.Model):
    """One quarter's survey of an account: drafted, opened (invitations go out), closed.

    Its status only moves forward. Once a round is closed it stays closed, with the time
    it closed: reopening it would let one more person answer and the difference between
    the two sets of results would be that person's answers."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    account = models.ForeignKey(PartnerAccount, on_delete=models.CASCADE, related_name="survey_rounds")
    quarter = QuarterField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    closes_on = models.DateField(help_text="The last day on which people can answer.")
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The partner firm vouches for the people asked, both firms': its executive champion
    # confirms the whole list before the round can open. Any change to the list clears this.
    partner_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    partner_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["account", "quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "quarter"], name="one_survey_round_per_account_quarter",
                violation_error_message="This account already has a survey round for this quarter.",
            ),
            models.CheckConstraint(condition=Q(status__in=["draft", "open", "closed"]), name="survey_status_known"),
            # The status and the times agree: a round cannot be open while it carries the
            # time it closed, so reopening would have to erase that time (which ``save``
            # refuses) rather than slip past it.
            models.CheckConstraint(
                condition=(
                    Q(status="draft", opened_at__isnull=True, closed_at__isnull=True)
                    | Q(status="open", opened_at__isnull=False, closed_at__isnull=True)
                    | Q(status="closed", opened_at__isnull=False, closed_at__isnull=False)
                ),
                name="survey_status_matches_its_times",
                violation_error_message="A round's status must match when it opened and closed.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} survey {self.quarter}"

    # Checked on every save as well as in ``clean``: the admin's forms, a shell or any
    # future code saves through here, and none of them may turn a round back.
    def save(self, *args, **kwargs):
        if self._moves_back():
            raise ValidationError(ONLY_FORWARD)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self._moves_back():
            raise ValidationError(ONLY_FORWARD)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    def accepts_answers(self, today=None) -> bool:
        """Open, and its closing day has not passed (the nightly job closes it formally)."""
        return self.is_open and (today or timezone.localdate()) <= self.closes_on

    def _moves_back(self) -> bool:
        """Would saving turn this round back, or change when it opened or closed?"""
        if self.pk is None:
            return False
        stored = SurveyRound.objects.filter(pk=self.pk).values("status", "opened_at", "closed_at").first()
        if stored is None:
            return False
        if _STATUS_ORDER.get(self.status, 99) < _STATUS_ORDER.get(stored["status"], 0):
            return True
        return any(stored[name] is not None and getattr(self, name) != stored[name]
                   for name in ("opened_at", "closed_at"))


class RoundStatement(models.Model):
    """The wording of one statement as this round sent it. Written once, when the round opens."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="statements")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)

    class Meta:
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "position"], name="one_round_statement_per_position"),
        ]

    def __str__(self) -> str:
        return self.text


class Invitation(models.Model):
    """A person asked to answer a round. Who answered is a yes/no flag set without a
    timestamp; what they answered is not linked to this row in any way."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="invitations")
    side = models.CharField(max_length=10, choices=Side.choices)
    name = models.CharField(max_length=120, blank=True)
    email = models.EmailField()
    roster_entry = models.ForeignKey(
        RosterEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="survey_invitations"
    )
    # SHA-256 of the personal links (the invitation's and the reminder's); never the links.
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    reminder_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    # When each e-mail went out, set as soon as the mail server accepted it; and the
    # leases: when an attempt to send it began, set by a conditional UPDATE (… WHERE
    # invited_at IS NULL AND nobody is sending it) before it goes out, so the invitation
    # and the reminder are each sent once (see surveys.services).
    invited_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    invite_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    remind_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    answered = models.BooleanField(default=False, editable=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who was invited, and by whom, is kept in history; the link hashes, the sending and
    # the answering are not (they change only through UPDATEs, which history does not see).
    history = HistoricalRecords(
        excluded_fields=["token_hash", "reminder_token_hash", "invited_at", "reminded_at", "invite_started_at",
                         "remind_started_at", "answered"]
    )

    class Meta:
        ordering = ["round", "side", "name", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "email"], name="one_invitation_per_round_and_email",
                violation_error_message="This person is already invited to this round.",
            ),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="invitation_side_is_known"),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.email} ({self.round})"

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class ScoreTally(models.Model):
    """How many people of one firm gave one score to one statement of a round. Created
    (at zero) for every statement, firm and score when the round opens; each answer adds one."""

    statement = models.ForeignKey(RoundStatement, on_delete=models.CASCADE, related_name="tallies")
    side = models.CharField(max_length=10, choices=Side.choices)
    score = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["statement", "side", "score"], name="one_tally_per_statement_side_score"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="tally_score_on_the_scale"),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.side} {self.score}: {self.count}"


class SurveyComment(models.Model):
    """An optional comment on a statement, with its firm and nothing else. The random key
    means that not even the order of the keys says who answered when."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    statement = models.ForeignKey(RoundStatement, on_delete=models.CASCADE, related_name="comments")
    side = models.CharField(max_length=10, choices=Side.choices)
    text = models.TextField()

    class Meta:
        ordering = ["statement", "side", "text"]

    def __str__(self) -> str:
        return self.text[:60]
