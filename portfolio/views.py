from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.access import can_see_portfolio

from . import charts, exports, selectors
from .forms import PortfolioFilterForm


def _filters(request: HttpRequest) -> PortfolioFilterForm:
    """The filter form from the URL, or 404 for those the portfolio is not for."""
    if not can_see_portfolio(request.user):
        raise Http404("No such page.")
    return PortfolioFilterForm(request.GET, owners=selectors.owner_choices(request.user))


class _Counted:
    """The table's queryset with its length already known from the charts' query, so
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
    form = _filters(request)
    query = form.query()
    portfolio = selectors.portfolio_for(request.user, query)
    page = Paginator(_Counted(portfolio.table, portfolio.summary.accounts), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "query": query,
        "portfolio": portfolio,
        "page": page,
        "rows": portfolio.rows(page.object_list),
        "headers": _headers(query),
        "columns": selectors.COLUMNS,
        "levels_figure": charts.levels_figure(portfolio.points),
        "levels_description": charts.levels_description(portfolio.points),
        "matrix_figure": charts.health_matrix_figure(portfolio.points),
        "not_plotted": len(portfolio.points) - len(charts.plottable(portfolio.points)),
    }
    return render(request, "portfolio/portfolio.html", context)


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
