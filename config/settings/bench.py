"""The benchmark (``make bench``): production settings, changed only where a benchmark on
loopback must differ. Everything that costs time in production — DEBUG off, the same
middleware, templates, sessions in the database, password hashing, WhiteNoise — stays.

* Plain HTTP on 127.0.0.1: no TLS redirect, no HSTS, cookies not marked Secure (a client
  would not send a Secure cookie over http, so every page would redirect to the login).
* Its own database, never the demo's or a deployment's: ``BENCH_DATABASE_URL`` if set;
  else, with ``DATABASE_URL`` on PostgreSQL, the same server and a database named after
  it plus ``_bench`` (``tandem`` → ``tandem_bench``); else ``bench.sqlite3`` in the data
  folder. ``python -m bench.seed`` refuses to run on any settings without ``TANDEM_BENCH``.
* Static files collected into a folder of its own in the data folder (``bench-static``),
  by ``bench/run.py`` at the start of every run, and served by WhiteNoise as in production.
* Every response says how many SQL queries it cost (``X-Tandem-Queries``), counted by
  ``config.bench.QueryCountMiddleware``, and ``/bench/floor/`` serves the floor page.
"""

from urllib.parse import urlparse

from .base import env_database, env_str
from .production import *  # noqa: F403
from .production import CACHES, DATA_DIR, DATABASES, MIDDLEWARE, REST_FRAMEWORK

TANDEM_BENCH = True

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False


def bench_database_url() -> str:
    explicit = env_str("BENCH_DATABASE_URL", "")
    if explicit:
        return explicit
    main = env_str("DATABASE_URL", "")
    if main and urlparse(main).scheme != "sqlite":
        parsed = urlparse(main)
        name = parsed.path.lstrip("/")
        bench_name = name if name.endswith("_bench") else f"{name}_bench"
        return parsed._replace(path=f"/{bench_name}").geturl()
    return f"sqlite:///{DATA_DIR / 'bench.sqlite3'}"


_database = env_database("BENCH_DATABASE_URL", bench_database_url())
# Keep what base.py decided per engine (SQLite's WAL and locking, PostgreSQL's
# persistent connections); only where the data lives changes.
for _key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT"):
    if _key in _database:
        DATABASES["default"][_key] = _database[_key]

MIDDLEWARE = ["config.bench.QueryCountMiddleware", *MIDDLEWARE]

STATIC_ROOT = DATA_DIR / "bench-static"

# The benchmark sends thousands of API requests as one user within minutes, run after
# run: the per-user throttle (which still counts every request, at the same cost
# whatever the count) must not turn them into 429s.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "10000000/hour"}}

# Without Redis, a cache folder of its own, emptied at the start of every run
# (bench/run.py), so that no debounce flag or throttle count from a demo or an
# earlier run carries over.
if CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
    CACHES = {"default": {**CACHES["default"], "LOCATION": str(DATA_DIR / "bench-cache")}}
else:
    CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": "tandem-bench"}}
