"""Parts of an account's pages kept in the cache until the account's data changes.

The dashboard at forty quarters and the plan cost several times the framework's own
work to compute and render, and are read far more often than anything in them changes.
Each account has its own version token (``accounts.versioned_cache``): every app that
owns data shown on those pages connects its models with ``watch`` and calls
``account_changed`` after the writes that send no signal (bulk inserts and updates).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from contextlib import suppress
from operator import attrgetter
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, QueryDict
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from .versioned_cache import VersionedCache

T = TypeVar("T")
ACCOUNT_PAGES = VersionedCache("account")

# Written where a form's CSRF token goes in a cached part, and replaced by the viewer's
# own token on every request. Marked safe, so it is written as it is; any text of the
# users' that looked like it would have been escaped, so it cannot be mistaken for it.
CSRF_PLACEHOLDER = mark_safe("<csrf-token>")


# The list of the accounts a user sees (the API's first page for every integration):
# forgotten for everyone when an account, a membership or a person changes.
ACCOUNT_LIST = VersionedCache("account-list")


def account_list_changed(**kwargs) -> None:
    """Forget every user's cached list of accounts. Also a signal receiver, hence ``**kwargs``."""
    ACCOUNT_LIST.changed(["all"])


def cached_account_list(user, depends_on: tuple, compute: Callable[[], T]) -> T:
    """``compute()`` for this user's list of accounts (which says their side and role in
    each), from the cache while no account, membership or person has changed."""
    return ACCOUNT_LIST.cached("all", (user.pk, *depends_on), compute)


def known_parameters(query: QueryDict, names: Collection[str]) -> QueryDict:
    """Only the parameters of ``query`` that a page reads (``names``). Only they may shape
    what a cached page shows — its links too — and the key it is cached under: any other
    would file one more copy of the page for every made-up name."""
    known = query.copy()
    for name in query:
        if name not in names:
            del known[name]
    return known


def account_changed(account_ids: Iterable[int]) -> None:
    """Forget the cached parts of these accounts' pages."""
    ACCOUNT_PAGES.changed(account_ids)


def every_account_changed() -> None:
    """Forget the cached parts of every account's pages, with one write."""
    ACCOUNT_PAGES.changed_everywhere()


def cached_part(account_id: int, depends_on: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, from the cache while the account has not changed. ``depends_on``
    names everything else the part depends on: the page, what the viewer may see and
    do, the query string, the day."""
    return ACCOUNT_PAGES.cached(account_id, depends_on, compute)


def render_part(template_name: str, context: dict) -> SafeString:
    """The template rendered for the cache: without a request, with the placeholder as
    its forms' CSRF token (see ``with_csrf_token``)."""
    return render_to_string(template_name, {**context, "csrf_token": CSRF_PLACEHOLDER})


def with_csrf_token(request: HttpRequest, html: str) -> SafeString:
    return mark_safe(html.replace(CSRF_PLACEHOLDER, get_token(request)))


def watch(model: type[Model], account_of: Callable[[Model], int] = attrgetter("account_id")) -> None:
    """Forget the account's cached parts whenever one of ``model`` is saved or deleted."""

    def receiver(sender, instance, **kwargs):
        # Deleted along with what it belonged to, whose own deletion says so.
        with suppress(ObjectDoesNotExist):
            account_changed([account_of(instance)])

    for signal in (post_save, post_delete):
        signal.connect(receiver, sender=model, weak=False, dispatch_uid=f"page_cache.{model._meta.label}")
