"""/healthz says the process lives; /readyz whether this node can serve (config/health.py):
not without its database (503), but without the broker or the cache it can (200,
"degraded", naming what is down)."""

from dashboards.tasks import recompute_account_trends


def test_liveness_answers_without_signing_in(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readiness_checks_the_database_the_broker_and_the_cache(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "cache": "ok", "problems": [],
                               "follow_ups_due": 0}


def test_without_the_broker_the_node_still_serves_and_says_the_broker_is_down(client, db, broker_down):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["broker"], body["cache"]) == ("degraded", "ok", "down", "ok")
    assert body["problems"] == ["broker: OperationalError"]


def test_without_redis_the_node_still_serves_and_says_the_cache_is_down(client, db, redis_down):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["broker"], body["cache"]) == ("degraded", "ok", "down")
    assert body["problems"] == ["cache: values written are not kept"]


def test_readiness_counts_the_follow_ups_waiting_for_the_broker(client, cast, broker_down,
                                                                django_capture_on_commit_callbacks):
    from accounts.background import enqueue_debounced

    for account in (cast.account, cast.other_account):
        with django_capture_on_commit_callbacks(execute=True):  # the broker cannot take them
            enqueue_debounced(recompute_account_trends, key=f"trends:{account.pk}", args=[account.pk], delay=0)
    assert client.get("/readyz").json()["follow_ups_due"] == 2


def test_readiness_answers_503_naming_the_database_when_it_is_down(client, db, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken_cursor)
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["database"], body["broker"], body["cache"]) == ("unavailable", "down", "ok", "ok")
    assert body["problems"] == ["database: OperationalError"]
