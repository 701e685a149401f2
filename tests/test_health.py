"""``/healthz`` answers for the database and the broker, and watches the worker and beat heartbeats."""

import time

import pytest

from okrhub import heartbeat, redis_state
from okrhub.celery import app
from tests.workers.support import broker_url, tasks_on_redis


@pytest.fixture
def no_heartbeats():
    client = redis_state.client()
    client.delete(heartbeat.WORKERS_KEY, heartbeat.BEAT_KEY)
    yield client
    client.delete(heartbeat.WORKERS_KEY, heartbeat.BEAT_KEY)


@pytest.mark.django_db
def test_healthz_is_ok_with_tasks_in_process(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "in-process", "worker": "in-process", "beat": "in-process"},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_reaches_the_real_broker_and_sees_live_heartbeats(client, no_heartbeats):
    heartbeat.worker_alive("worker-1@host")
    heartbeat.beat_alive()
    with tasks_on_redis():
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "worker": "ok", "beat": "ok"},
    }


@pytest.mark.django_db
def test_healthz_reports_no_worker_and_no_beat_as_degraded_not_down(client, no_heartbeats):
    with tasks_on_redis():
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "degraded": ["worker", "beat"],
        "checks": {"database": "ok", "broker": "ok", "worker": "no heartbeat", "beat": "no heartbeat"},
    }


@pytest.mark.django_db
def test_healthz_names_a_silent_worker_and_a_silent_beat(client, no_heartbeats, settings):
    settings.OKRHUB_HEARTBEAT_STALE_SECONDS = 60
    heartbeat.worker_alive("alive@host")
    no_heartbeats.hset(heartbeat.WORKERS_KEY, "killed@host", time.time() - 120)
    no_heartbeats.hset(heartbeat.WORKERS_KEY, "retired@host", time.time() - 2 * heartbeat.FORGET_SECONDS)
    no_heartbeats.set(heartbeat.BEAT_KEY, time.time() - 300)
    with tasks_on_redis():
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["degraded"] == ["worker", "beat"]
    assert body["checks"]["worker"] == "silent: killed@host"
    assert body["checks"]["beat"] == "silent for 300s"
    # A worker silent for a day is forgotten (a retired host), one stopped cleanly removes itself.
    assert set(no_heartbeats.hkeys(heartbeat.WORKERS_KEY)) == {b"alive@host", b"killed@host"}
    heartbeat.worker_stopped("killed@host")
    with tasks_on_redis():
        assert client.get("/healthz").json()["checks"]["worker"] == "ok"


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


@pytest.mark.django_db
def test_healthz_without_a_redis_for_heartbeats_watches_nothing(client, settings):
    broker = broker_url()
    settings.REDIS_URL = ""  # no Redis beside the broker: nothing writes heartbeats
    with tasks_on_redis(broker):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["checks"]["worker"] == "unwatched"
