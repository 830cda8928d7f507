from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import AccountAccess, get_account_access
from accounts.concurrency import EditConflict
from accounts.models import Side
from accounts.quarters import Quarter

from . import imports, selectors, services
from .charts import metric_figure
from .forms import EntryGrid, GoalForm, ImportForm, MetricForm, NewMetricForm, add_service_errors


def _quarter_asked_for(request: HttpRequest) -> Quarter | None:
    """The ``?quarter=`` the person asked for; a malformed one is explained, not fatal."""
    text = request.GET.get("quarter", "").strip()
    if not text:
        return None
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        messages.warning(request, f"{exc} Showing the latest quarter instead.")
        return None


def _dashboard_url(access: AccountAccess, quarter: Quarter | None = None) -> str:
    url = reverse("dashboards:dashboard", args=[access.account.slug])
    return f"{url}?quarter={quarter}" if quarter else url


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_account_access(request.user, slug)
    board = selectors.dashboard_for(account=access.account, quarter=_quarter_asked_for(request))
    last_ended = Quarter.current().previous()
    context = {
        "access": access, "account": access.account, "board": board,
        "quarter_choices": sorted(set(board.quarters_with_results) | {board.quarter}, reverse=True),
        "charts": [(row, f"figure-{row.metric.pk}", metric_figure(row)) for row in board.rows],
        "can_enter": access.can_enter_figures_for(access.side),
        # The quarter that just ended, when it is newer than the results shown: the one to log next.
        "to_log": last_ended if last_ended > board.quarter else None,
    }
    return render(request, "dashboards/dashboard.html", context)


