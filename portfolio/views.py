from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.access import can_see_portfolio
from accounts.links import known_parameters

from . import charts, exports, selectors
from .forms import PAGE_PARAMETERS, PortfolioFilterForm
from .overview import overview_for


def _check_access(request: HttpRequest) -> None:
    if not can_see_portfolio(request.user):
        raise Http404("No such page.")


def _form(request: HttpRequest) -> PortfolioFilterForm:
    """The filters from the URL."""
    return PortfolioFilterForm.for_user(request.GET, request.user)


def _filters(request: HttpRequest) -> PortfolioFilterForm:
    """The filters from the URL, or 404 for those the portfolio is not for."""
    _check_access(request)
    return _form(request)


class _Counted:
    """The table's queryset with its length already known from the overview, so
    paginating costs no extra COUNT."""

    def __init__(self, queryset, count: int):
        self.queryset, self._count = queryset, count

    def count(self) -> int:
        return self._count

    def __getitem__(self, index):
        return self.queryset[index]


def _headers(query: selectors.PortfolioQuery) -> list[dict]:
    headers = []
    for column in selectors.COLUMNS:
        current = query.sort_key == column.key
        # A first click sorts numbers and flags biggest first, words A to Z.
        first = f"-{column.key}" if column.sorts_descending_first else column.key
        headers.append({
            "column": column,
            "sort": (column.key if query.descending else f"-{column.key}") if current else first,
            "aria_sort": ("descending" if query.descending else "ascending") if current else None,
        })
    return headers


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    _check_access(request)
    # Links on the page keep the parameters of the URL that the page reads; any other is ignored.
    params = known_parameters(request.GET, PAGE_PARAMETERS)
    form = PortfolioFilterForm.for_user(params, request.user)
    query = form.query()
    quarter = selectors.last_quarter()
    overview = overview_for(request.user, query, quarter)
    table = selectors.portfolio_table(request.user, query, managers_shown=selectors.MANAGERS_SHOWN)
    page = Paginator(_Counted(table, overview.accounts), selectors.PAGE_SIZE).get_page(params.get("page"))
    context = {
        "params": params,
        "form": form,
        "query": query,
        "quarter": quarter,
        "overview": overview,
        "rule_of_ten": selectors.rule_of_ten(request.user),
        "page": page,
        "rows": selectors.table_rows(page.object_list),
        "headers": _headers(query),
        "levels_figure": charts.levels_figure(overview.level_counts),
        "levels_description": charts.levels_description(overview.level_counts),
    }
    return render(request, "portfolio/portfolio.html", context)


@require_safe
@login_required
def matrix(request: HttpRequest) -> HttpResponse:
    """The health matrix of the accounts the page's filters match, as a Plotly figure: a
    point per account, so the page fetches it on its own instead of carrying it."""
    form = _filters(request)
    points = selectors.points(request.user, form.query(), selectors.last_quarter())
    return HttpResponse(json.dumps(charts.health_matrix_figure(points), separators=(",", ":")),
                        content_type="application/json")


def _filename(extension: str) -> str:
    return f"tandem-portfolio-{timezone.localdate():%Y-%m-%d}.{extension}"


@require_safe
@login_required
def export(request: HttpRequest, extension: str) -> HttpResponse:
    """The filtered, sorted table — every page of it — as CSV or Excel."""
    form = _filters(request)
    rows = selectors.portfolio_rows(request.user, form.query())
    if extension == "csv":
        response = HttpResponse(exports.portfolio_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        about = [
            ("Tandem portfolio", f"{len(rows)} account{'' if len(rows) == 1 else 's'}"),
            ("Exported", f"{timezone.localtime():%Y-%m-%d %H:%M} by {request.user.display_name}"),
            ("Flags look at", str(selectors.last_quarter())),
            *form.described(),
        ]
        response = HttpResponse(
            exports.portfolio_workbook(rows, about=about),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{_filename(extension)}"'
    return response
