"""Webhooks delivered by a real Celery worker to a local receiver that verifies the signatures.

The web side only marks the committed events in Redis and publishes the
company's event drain, ``objectives.tasks.drain_events_task`` (to the test
Redis); in that task the worker inserts the deliveries and attempts them, and
it retries a 5xx on the schedule's first step (5 s, enqueued with a countdown).
"""

import pytest

from objectives import services as okr
from tests.webhooks.receiver import Answer, Receiver
from tests.workers.helpers import cascade
from tests.workers.support import Worker, reset_redis, tasks_on_redis, wait_for
from webhooks import services
from webhooks.models import Delivery

WORKER_ENV = {"OKRHUB_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32"}  # http too: an allowed network


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        reset_redis()
        running = Worker("webhooks", env=WORKER_ENV)
    yield running
    running.stop()


@pytest.fixture
def receiver(settings):
    settings.OKRHUB_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    running = Receiver().start()
    yield running
    running.stop()


@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_a_checkin_and_retries_a_5xx(worker, receiver):
    from conftest import make_team

    team = make_team("worker-webhooks")
    _, _, (kr,) = cascade(team)
    endpoint = services.endpoint_create(
        company=team.company, actor=team.actor(team.admin), url=receiver.url, event_types=["checkin.created"]
    )
    receiver.answers.append(Answer(status=503))
    with tasks_on_redis():
        okr.checkin_create(
            company=team.company, actor=team.actor(team.member), key_result=kr, value=7, confidence="on_track"
        )
        wait_for(lambda: len(receiver.received) >= 2, timeout=40, what="the delivery and its retry")
    first, second = receiver.received[:2]
    assert first.verified_with(endpoint.secret)
    assert second.verified_with(endpoint.secret)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert second.at - first.at >= 4.5  # the schedule's first wait (5 s, whole seconds of the clock)
    assert second.json["type"] == "checkin.created"
    delivery = wait_for(
        lambda: Delivery.objects.filter(status="delivered").first(), timeout=10, what="the delivery recorded"
    )
    assert (delivery.attempts, delivery.last_response_code) == (2, 200)
    assert worker.events("task.done", task="objectives.tasks.drain_events_task", state="SUCCESS")
    # One drain for every consumer, not a task per consumer and commit.
    assert not worker.events("task.done", task="notifications.tasks.fan_out")
    assert not worker.events("task.done", task="objectives.tasks.handle_events_task")
    # The first attempt runs in the drain; the retry is a task of its own, enqueued with a countdown.
    assert worker.events("task.done", task="webhooks.tasks.deliver_task", state="SUCCESS")
