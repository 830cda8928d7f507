"""Nothing escapes the matrix or the sweep: every page of the project has a row in the
access matrix (tests/access.py), and every view that takes a POST and every form class of
the project's apps is submitted by the form sweep (tests/form_sweep.py). A new URL or a
new form without one fails here, with a message saying what to add and where.

The API has its own completeness test (tests/test_access_api.py)."""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from . import form_sweep

TESTS = Path(__file__).parent

# Whole URL trees with tests of their own, or no pages of the project's making.
SKIPPED_PREFIXES = {
    "admin/": "Django's admin, tested with the admin",
    "api/": "the API: its own matrix and completeness test in tests/test_access_api.py",
    "static/": "static files",
    "media/": "uploaded files",
    "bench/": "the benchmark's floor page, only under config.settings.bench",
}

# Pages outside the access matrix, each for a reason.
OUTSIDE_THE_MATRIX = {
    "login": "the sign-in page is for everyone; its behaviour is in test_security.py and the sign-in journeys",
    "logout": "signing out is for everyone signed in; nothing to protect",
    "healthz": "the liveness probe answers anyone (test_health.py)",
    "readyz": "the readiness probe answers anyone (test_health.py)",
    "survey_answer": "the personal survey link: the token is the key, not a role (test_surveys_links.py)",
}

# Views taking a POST that no sweep entry sends a form to, each for a reason.
NOT_SWEPT: dict[str, str] = {}

# Form classes no sweep entry fills on their own, each for a reason.
NOT_SUBMITTED_ON_THEIR_OWN = {
    "plans.forms.AccountForm": "a base class: the plan's forms whose choices of people come from one account",
    "accounts.concurrency.VersionedModelForm": "a base class: the edit forms that carry the version they opened",
}

# Decorators such as require_POST keep the methods they allow in this closure variable.
_ALLOWED_METHODS = "request_method_list"
_READS_POST = re.compile(r"""request\.POST|request\.method\s*[!=]=\s*["']POST["']""")


@dataclass(frozen=True)
class Page:
    view_name: str  # "dashboards:metric_goal"
    route: str  # "accounts/<slug:slug>/dashboard/metrics/<int:pk>/goal/"
    callback: object

    @property
    def where(self) -> str:
        view = inspect.unwrap(self.callback)
        return f"/{self.route}  ({view.__module__}.{view.__qualname__})"

    @property
    def app(self) -> str:
        return inspect.unwrap(self.callback).__module__.split(".")[0]

    @property
    def methods(self) -> set[str]:
        """The methods the view answers: what its decorators allow, and POST only if it
        reads a posted form."""
        view_class = getattr(self.callback, "view_class", None)
        if view_class is not None:
            return {m for m in ("get", "post") if m in view_class.http_method_names and hasattr(view_class, m)}
        function = self.callback
        while function is not None:
            allowed = inspect.getclosurevars(function).nonlocals.get(_ALLOWED_METHODS)
            if allowed:
                return {m.lower() for m in allowed} & {"get", "post"}
            function = getattr(function, "__wrapped__", None)
        reads_post = _READS_POST.search(inspect.getsource(inspect.unwrap(self.callback)))
        return {"get", "post"} if reads_post else {"get"}


def _walk(patterns, prefix: str = "", namespaces: tuple[str, ...] = ()):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if any(route.startswith(skipped) for skipped in SKIPPED_PREFIXES):
            continue
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            yield Page(":".join([*namespaces, pattern.name or f"<unnamed {route}>"]), route, pattern.callback)


def project_pages() -> list[Page]:
    return list(_walk(get_resolver().url_patterns))


def test_the_walk_finds_the_pages_and_their_methods():
    pages = {page.view_name: page for page in project_pages()}
    assert pages["dashboards:metric_goal"].methods == {"get", "post"}
    assert pages["dashboards:metric_retire"].methods == {"post"}
    assert pages["portfolio:index"].methods == {"get"}
    assert pages["dashboards:metric"].methods == {"get"}
    assert pages["logout"].methods == {"post"}
    assert not any(name.startswith(("admin:", "api:")) for name in pages)


# --- every page is in the access matrix ------------------------------------------------------


def _matrix_modules():
    """tests/test_access_*.py but the API's: each lists ROUTES, and may say in ``furnish(cast)``
    what its routes point at."""
    for path in sorted(TESTS.glob("test_access_*.py")):
        if path.stem != "test_access_api":
            yield importlib.import_module(f"tests.{path.stem}")


