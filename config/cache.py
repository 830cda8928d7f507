"""The cache Tandem uses with Redis: an optimisation, so Redis being down must not take
a page or a save down with it."""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class DegradingRedisCache(RedisCache):
    """Django's Redis cache, except that while Redis fails it behaves like Django's
    DummyCache: every read misses, every write is forgotten (so the API throttle counts
    nothing and lets requests through). After a failure it leaves Redis alone for
    ``retry_after`` seconds, then tries again.

    Chosen over django-redis's IGNORE_EXCEPTIONS: no new dependency and the same
    backend as before; and the pause means a Redis that hangs rather than refuses costs
    each process one timeout every few seconds, not one on every call, and the outage is
    logged once, not on every call."""

    retry_after = 5.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._nothing = DummyCache("", {})
        self._failing = False
        self._next_try = 0.0

    def _call(self, method: str, *args, **kwargs):
        if time.monotonic() >= self._next_try:
            try:
                result = getattr(super(), method)(*args, **kwargs)
            except RedisError as error:
                if not self._failing:
                    log.warning("The Redis cache fails (%s: %s); serving without it.", error.__class__.__name__, error)
                self._failing = True
                self._next_try = time.monotonic() + self.retry_after
            else:
                if self._failing:
                    log.warning("The Redis cache answers again.")
                    self._failing = False
                return result
        return getattr(self._nothing, method)(*args, **kwargs)

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        return self._call("clear")
