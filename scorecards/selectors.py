"""Reads for the scorecard pages, and the blind rule.

The blind rule — decided by :func:`can_see_side` and nowhere else
-----------------------------------------------------------------
Every page, partial, export (and later the API and notifications) asks
:func:`can_see_side` before it shows anything of an assessment:

* **Your own side's assessment** is visible to everyone on that side, draft or
  submitted (drafts are labelled). It is your firm's own document.
* **The other side's assessment** is visible only once it is *submitted* and the
  quarter is *open*: both champions have submitted, or an administrator released the
  quarter (for a quarter one champion never submits). A draft never crosses sides.
* **Administrators and portfolio viewers** have no membership and belong to the home
  firm, so they are on the home side: they see the home assessment early, and the
  partner's only when the quarter is open — exactly like the home champion. Releasing
  or reopening does not need to see the content.

The other side's *state* (submitted or not) is not hidden — the history page lists who
has submitted — but whether they have started a draft is.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Prefetch, Q

from accounts.access import AccountAccess
from accounts.downloads import Value
from accounts.models import PartnerAccount, Side
from accounts.quarters import Quarter, quarter_range

from .models import Assessment, Colour, Dimension, QuarterRelease, Rating

SIDES = (Side.HOME, Side.PARTNER)
HISTORY_QUARTERS = 8


def other_side(side: str) -> str:
    return Side.PARTNER if side == Side.HOME else Side.HOME


@dataclass(frozen=True)
class QuarterState:
    """Who has submitted for one quarter, and whether an administrator released it."""

    quarter: Quarter
    submitted: frozenset[str] = frozenset()
    started: frozenset[str] = frozenset()
    released: bool = False

    @property
    def both_submitted(self) -> bool:
        return self.submitted >= set(SIDES)

    @property
    def is_open(self) -> bool:
        """Each side may see the other's submitted assessment."""
        return self.both_submitted or self.released


def can_see_side(access: AccountAccess, side: str, state: QuarterState) -> bool:
    """THE blind rule: may this user see ``side``'s assessment for ``state.quarter``?"""
    if side == access.side:
        return True
    return state.is_open and side in state.submitted


def quarter_states(account: PartnerAccount, quarters: list[Quarter]) -> dict[Quarter, QuarterState]:
    """The state of each quarter, in two queries."""
    names = [str(q) for q in quarters]
    submitted, started = defaultdict(set), defaultdict(set)
    # unordered: Assessment's default ordering would join the account only to sort by its name
    for quarter, side, status in Assessment.objects.filter(account=account, quarter__in=names).order_by().values_list(
        "quarter", "side", "status"
    ):
        started[quarter].add(side)
        if status == Assessment.Status.SUBMITTED:
            submitted[quarter].add(side)
    released = set(QuarterRelease.objects.filter(account=account, quarter__in=names).values_list("quarter", flat=True))
    return {
        q: QuarterState(q, frozenset(submitted[q]), frozenset(started[q]), q in released) for q in quarters
    }


def quarter_state(account: PartnerAccount, quarter: Quarter) -> QuarterState:
    return quarter_states(account, [quarter])[quarter]


def active_dimensions(account: PartnerAccount) -> list[Dimension]:
    return list(Dimension.objects.filter(account=account, retired=False).order_by("position", "pk"))


def all_dimensions(account: PartnerAccount) -> list[Dimension]:
    return list(Dimension.objects.filter(account=account).order_by("retired", "position", "pk"))


def visible_assessment(
    access: AccountAccess, quarter: Quarter, side: str, state: QuarterState | None = None
) -> Assessment | None:
    """One side's assessment with its ratings if the blind rule lets this user see it."""
    if not can_see_side(access, side, state or quarter_state(access.account, quarter)):
        return None
    return (
        Assessment.objects.filter(account=access.account, quarter=quarter, side=side)
        .select_related("champion")
        .prefetch_related("ratings__dimension")
        .first()
    )


# --- the comparison ---------------------------------------------------------------


