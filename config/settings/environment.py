"""Reading settings from the environment, strictly.

django-environ parses values leniently (``DEBUG=maybe`` is silently false, an unknown
database scheme becomes an empty engine). A deployment should fail at start-up with a
message naming the variable instead, so every read here validates and raises
``ImproperlyConfigured``.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql"}
BROKER_SCHEMES = {"redis", "rediss"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _malformed(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"Environment variable {name} is malformed: got {value!r}, expected {expected}."
    )


def env_str(name: str, default: str | None = None) -> str:
    value = _raw(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return default
    return value


def env_is_set(name: str) -> bool:
    return _raw(name) is not None


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise _malformed(name, value, "one of true/false, yes/no, on/off, 1/0")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _malformed(name, value, "a whole number") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        if maximum is None:
            raise _malformed(name, value, f"a whole number of at least {minimum}")
        if minimum is None:
            raise _malformed(name, value, f"a whole number of at most {maximum}")
        raise _malformed(name, value, f"a whole number from {minimum} to {maximum}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise _malformed(name, value, "a comma-separated list without empty items")
    return items


def env_database(name: str, default: str) -> dict:
    url = _raw(name) or default
    scheme = urlparse(url).scheme
    if scheme not in DATABASE_SCHEMES:
        raise _malformed(name, url, "a postgres://user@host:port/name or sqlite:///path URL")
    config = environ.Env.db_url_config(url)
    if not config.get("NAME"):
        raise _malformed(name, url, "a URL that names the database")
    return config


def env_broker_url(name: str) -> str | None:
    url = _raw(name)
    if url is None:
        return None
    parsed = urlparse(url)
    if parsed.scheme not in BROKER_SCHEMES or not parsed.hostname:
        raise _malformed(name, url, "a redis://host:port/db URL")
    try:
        parsed.port  # noqa: B018 - urlparse validates the port lazily
    except ValueError:
        raise _malformed(name, url, "a redis://host:port/db URL with a numeric port") from None
    return url


def env_rate(name: str, default: str) -> str:
    """A request rate such as ``1200/hour`` (per second, minute, hour or day)."""
    value = _raw(name) or default
    number, _, period = value.partition("/")
    if not number.isdigit() or int(number) < 1 or period not in ("second", "minute", "hour", "day"):
        raise _malformed(name, value, "a rate such as 1200/hour (per second, minute, hour or day)")
    return value
