"""Reads that assemble the plan pages, the proposed agenda and the review pack, each in a
fixed number of queries however large the plan is.

What partner users may see is decided by ``Meeting.objects.visible_to`` and
``Action.objects.visible_to`` (internal account meetings and what they decided stay
with the home firm) and by ``AccountAccess.can_see_internal`` (internal notes and the
home firm's stakeholder map).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import chain

from django.db.models import Count, Max, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import AccountAccess
from accounts.links import LinkPattern
from accounts.models import PartnerAccount, Side
from accounts.quarters import Quarter
from dashboards.selectors import Dashboard, dashboard_for
from scorecards.selectors import SIDES, Comparison, can_see_side, comparison

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

UPCOMING_MEETINGS = 5
PAST_MEETINGS = 8
# Done actions stay on the plan page while they are recent (due or changed since about
# the last quarterly review); older ones are listed on request (``?done=all``), so that
# years of history do not make the page heavier every quarter (bench/results.md).
RECENTLY_DONE_DAYS = 92


def plan_settings_for(account: PartnerAccount) -> PlanSettings:
    """The account's plan settings; the defaults (quarterly, standard questions) until changed.
    Read from the account when the page joined them (``get_account_access(select_related=…)``)."""
    joined = PartnerAccount.plan_settings.related
    if joined.is_cached(account):
        return joined.get_cached_value(account) or PlanSettings(account=account)
    return PlanSettings.objects.filter(account=account).first() or PlanSettings(account=account)


# --- objects of one account, or 404 ---------------------------------------------------


def roster_entry_for(access: AccountAccess, pk: int) -> RosterEntry:
    return get_object_or_404(RosterEntry.objects.filter(account=access.account), pk=pk)


def topic_for(access: AccountAccess, pk: int) -> Topic:
    return get_object_or_404(Topic.objects.filter(account=access.account), pk=pk)


def action_for(access: AccountAccess, pk: int) -> Action:
    return get_object_or_404(Action.objects.visible_to(access).select_related("owner"), pk=pk)


def meeting_for(access: AccountAccess, pk: int) -> Meeting:
    return get_object_or_404(Meeting.objects.visible_to(access), pk=pk)


def decision_for(access: AccountAccess, pk: int) -> Decision:
    meetings = Meeting.objects.visible_to(access)
    return get_object_or_404(Decision.objects.filter(meeting__in=meetings).select_related("meeting"), pk=pk)


# --- who --------------------------------------------------------------------------------


@dataclass
class RosterSide:
    side: str
    label: str
    functions: list[tuple[str, list[RosterEntry]]]
    point_people: list[RosterEntry]
    champions: list[RosterEntry]

    @property
    def count(self) -> int:
        return sum(len(people) for _, people in self.functions)


def roster_sides(account: PartnerAccount) -> list[RosterSide]:
    """The roster grouped by firm and function, with each firm's point person and champion,
    in one query."""
    entries = list(RosterEntry.objects.filter(account=account).select_related("user").order_by("function", "name"))
    sides = []
    for side in SIDES:
        mine = [e for e in entries if e.side == side]
        by_function = defaultdict(list)
        for entry in mine:
            by_function[entry.function or "No function given"].append(entry)
        sides.append(RosterSide(
            side=side, label=Side(side).label, functions=sorted(by_function.items()),
            point_people=[e for e in mine if e.role == RosterEntry.Role.POINT_PERSON],
            champions=[e for e in mine if e.role == RosterEntry.Role.EXECUTIVE_CHAMPION],
        ))
    return sides


# --- what and when: the plan page -------------------------------------------------------


def _actions(access: AccountAccess, *, all_done: bool = False) -> list[Action]:
    """The actions this user may see — every open one, and the recently done unless
    ``all_done`` — each marked with whether they may update it."""
    queryset = Action.objects.visible_to(access)
    if not all_done:
        since = timezone.localdate() - dt.timedelta(days=RECENTLY_DONE_DAYS)
        # "Updated before that day" as a plain comparison with the day's first moment:
        # ``updated_at__date`` would convert every row's timestamp (in Python, on SQLite).
        since_midnight = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
        queryset = queryset.exclude(
            Q(status=Action.Status.DONE) & Q(due_on__lt=since) & Q(updated_at__lt=since_midnight)
        )
    actions = list(queryset.select_related("owner", "topic", "metric"))
    edit = LinkPattern("plans:action_edit", access.account.slug)
    progress = LinkPattern("plans:action_progress", access.account.slug)
    for action in actions:
        # A row offers one link: editors of the plan edit; an action's owner updates progress.
        action.edit_url = edit(action.pk) if access.can_edit_plan else None
        can_update = access.can_update_action(action.owner.user_id)
        action.progress_url = progress(action.pk) if can_update and not access.can_edit_plan else None
    return actions


@dataclass
class Plan:
    settings: PlanSettings
    topics: dict[str, list[Topic]]
    actions: list[Action]
    upcoming: list[Meeting]
    past: list[Meeting]
    today: dt.date = field(default_factory=timezone.localdate)
    all_done: bool = False  # False: only the recently done actions are in ``actions``

    @property
    def active(self) -> list[Topic]:
        return self.topics[Topic.Status.ACTIVE]

    @property
    def has_room(self) -> bool:
        return len(self.active) < MAX_ACTIVE_TOPICS

    @property
    def warnings(self) -> list[str]:
        horizons = {t.horizon for t in self.active}
        warnings = []
        if Topic.Horizon.QUICK_WIN not in horizons:
            warnings.append("No quick win is active: start small with a topic that shows results this year.")
        if Topic.Horizon.LONG_TERM not in horizons:
            warnings.append("No long-term topic is active: think big with a priority that shapes the years ahead.")
        return warnings

    @property
    def overdue(self) -> list[Action]:
        return [a for a in self.actions if a.is_overdue(self.today)]

    @property
    def open_actions(self) -> list[Action]:
        return [a for a in self.actions if a.status != Action.Status.DONE]

    @property
    def done_actions(self) -> list[Action]:
        return [a for a in self.actions if a.status == Action.Status.DONE]


def plan_for(access: AccountAccess, *, all_done: bool = False) -> Plan:
    """Everything the plan page shows, in six queries whatever the size."""
    account = access.account
    topics = {status: [] for status in Topic.Status.values}
    topic_rows = (
        Topic.objects.filter(account=account)
        .annotate(open_actions=Count("actions", filter=~Q(actions__status=Action.Status.DONE)))
        .prefetch_related("owners")
        .order_by("title")
    )
    edit, move = LinkPattern("plans:topic_edit", account.slug), LinkPattern("plans:topic_move", account.slug)
    for topic in topic_rows:
        topic.edit_url, topic.move_url = edit(topic.pk), move(topic.pk)
        topics[topic.status].append(topic)
    meetings = list(Meeting.objects.visible_to(access).annotate(agenda_count=Count("agenda_items")))
    meeting_page = LinkPattern("plans:meeting", account.slug)
    for meeting in meetings:
        meeting.url = meeting_page(meeting.pk)
    today = timezone.localdate()
    return Plan(
        settings=plan_settings_for(account),
        topics=topics,
        actions=_actions(access, all_done=all_done),
        upcoming=sorted([m for m in meetings if m.held_on >= today], key=lambda m: m.held_on)[:UPCOMING_MEETINGS],
        past=[m for m in meetings if m.held_on < today][:PAST_MEETINGS],
        today=today,
        all_done=all_done,
    )


# --- when: the proposed agenda ----------------------------------------------------------


@dataclass(frozen=True)
class ProposedItem:
    source: str
    title: str
    detail: str = ""

    @property
    def source_label(self) -> str:
        return AgendaItem.Source(self.source).label


def review_quarter(meeting: Meeting) -> Quarter:
    """A review looks back on the quarter that ended before the meeting's quarter."""
    return Quarter.containing(meeting.held_on).previous()


