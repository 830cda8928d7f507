"""Values kept in the cache until what they were computed from changes.

Each cached value is filed under a version token of its scope (the whole portfolio, or
one account). A change replaces the scope's token, so nothing needs to be found and
deleted: every value computed before the change is simply never asked for again and
expires on its own. The key also names this release of the code, templates and the
settings that shape what is shown, so a deployment never serves what the one before it
rendered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterable
from functools import cache as once
from typing import TypeVar
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")
GENERATION = "*"  # the scope whose token every key names besides its own
TIMEOUT = 24 * 60 * 60  # a day: the token changes with the data, this only bounds forgotten entries


class VersionedCache:
    def __init__(self, name: str):
        self.name = name

    def changed(self, scopes: Iterable[Hashable]) -> None:
        """Forget everything cached for these scopes: now, and once more when the change
        commits (a value computed meanwhile, from the data before the change, would
        otherwise stay cached under the new token)."""
        keys = [self._version_key(scope) for scope in scopes]
        if keys:
            self._replace(keys)
            transaction.on_commit(lambda: self._replace(keys))

    def changed_everywhere(self) -> None:
        """Forget everything cached for every scope at once (a nightly run that touches
        every account), with one token: the generation every key names."""
        self.changed([GENERATION])

    def cached(self, scope: Hashable, depends_on: tuple, compute: Callable[[], T]) -> T:
        """``compute()``, from the cache while ``scope`` has not changed. ``depends_on``
        names everything else the value depends on (the viewer, filters, date)."""
        digest = hashlib.sha256(repr(depends_on).encode()).hexdigest()[:32]
        key = f"{self.name}:{release()}:{self._versions(scope)}:{digest}"
        value = cache.get(key)
        if value is None:
            value = compute()
            cache.set(key, value, TIMEOUT)
        return value

    def _version_key(self, scope: Hashable) -> str:
        return f"{self.name}:{scope}:version"

    @staticmethod
    def _replace(keys: list[str]) -> None:
        cache.set_many({key: uuid4().hex for key in keys}, timeout=None)

    def _versions(self, scope: Hashable) -> str:
        """The generation's token and the scope's, read together."""
        keys = [self._version_key(GENERATION), self._version_key(scope)]
        versions = cache.get_many(keys)
        if len(versions) < len(keys):
            for key in keys:
                cache.add(key, uuid4().hex, timeout=None)  # another process may have set one first
            versions = cache.get_many(keys)
        # A token can still be gone: the file cache culls entries at random when it is
        # full, Redis may evict, a dummy cache keeps nothing. A token of our own makes
        # this request a miss, never a stale hit.
        generation, own = (versions.get(key) or uuid4().hex for key in keys)
        return f"{generation}:{scope}:{own}"


SOURCE_FOLDERS = ["accounts", "dashboards", "plans", "portfolio", "scorecards", "surveys", "templates"]


@once
def release() -> str:
    """A digest of the code and templates that render what is cached, and of the settings
    that name the quarters and days in it: read once per process."""
    digest = hashlib.sha256(repr((settings.FISCAL_YEAR_START_MONTH, settings.TIME_ZONE)).encode())
    for folder in SOURCE_FOLDERS:
        for path in sorted((settings.BASE_DIR / folder).rglob("*")):
            if path.suffix in (".py", ".html"):
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
