"""The product's own 404 and 500 pages while DEBUG is on, as in the demo (`make run`).

With DEBUG on, Django answers a missing page with every URL pattern of the site and an
error with its traceback and settings — to whoever asked. ``TANDEM_PRODUCT_ERROR_PAGES``
keeps DEBUG's other help but answers 404 and 500 with ``templates/404.html`` and
``500.html``, as production does; the traceback still goes to the log. With DEBUG off
this middleware does nothing: Django shows those templates itself.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signals
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, get_resolver
from django.utils.log import log_response

# Django answers these itself, with 400 or 403 pages rather than a 500.
ANSWERED_BY_DJANGO = (PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)


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
        # What Django does for an unhandled error, with the product's page: tell those who
        # listen for errors, and log the traceback. 500.html needs no database and no
        # request, so it shows even when the error was the database going away.
        signals.got_request_exception.send(sender=None, request=request)
        response = HttpResponseServerError(loader.render_to_string("500.html"))
        log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request,
                     exception=exception)
        return response
