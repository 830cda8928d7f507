"""Two years of perception surveys for every demo account, and a draft round for this
quarter at Helix Components ready to open. The stories:

* **Corvane Logistics** sours: perceptions in both firms fall a quarter *before* the
  dashboard's metrics leave the Green Zone — the leading indicator at work.
* **Helix Components** climbs from lukewarm to warm, as its scorecards do.
* **Northwind Retail Group**: the home firm is content, the partner much less so —
  the same disagreement the two champions' scorecards show.
* The others hold steady, each at its own level.

Each round asks two to three dozen people per firm (the roster plus people added by
e-mail), the whole list confirmed by the partner firm's champion before the round
opened (at accounts without a partner champion among the demo's users, by one who is
not); two thirds to nine tenths answer. Answers are written straight into the
tallies, as answering would. Helix's draft waits for its partner champion (pat) to
confirm the people asked. Idempotent: an account with survey rounds is left alone.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

from django.db import transaction
from django.utils import timezone

from accounts.models import PartnerAccount, Side, User
from accounts.quarters import Quarter
from plans.models import RosterEntry

from . import selectors, services
from .models import SCALE, Invitation, RoundStatement, ScoreTally, SurveyComment, SurveyRound, SurveyStatement

QUARTERS = 8
SOUR = [4.1, 4.2, 4.1, 4.2, 4.1, 3.3, 2.8, 2.5]
CLIMB = [2.9, 3.1, 3.3, 3.5, 3.7, 3.9, 4.1, 4.3]
# Per account slug: (home firm's means, partner firm's means) per quarter, oldest first.
STORIES = {
    "corvane-logistics": (SOUR, [m - 0.1 for m in SOUR]),
    "helix-components": (CLIMB, [m - 0.15 for m in CLIMB]),
    "northwind-retail": ([4.2, 4.3, 4.2, 4.3, 4.2, 4.3, 4.3, 4.2], [3.2, 3.0, 2.9, 2.8, 2.9, 2.7, 2.7, 2.6]),
}
# Statement by statement, how far from the firm's overall mean (trust and promptness move most).
STATEMENT_OFFSETS = [0.2, -0.25, 0.0, 0.15, 0.05, -0.3, 0.1, 0.05]
COMMENTS = {
    "low": ["Decisions keep slipping and nobody says why.", "We hear about problems too late.",
            "It feels like we carry most of the work.", "Promises made in the review are not kept."],
    "mid": ["Good people, but priorities change too often.", "Fine day to day; the long-term plan is vague.",
            "Meetings could be better prepared."],
    "high": ["A genuinely joint team.", "They tell us early when something goes wrong.",
             "The best partnership I have worked in."],
}
FIRST = ["Ana", "Ben", "Chloé", "Dev", "Elif", "Femi", "Greta", "Hugo", "Ines", "Jonas", "Kai", "Lea", "Milo", "Nora",
         "Oskar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wim", "Xenia", "Yusuf", "Zoe"]
LAST = ["Andersen", "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Horvat", "Ivanova", "Jensen",
        "Kowalski", "Lambert", "Moretti", "Nowak", "Olsen", "Peeters", "Rossi", "Santos", "Tanaka", "Varga"]


def _address(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", ".")


def _domain(account: PartnerAccount, side: str) -> str:
    return "home.example.com" if side == Side.HOME else f"{account.slug}.example.com"


def _people(account: PartnerAccount, side: str, count: int, roster: list[RosterEntry], rng) -> list[tuple]:
    """(name, e-mail, roster entry id) for ``count`` people of one firm: the roster first."""
    people, seen = [], set()
    for entry in roster:
        if entry.side != side:
            continue
        email = (entry.user.email if entry.user and entry.user.email
                 else f"{_address(entry.name)}@{_domain(account, side)}")
        people.append((entry.name, email, entry.pk))
        seen.add(email)
    while len(people) < count:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        email = f"{_address(name)}@{_domain(account, side)}"
        if email not in seen:
            seen.add(email)
            people.append((name, email, None))
    return people[:count]


def _score(mean: float, rng) -> int:
    return min(5, max(1, round(rng.gauss(mean, 0.75))))


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@transaction.atomic
def seed_surveys(accounts: dict[str, PartnerAccount], last: Quarter | None = None) -> int:
    """Eight closed rounds per account ending with ``last`` (the previous quarter by
    default); returns how many rounds were added."""
    last = last or Quarter.current().previous()
    quarters = [last - (QUARTERS - 1 - i) for i in range(QUARTERS)]
    admin = User.objects.filter(username="admin").first()
    done = set(SurveyRound.objects.filter(account__in=list(accounts.values())).values_list("account_id", flat=True))
    added = 0
    for slug, account in accounts.items():
        if account.pk in done:
            continue
        services.statements_apply_defaults(account=account, by=admin)
        texts = list(SurveyStatement.objects.filter(account=account).order_by("position").values_list("text",
                                                                                                     flat=True))
        rng = random.Random(f"tandem-demo-surveys:{slug}")
        level = rng.uniform(3.4, 4.1)
        home_story, partner_story = STORIES.get(slug, ([level] * QUARTERS, [level - rng.uniform(0.0, 0.4)] * QUARTERS))
        roster = list(RosterEntry.objects.filter(account=account).select_related("user"))
        champion = selectors.partner_champion(account)
        sizes = {Side.HOME: rng.randint(24, 34), Side.PARTNER: rng.randint(20, 30)}
        crowd = {side: _people(account, side, size, roster, rng) for side, size in sizes.items()}
        rounds = SurveyRound.objects.bulk_create([
            SurveyRound(account=account, quarter=q, status=SurveyRound.Status.CLOSED, closes_on=q.end_date,
                        opened_at=_at(q.end_date - dt.timedelta(days=21)),
                        closed_at=_at(q.end_date + dt.timedelta(days=1), 2), created_by=admin,
                        partner_confirmed_at=_at(q.end_date - dt.timedelta(days=23), 15),
                        partner_confirmed_by=champion)
            for q in quarters
        ])
        statements = RoundStatement.objects.bulk_create([
            RoundStatement(round=r, position=p, text=t) for r in rounds for p, t in enumerate(texts, start=1)
        ])
        by_round: dict[int, list[RoundStatement]] = {}
        for statement in statements:
            by_round.setdefault(statement.round_id, []).append(statement)
        invitations, tallies, comments = [], [], []
        for index, survey in enumerate(rounds):
            for side, story in ((Side.HOME, home_story), (Side.PARTNER, partner_story)):
                people = crowd[side]
                answering = round(len(people) * rng.uniform(0.65, 0.9))
                for number, (name, email, entry_id) in enumerate(people):
                    answered = number < answering
                    invitations.append(Invitation(
                        round=survey, side=side, name=name, email=email, roster_entry_id=entry_id, added_by=admin,
                        invited_at=survey.opened_at, answered=answered,
                        reminded_at=None if answered else _at(survey.closes_on - dt.timedelta(days=3), 7),
                    ))
                for statement in by_round[survey.pk]:
                    offset = STATEMENT_OFFSETS[(statement.position - 1) % len(STATEMENT_OFFSETS)]
                    mean = story[index] + offset * (2 if story[index] < 3.3 else 1)
                    counts = [0] * len(SCALE)
                    for _ in range(answering):
                        counts[_score(mean, rng) - 1] += 1
                    tallies += [ScoreTally(statement=statement, side=side, score=s, count=c)
                                for s, c in zip(SCALE, counts, strict=True)]
                    if rng.random() < 0.35:
                        mood = "low" if mean < 3.2 else "high" if mean > 4.0 else "mid"
                        comments.append(SurveyComment(statement=statement, side=side, text=rng.choice(COMMENTS[mood])))
        Invitation.objects.bulk_create(invitations, batch_size=500)
        ScoreTally.objects.bulk_create(tallies, batch_size=1000)
        SurveyComment.objects.bulk_create(comments, batch_size=500)
        if slug == "helix-components":
            _draft_round(account, crowd, admin)
        added += len(rounds)
    return added


def _draft_round(account: PartnerAccount, crowd: dict[str, list[tuple]], admin: User | None) -> None:
    """This quarter's round at Helix, drafted with its people; it opens once Helix's
    champion has confirmed them."""
    quarter = Quarter.current()
    if SurveyRound.objects.filter(account=account, quarter=quarter).exists():
        return
    survey = SurveyRound.objects.create(account=account, quarter=quarter, created_by=admin,
                                        closes_on=timezone.localdate() + dt.timedelta(days=services.DEFAULT_ROUND_DAYS))
    Invitation.objects.bulk_create([
        Invitation(round=survey, side=side, name=name, email=email, roster_entry_id=entry_id, added_by=admin)
        for side, people in crowd.items() for name, email, entry_id in people[:15]
    ])
