"""The access matrix, written once: every route × every role × this account and
another account. Each app's test module lists its routes; this module runs them.

A route states the status each role gets on the cast's own account. The same route on
an account the member roles don't belong to must answer 404 to all of them — never a
hint that the object exists — and anonymous visitors are always sent to sign in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from .conftest import CAST, MEMBER_ROLES, client_for

READERS = ["admin", "portfolio", *MEMBER_ROLES]


def expect(default: int, **overrides: int) -> dict[str, int]:
    """Statuses per role: ``default`` for every signed-in role that can see the account,
    404 for the outsider, a redirect to sign in for anonymous visitors."""
    statuses = {role: default for role in READERS}
    statuses.update(outsider=404, anonymous=302)
    statuses.update(overrides)
    return statuses


@dataclass(frozen=True)
class Route:
    label: str
    url: Callable  # (cast, account) -> str
    statuses: dict[str, int]
    method: str = "get"
    data: Callable | None = None  # (cast, account) -> dict
    account_scoped: bool = True
    extra: dict = field(default_factory=dict)  # passed to the client, e.g. content_type


def matrix_cases(routes: list[Route]):
    cases = []
    for route in routes:
        for role in CAST:
            cases.append(pytest.param(route, role, "own", id=f"{route.label}-{role}"))
            if route.account_scoped:
                cases.append(pytest.param(route, role, "other", id=f"{route.label}-{role}-other-account"))
    return cases


def expected_status(route: Route, role: str, which: str) -> int:
    if which == "other" and role not in ("admin", "portfolio", "anonymous"):
        return 404
    return route.statuses[role]


def check_route(client, cast, route: Route, role: str, which: str) -> None:
    account = cast.account if which == "own" else cast.other_account
    client = client_for(client, cast[role])
    url = route.url(cast, account)
    data = route.data(cast, account) if route.data else {}
    response = getattr(client, route.method)(url, data, **route.extra)
    expected = expected_status(route, role, which)
    assert response.status_code == expected, (
        f"{role} {route.method.upper()} {url}: expected {expected}, got {response.status_code}: "
        f"{response.content[:300]!r}"
    )
    if expected == 302 and role == "anonymous":
        assert "/login/" in response["Location"]
