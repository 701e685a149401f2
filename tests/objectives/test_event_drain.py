"""The company's event drain: a burst of commits costs one task, which hands every event to every consumer.

Commits mark their events in Redis (``objectives.event_queue``); the first
mark of a burst enqueues ``objectives.tasks.drain_events_task``, which sends
``events_drained`` once for the whole set. A consumer that fails for good is
logged and does not hold the others (or the next burst) back; a transient
failure keeps the batch for a retry; a drain lost with the broker is found by
the beat's sweep; with the broker away the request hands the events on itself.
"""

from unittest import mock

import kombu.exceptions
import pytest
from django.db import OperationalError, transaction

from notifications.models import Notification, Reason
from objectives import event_queue, events, receivers, tasks
from objectives.models import Verb
from objectives.services import checkin_create
from okrhub import redis_state
from tests.factories import KeyResultFactory, ObjectiveFactory
from tests.workers.support import tasks_on_redis


@pytest.fixture(autouse=True)
def clean_marks(team):
    def clear():
        redis_state.client().delete(event_queue.events_key(team.company.pk), event_queue.scheduled_key(team.company.pk))

    clear()
    yield
    clear()


@pytest.fixture
def drained():
    """What the consumers were handed: (company, event ids, inline) per signal."""
    seen: list[tuple[int, list[int], bool]] = []

    def consumer(sender, *, company_id, event_ids, inline, **kwargs):
        seen.append((company_id, list(event_ids), inline))

    events.events_drained.connect(consumer)
    yield seen
    events.events_drained.disconnect(consumer)


def mention_event(team, objective, n: int) -> int:
    """A comment that mentions the member, written without its own after-commit hand-on."""
    with mock.patch.object(events.events_committed, "send"):
        return events.record(
            Verb.COMMENT_CREATED,
            company_id=team.company.pk,
            actor=team.actor(team.lead),
            objective=objective,
            subject=("comment", 700 + n),
            payload={
                "comment_id": 700 + n,
                "mentioned_user_ids": [team.member.pk],
                "target_kind": "objective",
                "target_id": objective.pk,
                "target_owner_id": None,
                "body_excerpt": f"note {n}",
                "objective_title": objective.title,
            },
        ).pk


def objective_of(team):
    return ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, status="active")


@pytest.mark.django_db
def test_a_burst_reaches_every_consumer_in_one_signal_oldest_first(team, drained):
    objective = objective_of(team)
    ids = [mention_event(team, objective, n) for n in range(4)]
    assert event_queue.mark(company_id=team.company.pk, event_ids=ids[:1])  # the first mark enqueues the drain
    assert not any(event_queue.mark(company_id=team.company.pk, event_ids=[pk]) for pk in ids[1:])

    assert tasks.drain_events_task(team.company.pk) == 4

    assert drained == [(team.company.pk, ids, False)]
    # The real consumers ran on the same batch: each mention is a notification of the member.
    assert Notification.objects.filter(user=team.member, reason=Reason.MENTION).count() == 4
    assert event_queue.take(team.company.pk) == []  # forgotten once handled
    assert tasks.drain_events_task(team.company.pk) == 0


@pytest.mark.django_db
def test_a_consumer_that_fails_for_good_is_logged_and_the_others_still_run(team, drained, caplog):
    objective = objective_of(team)
    ids = [mention_event(team, objective, n) for n in range(2)]
    event_queue.mark(company_id=team.company.pk, event_ids=ids)

    def broken(sender, **kwargs):
        raise ValueError("a bug in one consumer")

    events.events_drained.connect(broken)
    try:
        assert tasks.drain_events_task(team.company.pk) == 2
    finally:
        events.events_drained.disconnect(broken)
    assert drained == [(team.company.pk, ids, False)]
    assert Notification.objects.filter(user=team.member).count() == 2
    assert "a bug in one consumer" in caplog.text
    assert event_queue.take(team.company.pk) == []  # not retried forever: later bursts are not held back


@pytest.mark.django_db
def test_a_transient_failure_keeps_the_batch_for_the_retry(team, drained):
    objective = objective_of(team)
    ids = [mention_event(team, objective, n) for n in range(2)]
    event_queue.mark(company_id=team.company.pk, event_ids=ids)

    def database_away(sender, **kwargs):
        raise OperationalError("the database went away")

    events.events_drained.connect(database_away)
    try:
        with pytest.raises(OperationalError):
            tasks.drain_events_task(team.company.pk)
    finally:
        events.events_drained.disconnect(database_away)
    assert event_queue.take(team.company.pk) == ids
    assert tasks.drain_events_task(team.company.pk) == 2  # the retry hands them on again: consumers are idempotent
    assert Notification.objects.filter(user=team.member).count() == 2


@pytest.mark.django_db
def test_the_sweep_drains_a_set_whose_drain_was_lost_and_leaves_a_scheduled_one(team, other_team, drained):
    objective = objective_of(team)
    lost = [mention_event(team, objective, 1)]
    event_queue.mark(company_id=team.company.pk, event_ids=lost)
    redis_state.client().delete(event_queue.scheduled_key(team.company.pk))  # the flag expired, its task lost
    scheduled = [mention_event(other_team, objective_of(other_team), 2)]
    event_queue.mark(company_id=other_team.company.pk, event_ids=scheduled)  # its drain is on the way
    try:
        assert event_queue.unscheduled_companies() == [team.company.pk]
        assert tasks.sweep_events_task() == 1
        assert drained == [(team.company.pk, lost, False)]
        assert event_queue.take(other_team.company.pk) == scheduled
    finally:
        redis_state.client().delete(event_queue.events_key(other_team.company.pk))


def key_result_of(team):
    return KeyResultFactory(
        company=team.company, objective=objective_of(team), owner=team.member, start_value=0, target_value=10
    )


@pytest.mark.django_db(transaction=True)
def test_commits_with_a_broker_are_marked_and_the_first_enqueues_the_drain(team, drained):
    kr = key_result_of(team)
    actor = team.actor(team.member)
    with (
        tasks_on_redis(),
        mock.patch.object(receivers, "publish") as publish,
    ):
        for value in (1, 2, 3):
            with transaction.atomic():
                checkin_create(company=team.company, actor=actor, key_result=kr, value=value, confidence="on_track")
    assert [call.args for call in publish.call_args_list] == [(tasks.drain_events_task, team.company.pk)]
    assert len(event_queue.take(team.company.pk)) == 3
    assert drained == []  # nothing handled in the request


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_away_the_request_hands_the_events_on_itself(team, drained):
    kr = key_result_of(team)
    member = team.actor(team.member)
    with (
        mock.patch.object(receivers, "publish", side_effect=kombu.exceptions.OperationalError("down")),
        transaction.atomic(),
    ):
        checkin_create(company=team.company, actor=member, key_result=kr, value=4, confidence="on_track")
    ((company_id, event_ids, inline),) = drained
    assert (company_id, len(event_ids), inline) == (team.company.pk, 1, True)
