import pytest

from config.celery_app import app as celery_app


def test_liveness_answers_without_signing_in(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readiness_checks_the_database_and_the_broker(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.fixture
def unreachable_broker():
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"  # the discard port: nothing answers
    yield
    celery_app.conf.broker_url = previous


def test_readiness_answers_503_naming_the_broker_when_it_is_down(client, db, unreachable_broker):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert [p.split(":")[0] for p in body["problems"]] == ["broker"]


def test_readiness_answers_503_naming_the_database_when_it_is_down(client, db, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken_cursor)
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["problems"][0].startswith("database")
