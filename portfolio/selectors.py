"""Reads for the portfolio page and its exports.

Everything here reads the stored roll-ups (``AccountHealth``), never the results,
scorecards or plans themselves, so a page costs the same few queries for ten accounts
or a thousand. The flags are conditions on those roll-ups, evaluated by the database, so
filtering and sorting by them works across every page of the table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.utils import timezone

from accounts.access import visible_accounts
from accounts.models import Membership, PartnerAccount, RelationshipLevel, User
from accounts.quarters import Quarter
from scorecards.models import Colour

from .models import AccountHealth

PAGE_SIZE = 50
MANAGERS_SHOWN = 3  # per row on the page; the API and the exports list every one
RULE_OF_TEN = 10
DEFAULT_SORT = "-flags"


# --- flags ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlagRule:
    key: str
    label: str
    short: str  # the badge in the table; the full label is its tooltip and what the exports write
    complacency: bool


FLAG_RULES = [
    FlagRule("no_review", "No review meeting last quarter", "No review", complacency=True),
    FlagRule("results_missing", "Results missing for last quarter", "Results missing", complacency=True),
    FlagRule("scores_flat", "Scores unchanged for a year", "Scores flat", complacency=True),
    FlagRule("mismatches", "Open calculation mismatches", "Mismatches", complacency=False),
]
FLAG_LABELS = {rule.key: rule.label for rule in FLAG_RULES}


def last_quarter(today: dt.date | None = None) -> Quarter:
    """The quarter the flags look at: the last one that has ended."""
    return Quarter.containing(today or timezone.localdate()).previous()


def flag_conditions(quarter: Quarter) -> dict[str, Q]:
    """Each flag as a condition on an account's stored health. An account whose health
    was never computed counts as having no results and no review meeting: nothing is
    known to say otherwise."""
    return {
        # No quarterly review held since the last quarter began (one this quarter counts too).
        "no_review": Q(health__last_review_meeting_on__isnull=True)
        | Q(health__last_review_meeting_on__lt=quarter.start_date),
        # The quarter that just ended has no results, or not for every metric.
        "results_missing": Q(health__results_quarter__isnull=True) | Q(health__results_quarter__lt=str(quarter))
        | Q(health__results_quarter=str(quarter), health__metrics_missing__gt=0),
        "scores_flat": Q(health__scores_unchanged_for_a_year=True),
        "mismatches": Q(health__open_mismatches__gt=0),
    }


def _with_flags(accounts: QuerySet[PartnerAccount], quarter: Quarter) -> QuerySet[PartnerAccount]:
    conditions = flag_conditions(quarter)
    flags = {
        f"flag_{key}": ExpressionWrapper(condition, output_field=BooleanField())
        for key, condition in conditions.items()
    }
    one_each = [Case(When(condition, then=Value(1)), default=Value(0)) for condition in conditions.values()]
    return accounts.annotate(**flags, flag_count=ExpressionWrapper(sum(one_each[1:], one_each[0]),
                                                                    output_field=IntegerField()))


FLAG_FILTERS = {
    "any": "Needs attention (any flag)",
    "complacency": "Complacency (any of the three)",
    **FLAG_LABELS,
    "none": "No flags",
}


def _flag_filter(flag: str, quarter: Quarter) -> Q:
    conditions = flag_conditions(quarter)
    if flag in conditions:
        return conditions[flag]
    if flag == "complacency":
        wanted = [conditions[rule.key] for rule in FLAG_RULES if rule.complacency]
    else:
        wanted = list(conditions.values())
    combined = Q()
    for condition in wanted:
        combined |= condition
    return ~combined if flag == "none" else combined


# --- the table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of the table, in screen order; the exports write the same columns."""

    key: str
    label: str
    sort: tuple[str, ...]
    numeric: bool = False  # right-aligned, and sorted biggest first at the first click
    hint: str = ""
    biggest_first: bool | None = None

    @property
    def sorts_descending_first(self) -> bool:
        return self.numeric if self.biggest_first is None else self.biggest_first


