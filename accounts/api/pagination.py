"""Pages of the API's lists.

(Its own module: DRF reads ``DEFAULT_PAGINATION_CLASS`` while defining its generic
views, so this must not import them.)
"""

from __future__ import annotations

from rest_framework import pagination


class Pagination(pagination.LimitOffsetPagination):
    """Every list's pages: ``limit`` and ``offset``, a hundred at a time unless asked. A
    limit over the most a page may hold is taken as that most (without one, a limit past
    what the database can count was a 500)."""

    max_limit = 1000
