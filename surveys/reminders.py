"""The survey's in-app reminder: in the last days of an open round, the account's
managers hear whether at least three people of each firm have answered yet — the only
live figure there is (see ``surveys.selectors``) — once per manager and round (the claim
in ``notifications`` sees to "once").

Respondents themselves need no login, so their invitation and reminder are e-mails sent
by ``surveys.tasks`` and claimed on the invitation row (see ``surveys.services``)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from accounts.models import Membership, Side
from notifications.reminders import Reminder, ReminderKind

from .models import SurveyRound
from .selectors import rounds_results
from .services import REMINDER_DAYS_BEFORE_CLOSE

KIND = "survey_closing"


def survey_closing_due(today: dt.date) -> list[Reminder]:
    rounds = list(SurveyRound.objects.filter(
        status=SurveyRound.Status.OPEN, closes_on__gte=today,
        closes_on__lte=today + dt.timedelta(days=REMINDER_DAYS_BEFORE_CLOSE),
    ).select_related("account"))
    if not rounds:
        return []
    by_account = {result.survey.account_id: result for result in rounds_results(rounds)}
    managers = Membership.objects.filter(
        account_id__in=list(by_account), role=Membership.Role.ACCOUNT_MANAGER, side=Side.HOME, user__is_active=True,
    )
    reminders = []
    for membership in managers:
        result = by_account[membership.account_id]
        survey, account = result.survey, result.survey.account
        reminders.append(Reminder(
            user_id=membership.user_id, kind=KIND, subject_key=f"survey:{survey.pk}", period=str(survey.quarter),
            title=f"The {survey.quarter} survey of {account.name} closes on {survey.closes_on:%d %b}",
            body=f"So far {result.so_far[Side.HOME]} people of the home firm and {result.so_far[Side.PARTNER]} of "
                 f"{account.name} have answered, of {result.total_invited} asked. Those who have not get one "
                 "reminder by e-mail now; the exact response and the results show once the round closes.",
            link=reverse("surveys:round", args=[account.slug, survey.quarter]), account_id=account.pk,
        ))
    return reminders


SURVEY_CLOSING = ReminderKind(
    key=KIND, label="Survey rounds about to close", due=survey_closing_due,
    description="In the last days of an open survey round, for the account's managers: the response so far.",
)
