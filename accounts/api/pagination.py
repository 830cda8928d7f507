"""Pages of the API's lists, and the query parameters a list reads.

(Its own module: DRF reads ``DEFAULT_PAGINATION_CLASS`` while defining its generic
views, so this must not import them.)
"""

from __future__ import annotations

from django.http import QueryDict
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters, pagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from accounts.links import known_parameters

_LIST_PARAMETERS: dict[type, frozenset[str]] = {}


def list_parameters(view) -> frozenset[str]:
    """The query parameters a list reads: those its filter backends and paginator read
    (filters, search, ordering, limit and offset) and those it reads itself, named in its
    ``query_parameters``. The same for every request, so found once per view class."""
    names = _LIST_PARAMETERS.get(type(view))
    if names is None:
        found = set(getattr(view, "query_parameters", ()))
        for backend in (backend_class() for backend_class in view.filter_backends):
            if isinstance(backend, DjangoFilterBackend):
                filterset = backend.get_filterset_class(view, view.get_queryset())
                found.update(filterset.base_filters if filterset else ())
            elif isinstance(backend, filters.OrderingFilter):
                found.add(backend.ordering_param)
            elif isinstance(backend, filters.SearchFilter):
                found.update([backend.search_param] if getattr(view, "search_fields", None) else [])
            else:
                raise TypeError(f"Which query parameters does {type(backend).__name__} read?")
        if view.paginator is not None:
            found.update(p["name"] for p in view.paginator.get_schema_operation_parameters(view))
        names = _LIST_PARAMETERS[type(view)] = frozenset(found)
    return names


def list_query(view) -> QueryDict:
    """The request's query string as far as the list reads it (``list_parameters``)."""
    return known_parameters(view.request.query_params, list_parameters(view))


class Pagination(pagination.LimitOffsetPagination):
    """Every list's pages: ``limit`` and ``offset``, a hundred at a time unless asked. A
    limit over the most a page may hold is taken as that most (without one, a limit past
    what the database can count was a 500)."""

    max_limit = 1000


class KnownParametersPagination(Pagination):
    """Pages whose links carry only the parameters the list reads (``list_query``): the
    answer to ``?junk=1`` is the answer without it, its links included. Not every list's
    default: a list that reads a parameter without naming it in ``query_parameters`` would
    lose it from its links."""

    def paginate_queryset(self, queryset, request, view=None):
        self.url = request.build_absolute_uri(request.path)
        if query := list_query(view):
            self.url += f"?{query.urlencode()}"
        return super().paginate_queryset(queryset, request, view)

    def get_next_link(self):
        if self.offset + self.limit >= self.count:
            return None
        return self._link(self.offset + self.limit)

    def get_previous_link(self):
        if self.offset <= 0:
            return None
        return self._link(self.offset - self.limit)

    def _link(self, offset: int) -> str:
        url = replace_query_param(self.url, self.limit_query_param, self.limit)
        if offset <= 0:
            return remove_query_param(url, self.offset_query_param)
        return replace_query_param(url, self.offset_query_param, offset)
