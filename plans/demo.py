"""The demo's What-Who-When plans: for every account a roster of both firms, a long list
of twelve topics with three to five active priorities (quick wins and long-term ones),
actions (some overdue) and past meetings with minutes and decisions.

Idempotent: an account that already has a roster is left alone.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, PartnerAccount, Side, User
from accounts.quarters import Quarter

from . import services
from .models import Action, Meeting, RosterEntry, Topic

R = RosterEntry.Role
HOME, PARTNER = Side.HOME, Side.PARTNER

# name, title, function, region, side, role, influence, stance
HOME_PEOPLE = [
    ("Maja Berg", "Supply Chain Director", "Supply chain", "Nordics", HOME, R.STEERING_TEAM, "high", "supporter"),
    ("Tomás Ruiz", "Quality Manager", "Quality", "Southern Europe", HOME, R.FUNCTIONAL_CONTACT, "medium", "neutral"),
    ("Ingrid Olsen", "Head of R&D", "R&D", "Nordics", HOME, R.STEERING_TEAM, "high", "supporter"),
    ("Felix Wagner", "General Counsel", "Legal", "DACH", HOME, R.OMBUDSMAN, "medium", "neutral"),
]
PARTNER_PEOPLE = [
    ("Hannah Schulz", "Key Account Manager", "Sales", "DACH", PARTNER, R.POINT_PERSON, "medium", "supporter"),
    ("Rui Costa", "Operations Director", "Operations", "Southern Europe", PARTNER, R.STEERING_TEAM, "high",
     "sceptic"),
    ("Aiko Tanaka", "Innovation Lead", "R&D", "Asia-Pacific", PARTNER, R.FUNCTIONAL_CONTACT, "medium", "supporter"),
    ("Liam Byrne", "Finance Business Partner", "Finance", "UK & Ireland", PARTNER, R.FUNCTIONAL_CONTACT, "low",
     "neutral"),
]
PARTNER_CHAMPION = ("Sofia Marino", "Chief Commercial Officer", "Executive", "Europe", PARTNER,
                    R.EXECUTIVE_CHAMPION, "high", "neutral")
HOME_CHAMPION = ("Carl Okafor", "Chief Operating Officer", "Executive", "Europe", HOME, R.EXECUTIVE_CHAMPION,
                 "high", "supporter")

# title, horizon, home benefit, partner benefit
TOPICS = [
    ("Joint demand forecasting", "long_term", "Fewer stock-outs and less safety stock",
     "Steadier production plans"),
    ("Shorter order lead time", "quick_win", "Faster response to our customers", "Lower order-handling cost"),
    ("Carbon-neutral logistics", "long_term", "Meets our 2030 climate pledge", "A reference case for green freight"),
    ("Electronic invoicing", "quick_win", "Invoice accuracy above 99%", "Paid on time, every time"),
    ("Co-developed next-generation product", "long_term", "A differentiated product line",
     "Guaranteed volume for new technology"),
    ("Quarterly executive exchange", "quick_win", "Early sight of the partner's strategy",
     "Direct line to our leadership"),
    ("Shared quality lab", "long_term", "Defects caught before shipment", "Lower warranty costs"),
    ("Packaging reduction", "quick_win", "Less waste to handle", "Lower material cost"),
    ("Dual-site resilience", "long_term", "Supply secured if one site fails", "A second plant with firm volumes"),
    ("Vendor-managed inventory pilot", "quick_win", "Less working capital", "Better production visibility"),
    ("Joint training academy", "long_term", "Skilled people on both sides", "Certified staff for other customers"),
    ("Open-book costing", "long_term", "Transparent prices", "Fair margin, fewer price fights"),
]
ACTIVE_COUNTS = [5, 4, 3, 4, 5, 3, 4, 4, 3, 5, 4, 3]
# Accounts whose latest quarterly review did not take place: the portfolio flags them.
REVIEW_MISSED = {"solace-hotels", "corvane-logistics", "tarn-metals"}

MINUTES = (
    "Reviewed the dashboard: most metrics in the Green Zone; the two outside were discussed with their owners.\n"
    "Both champions shared their scorecards; the gap on win-win was talked through openly.\n"
    "Agreed to keep the five priorities and to review progress at the next meeting."
)


def _entry(account, spec, user=None, by=None) -> RosterEntry:
    name, title, function, region, side, role, influence, stance = spec
    return services.roster_entry_save(entry=RosterEntry(
        account=account, name=name, title=title, function=function, region=region, side=side, role=role,
        influence=influence, stance=stance, user=user,
    ), by=by)


def _roster(account: PartnerAccount, admin: User) -> list[RosterEntry]:
    """Both firms' people; members with a login are on the roster as themselves."""
    entries = []
    memberships = list(Membership.objects.filter(account=account).select_related("user"))
    home_roles = {m.role: m.user for m in memberships if m.side == HOME}
    partner_roles = {m.role: m.user for m in memberships if m.side == PARTNER}
    manager = home_roles.get(Membership.Role.ACCOUNT_MANAGER)
    if manager:
        entries.append(_entry(account, (manager.display_name, manager.title, "Sales", "Europe", HOME,
                                        R.POINT_PERSON, "high", "supporter"), manager, admin))
    champion = home_roles.get(Membership.Role.EXECUTIVE_CHAMPION)
    if champion:
        entries.append(_entry(account, (champion.display_name, champion.title, "Executive", "Europe", HOME,
                                        R.EXECUTIVE_CHAMPION, "high", "supporter"), champion, admin))
    else:
        entries.append(_entry(account, HOME_CHAMPION, None, admin))
    contributor = home_roles.get(Membership.Role.CONTRIBUTOR)
    if contributor:
        entries.append(_entry(account, (contributor.display_name, contributor.title, "Quality", "Nordics", HOME,
                                        R.FUNCTIONAL_CONTACT, "medium", "supporter"), contributor, admin))
    entries += [_entry(account, spec, None, admin) for spec in HOME_PEOPLE]
    partner_champion = partner_roles.get(Membership.Role.EXECUTIVE_CHAMPION)
    if partner_champion:
        entries.append(_entry(account, (partner_champion.display_name, partner_champion.title, "Executive",
                                        "Europe", PARTNER, R.EXECUTIVE_CHAMPION, "high", "supporter"),
                              partner_champion, admin))
    else:
        entries.append(_entry(account, PARTNER_CHAMPION, None, admin))
    entries += [_entry(account, spec, None, admin) for spec in PARTNER_PEOPLE]
    return entries


