"""Reads for the survey pages, exports and roll-ups — and the anonymity rule.

The anonymity rule — applied in :func:`_results_for_rounds` and nowhere else
---------------------------------------------------------------------------
Every page, export, chart, roll-up (the portfolio's survey index) and the API gets
results from :func:`round_results`, :func:`rounds_results`, :func:`survey_history` or
:func:`latest_survey_index`, which all go through :func:`_results_for_rounds`:

* A round's results are shown once the round is **closed**. While it is open, the only
  live figure is, per firm, whether at least three have answered yet: watching exact
  counts (or rates) move as each answer arrives would tell *who* answered, and watching
  figures move would tell what they said. Exact counts come with the results, at close.
* A firm's results are shown only when at least **three** (``MIN_RESPONDENTS``) of its
  people answered; otherwise that firm's means, spreads, distribution and comments are
  withheld, and so is everything computed from them (the gap, the survey index).
* Nobody sees an individual's answers: they are not stored per person (see models).

The statistics
--------------
* **Mean** agreement per statement and firm, on the scale 1 (strongly disagree) to 5
  (strongly agree).
* **Spread**: the *population* standard deviation of that firm's answers,
  √(Σ(x − mean)² / n). The people who answered are the group described, not a sample
  from which to estimate another, so we divide by n, not n − 1. It measures the
  alignment inside the firm: under 0.75 "aligned", up to 1.25 "mixed", above "divided".
* **Gap**: home firm's mean minus partner firm's mean (positive: the home firm agrees
  more); a gap of one point or more is flagged to discuss.
* **Response rate**: people of a firm who answered ÷ people of that firm invited.
* **Survey index** (0–100): each firm's mean agreement over all statements, mapped
  linearly from 1–5 onto 0–100 ((mean − 1) ÷ 4 × 100); the round's index is the average
  of the two firms' indices, so both firms weigh the same however many people each
  invited. It exists only when both firms reach the threshold, so an index always
  means "both firms' view".
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from accounts.access import AccountAccess
from accounts.models import Membership, PartnerAccount, Side, User
from accounts.quarters import Quarter
from dashboards.models import Status
from dashboards.selectors import dashboard_for
from plans.models import RosterEntry

from .models import SCALE, Invitation, RoundStatement, ScoreTally, SurveyComment, SurveyRound, SurveyStatement

MIN_RESPONDENTS = 3
SIDES = (Side.HOME, Side.PARTNER)
WIDE_GAP = 1.0
HISTORY_ROUNDS = 12


def scale_to_index(mean: float) -> float:
    """1–5 agreement onto 0–100."""
    return (mean - 1) / 4 * 100


@dataclass(frozen=True)
class FirmStatistics:
    respondents: int
    mean: float
    spread: float  # population standard deviation
    distribution: tuple[int, ...]  # how many gave 1, 2, 3, 4, 5

    @property
    def alignment(self) -> str:
        if self.spread < 0.75:
            return "aligned"
        return "mixed" if self.spread <= 1.25 else "divided"

    @property
    def index(self) -> float:
        return scale_to_index(self.mean)


def firm_statistics(distribution: list[int] | tuple[int, ...]) -> FirmStatistics | None:
    """Mean and population standard deviation from the counts of scores 1–5."""
    n = sum(distribution)
    if n == 0:
        return None
    mean = sum(score * count for score, count in zip(SCALE, distribution, strict=True)) / n
    variance = sum(count * (score - mean) ** 2 for score, count in zip(SCALE, distribution, strict=True)) / n
    return FirmStatistics(respondents=n, mean=mean, spread=math.sqrt(variance), distribution=tuple(distribution))


@dataclass
class StatementResult:
    position: int
    text: str
    home: FirmStatistics | None = None  # None: withheld (fewer than three, or round not closed)
    partner: FirmStatistics | None = None
    comments: dict[str, list[str]] = field(default_factory=lambda: {side: [] for side in SIDES})

    @property
    def gap(self) -> float | None:
        if self.home is None or self.partner is None:
            return None
        return self.home.mean - self.partner.mean

    @property
    def wide_gap(self) -> bool:
        return self.gap is not None and abs(self.gap) >= WIDE_GAP


@dataclass
class RoundResults:
    survey: SurveyRound
    invited: dict[str, int]
    counted: dict[str, int]  # how many of each firm answered: only for the rules below, never shown while open
    statements: list[StatementResult]

    @property
    def quarter(self) -> Quarter:
        return self.survey.quarter

    @property
    def released(self) -> bool:
        return self.survey.is_closed

    def shown(self, side: str) -> bool:
        """THE rule: may anyone see this firm's results for this round?"""
        return self.released and self.counted[side] >= MIN_RESPONDENTS

    @property
    def answered(self) -> dict[str, int] | None:
        """How many of each firm answered — once the round is closed; None before."""
        return self.counted if self.released else None

    @property
    def threshold_reached(self) -> dict[str, bool]:
        """Per firm, whether at least three have answered: the only figure shown live."""
        return {side: self.counted[side] >= MIN_RESPONDENTS for side in SIDES}

    @property
    def so_far(self) -> dict[str, str]:
        """``threshold_reached`` in words, for the pages and the managers' reminder."""
        return {side: f"{'at least' if reached else 'fewer than'} {MIN_RESPONDENTS}"
                for side, reached in self.threshold_reached.items()}

    @property
    def home_shown(self) -> bool:
        return self.shown(Side.HOME)

    @property
    def partner_shown(self) -> bool:
        return self.shown(Side.PARTNER)

    @property
    def any_shown(self) -> bool:
        return self.home_shown or self.partner_shown

    def response_rate(self, side: str | None = None) -> float | None:
        """Answered ÷ invited, once the round is closed (a live rate is a live count)."""
        sides = [side] if side else list(SIDES)
        invited = sum(self.invited[s] for s in sides)
        return None if not invited or not self.released else sum(self.counted[s] for s in sides) / invited

    @property
    def home_rate(self) -> float | None:
        return self.response_rate(Side.HOME)

    @property
    def partner_rate(self) -> float | None:
        return self.response_rate(Side.PARTNER)

    @property
    def total_rate(self) -> float | None:
        return self.response_rate()

    @property
    def total_answered(self) -> int | None:
        return sum(self.counted.values()) if self.released else None

    @property
    def total_invited(self) -> int:
        return sum(self.invited.values())

    def firm_index(self, side: str) -> float | None:
        if not self.shown(side):
            return None
        means = [getattr(s, side).mean for s in self.statements if getattr(s, side) is not None]
        return scale_to_index(sum(means) / len(means)) if means else None

    @property
    def home_index(self) -> float | None:
        return self.firm_index(Side.HOME)

    @property
    def partner_index(self) -> float | None:
        return self.firm_index(Side.PARTNER)

    @property
    def index(self) -> float | None:
        home, partner = self.home_index, self.partner_index
        return None if home is None or partner is None else (home + partner) / 2

    @property
    def wide_gaps(self) -> list[StatementResult]:
        return sorted((s for s in self.statements if s.wide_gap), key=lambda s: -abs(s.gap))


