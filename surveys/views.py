"""Survey pages. Access comes from ``accounts.access``; what may be seen of the answers
from ``selectors`` (the anonymity rule); writes from ``services``. The public answer
page needs no login: the personal link is the only key."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.access import AccountAccess, get_account_access
from accounts.concurrency import EditConflict
from accounts.downloads import csv_download
from accounts.quarters import Quarter
from plans.forms import add_service_errors

from . import charts, selectors, services
from .forms import AddByEmailForm, AnswerForm, ClosingForm, RoundForm, StatementsForm
from .services import RespondentInput


def _runner(request: HttpRequest, slug: str) -> AccountAccess:
    access = get_account_access(request.user, slug)
    access.require(access.can_run_surveys)
    return access


def _context(access: AccountAccess, **extra) -> dict:
    return {"access": access, "account": access.account, **extra}


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_account_access(request.user, slug)
    return _overview(request, access, RoundForm() if access.can_run_surveys else None)


def _overview(request: HttpRequest, access: AccountAccess, form: RoundForm | None) -> HttpResponse:
    history = selectors.survey_history(access.account)
    closed = [r for r in history if r.released]
    lead_lag = selectors.leading_and_lagging(access.account, history)
    return render(request, "surveys/overview.html", _context(
        access,
        history=list(reversed(history)),
        latest=closed[-1] if closed else None,
        history_figure=charts.history_figure(history) if closed else None,
        lead_lag=list(reversed(lead_lag)),
        lead_figure=charts.leading_figure(lead_lag) if lead_lag else None,
        form=form,
        min_respondents=selectors.MIN_RESPONDENTS,
    ))


@require_POST
@login_required
def round_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Draft a round; a refused quarter or day comes back on the form, as typed."""
    access = _runner(request, slug)
    form = RoundForm(request.POST)
    if form.is_valid():
        try:
            survey = services.round_create(account=access.account, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Survey round {survey.quarter} drafted. Add the people to ask, then open it.")
            return redirect("surveys:respondents", slug=slug, quarter=survey.quarter)
    return _overview(request, access, form)


@login_required
def statements(request: HttpRequest, slug: str) -> HttpResponse:
    access = _runner(request, slug)
    current = selectors.statement_set(access.account)
    form = StatementsForm(request.POST or None, initial={
        "statements": "\n".join(current.texts or services.DEFAULT_STATEMENTS), "version": current.version,
    })
    if request.method == "POST" and form.is_valid():
        try:
            services.statements_replace(account=access.account, by=request.user, texts=form.texts(),
                                        version=form.cleaned_data["version"])
        except EditConflict as exc:
            form.show_conflict(exc)
        except ValidationError as exc:
            form.add_error("statements", exc)
        else:
            messages.success(request, "Statements saved. The next round to open uses them.")
            return redirect("surveys:index", slug=slug)
    return render(request, "surveys/statements.html", _context(access, form=form), status=form.status)


@login_required
def survey_round(request: HttpRequest, slug: str, quarter: Quarter) -> HttpResponse:
    access = get_account_access(request.user, slug)
    survey = selectors.round_for(access, quarter)
    result = selectors.round_results(survey)
    return render(request, "surveys/round.html", _context(
        access, survey=survey, result=result,
        figure=charts.round_figure(result) if result.any_shown else None,
        closing_form=ClosingForm(initial={"closes_on": survey.closes_on}),
        awaited=selectors.confirmation_awaited(survey) if survey.is_draft else None,
        min_respondents=selectors.MIN_RESPONDENTS,
    ))


@login_required
def respondents(request: HttpRequest, slug: str, quarter: Quarter) -> HttpResponse:
    """Who is asked: people picked from the roster, or added by e-mail, while the round
    is a draft. Once it opens the list is fixed."""
    access = _runner(request, slug)
    survey = selectors.round_for(access, quarter)
    form = AddByEmailForm(request.POST or None)
    if request.method == "POST":
        if not survey.is_draft:
            messages.error(request, services.FROZEN)
            return redirect("surveys:respondents", slug=slug, quarter=quarter)
        if form.is_valid():
            people = _picked_from_roster(request, survey) + form.respondents()
            try:
                added = services.respondents_add(survey=survey, by=request.user, people=people)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"{len(added)} {'person' if len(added) == 1 else 'people'} added.")
                return redirect("surveys:respondents", slug=slug, quarter=quarter)
    invitations = selectors.round_invitations(survey)
    return render(request, "surveys/respondents.html", _context(
        access, survey=survey, form=form, invitations=invitations,
        candidates=selectors.roster_candidates(survey) if survey.is_draft else [],
        counts={side: sum(1 for i in invitations if i.side == side) for side in selectors.SIDES},
        awaited=selectors.confirmation_awaited(survey) if survey.is_draft and invitations else None,
        min_respondents=selectors.MIN_RESPONDENTS,
    ))


def _picked_from_roster(request: HttpRequest, survey) -> list[RespondentInput]:
    entries = {e.pk: (e, email) for e, email in selectors.roster_candidates(survey)}
    people = []
    for value in request.POST.getlist("roster"):
        if not (value.isascii() and value.isdigit()) or int(value) not in entries:  # "²".isdigit() too
            continue
        entry, suggested = entries[int(value)]
        email = request.POST.get(f"email-{entry.pk}", "").strip() or suggested
        if not email:
            messages.error(request, f"{entry.name} was not added: give an e-mail address for someone without a login.")
            continue
        people.append(RespondentInput(email=email, side=entry.side, name=entry.name, roster_entry_id=entry.pk))
    return people


