"""Writes to the What-Who-When plan. Views (and later the API) call these, never the ORM."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.concurrency import save_versioned
from accounts.models import PartnerAccount, User
from accounts.signals import account_figures_changed

from .models import (
    MAX_ACTIVE_TOPICS,
    Action,
    AgendaItem,
    Decision,
    Meeting,
    PlanSettings,
    RosterEntry,
    Topic,
)


def _save(obj, *, by: User | None, exclude: Iterable[str] = ()):
    obj._history_user = by
    obj.full_clean(exclude=list(exclude) or None)
    obj.save()
    return obj


def _health_changed(account_id: int) -> None:
    """Overdue actions and the last review meeting feed the account's health roll-up."""
    account_figures_changed.send(sender=Action, account_id=account_id)


def _same_account(account_id: int, **objects) -> None:
    """Owners, topics, metrics and attendees must belong to the plan's own account."""
    errors = {name: "Choose one from this account." for name, obj in objects.items()
              if obj is not None and obj.account_id != account_id}
    if errors:
        raise ValidationError(errors)


# --- settings ---------------------------------------------------------------------------


@transaction.atomic
def plan_settings_update(
    *, account: PartnerAccount, by: User | None, review_cadence: int, next_review_on: dt.date | None,
    hard_questions: str, version: int = 0,
) -> PlanSettings:
    """Change the settings as they were at ``version`` (0: the defaults, before the first
    save); someone else's save since is an EditConflict."""
    settings, _ = PlanSettings.objects.get_or_create(account=account)  # safe against a second first save
    settings.version = version
    settings.review_cadence, settings.next_review_on, settings.hard_questions = (
        review_cadence, next_review_on, hard_questions
    )
    return save_versioned(settings, by=by, what="the review cadence and hard questions")


# --- who --------------------------------------------------------------------------------


@transaction.atomic
def roster_entry_save(*, entry: RosterEntry, by: User | None) -> RosterEntry:
    if entry.user_id and not entry.user.memberships.filter(account_id=entry.account_id).exists():
        raise ValidationError({"user": "This login has no access to the account; give them access first."})
    return save_versioned(entry, by=by, what="this person's roster entry")


@transaction.atomic
def roster_entry_remove(*, entry: RosterEntry, by: User | None) -> None:
    owned = entry.actions.count()
    if owned:
        raise ValidationError(
            f"{entry.name} owns {owned} action{'s' if owned != 1 else ''}; give them to someone else first."
        )
    entry._history_user = by
    entry.delete()


# --- what: topics -----------------------------------------------------------------------


def _check_room_for_active(topic: Topic) -> None:
    """At most five active priorities per account. The account row is locked first, so
    two people activating topics at the same moment are counted one after the other."""
    PartnerAccount.objects.select_for_update().only("pk").get(pk=topic.account_id)
    others = list(
        Topic.objects.filter(account_id=topic.account_id, status=Topic.Status.ACTIVE)
        .exclude(pk=topic.pk).order_by("title").values_list("title", flat=True)
    )
    if len(others) >= MAX_ACTIVE_TOPICS:
        names = ", ".join(f"“{t}”" for t in others[:-1]) + f" and “{others[-1]}”"
        raise ValidationError(
            {"status": f"There are already five active priorities: {names}. "
                       f"Mark one done or drop it before making “{topic.title}” active."},
            code="too_many_active",
        )


@transaction.atomic
def topic_save(*, topic: Topic, by: User | None, owners: Iterable[RosterEntry] | None = None) -> Topic:
    """Create or change a topic; making it active respects the five-priority limit."""
    if owners is not None:
        for owner in owners:
            _same_account(topic.account_id, owners=owner)
    if topic.status == Topic.Status.ACTIVE:
        _check_room_for_active(topic)
    save_versioned(topic, by=by, what="this topic")
    if owners is not None:
        topic.owners.set(owners)
    return topic


@transaction.atomic
def topic_move(*, topic: Topic, by: User | None, status: str) -> Topic:
    """Move a topic along long list → short list → active → done or dropped."""
    if status not in Topic.Status.values:
        raise ValidationError({"status": "Choose a known stage."})
    topic.status = status
    return topic_save(topic=topic, by=by)


# --- what: actions ----------------------------------------------------------------------


@transaction.atomic
def action_save(*, action: Action, by: User | None) -> Action:
    _same_account(
        action.account_id, owner=action.owner if action.owner_id else None, topic=action.topic, metric=action.metric,
    )
    save_versioned(action, by=by, what="this action")
    _health_changed(action.account_id)
    return action