COLUMNS = [
    Column("name", "Account", ("name",)),
    Column("flags", "Flags", ("flag_count",), hint="Complacency and calculation mismatches.", biggest_first=True),
    Column("kind", "Type", ("kind",)),
    Column("owner", "Account manager", ("owner_name",)),
    Column("level", "Level", ("level", "target_level")),
    Column("target", "Target", ("target_level", "level")),
    Column("value", "Annual value", ("annual_value",), numeric=True),
    Column("green", "Green share", ("health__green_share",), numeric=True,
           hint="Share of metrics in the Green Zone in the latest quarter with results."),
    Column("trend", "Trend", ("green_trend",), numeric=True,
           hint="Change in green share against the quarter before, in percentage points."),
    Column("home", "Home champion", ("health__home_champion_average",), numeric=True,
           hint="Average colour (1 Bright Red – 5 Bright Green) in the latest quarter both champions shared."),
    Column("partner", "Partner champion", ("health__partner_champion_average",), numeric=True,
           hint="Average colour (1 Bright Red – 5 Bright Green) in the latest quarter both champions shared."),
    Column("gap", "Champion gap", ("health__champion_gap",), numeric=True,
           hint="Steps between the two champions' average colours."),
    Column("survey", "Survey index", ("health__survey_index",), numeric=True,
           hint="The latest perception survey's index (0–100), both firms together."),
    Column("overdue", "Overdue actions", ("health__overdue_actions",), numeric=True),
    Column("review", "Last review meeting", ("health__last_review_meeting_on",)),
]
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
SORTS = {column.key for column in COLUMNS}


@dataclass(frozen=True)
class PortfolioQuery:
    """What the URL asks for: filters, search and sort (the page number stays in the view)."""

    search: str = ""
    kind: str = ""
    level: int | None = None
    flag: str = ""
    owner: int | None = None
    sort: str = DEFAULT_SORT

    @property
    def sort_key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    @property
    def is_filtered(self) -> bool:
        return bool(self.search or self.kind or self.level or self.flag or self.owner)


def _owner_name() -> Subquery:
    """The first account manager's name as shown, for sorting by owner."""
    shown = Coalesce(NullIf(Trim(Concat("user__first_name", Value(" "), "user__last_name")), Value("")),
                     "user__username", output_field=CharField())
    managers = (
        Membership.objects.filter(account=OuterRef("pk"), role=Membership.Role.ACCOUNT_MANAGER)
        .annotate(shown=shown).order_by("shown").values("shown")[:1]
    )
    return Subquery(managers, output_field=CharField())


def _filtered(user: User, query: PortfolioQuery, quarter: Quarter) -> QuerySet[PartnerAccount]:
    accounts = _with_flags(visible_accounts(user), quarter)
    if query.search:
        accounts = accounts.filter(name__icontains=query.search)
    if query.kind:
        accounts = accounts.filter(kind=query.kind)
    if query.level:
        accounts = accounts.filter(level=query.level)
    if query.flag:
        accounts = accounts.filter(_flag_filter(query.flag, quarter))
    if query.owner:
        accounts = accounts.filter(pk__in=Membership.objects.filter(
            user_id=query.owner, role=Membership.Role.ACCOUNT_MANAGER).values("account_id"))
    return accounts


def _ordered(accounts: QuerySet[PartnerAccount], query: PortfolioQuery) -> QuerySet[PartnerAccount]:
    column = COLUMNS_BY_KEY.get(query.sort_key, COLUMNS_BY_KEY[DEFAULT_SORT.lstrip("-")])
    if column.key == "owner":
        accounts = accounts.annotate(owner_name=_owner_name())
    if column.key == "trend":
        accounts = accounts.annotate(green_trend=F("health__green_share") - F("health__previous_green_share"))
    order = [F(name).desc(nulls_last=True) if query.descending else F(name).asc(nulls_last=True)
             for name in column.sort]
    return accounts.order_by(*order, "name", "pk")


