"""Liveness and readiness probes for load balancers and docker-compose.

``/readyz`` checks the database, the broker and the cache, each on its own. Only the
database decides readiness: without it this node cannot serve, so it answers 503 and a
load balancer sends people elsewhere. Without the broker or the cache the node still
serves every page from the database and commits every save (follow-up work waits in
the database, see accounts/background.py): it answers 200, status "degraded", naming
what is down — a broker or Redis outage reaches every node alike, and taking them all
out of the load balancer would turn a slower site into no site.
"""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@transaction.non_atomic_requests
@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database_problem() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return exc.__class__.__name__
    return None


def _broker_problem() -> str | None:
    from config.celery_app import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return exc.__class__.__name__
    if not settings.REDIS_URL and not settings.CELERY_BROKER_DIR.exists():
        return "the embedded broker's folder does not exist"
    return None


def _cache_problem() -> str | None:
    # A value written and read back: the Redis cache does not raise when Redis is down
    # (config/cache.py), it only forgets. A key per probe, as probes may overlap.
    key, value = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    try:
        cache.set(key, value, timeout=10)
        kept = cache.get(key) == value
        cache.delete(key)
    except Exception as exc:  # noqa: BLE001
        return exc.__class__.__name__
    return None if kept else "values written are not kept"


# Not inside a request transaction: opening one would fail before the check could
# report which part is down.
@transaction.non_atomic_requests
@never_cache
@require_GET
def readyz(request):
    from accounts.background import follow_ups_due_count

    problems = {"database": _database_problem(), "broker": _broker_problem(), "cache": _cache_problem()}
    body = {part: "down" if problem else "ok" for part, problem in problems.items()}
    body["problems"] = [f"{part}: {problem}" for part, problem in problems.items() if problem]
    if problems["database"]:
        return JsonResponse({"status": "unavailable", **body, "follow_ups_due": None}, status=503)
    # Work recorded by saves and not done yet: it grows while the broker or workers are away.
    body["follow_ups_due"] = follow_ups_due_count()
    return JsonResponse({"status": "degraded" if body["problems"] else "ok", **body})
