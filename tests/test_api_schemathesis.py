"""Schemathesis runs every operation of the OpenAPI schema through the WSGI app, as a
manager with a personal token, on an account with data: no answer may be a server
error, and every answer must match what the schema documents. Examples are few so that
the whole run takes seconds."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tokens import token_create
from config.wsgi import application

from .api_helpers import LAST, furnish
from .scorecards_helpers import draft
from .surveys_helpers import closed_round

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_in_test_transaction():
    """Requests go through the real WSGI app, not Django's test client; like the test
    client, keep Django from closing the connection that holds the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(cast, wsgi_in_test_transaction):
    furnish(cast.account)
    draft(cast["champion"], cast.account, 3)
    # a closed survey round with one firm's results shown and the other's withheld
    closed_round(cast.account, home_answers=[[4] * 8] * 3, partner_answers=[[2] * 8] * 2, quarter=LAST)


# The manager changes the account, its metrics and its plan; the champion writes scorecards;
# the partner user is bound by the blind rule and sees none of the home firm's internal things.
@pytest.mark.parametrize("role", ["manager", "champion", "partner_user"])
def test_the_api_conforms_to_its_schema(cast, world, role):
    _, token = token_create(user=cast[role], name="schemathesis")
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=6, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            if "account_slug" in (case.path_parameters or {}):
                case.path_parameters["account_slug"] = cast.account.slug  # an account with data, not a random 404
            if "/surveys/{quarter}/" in case.operation.path:
                case.path_parameters["quarter"] = str(LAST)  # the round with results
            case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - every operation's failure is collected and reported together
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert operations > 50
    assert not failures, "\n\n".join(failures)