def _results_for_rounds(rounds: list[SurveyRound]) -> dict[int, RoundResults]:
    """Each round's results as anyone may see them, in four queries whatever the number
    of rounds, statements and people. The anonymity rule is applied here."""
    if not rounds:
        return {}
    ids = [r.pk for r in rounds]
    counts = {pk: ({s: 0 for s in SIDES}) for pk in ids}
    for row in Invitation.objects.filter(round_id__in=ids).values("round_id", "side").annotate(n=Count("pk")):
        counts[row["round_id"]][row["side"]] = row["n"]
    statements: dict[int, list[RoundStatement]] = defaultdict(list)
    for statement in RoundStatement.objects.filter(round_id__in=ids).order_by("round_id", "position"):
        statements[statement.round_id].append(statement)
    tallies: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0] * len(SCALE))
    for statement_id, side, score, count in ScoreTally.objects.filter(statement__round_id__in=ids).values_list(
        "statement_id", "side", "score", "count"
    ):
        tallies[(statement_id, side)][score - 1] = count

    results = {}
    released_sides: dict[int, set[str]] = {}
    for survey in rounds:
        counted = {
            side: max((sum(tallies[(s.pk, side)]) for s in statements[survey.pk]), default=0) for side in SIDES
        }
        result = RoundResults(survey=survey, invited=counts[survey.pk], counted=counted, statements=[])
        visible = {side for side in SIDES if result.shown(side)}
        released_sides[survey.pk] = visible
        for statement in statements[survey.pk]:
            row = StatementResult(position=statement.position, text=statement.text)
            for side in visible:
                setattr(row, side, firm_statistics(tallies[(statement.pk, side)]))
            result.statements.append(row)
        results[survey.pk] = result

    wanted = Q()
    for pk, sides in released_sides.items():
        if sides:
            wanted |= Q(statement__round_id=pk, side__in=sorted(sides))
    if wanted:
        by_position = {
            (pk, row.position): row for pk, result in results.items() for row in result.statements
        }
        for round_id, position, side, text in SurveyComment.objects.filter(wanted).order_by("text").values_list(
            "statement__round_id", "statement__position", "side", "text"
        ):
            by_position[(round_id, position)].comments[side].append(text)
    return results