def _figure(value) -> str:
    return "no result" if value is None else f"{value.normalize():f}"


@dataclass
class ReviewData:
    quarter: Quarter
    board: Dashboard
    scorecards: Comparison
    show_comparison: bool
    overdue: list[Action]
    active_topics: list[Topic]
    settings: PlanSettings


def review_data(access: AccountAccess, meeting: Meeting) -> ReviewData:
    """What a quarterly review discusses. Only what both firms may see goes into a shared
    meeting: scorecards under the blind rule, and no internal meeting's actions."""
    account = access.account
    quarter = review_quarter(meeting)
    scorecards = comparison(access, quarter)
    state = scorecards.state
    # THE blind rule decides; the pack shows the comparison once both champions submitted.
    show = state.both_submitted and all(can_see_side(access, side, state) for side in SIDES)
    # A shared meeting's agenda is read by the partner too: no internal meeting's actions.
    shared_actions = Action.objects.visible_to(access) if meeting.is_internal else Action.objects.shared_with_partner()
    shared_actions = shared_actions.filter(account=account)
    overdue = list(shared_actions.overdue(meeting.held_on).select_related("owner").order_by("due_on", "pk"))
    topics = list(
        Topic.objects.filter(account=account, status=Topic.Status.ACTIVE)
        .annotate(open_actions=Count("actions", filter=~Q(actions__status=Action.Status.DONE)))
        .prefetch_related("owners").order_by("title")
    )
    return ReviewData(
        quarter=quarter, board=dashboard_for(account=account, quarter=quarter), scorecards=scorecards,
        show_comparison=show, overdue=overdue, active_topics=topics, settings=plan_settings_for(account),
    )


