"""Building survey rounds for tests through the services, as the pages do."""

from __future__ import annotations

import datetime as dt
import re

from django.core import mail
from django.utils import timezone

from accounts.quarters import Quarter
from surveys import services
from surveys.models import SurveyRound
from surveys.services import RespondentInput

LINK = re.compile(r"/survey/([A-Za-z0-9_-]+)/")


def people(side: str, count: int, prefix: str | None = None) -> list[RespondentInput]:
    prefix = prefix or side
    return [RespondentInput(email=f"{prefix}{n}@example.com", side=side, name=f"{prefix.title()} {n}")
            for n in range(1, count + 1)]


def draft_round(account, *, by=None, home: int = 0, partner: int = 0, quarter: Quarter | None = None,
                closes_in: int = 14, partner_confirmed: bool = True) -> SurveyRound:
    """A draft round asking these people; the whole list confirmed by the partner firm's
    champion (as it must be before any round opens) unless ``partner_confirmed`` is False."""
    survey = services.round_create(account=account, by=by, quarter=quarter or Quarter.current(),
                                   closes_on=timezone.localdate() + dt.timedelta(days=closes_in))
    services.respondents_add(survey=survey, by=by, people=people("home", home) + people("partner", partner))
    if (home or partner) and partner_confirmed:
        confirm_list(survey)
    survey.refresh_from_db()
    return survey


def listed(survey: SurveyRound) -> dict[str, list[str]]:
    """The addresses asked, per firm, as the partner champion's confirmation page shows them."""
    return {side: list(survey.invitations.filter(side=side).values_list("email", flat=True))
            for side in ("home", "partner")}


def confirm_list(survey: SurveyRound, by=None) -> SurveyRound:
    """The partner champion confirms everyone asked, both firms, as the list stands."""
    return services.partner_respondents_confirm(survey=survey, by=by, **listed(survey))


def links_in_outbox() -> dict[str, str]:
    """The latest personal link e-mailed to each address."""
    links = {}
    for message in mail.outbox:
        found = LINK.search(message.body)
        if found:
            links[message.to[0]] = found.group(1)
    return links


def open_round(account, *, by=None, home: int = 0, partner: int = 0, **kwargs) -> tuple[SurveyRound, dict[str, str]]:
    """A round opened with ``home`` and ``partner`` people, their invitations sent (as the
    task after commit would); returns the round and each address's token."""
    survey = draft_round(account, by=by, home=home, partner=partner, **kwargs)
    services.round_open(survey=survey, by=by)
    services.round_invitations_send(round_id=survey.pk)
    survey.refresh_from_db()
    return survey, links_in_outbox()


def answer(token: str, scores: list[int], comments: dict[int, str] | None = None):
    return services.response_submit(
        token=token, scores={position: score for position, score in enumerate(scores, start=1)}, comments=comments,
    )


def answer_all(links: dict[str, str], side: str, answers: list[list[int]]) -> None:
    """Each list of scores answered by another person of ``side``."""
    tokens = [token for email, token in sorted(links.items()) if email.startswith(side)]
    assert len(tokens) >= len(answers), "not enough people invited"
    for token, scores in zip(tokens, answers, strict=False):
        answer(token, scores)


def closed_round(account, *, home_answers: list[list[int]], partner_answers: list[list[int]], **kwargs):
    """A round in which these answers were given, then closed."""
    survey, links = open_round(account, home=max(len(home_answers), 1) + 1,
                               partner=max(len(partner_answers), 1) + 1, **kwargs)
    answer_all(links, "home", home_answers)
    answer_all(links, "partner", partner_answers)
    services.round_close(survey=survey, by=None)
    mail.outbox.clear()
    survey.refresh_from_db()
    return survey