def _matrix_rows(cast) -> set[tuple[str, str]]:
    """(view name, method) of every route of the matrix, read back from its URL."""
    rows = set()
    for module in _matrix_modules():
        with transaction.atomic():
            if hasattr(module, "furnish"):
                module.furnish(cast)
            for route in module.ROUTES:
                try:
                    url = route.url(cast, cast.account)
                except Exception as exc:  # noqa: BLE001 - any failure gets the same advice
                    pytest.fail(
                        f"Cannot build the URL of route {route.label!r} of {module.__name__}: {exc!r}. Make what "
                        "the module's routes point at in a module-level furnish(cast), called by its fixture.",
                        pytrace=False,
                    )
                rows.add((resolve(urlsplit(url).path).view_name, route.method))
            transaction.set_rollback(True)
    return rows


def test_every_page_and_method_has_a_row_in_the_access_matrix(cast):
    rows = _matrix_rows(cast)
    pages = project_pages()
    missing = [
        f"  {method.upper():4} {page.view_name:32} {page.where}\n"
        f"       → a Route(..., method=\"{method}\") in ROUTES of tests/test_access_{page.app}.py"
        for page in pages if page.view_name not in OUTSIDE_THE_MATRIX
        for method in sorted(page.methods) if (page.view_name, method) not in rows
    ]
    if missing:
        pytest.fail(
            "Pages missing from the access matrix. Add a Route with the status each role gets (see tests/access.py; "
            "read the view's access helpers for who may), or, if the page is rightly outside the matrix, add its "
            "name with a reason to OUTSIDE_THE_MATRIX in tests/test_completeness.py:\n" + "\n".join(missing),
            pytrace=False,
        )
    names = {page.view_name for page in pages}
    stale = sorted(set(OUTSIDE_THE_MATRIX) - names)
    assert not stale, f"OUTSIDE_THE_MATRIX in tests/test_completeness.py names pages that no longer exist: {stale}"


# --- every form is in the form sweep --------------------------------------------------------

SWEEP = "ENTRIES of tests/form_sweep.py"


def test_every_view_taking_a_post_is_sent_a_form_by_the_sweep():
    swept = {entry.url_name for entry in form_sweep.ENTRIES if entry.method == "post"}
    missing = [
        f"  POST {page.view_name:32} {page.where}\n"
        f"       → Entry(\"{page.view_name}\", url, by=<role>, data=<valid data>, says=<message>, changed=<effect>)"
        for page in project_pages()
        if "post" in page.methods and page.view_name not in swept and page.view_name not in NOT_SWEPT
    ]
    if missing:
        pytest.fail(
            f"Views taking a POST that the form sweep never sends a form to. Add an entry to {SWEEP} (its "
            "docstring shows one), or, with a reason, the view name to NOT_SWEPT in tests/test_completeness.py:\n"
            + "\n".join(missing),
            pytrace=False,
        )
    stale = sorted(set(NOT_SWEPT) - {page.view_name for page in project_pages()})
    assert not stale, f"NOT_SWEPT in tests/test_completeness.py names views that no longer exist: {stale}"


def _name(form_class: type) -> str:
    return f"{form_class.__module__}.{form_class.__qualname__}"


def test_every_form_class_is_filled_in_by_the_sweep():
    classes = form_sweep.project_form_classes()
    filled = {form_class for entry in form_sweep.ENTRIES for form_class in entry.forms}
    missing = [
        f"  {_name(form_class)}  → forms=[{form_class.__name__}] on the entry of the view that uses it"
        for form_class in classes if form_class not in filled and _name(form_class) not in NOT_SUBMITTED_ON_THEIR_OWN
    ]
    if missing:
        pytest.fail(
            f"Form classes that no form sweep entry fills in. Add an entry to {SWEEP} for the view that uses "
            "the form, listing the form in its `forms` (the sweep checks the view really fills it), or, with a "
            "reason, the class to NOT_SUBMITTED_ON_THEIR_OWN in tests/test_completeness.py:\n" + "\n".join(missing),
            pytrace=False,
        )
    stale = sorted(set(NOT_SUBMITTED_ON_THEIR_OWN) - {_name(form_class) for form_class in classes})
    assert not stale, f"NOT_SUBMITTED_ON_THEIR_OWN in tests/test_completeness.py names no form class: {stale}"
