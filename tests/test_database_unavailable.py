"""While the database cannot be reached, every page answers a clear 503 saying so, and the
API the same in JSON — never "something went wrong" (500), which would send people
looking for a fault in what they did. Other database errors stay 500s.

The database is made unreachable for one request only: every attempt to use the
connection fails with the error the driver really raises when the server is away
(PostgreSQL refusing the connection; SQLite unable to open its file).
"""

from __future__ import annotations

import sqlite3
from unittest import mock

import psycopg2
import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

from .conftest import closed_port

MESSAGE = "Tandem cannot reach its database; try again in a minute."


def _raise_connection_refused():
    with connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            psycopg2.connect(host="127.0.0.1", port=closed_port(), user="tandem", connect_timeout=2)
        else:
            sqlite3.connect("/nonexistent-folder/tandem.sqlite3")
    raise AssertionError("the connection should have failed")


def missing_table(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")


# This module is the URLconf of the tests that need it: the site, plus a query that fails.
urlpatterns = [*site_urlpatterns, path("missing-table/", missing_table)]


@pytest.fixture
def signed_in(cast):
    client = Client(raise_request_exception=False)
    client.force_login(cast["manager"])
    return client


@pytest.fixture
def database_away(signed_in):
    """Call it, and every use of the connection fails as it does while the server is away,
    until the test ends — before the test database's own teardown needs the connection."""
    away = mock.patch.object(connection, "ensure_connection", _raise_connection_refused)
    yield away.start
    away.stop()


@pytest.mark.parametrize("debug", [False, True])
def test_a_page_answers_503_saying_the_database_cannot_be_reached(signed_in, database_away, debug):
    database_away()
    with override_settings(DEBUG=debug):
        response = signed_in.get("/accounts/helix/dashboard/")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "<h1>Database unavailable</h1>" in page and MESSAGE in page
    assert "Something went wrong" not in page and "Traceback" not in page


def test_a_save_answers_503_too(signed_in, database_away):
    database_away()
    response = signed_in.post("/accounts/helix/dashboard/2026-Q1/", {"m1-value": "5"})
    assert response.status_code == 503 and MESSAGE in response.content.decode()


def test_the_api_answers_503_in_json(signed_in, database_away):
    database_away()
    response = signed_in.get("/api/v1/accounts/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": MESSAGE}


@override_settings(ROOT_URLCONF=__name__)
def test_any_other_database_error_is_still_a_500(signed_in):
    response = signed_in.get("/missing-table/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