@transaction.atomic
def action_update_progress(*, action: Action, by: User | None, status: str, note: str) -> Action:
    """What an owner may change: the status and the progress note (over the version the
    owner saw, ``action.version``)."""
    action.status, action.note = status, note
    save_versioned(action, by=by, what="this action")
    _health_changed(action.account_id)
    return action


# --- when: meetings ---------------------------------------------------------------------


@transaction.atomic
def meeting_save(*, meeting: Meeting, by: User | None, attendees: Iterable[RosterEntry] | None = None) -> Meeting:
    """Schedule or change a meeting. The earliest quarterly review still ahead becomes the
    account's next review date."""
    if meeting.pk is None:
        meeting.created_by = by
    save_versioned(meeting, by=by, what="this meeting")
    if attendees is not None:
        attendees = list(attendees)
        for person in attendees:
            _same_account(meeting.account_id, attendees=person)
        meeting.attendees.set(attendees)
    if meeting.kind == Meeting.Kind.QUARTERLY_REVIEW and not meeting.is_past:
        # Locked as read, so that the version this save claims is the one read.
        settings, _ = PlanSettings.objects.select_for_update().get_or_create(account_id=meeting.account_id)
        earliest = (
            Meeting.objects.filter(account_id=meeting.account_id, kind=Meeting.Kind.QUARTERLY_REVIEW,
                                   held_on__gte=timezone.localdate())
            .order_by("held_on").values_list("held_on", flat=True).first()
        )
        if settings.next_review_on != earliest:
            settings.next_review_on = earliest
            save_versioned(settings, by=by)
    _health_changed(meeting.account_id)
    return meeting


@transaction.atomic
def meeting_record_minutes(*, meeting: Meeting, by: User | None, minutes: str, internal_notes: str) -> Meeting:
    meeting.minutes, meeting.internal_notes = minutes, internal_notes
    return save_versioned(meeting, by=by, what="this meeting")


@transaction.atomic
def agenda_item_add(
    *, meeting: Meeting, by: User | None, title: str, detail: str = "", source: str = AgendaItem.Source.OTHER
) -> AgendaItem:
    last = meeting.agenda_items.order_by("-position").values_list("position", flat=True).first() or 0
    item = AgendaItem(meeting=meeting, title=title, detail=detail, source=source, position=last + 1)
    return _save(item, by=by)


@transaction.atomic
def agenda_accept(*, meeting: Meeting, by: User | None, proposed: Iterable) -> list[AgendaItem]:
    """Add the proposed items to the meeting's agenda; items already on it are kept, not
    duplicated, so accepting twice adds nothing."""
    present = set(meeting.agenda_items.values_list("title", flat=True))
    added = []
    for item in proposed:
        if item.title not in present:
            added.append(agenda_item_add(meeting=meeting, by=by, title=item.title, detail=item.detail,
                                         source=item.source))
            present.add(item.title)
    return added


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, by: User | None) -> None:
    item._history_user = by
    item.delete()


@transaction.atomic
def decision_record(
    *, meeting: Meeting, by: User | None, text: str, owner: RosterEntry | None = None, due_on: dt.date | None = None,
    topic: Topic | None = None,
) -> Decision:
    """Record a decision; with an owner and a due date it becomes an action in the same step."""
    decision = Decision(meeting=meeting, text=text)
    decision._history_user = by
    decision.full_clean(exclude=["action"])
    if owner is not None or due_on is not None:
        decision.action = _action_from(decision, by=by, owner=owner, due_on=due_on, topic=topic)
    decision.save()
    return decision


@transaction.atomic
def decision_make_action(*, decision: Decision, by: User | None, owner: RosterEntry | None,
                         due_on: dt.date | None) -> Decision:
    if decision.action_id:
        raise ValidationError("This decision already has its action.")
    decision.action = _action_from(decision, by=by, owner=owner, due_on=due_on)
    decision._history_user = by
    decision.save()
    return decision


def _action_from(decision: Decision, *, by, owner, due_on, topic=None) -> Action:
    errors = {}
    if owner is None:
        errors["owner"] = "Choose who owns the action."
    if due_on is None:
        errors["due_on"] = "Give the action a due date."
    if errors:
        raise ValidationError(errors)
    title = decision.text.strip().splitlines()[0][:300]
    action = Action(account_id=decision.meeting.account_id, title=title, owner=owner, due_on=due_on,
                    topic=topic, meeting=decision.meeting)
    return action_save(action=action, by=by)
