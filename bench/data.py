"""The benchmark's data: many partner accounts, each with a full history, built with bulk
inserts so that a thousand accounts take seconds to minutes, not hours (``python -m
bench.seed`` runs it).

It deliberately goes *around* the services: no ``account_created`` signal (the metric
template and dimensions are inserted here, in bulk), no ``full_clean`` per object, no
per-object history rows (benchmark data is generated, nobody changed it; the history
pages simply start empty), and no background recompute per save. Trends and health are
computed once at the end by the same service the nightly job runs.

Accounts are named ``bench-0001``… and created in order, so running it again with the
same or a smaller number adds nothing, and with a larger number completes the set: the
benchmark measures at 10 accounts, then grows the same database to 1,000.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import DateTimeField
from django.db.models.functions import Cast

from accounts.models import Membership, PartnerAccount, Side, User
from accounts.quarters import Quarter
from dashboards.defaults import DEFAULT_METRICS
from dashboards.models import BEGINNING, MetricDefinition, MetricGoal, MetricResult, Unit
from plans.models import Action, Meeting, PlanSettings, RosterEntry, Topic
from scorecards.models import Assessment, Dimension, Rating
from scorecards.services import DEFAULT_DIMENSIONS

SLUG_PREFIX = "bench-"
BENCH_PASSWORD = "tandem-bench"
# The people the benchmark signs in as: an administrator for the measured pages, and for
# the load run's concurrent users, account managers of the first LOAD_USERS accounts each
# (they may open every page measured, the entry grid included).
BENCH_ADMIN = "bench-admin"
LOAD_USERS = 32
LOAD_USER_PREFIX = "bench-load-"
ACTIONS_PER_YEAR = 50
MEETINGS_PER_YEAR = 4
ROSTER_PER_SIDE = 6
CHUNK = 25  # accounts per transaction: bounded memory, and progress a reader can follow

FUNCTIONS = ["Procurement", "Quality", "Logistics", "R&D", "Finance", "Sales"]


class BenchSeedRefused(Exception):
    """The bench database already holds accounts seeded differently."""


@dataclass(frozen=True)
class SeedReport:
    created_accounts: int
    total_accounts: int
    quarters: int
    rows: dict[str, int]


def bench_slug(number: int) -> str:
    return f"{SLUG_PREFIX}{number:04d}"


def bench_quarters(count: int, *, last: Quarter | None = None) -> list[Quarter]:
    """``count`` quarters ending with the last completed one, oldest first."""
    last = last or Quarter.current().previous()
    return [last + (offset - count + 1) for offset in range(count)]


def existing_quarter_count() -> int | None:
    """How many quarters of results the first bench account has (None: no bench accounts)."""
    first = PartnerAccount.objects.filter(slug__startswith=SLUG_PREFIX).order_by("slug").first()
    if first is None:
        return None
    metric = MetricDefinition.objects.filter(account=first).order_by("position").first()
    return MetricResult.objects.filter(metric=metric).count() if metric else 0


def seed_bench(*, accounts: int, quarters: int, progress=None) -> SeedReport:
    """Bring the bench data to ``accounts`` accounts with ``quarters`` quarters each."""
    have = existing_quarter_count()
    if have is not None and have != quarters:
        raise BenchSeedRefused(
            f"The bench database holds accounts with {have} quarters of results, not {quarters}: "
            "drop it (make bench does) or seed with the same --quarters."
        )
    password = make_password(BENCH_PASSWORD)  # hashed once, shared: hashing per user would dominate
    _seed_people(password)
    existing = set(PartnerAccount.objects.filter(slug__startswith=SLUG_PREFIX).values_list("slug", flat=True))
    missing = [n for n in range(1, accounts + 1) if bench_slug(n) not in existing]
    rows: dict[str, int] = {}
    quarter_list = bench_quarters(quarters)
    for start in range(0, len(missing), CHUNK):
        numbers = missing[start:start + CHUNK]
        with transaction.atomic():
            for name, count in _seed_accounts(numbers, quarter_list, password).items():
                rows[name] = rows.get(name, 0) + count
        if progress:
            progress(start + len(numbers), len(missing))
    _seed_load_memberships()
    total = PartnerAccount.objects.filter(slug__startswith=SLUG_PREFIX).count()
    return SeedReport(created_accounts=len(missing), total_accounts=total, quarters=quarters, rows=rows)


def _seed_people(password: str) -> None:
    wanted = [(BENCH_ADMIN, User.GlobalRole.ADMINISTRATOR)] + [
        (f"{LOAD_USER_PREFIX}{n:02d}", User.GlobalRole.MEMBER) for n in range(1, LOAD_USERS + 1)
    ]
    have = set(User.objects.filter(username__in=[u for u, _ in wanted]).values_list("username", flat=True))
    User.objects.bulk_create([
        User(username=username, password=password, global_role=role, first_name="Bench", last_name=username[6:])
        for username, role in wanted if username not in have
    ])


def _seed_load_memberships() -> None:
    users = list(User.objects.filter(username__startswith=LOAD_USER_PREFIX))
    accounts = list(PartnerAccount.objects.filter(slug__in=[bench_slug(n) for n in range(1, LOAD_USERS + 1)]))
    have = set(Membership.objects.filter(user__in=users, account__in=accounts).values_list("user_id", "account_id"))
    Membership.objects.bulk_create([
        Membership(user=user, account=account, side=Side.HOME, role=Membership.Role.ACCOUNT_MANAGER)
        for user in users for account in accounts if (user.pk, account.pk) not in have
    ])


def _seed_accounts(numbers: list[int], quarters: list[Quarter], password: str) -> dict[str, int]:
    accounts = PartnerAccount.objects.bulk_create([
        PartnerAccount(
            name=f"Bench Partner {n:04d}", slug=bench_slug(n),
            kind=PartnerAccount.Kind.CUSTOMER if n % 2 else PartnerAccount.Kind.SUPPLIER,
            level=1 + n % 4, target_level=min(4, 2 + n % 4), industry=["Automotive", "Chemicals", "Retail"][n % 3],
            region=["EMEA", "Americas", "APAC"][n % 3], annual_value=Decimal(1_000_000 + 7919 * n), currency="EUR",
            strategy_pillars="Grow together\nCost down\nInnovate",
        )
        for n in numbers
    ])
    accounts = _with_ids(accounts, PartnerAccount, slug__in=[bench_slug(n) for n in numbers])
    counts = {"accounts": len(accounts)}
    rng = {a.pk: random.Random(a.slug) for a in accounts}

    # People: each account's two champions have logins; the rest of the roster does not.
    champions = User.objects.bulk_create([
        User(username=f"{a.slug}-{side}", password=password, first_name=f"{side.title()} champion",
             last_name=a.slug)
        for a in accounts for side in (Side.HOME, Side.PARTNER)
    ])
    champions = _with_ids(champions, User, username__in=[c.username for c in champions])
    champion = {c.username: c for c in champions}

    def champ(account, side):
        return champion[f"{account.slug}-{side}"]

    counts["memberships"] = len(Membership.objects.bulk_create([
        Membership(user=champ(a, side), account=a, side=side, role=Membership.Role.EXECUTIVE_CHAMPION)
        for a in accounts for side in (Side.HOME, Side.PARTNER)
    ]))

    # Dashboards: the default fourteen metrics with their goals, and every quarter's figures.
    metrics = MetricDefinition.objects.bulk_create([
        MetricDefinition(
            account=a, position=position, name=spec.name, category=spec.category, unit=spec.unit,
            direction=spec.direction, mismatch_tolerance=spec.decimal("tolerance"), calculation_basis=spec.basis,
            data_owner=spec.owner_side(a),
        )
        for a in accounts for position, spec in enumerate(DEFAULT_METRICS, start=1)
    ])
    metrics = _with_ids(metrics, MetricDefinition, account__in=accounts)
    specs = {spec.name: spec for spec in DEFAULT_METRICS}
    MetricGoal.objects.bulk_create([
        MetricGoal(metric=m, effective_from=BEGINNING, goal=specs[m.name].decimal("goal"),
                   warning_threshold=specs[m.name].decimal("warning"), note="Bench template")
        for m in metrics
    ])
    counts["metrics"] = len(metrics)
    results = []
    for m in metrics:
        r = rng[m.account_id]
        spec = specs[m.name]
        for q in quarters:
            value = _figure(r, spec.unit, spec.decimal("goal"), spec.decimal("warning"))
            check = value if r.random() < 0.9 else _figure(r, spec.unit, spec.decimal("goal"), spec.decimal("warning"))
            results.append(MetricResult(metric=m, quarter=q, home_value=value, partner_value=check,
                                        home_version=1, partner_version=1))
    MetricResult.objects.bulk_create(results, batch_size=2000)
    counts["results"] = len(results)

    # Scorecards: the default dimensions, and both champions' submitted assessments every quarter.
    dimensions = Dimension.objects.bulk_create([
        Dimension(account=a, name=name, description=description, position=position)
        for a in accounts for position, (name, description) in enumerate(DEFAULT_DIMENSIONS, start=1)
    ])
    dimensions = _with_ids(dimensions, Dimension, account__in=accounts)
    dimensions_of: dict[int, list[Dimension]] = {}
    for d in dimensions:
        dimensions_of.setdefault(d.account_id, []).append(d)
    submitted_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assessments = Assessment.objects.bulk_create([
        Assessment(account=a, quarter=q, side=side, status=Assessment.Status.SUBMITTED, champion=champ(a, side),
                   submitted_at=submitted_at)
        for a in accounts for q in quarters for side in (Side.HOME, Side.PARTNER)
    ], batch_size=2000)
    assessments = _with_ids(assessments, Assessment, account__in=accounts)
    ratings = [
        Rating(assessment=s, dimension=d, colour=rng[s.account_id].randint(2, 5),
               comment="Steady." if d.position % 3 else "", action="")
        for s in assessments for d in dimensions_of[s.account_id]
    ]
    Rating.objects.bulk_create(ratings, batch_size=4000)
    counts["assessments"], counts["ratings"] = len(assessments), len(ratings)

    # The plan: settings, a roster of both firms, topics, actions and meetings over the years.
    today = dt.date.today()
    PlanSettings.objects.bulk_create([
        PlanSettings(account=a, next_review_on=today + dt.timedelta(days=30 + a.pk % 60)) for a in accounts
    ])
    roster = []
    for a in accounts:
        for side in (Side.HOME, Side.PARTNER):
            roster.append(RosterEntry(account=a, side=side, name=f"{side.title()} champion of {a.slug}",
                                      role=RosterEntry.Role.EXECUTIVE_CHAMPION, influence=RosterEntry.Influence.HIGH,
                                      stance=RosterEntry.Stance.SUPPORTER, user=champ(a, side), function="Executive"))
            roster += [
                RosterEntry(account=a, side=side, name=f"{side.title()} person {i} of {a.slug}",
                            function=FUNCTIONS[i % len(FUNCTIONS)],
                            role=RosterEntry.Role.POINT_PERSON if i == 0 else RosterEntry.Role.FUNCTIONAL_CONTACT)
                for i in range(ROSTER_PER_SIDE - 1)
            ]
    roster = _with_ids(RosterEntry.objects.bulk_create(roster), RosterEntry, account__in=accounts)
    people: dict[int, list[RosterEntry]] = {}
    for entry in roster:
        people.setdefault(entry.account_id, []).append(entry)
    topic_statuses = [Topic.Status.ACTIVE] * 3 + [Topic.Status.SHORT_LIST] * 3 + [Topic.Status.DONE] * 2
    topics = Topic.objects.bulk_create([
        Topic(account=a, title=f"Topic {i + 1} of {a.slug}", status=status, home_benefit="Lower cost",
              partner_benefit="More volume", progress=100 if status == Topic.Status.DONE else 10 * i,
              horizon=Topic.Horizon.QUICK_WIN if i % 2 else Topic.Horizon.LONG_TERM)
        for a in accounts for i, status in enumerate(topic_statuses)
    ])
    topics = _with_ids(topics, Topic, account__in=accounts)
    Topic.owners.through.objects.bulk_create([
        Topic.owners.through(topic_id=t.pk, rosterentry_id=people[t.account_id][t.pk % ROSTER_PER_SIDE].pk)
        for t in topics
    ])
    topics_of: dict[int, list[Topic]] = {}
    for t in topics:
        topics_of.setdefault(t.account_id, []).append(t)
    years = max(1, len(quarters) // 4)
    start = quarters[0].start_date
    meetings = Meeting.objects.bulk_create([
        Meeting(account=a, kind=Meeting.Kind.QUARTERLY_REVIEW if i % 4 else Meeting.Kind.STEERING_TEAM,
                held_on=start + dt.timedelta(days=45 + 91 * i), location="Video call",
                minutes="Reviewed the dashboard and the scorecards.")
        for a in accounts for i in range(years * MEETINGS_PER_YEAR)
    ])
    actions = []
    days = (today - start).days + 90
    for a in accounts:
        r, owners, its_topics = rng[a.pk], people[a.pk], topics_of[a.pk]
        for i in range(years * ACTIONS_PER_YEAR):
            due = start + dt.timedelta(days=days * i // (years * ACTIONS_PER_YEAR))
            recent = due > today - dt.timedelta(days=120)
            status = (r.choice([Action.Status.OPEN, Action.Status.IN_PROGRESS, Action.Status.DONE])
                      if recent else Action.Status.DONE)
            actions.append(Action(account=a, title=f"Action {i + 1} of {a.slug}", owner=owners[i % len(owners)],
                                  due_on=due, status=status, topic=its_topics[i % len(its_topics)] if i % 3 else None))
    Action.objects.bulk_create(actions, batch_size=2000)
    # auto_now stamped every action "changed today"; they were last touched when due.
    Action.objects.filter(account__in=accounts).update(updated_at=Cast("due_on", DateTimeField()))
    counts["roster"], counts["topics"] = len(roster), len(topics)
    counts["meetings"], counts["actions"] = len(meetings), len(actions)
    return counts


def _figure(r: random.Random, unit: str, goal: Decimal, warning: Decimal) -> Decimal:
    """A plausible figure scattered around the goal: mostly green, some yellow and red."""
    spread = abs(goal - warning) or Decimal(1)
    value = float(goal) + r.uniform(-1.6, 1.4) * float(spread)
    if unit == Unit.PERCENT:
        value = min(100.0, max(0.0, value))
    elif unit != Unit.PERCENT_CHANGE:
        value = max(0.0, value)
    if unit == Unit.COUNT:
        return Decimal(round(value))
    return Decimal(f"{value:.2f}")


def _with_ids(objects: list, model, **lookup) -> list:
    """bulk_create fills ids on PostgreSQL and SQLite ≥ 3.35; otherwise read them back."""
    if all(o.pk is not None for o in objects):
        return objects
    return list(model.objects.filter(**lookup))
