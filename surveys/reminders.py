"""The survey's in-app reminder: in the last days of an open round, the account's
managers hear how many people of each firm have answered — once per manager and round
(the claim in ``notifications`` sees to "once").

Respondents themselves need no login, so their invitation and reminder are e-mails sent
by ``surveys.tasks`` and claimed on the invitation row (see ``surveys.services``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse

from accounts.models import Membership, Side
from notifications.reminders import Reminder, ReminderKind

from .models import SurveyRound
from .services import REMINDER_DAYS_BEFORE_CLOSE

KIND = "survey_closing"


def survey_closing_due(today: dt.date) -> list[Reminder]:
    rounds = {
        r.pk: r for r in SurveyRound.objects.filter(
            status=SurveyRound.Status.OPEN, closes_on__gte=today,
            closes_on__lte=today + dt.timedelta(days=REMINDER_DAYS_BEFORE_CLOSE),
        ).select_related("account").annotate(
            invited=Count("invitations"), answered=Count("invitations", filter=Q(invitations__answered=True)),
        )
    }
    if not rounds:
        return []
    by_account = {r.account_id: r for r in rounds.values()}
    managers = Membership.objects.filter(
        account_id__in=list(by_account), role=Membership.Role.ACCOUNT_MANAGER, side=Side.HOME, user__is_active=True,
    )
    reminders = []
    for membership in managers:
        survey = by_account[membership.account_id]
        account = survey.account
        reminders.append(Reminder(
            user_id=membership.user_id, kind=KIND, subject_key=f"survey:{survey.pk}", period=str(survey.quarter),
            title=f"The {survey.quarter} survey of {account.name} closes on {survey.closes_on:%d %b}",
            body=f"{survey.answered} of {survey.invited} people have answered so far. Those who have not get one "
                 "reminder by e-mail now; results show once the round closes.",
            link=reverse("surveys:round", args=[account.slug, survey.quarter]), account_id=account.pk,
        ))
    return reminders


SURVEY_CLOSING = ReminderKind(
    key=KIND, label="Survey rounds about to close", due=survey_closing_due,
    description="In the last days of an open survey round, for the account's managers: the response so far.",
)