@dataclass
class SideView:
    colour: Colour | None = None
    comment: str = ""
    action: str = ""
    previous: Colour | None = None

    @property
    def movement(self) -> str | None:
        """↑, ↓ or = against last quarter; None when there is nothing to compare."""
        if self.colour is None or self.previous is None:
            return None
        if self.colour > self.previous:
            return "↑"
        return "↓" if self.colour < self.previous else "="

    @property
    def movement_label(self) -> str:
        return {"↑": "better than last quarter", "↓": "worse than last quarter",
                "=": "same as last quarter", None: "no rating last quarter"}[self.movement]


@dataclass
class ComparisonRow:
    dimension: Dimension
    home: SideView
    partner: SideView

    @property
    def gap(self) -> int | None:
        """Steps between the two colours."""
        if self.home.colour is None or self.partner.colour is None:
            return None
        return abs(self.home.colour - self.partner.colour)


@dataclass
class Comparison:
    state: QuarterState
    home: Assessment | None = None
    partner: Assessment | None = None
    rows: list[ComparisonRow] = field(default_factory=list)

    @property
    def discuss_first(self) -> list[ComparisonRow]:
        """Gaps of two steps or more, largest first (then in dimension order)."""
        wide = [row for row in self.rows if row.gap is not None and row.gap >= 2]
        return sorted(wide, key=lambda row: -row.gap)

    def average(self, side: str) -> float | None:
        colours = [getattr(row, side).colour for row in self.rows if getattr(row, side).colour is not None]
        return round(sum(colours) / len(colours), 2) if colours else None

    @property
    def home_average(self) -> float | None:
        return self.average(Side.HOME)

    @property
    def partner_average(self) -> float | None:
        return self.average(Side.PARTNER)

    @property
    def home_average_colour(self) -> Colour | None:
        return Colour.nearest(self.home_average)

    @property
    def partner_average_colour(self) -> Colour | None:
        return Colour.nearest(self.partner_average)


def comparison(access: AccountAccess, quarter: Quarter) -> Comparison:
    """Both sides' ratings for a quarter and their movement since the previous quarter,
    as far as the blind rule allows, in four queries whatever the size."""
    account = access.account
    previous = quarter.previous()
    states = quarter_states(account, [quarter, previous])
    assessments = (
        Assessment.objects.filter(account=account, quarter__in=[str(quarter), str(previous)], status="submitted")
        .select_related("champion")
        .prefetch_related(_ratings_with_dimensions())
    )
    result = Comparison(state=states[quarter])
    current, earlier = {}, {}
    for assessment in assessments:
        if not can_see_side(access, assessment.side, states[assessment.quarter]):
            continue
        if assessment.quarter == quarter:
            current[assessment.side] = assessment
            setattr(result, assessment.side, assessment)
        else:
            earlier[assessment.side] = assessment
    if not states[quarter].is_open:
        return result

    rows: dict[int, ComparisonRow] = {}
    for side, assessment in current.items():
        for rating in assessment.ratings.all():
            row = rows.setdefault(rating.dimension_id, ComparisonRow(rating.dimension, SideView(), SideView()))
            view = getattr(row, side)
            view.colour, view.comment, view.action = rating.colour_choice, rating.comment, rating.action
    for side, assessment in earlier.items():
        for rating in assessment.ratings.all():
            if rating.dimension_id in rows:
                getattr(rows[rating.dimension_id], side).previous = rating.colour_choice
    result.rows = sorted(rows.values(), key=lambda row: (row.dimension.position, row.dimension.pk))
    return result


def _ratings_with_dimensions():
    return Prefetch("ratings", queryset=Rating.objects.select_related("dimension"))


# --- the history --------------------------------------------------------------------


@dataclass
class HistoryQuarter:
    state: QuarterState
    sides: dict[str, str]  # side -> "Submitted" / "Draft" / "Not started" as this user may know it
    can_compare: bool


@dataclass
class ScorecardHistory:
    quarters: list[HistoryQuarter]
    figures: dict[str, dict]  # side -> Plotly figure, only sides with something visible
    tables: dict[str, dict]  # side -> {"dimensions": [...], "rows": [(dimension, [Colour|None per quarter])]}