def _topics(account: PartnerAccount, people: list[RosterEntry], active: int, admin: User) -> list[Topic]:
    """Twelve topics: ``active`` priorities (quick wins and long-term ones), the rest
    short-listed, long-listed, one done and one dropped."""
    quarter = Quarter.current()
    quick = [t for t in TOPICS if t[1] == "quick_win"]
    long = [t for t in TOPICS if t[1] == "long_term"]
    chosen = [quick[0], long[0], quick[1], long[1], quick[2]][:active]
    rest = [t for t in TOPICS if t not in chosen]
    plan = [(t, Topic.Status.ACTIVE) for t in chosen]
    statuses = [Topic.Status.DONE, Topic.Status.DROPPED, Topic.Status.SHORT_LIST, Topic.Status.SHORT_LIST]
    plan += [(t, statuses[i] if i < len(statuses) else Topic.Status.LONG_LIST) for i, t in enumerate(rest)]
    home = [p for p in people if p.side == HOME]
    partner = [p for p in people if p.side == PARTNER]
    topics = []
    for index, ((title, horizon, home_benefit, partner_benefit), status) in enumerate(plan):
        topic = Topic(
            account=account, title=title, horizon=horizon, status=status, home_benefit=home_benefit,
            partner_benefit=partner_benefit, description=f"{title} with {account.name}.",
            target_quarter=quarter + (1 if horizon == "quick_win" else 4 + index % 3),
            progress={Topic.Status.ACTIVE: 20 + 15 * (index % 4), Topic.Status.DONE: 100}.get(status, 0),
        )
        topics.append(services.topic_save(
            topic=topic, by=admin, owners=[home[index % len(home)], partner[index % len(partner)]],
        ))
    return topics