# --- what the pages read ------------------------------------------------------------------


def round_for(access: AccountAccess, quarter: Quarter) -> SurveyRound:
    """The account's round for the quarter, or 404."""
    rounds = SurveyRound.objects.filter(account=access.account).select_related("account", "partner_confirmed_by")
    return get_object_or_404(rounds, quarter=quarter)


def invitation_for(survey: SurveyRound, pk: int) -> Invitation:
    return get_object_or_404(Invitation.objects.filter(round=survey), pk=pk)


def round_results(survey: SurveyRound) -> RoundResults:
    return _results_for_rounds([survey])[survey.pk]


def rounds_results(rounds: list[SurveyRound]) -> list[RoundResults]:
    """The results of these rounds (e.g. a page of the API's list), in their order, in four queries."""
    results = _results_for_rounds(rounds)
    return [results[r.pk] for r in rounds]


def survey_history(account: PartnerAccount, count: int = HISTORY_ROUNDS) -> list[RoundResults]:
    """The latest ``count`` rounds of the account, oldest first."""
    rounds = list(SurveyRound.objects.filter(account=account).order_by("-quarter")[:count])
    results = _results_for_rounds(rounds)
    return [results[r.pk] for r in reversed(rounds)]


def latest_survey_index(*, account_id: int) -> tuple[Quarter, float] | None:
    """The quarter and survey index (0–100, see the module docstring) of the account's
    latest closed round that has one — both firms with at least three answers — or None.
    For the portfolio's health roll-up."""
    return latest_survey_index_many(account_ids=[account_id])[account_id]


def latest_survey_index_many(*, account_ids: list[int]) -> dict[int, tuple[Quarter, float] | None]:
    """``latest_survey_index`` of several accounts in five queries at most."""
    rounds = list(SurveyRound.objects.filter(account_id__in=account_ids, status=SurveyRound.Status.CLOSED)
                  .order_by("account_id", "-quarter"))
    results = _results_for_rounds(rounds)
    latest: dict[int, tuple[Quarter, float] | None] = dict.fromkeys(account_ids)
    for survey in rounds:
        index = results[survey.pk].index
        if index is not None and latest[survey.account_id] is None:
            latest[survey.account_id] = (survey.quarter, round(index, 1))
    return latest


@dataclass(frozen=True)
class StatementSet:
    """The account's statements, edited as one: their texts in order (none before the
    first save) and the set's version, which every change of the set moves on."""

    texts: list[str]
    version: int


def statement_set(account: PartnerAccount) -> StatementSet:
    statements = list(SurveyStatement.objects.filter(account=account).order_by("position"))
    return StatementSet(texts=[s.text for s in statements], version=max((s.version for s in statements), default=0))


def round_invitations(survey: SurveyRound) -> list[Invitation]:
    """Who was asked — never whether or what they answered."""
    return list(survey.invitations.all().order_by("side", "name", "email"))


def confirmation_list(survey: SurveyRound) -> dict[str, list[Invitation]]:
    """Everyone asked, per firm: the whole list the partner firm's champion confirms."""
    listed: dict[str, list[Invitation]] = {side: [] for side in SIDES}
    for invitation in survey.invitations.order_by("name", "email"):
        listed[invitation.side].append(invitation)
    return listed