def history_quarters(last: Quarter | None = None, count: int = HISTORY_QUARTERS) -> list[Quarter]:
    last = last or Quarter.current()
    return quarter_range(last - (count - 1), last)


def scorecard_history(access: AccountAccess, quarters: list[Quarter]) -> ScorecardHistory:
    """Each quarter's state and a heat-map per side (dimensions × quarters) of the
    submitted assessments this user may see, in five queries whatever the size."""
    account = access.account
    states = quarter_states(account, quarters)
    dimensions = all_dimensions(account)
    by_dimension = {d.pk: d for d in dimensions}
    cells: dict[str, dict[tuple[int, Quarter], Colour]] = {side: {} for side in SIDES}
    ratings = Rating.objects.filter(
        assessment__account=account, assessment__quarter__in=[str(q) for q in quarters],
        assessment__status="submitted", colour__isnull=False,
    ).values_list("assessment__side", "assessment__quarter", "dimension_id", "colour")
    for side, quarter, dimension_id, colour in ratings:
        if can_see_side(access, side, states[quarter]):
            cells[side][(dimension_id, quarter)] = Colour(colour)

    rows = []
    for quarter in quarters:
        state = states[quarter]
        sides = {}
        for side in SIDES:
            if side in state.submitted:
                sides[side] = "Submitted"
            elif side == access.side and side in state.started:
                sides[side] = "Draft"
            else:
                sides[side] = "Not submitted"
        rows.append(HistoryQuarter(state, sides, state.is_open))

    figures, tables = {}, {}
    for side in SIDES:
        if not cells[side]:
            continue
        used = [d for d in dimensions if any((d.pk, q) in cells[side] for q in quarters)]
        grid = [[cells[side].get((d.pk, q)) for q in quarters] for d in used]
        figures[side] = heatmap_figure(side, [str(q) for q in quarters], [by_dimension[d.pk].name for d in used], grid)
        tables[side] = {"rows": list(zip(used, grid, strict=True))}
    return ScorecardHistory(quarters=rows, figures=figures, tables=tables)


# Plotly colours for the five steps, the same hues as the chips in tandem.css.
HEAT_COLOURS = {1: "#b3141b", 2: "#f4a8a0", 3: "#f7d84a", 4: "#9bd8a9", 5: "#1e7b3a"}


def heatmap_figure(side: str, quarters: list[str], dimensions: list[str], grid: list[list[Colour | None]]) -> dict:
    """A plain Plotly figure dict. Every cell carries its symbol and name as text, so the
    heat-map reads in greyscale and without colour vision."""
    scale = []
    for step in range(1, 6):
        low, high = (step - 1) / 5, step / 5
        scale += [[low, HEAT_COLOURS[step]], [high, HEAT_COLOURS[step]]]
    return {
        "data": [{
            "type": "heatmap",
            "x": quarters,
            "y": dimensions,
            "z": [[None if c is None else int(c) for c in row] for row in grid],
            "text": [["" if c is None else f"{c.symbol} {c.label}" for c in row] for row in grid],
            "texttemplate": "%{text}",
            "hovertemplate": "%{y}<br>%{x}: %{text}<extra></extra>",
            "zmin": 0.5,
            "zmax": 5.5,
            "colorscale": scale,
            "xgap": 2,
            "ygap": 2,
            "colorbar": {
                "tickvals": [1, 2, 3, 4, 5],
                "ticktext": [f"{c.symbol} {c.label}" for c in Colour],
                "title": {"text": "Colour"},
            },
        }],
        "layout": {
            "title": {"text": f"{Side(side).label}: champion's colours by quarter"},
            "xaxis": {"type": "category", "title": {"text": "Quarter"}},
            "yaxis": {"automargin": True, "autorange": "reversed"},
            "margin": {"t": 50, "r": 20, "b": 50},
            "height": 120 + 42 * max(1, len(dimensions)),
        },
    }


