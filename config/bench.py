"""What the benchmark adds to the app, and only under ``config.settings.bench``: a query
counter on every response and the floor page every other page is compared with."""

from __future__ import annotations

import re
import time

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import visible_accounts

QUERY_HEADER = "X-Tandem-Queries"
CPU_HEADER = "X-Tandem-CPU-Ms"
# Not counted: how a backend opens and closes the request's transaction differs (SQLite
# sends BEGIN through the cursor, psycopg does not), and the page did not ask for it.
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b", re.IGNORECASE)


class QueryCountMiddleware:
    """Counts the SQL queries a request runs — sessions, authentication and the view —
    with a cursor wrapper, which costs a comparison per query and needs no DEBUG; and
    the worker's CPU time for it, which, unlike the latency, does not grow while the
    request waits for a core on a busy machine."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0
        started = time.process_time()

        def counter(execute, sql, params, many, context):
            nonlocal count
            if not TRANSACTION_CONTROL.match(sql):
                count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response[QUERY_HEADER] = str(count)
        response[CPU_HEADER] = f"{(time.process_time() - started) * 1000:.2f}"
        return response


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    """The framework's floor: a signed-in page in the base layout with one query of its own."""
    return render(request, "bench/floor.html", {"has_accounts": visible_accounts(request.user).exists()})