def proposed_agenda(data: ReviewData) -> list[ProposedItem]:
    """The agenda a quarterly review should have, from the data: the dashboard spotlight,
    calculation mismatches, scorecard gaps of two steps or more, overdue actions, the
    active priorities' progress and the standing hard questions — in that order."""
    S = AgendaItem.Source
    items = []
    for row in data.board.spotlight:
        symbol = f" {row.metric.symbol}" if row.metric.symbol else ""
        items.append(ProposedItem(
            S.SPOTLIGHT, f"{row.metric.name}: {row.status.label} in {data.quarter}",
            f"Result {_figure(row.result.value)}{symbol} against a goal of {_figure(row.goal.goal)}{symbol}.",
        ))
    for row in data.board.mismatches:
        items.append(ProposedItem(
            S.MISMATCH, f"{row.metric.name}: the two firms' figures differ",
            f"Home firm {_figure(row.result.home_value)}, partner firm {_figure(row.result.partner_value)} "
            f"(tolerance ± {_figure(row.metric.mismatch_tolerance)}); compare the calculation basis.",
        ))
    if data.show_comparison:
        for row in data.scorecards.discuss_first:
            items.append(ProposedItem(
                S.SCORECARD_GAP, f"Scorecard: {row.dimension.name} ({row.gap} steps apart)",
                f"Home champion: {row.home.colour.label}; partner champion: {row.partner.colour.label}.",
            ))
    for action in data.overdue:
        items.append(ProposedItem(
            S.OVERDUE, f"Overdue: {action.title}",
            f"Owner {action.owner.name}, due {action.due_on:%d %b %Y}, {action.get_status_display().lower()}.",
        ))
    for topic in data.active_topics:
        target = f", target {topic.target_quarter}" if topic.target_quarter else ""
        items.append(ProposedItem(
            S.TOPIC, f"Progress: {topic.title}",
            f"{topic.get_horizon_display()}{target}; {topic.progress}% done, {topic.open_actions} open "
            f"action{'s' if topic.open_actions != 1 else ''}.",
        ))
    for question in data.settings.questions:
        items.append(ProposedItem(S.HARD_QUESTION, question))
    return items


# --- when: one meeting, and its review pack ---------------------------------------------


def meeting_detail(access: AccountAccess, pk: int) -> Meeting:
    """A meeting with its agenda, attendees and decisions (and their actions), in four queries."""
    return get_object_or_404(
        Meeting.objects.visible_to(access).prefetch_related(
            "agenda_items",
            Prefetch("attendees", queryset=RosterEntry.objects.order_by("side", "name")),
            Prefetch("decisions", queryset=Decision.objects.select_related("action", "action__owner")),
        ),
        pk=pk,
    )


@dataclass
class ReviewPack:
    meeting: Meeting
    data: ReviewData
    actions: list[Action]


def review_pack(access: AccountAccess, meeting: Meeting) -> ReviewPack:
    data = review_data(access, meeting)
    actions = Action.objects.visible_to(access) if meeting.is_internal else Action.objects.shared_with_partner()
    actions = actions.filter(account=access.account).exclude(status=Action.Status.DONE).select_related("owner", "topic")
    return ReviewPack(meeting=meeting, data=data, actions=list(actions))


@dataclass(frozen=True)
class PlanHealth:
    """What the plan adds to an account's health roll-up (the home firm's view: internal
    meetings and their actions count too)."""

    overdue_actions: int
    last_review_on: dt.date | None

    def days_since_review(self, today: dt.date) -> int | None:
        return (today - self.last_review_on).days if self.last_review_on else None


def plan_health(*, account_id: int, today: dt.date | None = None) -> PlanHealth:
    return plan_health_many(account_ids=[account_id], today=today)[account_id]


def plan_health_many(*, account_ids: list[int], today: dt.date | None = None) -> dict[int, PlanHealth]:
    """``PlanHealth`` of several accounts in two queries."""
    today = today or timezone.localdate()
    last_reviews = dict(
        Meeting.objects.filter(account_id__in=account_ids, kind=Meeting.Kind.QUARTERLY_REVIEW, held_on__lte=today)
        .order_by().values_list("account_id").annotate(last=Max("held_on")).values_list("account_id", "last")
    )
    overdue = dict(
        Action.objects.filter(account_id__in=account_ids).overdue(today).order_by()
        .values_list("account_id").annotate(count=Count("pk")).values_list("account_id", "count")
    )
    return {
        account_id: PlanHealth(overdue_actions=overdue.get(account_id, 0), last_review_on=last_reviews.get(account_id))
        for account_id in account_ids
    }


def plan_history(account: PartnerAccount, limit: int) -> chain:
    """The account History page's share of the plan (a home-firm page: internal meetings
    and notes included)."""
    from accounts.selectors import history_entries, latest_records

    mine = {"account_id": account.pk}
    meetings = {"meeting__account_id": account.pk}
    return chain(
        history_entries(latest_records(PlanSettings, limit, **mine), lambda r: "Plan settings"),
        history_entries(latest_records(RosterEntry, limit, **mine), lambda r: f"Roster entry “{r.name}”"),
        history_entries(latest_records(Topic, limit, **mine), lambda r: f"Topic “{r.title}”"),
        history_entries(latest_records(Action, limit, **mine), lambda r: f"Action “{r.title}”"),
        history_entries(latest_records(Meeting, limit, **mine),
                        lambda r: f"{r.get_kind_display()} of {r.held_on:%d %b %Y}"),
        history_entries(latest_records(AgendaItem, limit, **meetings), lambda r: f"Agenda item “{r.title}”"),
        history_entries(latest_records(Decision, limit, **meetings), lambda r: "Decision"),
    )