def export_rows(access: AccountAccess) -> list[list[Value]]:
    """Every submitted rating this user may see, for the CSV export, in three queries."""
    assessments = list(
        Assessment.objects.filter(account=access.account, status="submitted")
        .order_by("quarter", "side")
        .prefetch_related(_ratings_with_dimensions())
    )
    quarters = sorted({a.quarter for a in assessments})
    states = quarter_states(access.account, quarters) if quarters else {}
    rows = []
    for assessment in assessments:
        if not can_see_side(access, assessment.side, states[assessment.quarter]):
            continue
        for rating in sorted(assessment.ratings.all(), key=lambda r: r.dimension.position):
            colour = rating.colour_choice
            rows.append([
                str(assessment.quarter), assessment.get_side_display(), rating.dimension.name,
                colour.label if colour else "", int(colour) if colour else None, rating.comment, rating.action,
            ])
    return rows


# --- roll-ups for the portfolio --------------------------------------------------------


@dataclass(frozen=True)
class ChampionAverages:
    quarter: Quarter | None = None
    home: float | None = None
    partner: float | None = None

    @property
    def gap(self) -> float | None:
        if self.home is None or self.partner is None:
            return None
        return round(abs(self.home - self.partner), 2)


def champion_averages(account: PartnerAccount) -> ChampionAverages:
    """Each champion's average colour (1–5) in the latest *open* quarter — both submitted,
    or released — so a roll-up never shows a side before the blind rule allows it."""
    return champion_averages_many(account_ids=[account.pk])[account.pk]


FLAT_SCORES_QUARTERS = 4  # a year of quarterly scorecards


def open_quarters_many(account_ids: list[int]) -> dict[int, list[Quarter]]:
    """Per account, the quarters whose scorecards both sides may see (both submitted, or
    released), oldest first; two queries."""
    released = set(QuarterRelease.objects.filter(account_id__in=account_ids).values_list("account_id", "quarter"))
    # One row per quarter with how many sides submitted (each side has one assessment a
    # quarter), in calendar order (the text sorts so): no default ordering, which joins
    # the account to sort by its name.
    submitted = (
        Assessment.objects.filter(account_id__in=account_ids, status="submitted").order_by("quarter")
        .values_list("account_id", "quarter").annotate(sides=Count("side"))
    )
    open_quarters: dict[int, list[Quarter]] = {account_id: [] for account_id in account_ids}
    for account_id, quarter, sides in submitted:
        if sides == len(SIDES) or (account_id, quarter) in released:
            open_quarters[account_id].append(quarter)
    return open_quarters


def scores_unchanged_for_a_year(account: PartnerAccount, *, as_of: Quarter) -> bool:
    """Complacency in the scorecards: the champions' read of the relationship has stood
    still for a year up to ``as_of``. Either no quarter has been opened in the four
    quarters up to ``as_of`` although there were scorecards before, or the four latest
    open quarters follow each other and every colour in them, dimension by dimension and
    on both sides, is the same. An account that never had a scorecard is not flagged
    here: it has no scores to be flat."""
    return scores_unchanged_for_a_year_many(account_ids=[account.pk], as_of=as_of)[account.pk]


