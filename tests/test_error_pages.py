"""The demo runs with DEBUG on; its 404 and 500 are still the product's pages, not
Django's list of every URL pattern or its traceback page — and the traceback is logged."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, override_settings
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def broken_view(request):
    raise RuntimeError("the widget fell over")


# This module is the URLconf of the tests below: the site, plus a page that fails.
urlpatterns = [*site_urlpatterns, path("broken/", broken_view)]


@pytest.fixture
def signed_in(cast):
    client = Client(raise_request_exception=False)
    client.force_login(cast["manager"])
    return client


class Kept(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def request_log():
    """What Django logs about requests."""
    logger, kept = logging.getLogger("django.request"), Kept()
    logger.addHandler(kept)
    yield kept.records
    logger.removeHandler(kept)


@override_settings(DEBUG=True, TANDEM_PRODUCT_ERROR_PAGES=True)
@pytest.mark.parametrize("address", ["/no-such-page/", "/accounts/no-such-account/"])
def test_with_debug_on_a_missing_page_is_the_products_not_found_page(signed_in, address):
    """An address no URL matches, and a view's own 404 (an account one cannot see)."""
    response = signed_in.get(address)
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Not found</h1>" in page and "Back to your accounts" in page
    assert "Sign out" in page  # the product's page, for the person signed in
    assert "URLconf" not in page and "accounts/&lt;slug:slug&gt;" not in page and "admin/" not in page


@override_settings(DEBUG=True, TANDEM_PRODUCT_ERROR_PAGES=True, ROOT_URLCONF=__name__)
def test_with_debug_on_an_error_is_the_products_error_page_and_its_traceback_is_logged(signed_in, request_log):
    response = signed_in.get("/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and 'href="/"' in page
    assert "Traceback" not in page and "the widget fell over" not in page and "SECRET_KEY" not in page
    [record] = request_log
    assert record.levelno == logging.ERROR and "/broken/" in record.getMessage()
    assert record.exc_info and "the widget fell over" in str(record.exc_info[1])


@override_settings(DEBUG=True, TANDEM_PRODUCT_ERROR_PAGES=True)
def test_a_missing_page_is_still_found_with_its_slash(signed_in):
    response = signed_in.get("/notifications")
    assert response.status_code == 301 and response["Location"] == "/notifications/"


@override_settings(DEBUG=True, TANDEM_PRODUCT_ERROR_PAGES=False, ROOT_URLCONF=__name__)
def test_with_the_setting_off_debug_shows_djangos_pages(signed_in):
    missing = signed_in.get("/no-such-page/")
    assert missing.status_code == 404 and "URLconf" in missing.content.decode()
    broken = signed_in.get("/broken/")
    assert broken.status_code == 500 and "the widget fell over" in broken.content.decode()