@dataclass
class PortfolioRow:
    """One account as the table shows it."""

    account: PartnerAccount
    health: AccountHealth | None
    managers: list[User]  # on the page, only the first few
    managers_in_all: int
    flags: list[str]
    today: dt.date

    @property
    def more_managers(self) -> int:
        return self.managers_in_all - len(self.managers)

    @property
    def level_differs(self) -> bool:
        return self.account.level != self.account.target_level

    @property
    def annual_value_short(self) -> str:
        """The annual value in a few characters (the exports keep the exact figure)."""
        value = self.account.annual_value
        if value is None:
            return ""
        for size, unit in ((10**9, "bn"), (10**6, "M"), (10**3, "k")):
            if value >= size:
                return f"{value / size:.1f}".removesuffix(".0") + f" {unit} {self.account.currency}"
        return f"{value:.0f} {self.account.currency}"

    @property
    def green_share(self) -> float | None:
        return self.health.green_share if self.health else None

    @property
    def green_share_percent(self) -> str:
        return "" if self.green_share is None else f"{self.green_share:.0%}"

    @property
    def green_trend(self) -> int | None:
        """Change in green share against the quarter before, in percentage points."""
        if self.health is None or self.health.green_share is None or self.health.previous_green_share is None:
            return None
        return round((self.health.green_share - self.health.previous_green_share) * 100)

    @property
    def trend_arrow(self) -> str:
        trend = self.green_trend
        if trend is None:
            return ""
        return "↑" if trend > 0 else "↓" if trend < 0 else "→"

    @property
    def trend_words(self) -> str:
        trend = self.green_trend
        if trend is None:
            return "no earlier quarter to compare"
        if trend == 0:
            return "no change"
        return f"{'up' if trend > 0 else 'down'} {abs(trend)} points"

    def _average(self, side: str) -> float | None:
        return getattr(self.health, f"{side}_champion_average") if self.health else None

    @property
    def home_average(self) -> float | None:
        return self._average("home")

    @property
    def partner_average(self) -> float | None:
        return self._average("partner")

    @property
    def home_colour(self) -> Colour | None:
        return Colour.nearest(self.home_average)

    @property
    def partner_colour(self) -> Colour | None:
        return Colour.nearest(self.partner_average)

    @property
    def champion_gap(self) -> float | None:
        return self.health.champion_gap if self.health else None

    @property
    def survey_index(self) -> float | None:
        return self.health.survey_index if self.health else None

    @property
    def overdue_actions(self) -> int | None:
        return self.health.overdue_actions if self.health else None

    @property
    def last_review_on(self) -> dt.date | None:
        return self.health.last_review_meeting_on if self.health else None

    @property
    def days_since_review(self) -> int | None:
        return (self.today - self.last_review_on).days if self.last_review_on else None

    @property
    def flag_badges(self) -> list[tuple[FlagRule, str]]:
        """Each flag's rule and its label, with the number of mismatches where it has one."""
        badges = []
        for rule in FLAG_RULES:
            if rule.key not in self.flags:
                continue
            suffix = ""
            if rule.key == "mismatches" and self.health:
                suffix = f" ({self.health.open_mismatches})"
            elif rule.key == "results_missing" and self.health and self.health.results_quarter == last_quarter(
                    self.today):
                suffix = f" ({self.health.metrics_missing} metric{'s' if self.health.metrics_missing != 1 else ''})"
            badges.append((rule, suffix))
        return badges

    @property
    def flag_labels(self) -> list[str]:
        return [f"{rule.label}{suffix}" for rule, suffix in self.flag_badges]

    @property
    def complacent(self) -> bool:
        return any(rule.key in self.flags for rule in FLAG_RULES if rule.complacency)