def partner_champion(account: PartnerAccount) -> User | None:
    """The partner firm's executive champion (at most one), if they can still log in."""
    membership = (Membership.objects.filter(account=account, side=Side.PARTNER, role=Membership.Role.EXECUTIVE_CHAMPION,
                                            user__is_active=True).select_related("user").first())
    return membership.user if membership else None


def confirmation_awaited(survey: SurveyRound) -> str | None:
    """Why a draft round cannot open yet for want of the partner champion's confirmation
    of its people (see ``services``), or None once they have confirmed them."""
    if survey.partner_confirmed_at is not None:
        return None
    account = survey.account
    if partner_champion(account) is None:
        return (f"{account.name} has no executive champion in Tandem, and a round opens only once the partner "
                f"firm's champion has confirmed the people asked. An administrator can give one of {account.name}'s "
                "people that role on the account's members page.")
    asked = survey.invitations.count()
    return (f"The executive champion of {account.name} has not yet confirmed the {asked} "
            f"{'person' if asked == 1 else 'people'} asked (of both firms); the round opens once they have.")


def roster_candidates(survey: SurveyRound) -> list[tuple[RosterEntry, str]]:
    """Roster people not yet invited, each with the address to suggest (their login's)."""
    invited = {e.casefold() for e in survey.invitations.values_list("email", flat=True)}
    invited_entries = set(survey.invitations.exclude(roster_entry=None).values_list("roster_entry_id", flat=True))
    candidates = []
    for entry in RosterEntry.objects.filter(account_id=survey.account_id).select_related("user").order_by(
        "side", "name"
    ):
        email = entry.user.email if entry.user and entry.user.email else ""
        if entry.pk in invited_entries or (email and email.casefold() in invited):
            continue
        candidates.append((entry, email))
    return candidates


# --- leading and lagging ----------------------------------------------------------------------


def green_share_by_quarter(account: PartnerAccount) -> dict[Quarter, float]:
    """Share (0–1) of the dashboard's judged metrics that were green, per quarter, from
    the dashboard's own reading of every result (``dashboards.selectors``)."""
    board = dashboard_for(account=account, quarter=None)
    judged: dict[Quarter, int] = defaultdict(int)
    green: dict[Quarter, int] = defaultdict(int)
    for row in board.rows:
        for quarter, _, status in row.history:
            if status is None:
                continue
            judged[quarter] += 1
            green[quarter] += status == Status.GREEN
    return {q: green[q] / judged[q] for q in judged}


@dataclass(frozen=True)
class LeadLagRow:
    quarter: Quarter
    index: float | None
    next_quarter: Quarter
    next_green_share: float | None  # 0–1

    @property
    def next_green_percent(self) -> float | None:
        return None if self.next_green_share is None else self.next_green_share * 100


def leading_and_lagging(account: PartnerAccount, history: list[RoundResults]) -> list[LeadLagRow]:
    """Each closed round's survey index beside the dashboard's green share of the
    *following* quarter: perceptions lead, metrics follow."""
    shares = green_share_by_quarter(account)
    return [
        LeadLagRow(r.quarter, r.index, r.quarter.next(), shares.get(r.quarter.next()))
        for r in history if r.released
    ]


# --- export ------------------------------------------------------------------------------------


EXPORT_HEADER = ["quarter", "statement", "firm", "invited", "answered", "mean (1-5)", "spread (population SD)",
                 "strongly disagree", "disagree", "neutral", "agree", "strongly agree", "gap (home - partner)"]


def export_rows(account: PartnerAccount) -> list[list[str | Decimal | None]]:
    """Every closed round's results per statement and firm, withheld where fewer than
    three of the firm answered — the same rule as the pages, because the same selector."""
    rows = []
    for result in survey_history(account, count=1000):
        if not result.released:
            continue
        for statement in result.statements:
            gap = statement.gap
            for side in SIDES:
                stats = getattr(statement, side)
                base = [str(result.quarter), statement.text, Side(side).label, str(result.invited[side]),
                        str(result.answered[side])]
                if stats is None:
                    rows.append(base + ["withheld: fewer than three answered"] + [""] * 7)
                    continue
                rows.append(base + [f"{stats.mean:.2f}", f"{stats.spread:.2f}", *map(str, stats.distribution),
                                    # a number, not "+1.33" text a spreadsheet would take for a formula
                                    None if gap is None else Decimal(f"{gap:.2f}")])
    return rows