def _meetings(account, people, topics, admin, *, next_review_in: int) -> None:
    today = timezone.localdate()
    partner = [p for p in people if p.side == PARTNER]
    home = [p for p in people if p.side == HOME]
    active = [t for t in topics if t.is_active]
    # Past quarterly reviews and a steering team, each with minutes and a decision turned into an action.
    for months_ago, kind in ((9, Meeting.Kind.QUARTERLY_REVIEW), (6, Meeting.Kind.QUARTERLY_REVIEW),
                             (4, Meeting.Kind.STEERING_TEAM), (3, Meeting.Kind.QUARTERLY_REVIEW)):
        if months_ago == 3 and account.slug in REVIEW_MISSED:
            continue
        # Dated within a past quarter, not a number of days ago: the last review must fall in
        # the quarter before this one on every day of the year, or each account would be
        # flagged for missing it.
        quarters_ago, into_it = {9: (3, 20), 6: (2, 20), 4: (2, 60), 3: (1, 20)}[months_ago]
        held_on = (Quarter.current() - quarters_ago).start_date + dt.timedelta(days=into_it)
        meeting = services.meeting_save(
            meeting=Meeting(account=account, kind=kind, held_on=held_on, location="Video call", minutes=MINUTES),
            by=admin, attendees=people[:3] + partner[:3],
        )
        services.agenda_item_add(meeting=meeting, by=admin, title="Dashboard review", source="spotlight")
        services.agenda_item_add(meeting=meeting, by=admin, title="Progress on the priorities", source="topic")
        owner = partner[months_ago % len(partner)] if months_ago != 3 else partner[0]
        due = held_on + dt.timedelta(days=45 if months_ago > 3 else 120)
        topic = active[months_ago % len(active)]
        services.decision_record(meeting=meeting, by=admin, text=f"Set up a working group on {topic.title.lower()}",
                                 owner=owner, due_on=due, topic=topic)
    internal = services.meeting_save(
        meeting=Meeting(account=account, kind=Meeting.Kind.INTERNAL, held_on=today - dt.timedelta(days=20),
                        minutes="Prepared our position for the next review.",
                        internal_notes="Price pressure expected; do not concede on payment terms."),
        by=admin, attendees=home[:3],
    )
    services.decision_record(meeting=internal, by=admin, text="Prepare a fallback offer on payment terms",
                             owner=home[0], due_on=today + dt.timedelta(days=14))
    # The next quarterly review, its agenda already set: the first accounts' attendees
    # are reminded of it on the day the demo is seeded.
    upcoming = services.meeting_save(
        meeting=Meeting(account=account, kind=Meeting.Kind.QUARTERLY_REVIEW, location="Video call",
                        held_on=today + dt.timedelta(days=next_review_in)),
        by=admin, attendees=people[:3] + partner[:3],
    )
    for title, source in (("Dashboard: the metrics outside the Green Zone", "spotlight"),
                          ("Both champions' scorecards side by side", "scorecard_gap"),
                          ("Progress on the priorities", "topic")):
        services.agenda_item_add(meeting=upcoming, by=admin, title=title, source=source)
    # Standalone actions: two overdue, one done, one blocked, one on track.
    for offset, status, title, owner in (
        (-12, Action.Status.IN_PROGRESS, "Share the forecast file every Monday", partner[1]),
        (-30, Action.Status.OPEN, "Agree the calculation basis for order lead time", home[1]),
        (-5, Action.Status.DONE, "Send the updated contact list", partner[2]),
        (20, Action.Status.BLOCKED, "Pilot e-invoicing with one site", home[2]),
        (40, Action.Status.OPEN, "Draft the innovation roadmap", partner[0]),
    ):
        services.action_save(action=Action(
            account=account, title=title, owner=owner, due_on=today + dt.timedelta(days=offset), status=status,
            topic=active[offset % len(active)],
        ), by=admin)


@transaction.atomic
def seed_plans(accounts: dict[str, PartnerAccount]) -> int:
    """Give every demo account its plan; return how many accounts got one now."""
    admin = User.objects.filter(username="admin").first()
    seeded = 0
    for index, account in enumerate(accounts.values()):
        if RosterEntry.objects.filter(account=account).exists():
            continue
        people = _roster(account, admin)
        topics = _topics(account, people, ACTIVE_COUNTS[index % len(ACTIVE_COUNTS)], admin)
        _meetings(account, people, topics, admin, next_review_in=2 + index * 3)
        seeded += 1
    return seeded
