"""Writes for perception surveys: statements, rounds, respondents, the personal links,
the e-mails that carry them, and the answers.

Personal links
--------------
A link is ``/survey/<token>/`` with ``secrets.token_urlsafe(32)`` (256 random bits).
Only its SHA-256 is stored. The token is made at the moment the e-mail is sent, so it
exists in that e-mail and nowhere else; the reminder carries a second token for the
same invitation, and either link works until the person answers or the round closes.

Exactly once, as far as SMTP allows
-----------------------------------
Respondents need no login, so their e-mails cannot use the per-user claims and the
outbox of ``notifications`` — and an outbox row would have to keep the link, which must
exist in the e-mail only. The invitation row is the claim instead, with the same
discipline as the outbox (``notifications.services`` explains it):

1. **Lease** (one conditional UPDATE, committed): ``invite_started_at`` is set, with the
   hash of a fresh link, only if the invitation is not sent (``invited_at IS NULL``) and
   nobody is sending it (no attempt, or one older than ``TANDEM_EMAIL_LEASE_SECONDS``).
   A second run, a retry or a concurrent worker changes nothing and sends nothing.
2. **Send** outside any transaction, on the run's open connection, which returns on the
   server's 250 after DATA; **record**: ``invited_at`` is committed at once.

A send that fails lifts the lease, so the next run sends it (with a new link). A worker
that dies mid-send leaves the lease; once it is over, the next run sends it again. The
reminder works the same way on ``remind_started_at``, ``reminder_token_hash`` and
``reminded_at``. The window left is the outbox's: between the server's 250 after DATA and
the commit of ``invited_at``. There the person gets the e-mail twice, and — the link
being made at send time and never kept — the second carries a new link and its own
Message-ID: the first link then stops working and its page says to use the newer e-mail.

Who counts as a firm's people, and how a round is kept from being rigged
------------------------------------------------------------------------
Anonymity rests on one promise: a firm's results show only when at least three of *its*
people answered (``selectors.MIN_RESPONDENTS``). Three ways to break that promise, and
the rule that closes each:

1. **Stuffing a firm's list.** The home firm's account manager drafts the round. Were
   they free to list addresses they control among a firm's people, they could ask one
   real person and two of their own addresses, answer those two links themselves, and
   read the real person's scores and comment the moment the "three" were met. They
   could do it on either side: list one partner person and two aliases as the partner
   firm's, or list that partner person as one of the *home* firm's next to two home
   aliases. So the partner firm vouches for the whole list: every round opens only
   after the partner's executive champion (who alone may,
   ``AccountAccess.can_confirm_partner_respondents``) has confirmed exactly the list they
   were shown — every address asked, of both firms, each under its firm
   (``partner_respondents_confirm`` compares what they saw with the list as it is, under
   the round's lock). Any change to the list, on either side, withdraws the
   confirmation. A round that asks only home people needs it too: one rule, and the
   home-side trick is just such a round. An account without a partner champion cannot
   open a round until an administrator names one (``selectors.confirmation_awaited``
   says so). Every partner-side address is therefore one the partner firm has accepted
   as its own, and none of its people can be listed as the home firm's without its
   champion seeing it. Limiting the list to the plan's roster would not do: the account
   manager edits the roster too and types the addresses of people without a login.
   Nobody on the partner side can add people (only those who run surveys can: the home
   firm), so the partner cannot stuff either list.

   The limit of the design: the home firm's list is vouched for only in the sense that
   the partner champion sees it. Nobody can vouch for it the way the partner vouches
   for its own people, so a manager could still list one home colleague and two
   invented home addresses and read that colleague's answers. The partner champion
   does not know the home firm's people, but every home address is on the list they
   confirm, so invented addresses are seen by a second person, outside the home firm,
   before any link goes out; each e-mail and answer page also says which firm the
   person is asked for, and asks them not to answer if they do not work there. (The
   administrators, who name the partner champion, are trusted here as everywhere.)
2. **Changing the list after the fact.** Once a round is open its list is frozen
   (``respondents_add``, ``invitation_remove``): adding someone late, or taking people
   off, would change whose answers make up a firm's figures while the round runs.
3. **Reopening.** Closing shows the results; one more answer after that, and a second
   close, would show that person's answers as the difference. A closed round never
   reopens: ``round_open`` refuses it, no service turns a round back, the model refuses
   any save that moves a round backwards or changes when it opened or closed (so do the
   admin's forms, which go through ``clean``), and a check constraint ties the status to
   those times, so an "open" round can never carry a closing time. (There is no database
   trigger: whoever can write SQL to the database can read the tallies as each answer
   arrives anyway, so the guard is for every way through the application.)
4. **Two rounds side by side.** Open together, a round asking A, B, C and D and another
   asking B, C and D would be answered by B, C and D alike, and the difference would be
   A's. So an account has at most one open round at a time (``round_open``, under a lock
   on the account).

While a round is open, nobody learns who answered from how the figures move: the only
live figure is, per firm, whether three have answered yet — it changes once per firm and
round, and then says only that the third answer has come in, not whose it was. Exact
counts and rates come with the results when the round closes (``selectors.RoundResults``),
on the pages, over the API and in the managers' reminder alike; an answer does not even
nudge the portfolio's recomputation (``response_submit``). A round surveys a quarter people can still
speak for: the current one or one of the ``ROUND_QUARTERS_BACK`` before it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.background import enqueue_debounced
from accounts.concurrency import EditConflict, save_checked
from accounts.models import PartnerAccount, Side, User
from accounts.quarters import Quarter
from accounts.signals import account_figures_changed
from notifications.services import MailServer, OneByOne, email_lease_over, mail_subject, record_sent
from plans.models import RosterEntry

from . import selectors
from .models import SCALE, Invitation, RoundStatement, ScoreTally, SurveyComment, SurveyRound, SurveyStatement

log = logging.getLogger(__name__)

DEFAULT_STATEMENTS = [
    "Our joint effort is a win-win for both firms.",
    "The other firm shares the rewards of our joint work fairly.",
    "The other firm carries its fair share of the joint work.",
    "The other firm's people come well prepared to meetings and joint work.",
    "We can rely on the other firm's people to do what they say.",
    "The other firm decides promptly and keeps to its decisions.",
    "We can trust the other firm.",
    "Our two firms share common objectives.",
]
MAX_STATEMENTS = 12
# The reminder goes to those who have not answered this many days before the last day.
REMINDER_DAYS_BEFORE_CLOSE = 3
DEFAULT_ROUND_DAYS = 21
# A round surveys the current quarter or one of these many before it: older than a year,
# people cannot say any more how the partnership felt then.
ROUND_QUARTERS_BACK = 4
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def _save(obj, *, by: User | None):
    obj._history_user = by
    obj.full_clean()
    obj.save()
    return obj


def other_firm_name(account: PartnerAccount, side: str) -> str:
    """What "the other firm" means to a respondent of ``side``."""
    return account.name if side == Side.HOME else settings.HOME_FIRM_NAME


def firm_name(account: PartnerAccount, side: str) -> str:
    return settings.HOME_FIRM_NAME if side == Side.HOME else account.name


# --- statements -----------------------------------------------------------------------


@transaction.atomic
def statements_apply_defaults(*, account: PartnerAccount, by: User | None = None) -> list[SurveyStatement]:
    """The eight default statements, unless the account already has its own."""
    PartnerAccount.objects.select_for_update().only("pk").get(pk=account.pk)  # see statements_replace
    if SurveyStatement.objects.filter(account=account).exists():
        return []
    return [
        _save(SurveyStatement(account=account, position=position, text=text), by=by)
        for position, text in enumerate(DEFAULT_STATEMENTS, start=1)
    ]


@transaction.atomic
def statements_replace(
    *, account: PartnerAccount, by: User | None, texts: list[str], version: int | None = None,
) -> list[SurveyStatement]:
    """Set the account's statements to ``texts``, in order, over the set as it was at
    ``version`` (None: unchecked, for the services' own callers); a change by someone
    else since is an EditConflict. Rounds already opened keep the wording they were sent
    with; rounds opened from now on use these."""
    texts = [t.strip() for t in texts if t.strip()]
    if not texts:
        raise ValidationError("Keep at least one statement.")
    if len(texts) > MAX_STATEMENTS:
        raise ValidationError(f"A survey has at most {MAX_STATEMENTS} statements, so that people finish it.")
    if len({t.casefold() for t in texts}) != len(texts):
        raise ValidationError("Each statement appears only once.")
    too_long = [t for t in texts if len(t) > 300]
    if too_long:
        raise ValidationError(f"Keep each statement under 300 characters: “{too_long[0][:40]}…” is longer.")
    # One change of the set at a time, the very first included (there are no rows to lock yet).
    PartnerAccount.objects.select_for_update().only("pk").get(pk=account.pk)
    current = selectors.statement_set(account)
    if version is not None and version != current.version:
        last = SurveyStatement.history.filter(account_id=account.pk).first()
        raise EditConflict(theirs=current, by=last.history_user if last else None,
                           at=last.history_date if last else None, what="the survey statements")
    existing = {s.position: s for s in SurveyStatement.objects.filter(account=account)}
    unchanged = []
    for position, text in enumerate(texts, start=1):
        statement = existing.pop(position, None) or SurveyStatement(account=account, position=position)
        statement.version = current.version + 1
        if statement.pk and statement.text == text:
            unchanged.append(statement.pk)
            continue
        statement.text = text
        _save(statement, by=by)
    # The set's version moves on for the statements that stayed too; their text did not
    # change, so their history need not say anything.
    SurveyStatement.objects.filter(pk__in=unchanged).update(version=current.version + 1)
    for leftover in existing.values():
        leftover._history_user = by
        leftover.delete()
    return list(SurveyStatement.objects.filter(account=account).order_by("position"))


# --- rounds ---------------------------------------------------------------------------


def _check_round_quarter(quarter: Quarter) -> None:
    current = Quarter.current()
    earliest = current - ROUND_QUARTERS_BACK
    if quarter > current:
        raise ValidationError({"quarter": f"{quarter} has not started yet; survey the current quarter ({current}) "
                                          f"or one of the {ROUND_QUARTERS_BACK} before it."})
    if quarter < earliest:
        raise ValidationError({"quarter": f"{quarter} is too long ago for people to say how the partnership felt "
                                          f"then; survey a quarter from {earliest} to {current}."})


NEVER_REOPENS = ("This round is closed, and a closed round never reopens: its results are final. "
                 "Survey another quarter in a new round.")
FROZEN = ("The people asked were fixed when the round opened: nobody can be added or removed, so that nobody can "
          "be singled out by changing who else answers.")


@transaction.atomic
def round_create(*, account: PartnerAccount, by: User | None, quarter: Quarter, closes_on: dt.date) -> SurveyRound:
    _check_round_quarter(quarter)
    if closes_on < timezone.localdate():
        raise ValidationError({"closes_on": "The closing day cannot be in the past."})
    if SurveyRound.objects.filter(account=account, quarter=quarter).exists():
        raise ValidationError({"quarter": f"{account.name} already has a survey round for {quarter}."})
    statements_apply_defaults(account=account, by=by)
    # A second draft of the same quarter at the same moment is refused like one after it.
    return save_checked(SurveyRound(account=account, quarter=quarter, closes_on=closes_on, created_by=by), by=by)


@transaction.atomic
def round_open(*, survey: SurveyRound, by: User | None) -> SurveyRound:
    """Freeze the wording and the people asked, set every tally at zero and send the
    invitations (after commit). A round opens only once the partner's champion has
    confirmed everyone it asks, of both firms (see the module docstring)."""
    PartnerAccount.objects.select_for_update().get(pk=survey.account_id)  # one opening at a time per account
    survey = SurveyRound.objects.select_for_update().get(pk=survey.pk)
    if survey.is_closed:
        raise ValidationError(NEVER_REOPENS)
    if survey.is_open:
        raise ValidationError("This round is already open.")
    running = SurveyRound.objects.filter(account=survey.account_id, status=SurveyRound.Status.OPEN).first()
    if running:
        raise ValidationError(f"Round {running.quarter} is still open: close it before opening another, so that "
                              "no two rounds can be set side by side to single someone out.")
    if survey.closes_on < timezone.localdate():
        raise ValidationError("The closing day has passed; choose a later one before opening the round.")
    if not survey.invitations.exists():
        raise ValidationError("Add the people to ask before opening the round.")
    awaited = selectors.confirmation_awaited(survey)
    if awaited:
        raise ValidationError(awaited)
    statements_apply_defaults(account=survey.account, by=by)
    texts = list(SurveyStatement.objects.filter(account=survey.account).order_by("position").values_list("text",
                                                                                                        flat=True))
    frozen = RoundStatement.objects.bulk_create(
        [RoundStatement(round=survey, position=position, text=text) for position, text in enumerate(texts, start=1)]
    )
    ScoreTally.objects.bulk_create([
        ScoreTally(statement=statement, side=side, score=score)
        for statement in frozen for side in Side.values for score in SCALE
    ])
    survey.status = SurveyRound.Status.OPEN
    survey.opened_at = timezone.now()
    _save(survey, by=by)
    _send_invitations_later(survey)
    return survey


@transaction.atomic
def round_update_closing(*, survey: SurveyRound, by: User | None, closes_on: dt.date) -> SurveyRound:
    survey = SurveyRound.objects.select_for_update().get(pk=survey.pk)
    if survey.is_closed:
        raise ValidationError(NEVER_REOPENS)
    if closes_on < timezone.localdate():
        raise ValidationError("The closing day cannot be in the past.")
    survey.closes_on = closes_on
    return _save(survey, by=by)


@transaction.atomic
def round_close(*, survey: SurveyRound, by: User | None) -> SurveyRound:
    """Close the round: its links stop working and its results (where at least three
    people of a firm answered) become visible."""
    survey = SurveyRound.objects.select_for_update().get(pk=survey.pk)
    if survey.is_closed:
        return survey
    if survey.is_draft:
        raise ValidationError("A draft round was never opened; delete it or open it instead.")
    survey.status = SurveyRound.Status.CLOSED
    survey.closed_at = timezone.now()
    survey._change_reason = "Closed" if by else "Closed automatically after its last day"
    _save(survey, by=by)
    account_figures_changed.send(sender=SurveyRound, account_id=survey.account_id)
    return survey


def rounds_close_due(today: dt.date) -> int:
    """Close every open round whose last day has passed."""
    closed = 0
    for survey in SurveyRound.objects.filter(status=SurveyRound.Status.OPEN, closes_on__lt=today):
        round_close(survey=survey, by=None)
        closed += 1
    return closed


@transaction.atomic
def round_delete(*, survey: SurveyRound, by: User | None) -> None:
    if not survey.is_draft:
        raise ValidationError("Only a draft round can be deleted; an opened round is part of the history.")
    survey._history_user = by
    survey.delete()


# --- respondents ----------------------------------------------------------------------


@dataclass(frozen=True)
class RespondentInput:
    email: str
    side: str
    name: str = ""
    roster_entry_id: int | None = None


def _list_changed(survey: SurveyRound, by: User | None) -> None:
    """The partner's confirmation covered the list it saw, both firms': a changed list
    needs a new one."""
    if survey.partner_confirmed_at is None:
        return
    survey.partner_confirmed_at = None
    survey.partner_confirmed_by = None
    survey._change_reason = "The people asked changed: the partner champion's confirmation is withdrawn"
    _save(survey, by=by)


@transaction.atomic
def respondents_add(*, survey: SurveyRound, by: User | None, people: list[RespondentInput]) -> list[Invitation]:
    """Invite people to a draft round. Someone already invited is skipped (not an error);
    a malformed address refuses the whole batch, so nothing half-done is saved. Adding
    anyone, of either firm, withdraws the partner champion's confirmation."""
    survey = SurveyRound.objects.select_for_update().get(pk=survey.pk)
    if not survey.is_draft:
        raise ValidationError(FROZEN)
    roster = {e.pk: e for e in RosterEntry.objects.filter(account_id=survey.account_id)}
    invited = {e.casefold() for e in survey.invitations.values_list("email", flat=True)}
    added = []
    for person in people:
        email = person.email.strip()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError(f"“{email}” is not an e-mail address.") from exc
        if person.side not in Side.values:
            raise ValidationError("Choose the firm each person works for.")
        if person.roster_entry_id is not None and person.roster_entry_id not in roster:
            raise ValidationError("That person is not on this account's roster.")
        if email.casefold() in invited:
            continue
        invited.add(email.casefold())
        added.append(_save(Invitation(
            round=survey, side=person.side, name=person.name.strip()[:120], email=email,
            roster_entry_id=person.roster_entry_id, added_by=by,
        ), by=by))
    if added:
        _list_changed(survey, by)
    return added


@transaction.atomic
def invitation_remove(*, invitation: Invitation, by: User | None) -> None:
    survey = SurveyRound.objects.select_for_update().get(pk=invitation.round_id)
    if not survey.is_draft:
        raise ValidationError(FROZEN)
    invitation._history_user = by
    invitation.delete()
    _list_changed(survey, by)


def _addresses(emails: list[str]) -> set[str]:
    return {e.strip().casefold() for e in emails if e.strip()}


@transaction.atomic
def partner_respondents_confirm(*, survey: SurveyRound, by: User | None, home: list[str],
                                partner: list[str]) -> SurveyRound:
    """The partner firm's champion vouches for the people asked: those listed as the
    partner firm's are its people, and none of them is listed as the home firm's.
    ``home`` and ``partner`` are the addresses they were shown under each firm: if that
    is not exactly the list as it stands now (someone changed it meanwhile, or moved a
    person to the other firm), nothing is confirmed."""
    survey = SurveyRound.objects.select_for_update().get(pk=survey.pk)
    if not survey.is_draft:
        raise ValidationError("This round is no longer a draft: its people were fixed when it opened.")
    listed = {side: set() for side in Side.values}
    for side, email in survey.invitations.values_list("side", "email"):
        listed[side].add(email.casefold())
    if not any(listed.values()):
        raise ValidationError("Nobody is asked in this round yet: there is nothing to confirm.")
    if {Side.HOME: _addresses(home), Side.PARTNER: _addresses(partner)} != listed:
        raise ValidationError("The list changed since you read it: check the people asked again before confirming.")
    survey.partner_confirmed_at = timezone.now()
    survey.partner_confirmed_by = by
    survey._change_reason = "The partner firm's champion confirmed the people asked"
    return _save(survey, by=by)


# --- e-mails, exactly once ----------------------------------------------------------------


def _send_invitations_later(survey: SurveyRound) -> None:
    from .tasks import send_round_invitations

    enqueue_debounced(send_round_invitations, key=f"survey-invitations:{survey.pk}", args=[survey.pk], delay=0)


def survey_link(token: str) -> str:
    return f"{settings.TANDEM_BASE_URL}{reverse('survey_answer', args=[token])}"


def _survey_email(invitation: Invitation, token: str, *, reminder: bool) -> EmailMessage:
    survey = invitation.round
    account = survey.account
    other = other_firm_name(account, invitation.side)
    firm = firm_name(account, invitation.side)
    greeting = f"Hello {invitation.name}," if invitation.name else "Hello,"
    opening = (
        f"A reminder: the survey on the partnership between {settings.HOME_FIRM_NAME} and {account.name} "
        f"closes on {survey.closes_on:%A %d %B %Y}, and we would still like to hear from you."
        if reminder else
        f"How is the partnership between {settings.HOME_FIRM_NAME} and {account.name} going? "
        f"We ask people in both firms each quarter; this is the {survey.quarter} survey."
    )
    lines = [
        greeting, "", opening, "",
        f"There are {survey.statements.count()} short statements about working with {other}, "
        "each answered on a five-point scale from strongly disagree to strongly agree. It takes about two minutes.",
        "", "Your personal link (no login needed):", survey_link(token), "",
        f"The link works once, until {survey.closes_on:%d %B %Y}. Please do not forward it.",
        f"You are asked as one of the people of {firm}: if you do not work for {firm}, please do not answer.",
        "", "Your answers are anonymous: they are counted together with your colleagues' and shown only per firm, "
        "and only when at least three people of your firm have answered. Nobody — administrators included — "
        "can see what you answered.",
    ]
    if reminder:
        lines += ["", "If you kept the first e-mail, its link works too."]
    return EmailMessage(
        subject=mail_subject(f"{'Reminder: ' if reminder else ''}the {survey.quarter} survey on working with {other}"),
        body="\n".join(lines), from_email=settings.DEFAULT_FROM_EMAIL, to=[invitation.email],
    )


def _invitation(invitation_id: int) -> Invitation | None:
    return Invitation.objects.select_related("round__account").filter(pk=invitation_id).first()


@dataclass(frozen=True)
class _Mail:
    """One of the two e-mails of an invitation, by the columns that carry it."""

    reminder: bool
    sent: str  # when it went out: the claim that it did
    started: str  # the lease: when an attempt to send it began
    token_hash: str  # its link's hash


INVITATION_MAIL = _Mail(reminder=False, sent="invited_at", started="invite_started_at", token_hash="token_hash")
REMINDER_MAIL = _Mail(reminder=True, sent="reminded_at", started="remind_started_at",
                      token_hash="reminder_token_hash")


# The leasing UPDATE filters on the invitation's own columns only: a condition on the
# round would make Django write ``WHERE id IN (SELECT …)``, which PostgreSQL does not
# re-check against the row a concurrent worker just changed. The round is checked first.


def _survey_mail_send(invitation: Invitation, mail: _Mail, mail_server: MailServer | None, **still) -> bool:
    """Lease, send with a fresh link, record (see the module's docstring). ``still``: what
    else must hold of the invitation's own columns. False if it went already, somebody
    else is sending it, or ``still`` no longer holds: nothing is sent then."""
    token, hashed = _new_token()
    nobody_sending = Q(**{f"{mail.started}__isnull": True}) | Q(**{f"{mail.started}__lt": email_lease_over()})
    leased = Invitation.objects.filter(
        nobody_sending, pk=invitation.pk, **{f"{mail.sent}__isnull": True}, **still
    ).update(**{mail.started: timezone.now(), mail.token_hash: hashed})
    if not leased:
        return False
    try:
        with (nullcontext(mail_server) if mail_server else MailServer()) as server:
            server.send(_survey_email(invitation, token, reminder=mail.reminder))
    except Exception:
        Invitation.objects.filter(pk=invitation.pk, **{mail.token_hash: hashed}).update(**{mail.started: None})
        raise
    # The window: the server has accepted the message; until this commits, nothing says so.
    sent_at = timezone.now()
    record_sent(lambda: Invitation.objects.filter(pk=invitation.pk).update(**{mail.sent: sent_at, mail.started: None}))
    return True


def invitation_send(*, invitation_id: int, mail_server: MailServer | None = None) -> bool:
    """E-mail the invitation with a fresh personal link, once. False if it was already
    sent, is being sent (or the round is not open): nothing is sent then."""
    invitation = _invitation(invitation_id)
    if invitation is None or invitation.invited_at is not None or not invitation.round.is_open:
        return False
    return _survey_mail_send(invitation, INVITATION_MAIL, mail_server)


def _reminder_window(survey: SurveyRound, today: dt.date) -> bool:
    return survey.is_open and today <= survey.closes_on <= today + dt.timedelta(days=REMINDER_DAYS_BEFORE_CLOSE)


def invitation_remind(*, invitation_id: int, today: dt.date, mail_server: MailServer | None = None) -> bool:
    """E-mail the one reminder, with a second personal link, to someone who has not
    answered, in the last days before the round closes. False when not due or already sent."""
    invitation = _invitation(invitation_id)
    if invitation is None or not _reminder_window(invitation.round, today):
        return False
    return _survey_mail_send(invitation, REMINDER_MAIL, mail_server, invited_at__isnull=False, answered=False)


def _invitations_pending(**round_filter) -> list[int]:
    return list(Invitation.objects.filter(
        invited_at__isnull=True, round__status=SurveyRound.Status.OPEN, **round_filter
    ).order_by("round_id", "pk").values_list("pk", flat=True))


def _invite_each(batch: OneByOne, invitation_ids: list[int], mail_server: MailServer) -> int:
    return sum(
        bool(batch.attempt(f"invitation {pk}", lambda pk=pk: invitation_send(invitation_id=pk,
                                                                             mail_server=mail_server)))
        for pk in invitation_ids
    )


def round_invitations_send(*, round_id: int) -> int:
    """Send the invitations of one round that have not gone out yet, one by one, so one
    bad address does not hold back the others (see ``OneByOne``)."""
    with OneByOne(f"Invitations of survey round {round_id}") as batch, MailServer() as mail_server:
        return _invite_each(batch, _invitations_pending(round_id=round_id), mail_server)


def reminders_due(today: dt.date) -> list[int]:
    """Invitations due their reminder on ``today`` (reads only)."""
    return list(Invitation.objects.filter(
        reminded_at__isnull=True, invited_at__isnull=False, answered=False,
        round__status=SurveyRound.Status.OPEN, round__closes_on__gte=today,
        round__closes_on__lte=today + dt.timedelta(days=REMINDER_DAYS_BEFORE_CLOSE),
    ).values_list("pk", flat=True))


@dataclass(frozen=True)
class MailRun:
    closed: int
    invited: int
    reminded: int


def survey_mail_send_due(today: dt.date) -> MailRun:
    """The daily job: close rounds past their last day, send invitations still pending
    (say the broker was down when the round opened) and the reminders due. Safe to run
    as often as you like: every e-mail is claimed once."""
    closed = rounds_close_due(today)
    with OneByOne(f"Survey mail on {today}") as batch, MailServer() as mail_server:
        invited = _invite_each(batch, _invitations_pending(), mail_server)
        reminded = sum(
            bool(batch.attempt(f"reminder of invitation {pk}",
                               lambda pk=pk: invitation_remind(invitation_id=pk, today=today,
                                                               mail_server=mail_server)))
            for pk in reminders_due(today)
        )
        log.info("Surveys on %s: %d rounds closed, %d invitations and %d reminders sent, %d failed.", today,
                 closed, invited, reminded, len(batch.failures))
    return MailRun(closed=closed, invited=invited, reminded=reminded)


# --- answering --------------------------------------------------------------------------


class SurveyLinkError(Exception):
    """A personal link that cannot be answered; the public page explains why."""

    status = 404
    title = "This link does not work"
    message = ("We could not find a survey for this link. Check that you copied the whole link from the e-mail; "
               "if you received a newer e-mail, use the link in that one.")


class LinkUnknown(SurveyLinkError):
    pass


class LinkUsed(SurveyLinkError):
    status = 410
    title = "You have already answered"
    message = ("Thank you — your answers for this survey are in. Each link can be used once, so there is "
               "nothing more to do.")


class LinkExpired(SurveyLinkError):
    status = 410
    title = "This survey has closed"
    message = "The survey this link belongs to is closed, so it no longer takes answers. Thank you all the same."


def invitation_for_link(token: str, *, for_update: bool = False) -> Invitation:
    """The invitation behind a personal link, or the reason it cannot be answered."""
    if not TOKEN_PATTERN.match(token or ""):
        raise LinkUnknown()
    hashed = token_hash(token)
    queryset = Invitation.objects.select_related("round__account")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    invitation = (queryset.filter(token_hash=hashed).first() or queryset.filter(reminder_token_hash=hashed).first())
    if invitation is None or invitation.round.is_draft:
        raise LinkUnknown()
    if invitation.answered:
        raise LinkUsed()
    if not invitation.round.accepts_answers():
        raise LinkExpired()
    return invitation


@transaction.atomic
def response_submit(*, token: str, scores: dict[int, int], comments: dict[int, str] | None = None) -> SurveyRound:
    """Record one person's answers — ``scores`` and ``comments`` keyed by statement
    position — without any link to that person: their invitation is only marked
    answered (so the link cannot be used again), the scores are added to the firm's
    tallies and the comments stored with their firm alone."""
    invitation = invitation_for_link(token, for_update=True)
    survey, side = invitation.round, invitation.side
    statements = {s.position: s for s in survey.statements.all()}
    missing = [p for p in statements if p not in scores]
    if missing:
        raise ValidationError("Answer every statement before sending.")
    if set(scores) - set(statements) or any(score not in SCALE for score in scores.values()):
        raise ValidationError("Those answers do not fit this survey.")
    # The claim: the UPDATE changes the row only if nobody answered with this invitation
    # in the meantime (a double click, two tabs); otherwise nothing is counted.
    if not Invitation.objects.filter(pk=invitation.pk, answered=False).update(answered=True):
        raise LinkUsed()
    for position, score in scores.items():
        ScoreTally.objects.filter(statement=statements[position], side=side, score=score).update(count=F("count") + 1)
    SurveyComment.objects.bulk_create([
        SurveyComment(statement=statements[position], side=side, text=text.strip())
        for position, text in sorted((comments or {}).items())
        if position in statements and text and text.strip()
    ])
    # No word to the portfolio: an open round's answers change nothing it reads (the index
    # comes from closed rounds), and a recomputation per answer would time each answer.
    return survey

