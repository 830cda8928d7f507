"""The product's own 404 and 500 pages while DEBUG is on, as in the demo (`make run`), and
a clear 503 whenever the database cannot be reached, with DEBUG on or off.

With DEBUG on, Django answers a missing page with every URL pattern of the site and an
error with its traceback and settings — to whoever asked. ``TANDEM_PRODUCT_ERROR_PAGES``
keeps DEBUG's other help but answers 404 and 500 with ``templates/404.html`` and
``500.html``, as production does; the traceback still goes to the log. With DEBUG off
this middleware does nothing: Django shows those templates itself.

When PostgreSQL is stopped, restarting or cut off, every request that touches it fails
with a connection error. That is not a fault of the request, and "something went wrong"
would tell people nothing: they get 503 and "Tandem cannot reach its database; try
again in a minute" (JSON for the API), from ``server_error`` (the site's ``handler500``,
which sees every failure, including those in middleware) or, with DEBUG on, from the
middleware below.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.core import signals
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, get_resolver
from django.utils.log import log_response
from django.views import defaults

# Django answers these itself, with 400 or 403 pages rather than a 500.
ANSWERED_BY_DJANGO = (PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)


DATABASE_UNREACHABLE = "Tandem cannot reach its database; try again in a minute."
RETRY_AFTER_SECONDS = 60
# SQLSTATE classes of a connection that failed or was ended by the server (shutting down,
# starting up): the database is away, not the query wrong.
CONNECTION_SQLSTATES = ("08", "57P")
# SQLite's equivalents: the file cannot be opened, or stays locked past the timeout.
SQLITE_UNREACHABLE = ("SQLITE_CANTOPEN", "SQLITE_BUSY")


def database_unreachable(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database cannot be reached, rather than that a query failed
    (a deadlock or a timeout is an OperationalError too, and stays a 500)."""
    if isinstance(exc, InterfaceError):  # the connection is already closed
        return True
    if not isinstance(exc, OperationalError):
        return False
    driver_error = exc.__cause__
    if hasattr(driver_error, "pgcode"):
        # psycopg2 has no SQLSTATE when no server answered at all.
        return driver_error.pgcode is None or driver_error.pgcode.startswith(CONNECTION_SQLSTATES)
    return getattr(driver_error, "sqlite_errorname", "").startswith(SQLITE_UNREACHABLE)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503, made without the database or the request's context: the page stands alone."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": DATABASE_UNREACHABLE}, status=503)
    else:
        response = HttpResponse(loader.render_to_string("503.html", {"message": DATABASE_UNREACHABLE}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """The site's ``handler500``. Django calls it while handling the exception, so
    ``sys.exc_info()`` is the failure, wherever it happened (a view, a middleware)."""
    if database_unreachable(sys.exc_info()[1]):
        return database_unavailable(request)
    return defaults.server_error(request)


def _on() -> bool:
    return settings.DEBUG and settings.TANDEM_PRODUCT_ERROR_PAGES


def _not_found(request: HttpRequest) -> HttpResponse:
    response = render(request, "404.html", status=404)
    log_response("Not Found: %s", request.path, response=response, request=request)
    return response


class ProductErrorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # An address that matches no URL never reaches a view, and Django would answer it
        # with the list of patterns: check first. (CommonMiddleware, further out, still
        # redirects to the address with a slash when that one exists.)
        if _on():
            try:
                get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
            except Resolver404:
                return _not_found(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _on() or isinstance(exception, ANSWERED_BY_DJANGO):
            return None
        if isinstance(exception, Http404):
            return _not_found(request)
        # What Django does for an unhandled error, with the product's pages: tell those who
        # listen for errors, and log the traceback. Neither page needs the database or the
        # request, so both show even when the error was the database going away.
        signals.got_request_exception.send(sender=None, request=request)
        if database_unreachable(exception):
            response = database_unavailable(request)
        else:
            response = HttpResponseServerError(loader.render_to_string("500.html"))
        log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request,
                     exception=exception)
        return response
