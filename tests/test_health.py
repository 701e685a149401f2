"""``/healthz`` answers for the database and the broker."""

import pytest

from okrhub.celery import app
from tests.workers.support import tasks_on_redis


@pytest.mark.django_db
def test_healthz_is_ok_with_tasks_in_process(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "in-process"}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_reaches_the_real_broker(client):
    with tasks_on_redis():
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_names_an_unreachable_broker(client):
    with tasks_on_redis():
        app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
        app._pool = None
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["failed"] == ["broker"]
    assert body["checks"]["database"] == "ok"


def test_healthz_names_an_unreachable_database(client, settings):
    # No django_db mark: pytest-django refuses database access, as a dead database would.
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
