"""Scorecard pages. Access comes from ``accounts.access``; what may be seen of the
other side from ``selectors.can_see_side``; writes from ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import AccountAccess, get_account_access
from accounts.downloads import csv_download
from accounts.models import Side
from accounts.quarters import Quarter

from . import selectors, services
from .forms import AssessmentForm, DimensionForm, ReasonForm
from .models import Assessment, Colour, Dimension


def _assessable(quarter: Quarter) -> Quarter:
    """Only quarters that have started can be assessed or compared."""
    if quarter > Quarter.current():
        raise Http404("That quarter has not started yet.")
    return quarter


def _messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
def history(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_account_access(request.user, slug)
    quarters = selectors.history_quarters()
    data = selectors.scorecard_history(access, quarters)
    context = {
        "access": access,
        "account": access.account,
        "history": data,
        "quarter_rows": list(reversed(data.quarters)),
        "quarters": quarters,
        "current": quarters[-1],
        "heatmaps": [
            (side, Side(side).label, figure, data.tables[side]["rows"]) for side, figure in data.figures.items()
        ],
        "colours": list(Colour),
    }
    return render(request, "scorecards/history.html", context)


def _assessment_context(access: AccountAccess, quarter: Quarter, form=None, error: str = "") -> dict:
    state = selectors.quarter_state(access.account, quarter)
    assessment = selectors.visible_assessment(access, quarter, access.side, state)
    can_write = access.can_write_scorecard_for(access.side) and not (assessment and assessment.is_submitted)
    if can_write and form is None:
        form = AssessmentForm(dimensions=selectors.active_dimensions(access.account), assessment=assessment)
    return {
        "access": access,
        "account": access.account,
        "quarter": quarter,
        "assessment": assessment,
        "ratings": sorted(assessment.ratings.all(), key=lambda r: r.dimension.position) if assessment else [],
        "can_write": can_write,
        "form": form if can_write else None,
        "state": state,
        "next": quarter.next() if quarter.next() <= Quarter.current() else None,
        "side_label": Side(access.side).label,
        "error": error,
    }


@login_required
def assessment(request: HttpRequest, slug: str, quarter: Quarter) -> HttpResponse:
    """The user's own side's assessment: a form for its champion until submitted,
    read-only for everyone else on the side."""
    access = get_account_access(request.user, slug)
    quarter = _assessable(quarter)
    if request.method != "POST":
        return render(request, "scorecards/assessment.html", _assessment_context(access, quarter))

    access.require(access.can_write_scorecard_for(access.side))
    form = AssessmentForm(request.POST, dimensions=selectors.active_dimensions(access.account))
    if form.is_valid():
        submitting = "submit" in request.POST
        save = services.assessment_submit if submitting else services.assessment_save_draft
        try:
            save(access=access, quarter=quarter, ratings=form.ratings(), stamp=form.stamp())
        except services.AssessmentConflict as exc:
            form.show_conflict(exc)
            return render(request, "scorecards/assessment.html", _assessment_context(access, quarter, form=form),
                          status=form.status)
        except services.AssessmentLocked as exc:
            context = _assessment_context(access, quarter, error=_messages_of(exc))
            return render(request, "scorecards/assessment.html", context, status=409)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if submitting:
                messages.success(request, f"Your {quarter} scorecard is submitted and locked.")
            else:
                messages.success(request, f"Draft saved at {timezone.localtime():%H:%M}.")
            return redirect("scorecards:assessment", slug=slug, quarter=quarter)
    return render(request, "scorecards/assessment.html", _assessment_context(access, quarter, form=form))


@require_POST
@login_required
def autosave(request: HttpRequest, slug: str, quarter: Quarter) -> HttpResponse:
    """HTMX partial: save the draft as the champion types and say when it was saved."""
    access = get_account_access(request.user, slug)
    quarter = _assessable(quarter)
    access.require(access.can_write_scorecard_for(access.side))
    form = AssessmentForm(request.POST, dimensions=selectors.active_dimensions(access.account))
    status, context = 200, {}
    if not form.is_valid():
        status, context["error"] = 422, "Not saved: please check the highlighted answers."
    else:
        try:
            saved = services.assessment_save_draft(
                access=access, quarter=quarter, ratings=form.ratings(), stamp=form.stamp()
            )
            context["saved_at"] = timezone.localtime(saved.updated_at)
        except services.AssessmentConflict as exc:
            status, context["error"] = 409, f"Not saved. {_messages_of(exc)} Reload the page to continue from there."
        except services.AssessmentLocked as exc:
            status, context["error"] = 409, f"Not saved. {_messages_of(exc)}"
    return render(request, "scorecards/partials/save_status.html", context, status=status)


@login_required
def compare(request: HttpRequest, slug: str, quarter: Quarter) -> HttpResponse:
    access = get_account_access(request.user, slug)
    quarter = _assessable(quarter)
    result = selectors.comparison(access, quarter)
    context = {
        "access": access,
        "account": access.account,
        "quarter": quarter,
        "comparison": result,
        "state": result.state,
        "previous": quarter.previous(),
        "next": quarter.next() if quarter.next() <= Quarter.current() else None,
    }
    return render(request, "scorecards/compare.html", context)


@require_POST
@login_required
def reopen(request: HttpRequest, slug: str, quarter: Quarter, side: str) -> HttpResponse:
    access = get_account_access(request.user, slug)
    access.require(access.is_administrator)
    if side not in Side.values:
        raise Http404("No such side.")
    target = get_object_or_404(Assessment, account=access.account, quarter=quarter, side=side)
    form = ReasonForm(request.POST)
    try:
        services.assessment_reopen(
            assessment=target, by=request.user, reason=form.cleaned_data["reason"] if form.is_valid() else ""
        )
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, f"The {Side(side).label.lower()}'s {quarter} scorecard is open for changes again.")
    return redirect("scorecards:history", slug=slug)


@require_POST
@login_required
def release(request: HttpRequest, slug: str, quarter: Quarter) -> HttpResponse:
    access = get_account_access(request.user, slug)
    access.require(access.is_administrator)
    form = ReasonForm(request.POST)
    try:
        services.quarter_release(
            account=access.account, quarter=_assessable(quarter), by=request.user,
            reason=form.cleaned_data["reason"] if form.is_valid() else "",
        )
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, f"{quarter} is released: each side now sees what the other submitted.")
    return redirect("scorecards:history", slug=slug)


@login_required
def export_csv(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_account_access(request.user, slug)
    return csv_download(
        f"{access.account.slug}-scorecards.csv",
        ["quarter", "side", "dimension", "colour", "step", "comment", "what I need to do"],
        selectors.export_rows(access),
    )


@login_required
def dimensions(request: HttpRequest, slug: str) -> HttpResponse:
    """List the account's dimensions and add one. Administrators and account managers
    keep the set; retired dimensions stay in earlier assessments."""
    access = get_account_access(request.user, slug)
    access.require(access.can_edit_account)
    form = DimensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dimension = services.dimension_create(account=access.account, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Dimension “{dimension}” added.")
            return redirect("scorecards:dimensions", slug=slug)
    context = {
        "access": access,
        "account": access.account,
        "form": form,
        "dimensions": selectors.all_dimensions(access.account),
    }
    return render(request, "scorecards/dimensions.html", context)


@require_POST
@login_required
def dimension_change(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Rename, move, retire or restore one dimension (plain form posts, no JavaScript needed)."""
    access = get_account_access(request.user, slug)
    access.require(access.can_edit_account)
    dimension = get_object_or_404(Dimension, account=access.account, pk=pk)
    action = request.POST.get("action")
    try:
        if action in ("up", "down"):
            services.dimension_move(dimension=dimension, by=request.user, up=action == "up")
        elif action in ("retire", "restore"):
            services.dimension_set_retired(dimension=dimension, by=request.user, retired=action == "retire")
            messages.success(request, f"“{dimension}” {'retired' if action == 'retire' else 'restored'}.")
        elif action == "save":
            form = DimensionForm(request.POST, instance=dimension)
            if not form.is_valid():
                raise ValidationError(form.errors.get("name", "Check the name."))
            services.dimension_update(dimension=dimension, by=request.user, **form.cleaned_data)
            messages.success(request, f"“{dimension}” saved.")
        else:
            raise ValidationError("Unknown change.")
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    return redirect("scorecards:dimensions", slug=slug)
