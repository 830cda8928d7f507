"""Liveness and readiness probes for load balancers and docker-compose."""

from django.conf import settings
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@transaction.non_atomic_requests
@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database_ok() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return f"database: {exc.__class__.__name__}"
    return None


def _broker_ok() -> str | None:
    from config.celery_app import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return f"broker: {exc.__class__.__name__}"
    if not settings.REDIS_URL and not settings.CELERY_BROKER_DIR.exists():
        return "broker: the embedded broker's folder does not exist"
    return None


# Not inside a request transaction: opening one would fail before the check could
# report which part is down.
@transaction.non_atomic_requests
@never_cache
@require_GET
def readyz(request):
    problems = [p for p in (_database_ok(), _broker_ok()) if p]
    if problems:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "broker": "ok"})