@login_required
def entry(request: HttpRequest, slug: str, quarter: Quarter) -> HttpResponse:
    access = get_account_access(request.user, slug)
    side = access.side
    access.require(access.can_enter_figures_for(side))
    if quarter > Quarter.current():
        messages.warning(request, f"{quarter} has not begun yet; results can be entered up to {Quarter.current()}.")
        return redirect(_dashboard_url(access))
    rows = selectors.entry_rows(account=access.account, quarter=quarter)
    grid = EntryGrid(rows, side, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and grid.is_valid():
        changes = grid.changed_entries()
        if not changes:
            messages.info(request, "Nothing had changed, so nothing was saved.")
            return redirect("dashboards:entry", slug=slug, quarter=quarter)
        saved, conflicts = services.results_record(quarter=quarter, side=side, entries=changes, by=request.user)
        if saved:
            messages.success(request, f"Saved {len(saved)} figure{'s' if len(saved) != 1 else ''} for {quarter}.")
        if not conflicts:
            return redirect(_dashboard_url(access, quarter))
        messages.error(
            request,
            f"{len(conflicts)} figure{'s were' if len(conflicts) != 1 else ' was'} changed by someone else while "
            "you were editing and not saved; see the messages beside them.",
        )
        rows = selectors.entry_rows(account=access.account, quarter=quarter)
        grid = EntryGrid.after_conflicts(rows, side, request.POST, conflicts)
        status = 409
    context = {
        "access": access, "account": access.account, "quarter": quarter, "grid": grid, "side": side,
        "side_label": Side(side).label, "previous_quarter": quarter.previous(), "next_quarter": quarter.next(),
        "can_go_next": quarter.next() <= Quarter.current(),
    }
    return render(request, "dashboards/entry.html", context, status=status)


@login_required
def metrics(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_account_access(request.user, slug)
    active, retired = selectors.metric_list(account=access.account)
    quarter = Quarter.current()
    for item in active:
        item.current_goal = item.goal_for(quarter)
    return render(request, "dashboards/metrics.html", {
        "access": access, "account": access.account, "active": active, "retired": retired, "quarter": quarter,
    })


@login_required
def metric_add(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_account_access(request.user, slug)
    access.require(access.can_edit_account)
    form = NewMetricForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            metric = services.metric_create(account=access.account, by=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"“{metric}” added to the dashboard.")
            return redirect(metric)
    return render(request, "dashboards/metric_form.html",
                  {"access": access, "account": access.account, "form": form, "creating": True})


@login_required
def metric(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_account_access(request.user, slug)
    item = selectors.metric_for_account(account=access.account, pk=pk)
    sides = [
        {"side": side, "label": Side(side).label, "by": item.signed_off_by(side), "at": item.signed_off_at(side),
         "can_sign": access.side == side and access.can_sign_off_basis_for(side)}
        for side in (Side.HOME, Side.PARTNER)
    ]
    return render(request, "dashboards/metric.html", {
        "access": access, "account": access.account, "metric": item, "sides": sides,
        "goals": sorted(item.goals.all(), key=lambda g: g.effective_from, reverse=True),
        "current_goal": item.goal_for(Quarter.current()),
        "history": selectors.metric_definition_history(item),
    })


@login_required
def metric_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_account_access(request.user, slug)
    access.require(access.can_edit_account)
    item = selectors.metric_for_account(account=access.account, pk=pk)
    form = MetricForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            basis_changed = services.metric_update(metric=item, by=request.user, **changes)
        except EditConflict as exc:
            form.show_conflict(exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"“{form.cleaned_data['name']}” saved.")
            if basis_changed:
                messages.warning(
                    request, "The calculation basis changed, so both firms' sign-offs were cleared: "
                             "each side needs to sign off the new text.",
                )
            return redirect("dashboards:metric", slug=slug, pk=pk)
    return render(request, "dashboards/metric_form.html",
                  {"access": access, "account": access.account, "form": form, "metric": item}, status=form.status)


@login_required
def metric_goal(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_account_access(request.user, slug)
    access.require(access.can_edit_account)
    item = selectors.metric_for_account(account=access.account, pk=pk)
    form = GoalForm(request.POST or None, initial={"effective_from": str(Quarter.current())})
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.metric_goal_set(metric=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"New goal for “{item}”: {goal.goal} {item.symbol} {goal.effective_label}.")
            return redirect("dashboards:metric", slug=slug, pk=pk)
    return render(request, "dashboards/goal_form.html", {
        "access": access, "account": access.account, "form": form, "metric": item,
        "current_goal": item.goal_for(Quarter.current()),
    })


@require_POST
@login_required
def metric_sign_off(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_account_access(request.user, slug)
    access.require(access.can_sign_off_basis_for(access.side))
    item = selectors.metric_for_account(account=access.account, pk=pk)
    services.metric_sign_off(metric=item, side=access.side, by=request.user)
    messages.success(request, f"You signed off the calculation basis of “{item}” for the {Side(access.side).label}.")
    return redirect("dashboards:metric", slug=slug, pk=pk)


@require_POST
@login_required
def metric_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_account_access(request.user, slug)
    access.require(access.can_edit_account)
    item = selectors.metric_for_account(account=access.account, pk=pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.metric_move(metric=item, by=request.user, offset=offset)
    messages.success(request, f"“{item}” moved {'up' if offset < 0 else 'down'}.")
    return redirect(f"{reverse('dashboards:metrics', args=[slug])}#metric-{item.pk}")


@require_POST
@login_required
def metric_retire(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_account_access(request.user, slug)
    access.require(access.can_edit_account)
    item = selectors.metric_for_account(account=access.account, pk=pk)
    if item.is_retired:
        try:
            services.metric_reinstate(metric=item, by=request.user)
        except ValidationError as exc:
            messages.error(request, f"“{item}” cannot come back: {' '.join(exc.messages)}")
        else:
            messages.success(request, f"“{item}” is back on the dashboard, with its history.")
    else:
        services.metric_retire(metric=item, by=request.user)
        messages.success(request, f"“{item}” retired. Its results and goals are kept; you can reinstate it.")
    return redirect("dashboards:metrics", slug=slug)


def template_response(*, access: AccountAccess, quarter: Quarter, kind: str) -> HttpResponse:
    """The import template as a download, for this page and the API alike."""
    content, content_type, filename = imports.template_file(access=access, quarter=quarter, kind=kind)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def import_template(request: HttpRequest, slug: str, quarter: Quarter, kind: str) -> HttpResponse:
    access = get_account_access(request.user, slug)
    access.require(access.can_enter_figures_for(access.side))
    if kind not in ("csv", "xlsx"):
        raise Http404("The template comes as .csv or .xlsx.")
    return template_response(access=access, quarter=quarter, kind=kind)


@transaction.non_atomic_requests  # the import takes a transaction for its writes only
@login_required
def results_import(request: HttpRequest, slug: str, quarter: Quarter) -> HttpResponse:
    """Upload a quarter's figures for your side from CSV or Excel: all rows or none."""
    access = get_account_access(request.user, slug)
    access.require(access.can_enter_figures_for(access.side))
    form = ImportForm(request.POST or None, request.FILES or None)
    report, status = None, 200
    if request.method == "POST" and form.is_valid():
        report = imports.results_import(access=access, quarter=quarter, file=form.cleaned_data["file"])
        if report.ok:
            messages.success(
                request, f"Imported {quarter}: {report.saved} figure{'s' if report.saved != 1 else ''} saved, "
                         f"{report.unchanged} unchanged, {report.skipped} row{'s' if report.skipped != 1 else ''} "
                         "without a value skipped.",
            )
            return redirect(_dashboard_url(access, quarter))
        status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "dashboards/import.html", {
        "access": access, "account": access.account, "quarter": quarter, "form": form, "report": report,
        "side_label": Side(access.side).label, "columns": imports.TEMPLATE_COLUMNS,
    }, status=status)
