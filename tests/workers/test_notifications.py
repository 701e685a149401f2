"""Notifications made by a real Celery worker from events the web process committed.

The web side only marks the committed events and publishes the company's
event drain (``objectives.tasks.drain_events_task``, to the test Redis); the
worker re-reads the events, makes the notifications and emails the mentioned
person at once through a real SMTP server.
"""

import pytest
from django.db import transaction

from conftest import make_team
from notifications import tasks
from notifications.models import EmailMode, Notification, Reason
from objectives import events
from objectives import services as okr
from objectives.models import Dependency, Verb
from objectives.scheduling import publish
from tests.workers.helpers import cascade
from tests.workers.support import SmtpServer, Worker, reset_redis, tasks_on_redis, wait_for


@pytest.fixture(scope="module")
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, smtp):
    with django_db_blocker.unblock():
        reset_redis()
        running = Worker("notifications", env={"TEST_SMTP_PORT": str(smtp.port)})
    yield running
    running.stop()


@pytest.mark.django_db(transaction=True)
def test_an_off_track_checkin_reaches_the_owner_of_what_depends_on_it(worker):
    team = make_team("worker-notify")
    _, (objective,), (kr,) = cascade(team)
    dependent = okr.objective_create(
        company=team.company, actor=None, cycle=team.cycle, title="Launch in Lyon", owner=team.admin, activate=True
    )
    Dependency.objects.create(company=team.company, from_objective=dependent, to_objective=objective)
    with tasks_on_redis():
        okr.checkin_create(
            company=team.company, actor=team.actor(team.member), key_result=kr, value=10, confidence="off_track"
        )
        # Committed and published: the web process made nothing itself.
        assert not Notification.objects.exists()
        wait_for(lambda: Notification.objects.filter(user=team.admin).exists(), timeout=30, what="the fan-out")
    notification = Notification.objects.get()
    assert (notification.user_id, notification.reason) == (team.admin.pk, Reason.DEPENDENCY_OFF_TRACK)
    assert notification.email == EmailMode.DIGEST
    wait_for(
        lambda: worker.events("task.done", task="objectives.tasks.drain_events_task", state="SUCCESS"),
        timeout=10,
        what="the company's event drain to finish",
    )


@pytest.mark.django_db(transaction=True)
def test_a_mention_is_made_and_emailed_by_the_worker_once_however_often_delivered(worker, smtp):
    team = make_team("worker-mention")
    top, _, _ = cascade(team)
    payload = {
        "comment_id": 5,
        "mentioned_user_ids": [team.member.pk],
        "target_kind": "objective",
        "target_id": top.pk,
        "target_owner_id": None,
        "body_excerpt": "Worker, tell the member",
        "objective_title": top.title,
    }
    done = len(worker.events("task.done", task="notifications.tasks.fan_out", state="SUCCESS"))
    with tasks_on_redis():
        with transaction.atomic():
            event = events.record(
                Verb.COMMENT_CREATED,
                company_id=team.company.pk,
                actor=team.actor(team.lead),
                objective=top,
                subject=("comment", 5),
                payload=payload,
            )
        wait_for(
            lambda: [rcpts for rcpts, _ in smtp.messages if rcpts == [team.member.email]],
            timeout=30,
            what="the mention's email",
        )
        # The same fan-out delivered twice more (a message queued before the drain, redelivered
        # after a crash): nothing new, no second email.
        publish(tasks.fan_out, team.company.pk, [event.pk])
        publish(tasks.fan_out, team.company.pk, [event.pk])
        wait_for(
            lambda: len(worker.events("task.done", task="notifications.tasks.fan_out", state="SUCCESS")) >= done + 2,
            timeout=30,
            what="the redelivered fan-outs",
        )
    notification = Notification.objects.get(user=team.member)
    assert notification.reason == Reason.MENTION
    assert notification.emailed_at is not None
    mine = [message for rcpts, message in smtp.messages if rcpts == [team.member.email]]
    assert len(mine) == 1
    assert "Worker, tell the member" in mine[0].get_body(preferencelist=("plain",)).get_content()
    assert worker.events("task.done", task="notifications.tasks.send_notification_email_task", state="SUCCESS")