def _with_managers(accounts: QuerySet[PartnerAccount], shown: int | None = None) -> QuerySet[PartnerAccount]:
    """The accounts with their health and their account managers: all of them, or the first
    ``shown`` of each account and how many there are in all."""
    memberships = (
        Membership.objects.filter(role=Membership.Role.ACCOUNT_MANAGER).select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    if shown is not None:
        memberships = memberships.annotate(managers_in_all=Window(Count("pk"), partition_by=F("account_id")))[:shown]
    managers = Prefetch("memberships", queryset=memberships, to_attr="manager_memberships")
    return accounts.select_related("health").prefetch_related(managers)


def _rows(accounts, today: dt.date) -> list[PortfolioRow]:
    """Rows for accounts from ``_with_managers``: two queries, the accounts with their
    health and their account managers."""
    rows = []
    for account in accounts:
        memberships = account.manager_memberships
        rows.append(PortfolioRow(
            account=account, health=getattr(account, "health", None), managers=[m.user for m in memberships],
            managers_in_all=getattr(memberships[0], "managers_in_all", len(memberships)) if memberships else 0,
            flags=[rule.key for rule in FLAG_RULES if getattr(account, f"flag_{rule.key}")], today=today,
        ))
    return rows


# --- the charts' points and the summary -------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One account in the charts: everything they need, and nothing more."""

    slug: str
    name: str
    level: int
    target_level: int
    annual_value: Decimal | None
    currency: str
    green_share: float | None
    relationship_score: float | None
    flags: tuple[str, ...]

    @property
    def complacent(self) -> bool:
        return any(rule.key in self.flags for rule in FLAG_RULES if rule.complacency)


def _relationship_score(home: float | None, partner: float | None) -> float | None:
    """Both champions' average colours together (1–5); one side's alone if that is all there is."""
    known = [v for v in (home, partner) if v is not None]
    return round(sum(known) / len(known), 2) if known else None


def _points(accounts: QuerySet[PartnerAccount]) -> list[Point]:
    fields = ["slug", "name", "level", "target_level", "annual_value", "currency", "health__green_share",
              "health__home_champion_average", "health__partner_champion_average",
              *(f"flag_{rule.key}" for rule in FLAG_RULES)]
    points = []
    for values in accounts.order_by().values_list(*fields):
        (slug, name, level, target, value, currency, green, home, partner, *flags) = values
        points.append(Point(
            slug=slug, name=name, level=level, target_level=target, annual_value=value, currency=currency,
            green_share=green, relationship_score=_relationship_score(home, partner),
            flags=tuple(rule.key for rule, on in zip(FLAG_RULES, flags, strict=True) if on),
        ))
    return points


@dataclass(frozen=True)
class RuleOfTen:
    strategic: int
    aiming: int

    @property
    def broken(self) -> bool:
        return self.strategic > RULE_OF_TEN


def rule_of_ten(user: User) -> RuleOfTen:
    """How many of the accounts this user sees are at Strategic level, and how many more
    aim for it — over all of them, whatever the filters."""
    strategic = RelationshipLevel.STRATEGIC
    counts = visible_accounts(user).aggregate(
        strategic=Count("pk", filter=Q(level=strategic)),
        aiming=Count("pk", filter=Q(target_level=strategic) & ~Q(level=strategic)),
    )
    return RuleOfTen(strategic=counts["strategic"], aiming=counts["aiming"])


@dataclass
class Summary:
    accounts: int = 0
    flagged: int = 0
    complacent: int = 0
    per_flag: list[tuple[FlagRule, int]] = field(default_factory=list)


def summary(points: list[Point]) -> Summary:
    return Summary(
        accounts=len(points),
        flagged=sum(1 for p in points if p.flags),
        complacent=sum(1 for p in points if p.complacent),
        per_flag=[(rule, sum(1 for p in points if rule.key in p.flags)) for rule in FLAG_RULES],
    )


# --- what the page, the API and the exports read ------------------------------------------------


def points(user: User, query: PortfolioQuery, quarter: Quarter) -> list[Point]:
    """Every account this user sees that matches the query, as the charts and the summary
    need it (one query)."""
    return _points(_filtered(user, query, quarter))


def portfolio_table(user: User, query: PortfolioQuery, today: dt.date | None = None, *,
                    managers_shown: int | None = None) -> QuerySet[PartnerAccount]:
    """The filtered, sorted table with health and account managers (all, or the first
    ``managers_shown`` of each), unevaluated: the page and the API slice it, and
    ``table_rows`` turns a slice into rows."""
    today = today or timezone.localdate()
    return _with_managers(_ordered(_filtered(user, query, last_quarter(today)), query), managers_shown)


def table_rows(accounts, today: dt.date | None = None) -> list[PortfolioRow]:
    """The rows of (a slice of) ``portfolio_table``, in two queries."""
    return _rows(accounts, today or timezone.localdate())


def portfolio_rows(user: User, query: PortfolioQuery, today: dt.date | None = None) -> list[PortfolioRow]:
    """Every row of the filtered, sorted table (for the exports), in two queries."""
    today = today or timezone.localdate()
    return table_rows(portfolio_table(user, query, today), today)


def owner_choices(user: User) -> list[User]:
    """The account managers of the accounts this user sees, for the owner filter."""
    return list(
        User.objects.filter(
            memberships__role=Membership.Role.ACCOUNT_MANAGER, memberships__account__in=visible_accounts(user)
        ).distinct().order_by("first_name", "last_name", "username")
    )