def scores_unchanged_for_a_year_many(
    *, account_ids: list[int], as_of: Quarter, open_quarters: dict[int, list[Quarter]] | None = None
) -> dict[int, bool]:
    """``scores_unchanged_for_a_year`` of several accounts in three queries (one with their
    ``open_quarters_many``, when the caller has them)."""
    unchanged = dict.fromkeys(account_ids, False)
    years: dict[int, list[Quarter]] = {}
    open_quarters = open_quarters_many(account_ids) if open_quarters is None else open_quarters
    for account_id in account_ids:
        quarters = open_quarters[account_id]  # oldest first, each once
        opened_by_then = quarters[:bisect_right(quarters, as_of)]
        if not opened_by_then:
            continue
        latest = opened_by_then[-1]
        if as_of - latest >= FLAT_SCORES_QUARTERS:
            unchanged[account_id] = True
            continue
        year = quarter_range(latest - (FLAT_SCORES_QUARTERS - 1), latest)
        if opened_by_then[-FLAT_SCORES_QUARTERS:] == year:  # all four open
            years[account_id] = year
    if not years:
        return unchanged
    colours: dict[tuple[int, Quarter], set] = defaultdict(set)
    for account_id, quarter, side, dimension_id, colour in Rating.objects.filter(
        assessment__account_id__in=list(years),
        assessment__quarter__in=sorted({str(q) for year in years.values() for q in year}),
        assessment__status="submitted", colour__isnull=False,
    ).order_by().values_list(
        "assessment__account_id", "assessment__quarter", "assessment__side", "dimension_id", "colour"
    ):
        colours[(account_id, quarter)].add((side, dimension_id, colour))
    for account_id, year in years.items():
        first = colours[(account_id, year[0])]
        unchanged[account_id] = bool(first) and all(colours[(account_id, q)] == first for q in year[1:])
    return unchanged


def champion_averages_many(
    *, account_ids: list[int], open_quarters: dict[int, list[Quarter]] | None = None
) -> dict[int, ChampionAverages]:
    """``champion_averages`` of several accounts in three queries (one with their
    ``open_quarters_many``, when the caller has them)."""
    open_quarters = open_quarters_many(account_ids) if open_quarters is None else open_quarters
    latest_open = {account_id: open_quarters[account_id][-1] for account_id in account_ids
                   if open_quarters[account_id]}
    averages = defaultdict(dict)
    if latest_open:
        # Accounts mostly share their latest open quarter: one condition per quarter is
        # cheaper to build and to plan than one per account.
        accounts_by_quarter = defaultdict(list)
        for account_id, quarter in latest_open.items():
            accounts_by_quarter[str(quarter)].append(account_id)
        in_open_quarter = Q()
        for quarter, accounts in accounts_by_quarter.items():
            in_open_quarter |= Q(assessment__account_id__in=accounts, assessment__quarter=quarter)
        for account_id, side, average in (
            Rating.objects.filter(in_open_quarter, assessment__status="submitted", colour__isnull=False).order_by()
            .values_list("assessment__account_id", "assessment__side").annotate(average=Avg("colour"))
            .values_list("assessment__account_id", "assessment__side", "average")
        ):
            averages[account_id][side] = average
    result = {}
    for account_id in account_ids:
        if account_id not in latest_open:
            result[account_id] = ChampionAverages()
            continue
        home, partner = averages[account_id].get(Side.HOME), averages[account_id].get(Side.PARTNER)
        result[account_id] = ChampionAverages(
            quarter=latest_open[account_id],
            home=None if home is None else round(home, 2),
            partner=None if partner is None else round(partner, 2),
        )
    return result


def visible_assessments(access: AccountAccess):
    """The account's assessments this user may see, as a queryset: the blind rule
    (:func:`can_see_side`) applied to each, in three queries."""
    rows = list(Assessment.objects.filter(account=access.account).order_by().values_list("pk", "quarter", "side"))
    states = quarter_states(access.account, sorted({quarter for _, quarter, _ in rows}))
    visible = [pk for pk, quarter, side in rows if can_see_side(access, side, states[quarter])]
    return Assessment.objects.filter(pk__in=visible)


def rating_rows(assessment_ids: list[int]) -> dict[int, list[dict]]:
    """Each assessment's ratings as plain rows — ``dimension`` (its id), ``dimension_name``,
    ``colour``, ``comment``, ``action`` — in the dimensions' order, in one query. For the
    API's lists, where a model instance per rating cost more than all the rest."""
    rows = defaultdict(list)
    for assessment_id, dimension, dimension_name, colour, comment, action in (
        Rating.objects.filter(assessment__in=assessment_ids)
        .order_by("dimension__position", "dimension_id")
        .values_list("assessment_id", "dimension_id", "dimension__name", "colour", "comment", "action")
    ):
        rows[assessment_id].append({"dimension": dimension, "dimension_name": dimension_name, "colour": colour,
                                    "comment": comment, "action": action})
    return rows