@require_POST
@login_required
def respondent_remove(request: HttpRequest, slug: str, quarter: Quarter, pk: int) -> HttpResponse:
    access = _runner(request, slug)
    survey = selectors.round_for(access, quarter)
    invitation = selectors.invitation_for(survey, pk)
    try:
        services.invitation_remove(invitation=invitation, by=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, f"{invitation.label} removed from the round.")
    return redirect("surveys:respondents", slug=slug, quarter=quarter)


def _round_step(request: HttpRequest, slug: str, quarter: Quarter, step, done: str) -> HttpResponse:
    """Open or close a round: the service refuses with a message, or the step is done."""
    access = _runner(request, slug)
    survey = selectors.round_for(access, quarter)
    try:
        step(survey=survey, by=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, done)
    return redirect("surveys:round", slug=slug, quarter=quarter)


@require_POST
@login_required
def round_open(request: HttpRequest, slug: str, quarter: Quarter) -> HttpResponse:
    return _round_step(request, slug, quarter, services.round_open,
                       f"Round {quarter} is open: each person gets their personal link by e-mail.")


@require_POST
@login_required
def round_close(request: HttpRequest, slug: str, quarter: Quarter) -> HttpResponse:
    return _round_step(request, slug, quarter, services.round_close,
                       f"Round {quarter} is closed: its links no longer work and its results show.")


@require_POST
@login_required
def round_closing(request: HttpRequest, slug: str, quarter: Quarter) -> HttpResponse:
    access = _runner(request, slug)
    survey = selectors.round_for(access, quarter)
    form = ClosingForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Give the last day as a date.")
        survey = services.round_update_closing(survey=survey, by=request.user,
                                               closes_on=form.cleaned_data["closes_on"])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, f"People can answer until {survey.closes_on:%d %B %Y}.")
    return redirect("surveys:round", slug=slug, quarter=quarter)


@login_required
def partner_confirmation(request: HttpRequest, slug: str, quarter: Quarter) -> HttpResponse:
    """The partner firm's champion checks everyone a draft round asks, both firms' people,
    and confirms the list: the round can open only then. The form sends back the
    addresses shown under each firm, so that what is confirmed is exactly what was read."""
    access = get_account_access(request.user, slug)
    access.require(access.can_confirm_partner_respondents)
    survey = selectors.round_for(access, quarter)
    if request.method == "POST":
        try:
            services.partner_respondents_confirm(survey=survey, by=request.user, home=request.POST.getlist("home"),
                                                 partner=request.POST.getlist("partner"))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            return redirect("surveys:partner_confirmation", slug=slug, quarter=quarter)
        messages.success(request, "Thank you: you confirmed the people asked in this round. It can now open.")
        return redirect("surveys:round", slug=slug, quarter=quarter)
    return render(request, "surveys/partner_confirmation.html", _context(
        access, survey=survey, people=selectors.confirmation_list(survey), home_firm=settings.HOME_FIRM_NAME,
        min_respondents=selectors.MIN_RESPONDENTS,
    ))


@require_POST
@login_required
def round_delete(request: HttpRequest, slug: str, quarter: Quarter) -> HttpResponse:
    access = _runner(request, slug)
    survey = selectors.round_for(access, quarter)
    try:
        services.round_delete(survey=survey, by=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("surveys:round", slug=slug, quarter=quarter)
    messages.success(request, f"Draft round {quarter} deleted.")
    return redirect("surveys:index", slug=slug)


@login_required
def export_csv(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_account_access(request.user, slug)
    return csv_download(f"{access.account.slug}-surveys.csv", selectors.EXPORT_HEADER,
                        selectors.export_rows(access.account))


# --- the public answer page ---------------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the address: keep it out of caches and out of Referer headers sent
    # to other sites. ("no-referrer" would also make browsers send "Origin: null" with the
    # form, which Django's CSRF check rightly refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def _link_problem(request: HttpRequest, problem: services.SurveyLinkError) -> HttpResponse:
    return _private(render(request, "surveys/link_problem.html", {"problem": problem}, status=problem.status))


@never_cache
def answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_for_link(token)
    except services.SurveyLinkError as problem:
        return _link_problem(request, problem)
    survey = invitation.round
    form = AnswerForm(request.POST or None, statements=list(survey.statements.all()))
    if request.method == "POST" and form.is_valid():
        try:
            services.response_submit(token=token, scores=form.scores(), comments=form.comments())
        except services.SurveyLinkError as problem:
            return _link_problem(request, problem)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _private(render(request, "surveys/thanks.html", {"survey": survey}))
    account = survey.account
    return _private(render(request, "surveys/answer.html", {
        "survey": survey, "form": form, "firm": services.firm_name(account, invitation.side),
        "other_firm": services.other_firm_name(account, invitation.side),
        "min_respondents": selectors.MIN_RESPONDENTS,
    }, status=422 if request.method == "POST" else 200))
