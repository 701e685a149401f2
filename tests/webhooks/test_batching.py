"""What a delivery costs: a constant number of queries whatever the company's size; bursts drained in one task.

The bench (``bench/outgoing_webhooks.py``) showed one worker falling behind
25 events a second: a task, a fan-out and an attempt per commit. Commits now
mark their events in Redis (``objectives.event_queue``) and one drain
(``objectives.tasks.drain_events_task``) fans out and attempts a whole burst;
the sweep's catch-up no longer fans out again the events no endpoint takes.
"""

from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from objectives import event_queue, events
from objectives import tasks as objective_tasks
from objectives.models import Objective, Verb
from tests.factories import DepartmentFactory, ObjectiveFactory
from tests.objectives.test_event_drain import clean_marks  # noqa: F401 (autouse fixture)
from tests.workers.helpers import cascade
from webhooks import services
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


def comment_event(objective: Objective, n: int) -> int:
    # Written outside a transaction the test captures: its on-commit fan-out never runs here.
    with mock.patch("objectives.events.events_committed.send"):
        return events.record(
            Verb.COMMENT_CREATED,
            company_id=objective.company_id,
            actor=None,
            objective=objective,
            subject=("comment", 900 + n),
            payload={"comment_id": 900 + n, "body_excerpt": f"note {n}", "objective_title": objective.title},
        ).pk


def one_delivery_queries(team, objective: Objective, endpoint: Endpoint, n: int) -> int:
    event_id = comment_event(objective, n)
    with CaptureQueriesContext(connection) as queries:
        (delivery_id,) = services.fan_out(company_id=team.company.pk, event_ids=[event_id], queued=True)
        assert services.attempt(delivery_id) == "delivered"
    return len(queries)


def grow(team, *, departments: int, objectives: int) -> None:
    """A much larger company: departments, public and private objectives, and their events."""
    made = [DepartmentFactory(company=team.company, name=f"Dept {d}", slug=f"dept-{d}") for d in range(departments)]
    for o in range(objectives):
        objective = ObjectiveFactory(
            company=team.company, cycle=team.cycle, department=made[o % departments], private=o % 3 == 0
        )
        comment_event(objective, 10_000 + o)


def test_one_fan_out_and_delivery_cost_the_same_queries_whatever_the_company_size(team, receiver):
    _, (objective,), _ = cascade(team)
    endpoint = services.endpoint_create(
        company=team.company, actor=team.actor(team.admin), url=receiver.url, event_types=["comment.created"]
    )
    small = one_delivery_queries(team, objective, endpoint, 1)
    grow(team, departments=12, objectives=60)
    large = one_delivery_queries(team, objective, endpoint, 2)
    # fan-out: endpoints, events, the public ones, insert, pending ids;
    # attempt: claim, delivery with endpoint, event, its references, finish, failing_since.
    assert small == large <= 11
    assert len(receiver.received) == 2


def test_a_burst_of_commits_is_drained_by_one_task_oldest_first(team, receiver):
    _, (objective,), _ = cascade(team)
    endpoint = services.endpoint_create(
        company=team.company, actor=team.actor(team.admin), url=receiver.url, event_types=["comment.created"]
    )
    ids = [comment_event(objective, n) for n in range(5)]
    assert event_queue.mark(company_id=team.company.pk, event_ids=ids[:1])  # the first mark enqueues the drain
    assert not any(event_queue.mark(company_id=team.company.pk, event_ids=[pk]) for pk in ids[1:])

    assert objective_tasks.drain_events_task(team.company.pk) == 5

    assert [r.json["data"]["id"] for r in receiver.received] == ids
    assert all(r.verified_with(endpoint.secret) for r in receiver.received)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert event_queue.take(team.company.pk) == []  # forgotten once fanned out
    assert event_queue.mark(company_id=team.company.pk, event_ids=[ids[0]])  # the next commit schedules a drain again
    assert objective_tasks.drain_events_task(team.company.pk) == 1  # handed on again, already delivered:
    assert len(receiver.received) == 5  # nothing sent twice


def test_a_drain_that_fails_before_its_deliveries_commit_leaves_the_events_marked(team, receiver):
    _, (objective,), _ = cascade(team)
    services.endpoint_create(
        company=team.company, actor=team.actor(team.admin), url=receiver.url, event_types=["comment.created"]
    )
    ids = [comment_event(objective, n) for n in range(2)]
    event_queue.mark(company_id=team.company.pk, event_ids=ids)
    with (
        mock.patch.object(services, "fan_out", side_effect=OperationalError("database went away")),
        pytest.raises(OperationalError),
    ):
        objective_tasks.drain_events_task(team.company.pk)
    assert event_queue.take(team.company.pk) == ids
    assert objective_tasks.drain_events_task(team.company.pk) == 2
    assert len(receiver.received) == 2


def test_the_sweep_does_not_fan_out_again_events_no_endpoint_takes(team, receiver):
    _, (objective,), _ = cascade(team)
    services.endpoint_create(
        company=team.company, actor=team.actor(team.admin), url=receiver.url, event_types=["checkin.created"]
    )
    for n in range(30):
        comment_event(objective, n)  # the last hour's events, of a type the endpoint does not take
    with (
        mock.patch.object(services, "fan_out", wraps=services.fan_out) as fan_out,
        CaptureQueriesContext(connection) as queries,
    ):
        assert services.sweep_all_companies() == []
    fan_out.assert_not_called()
    assert len(queries) <= 6  # endpoints, one catch-up query per endpoint, the due deliveries (and the transaction)


def test_the_sweep_catches_up_a_private_event_only_for_an_endpoint_that_includes_private(team, receiver):
    ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, private=True)
    private = Objective.objects.get(company=team.company, private=True)
    admin = team.actor(team.admin)
    public_only = services.endpoint_create(
        company=team.company, actor=admin, url=receiver.url, event_types=["comment.created"]
    )
    everything = services.endpoint_create(
        company=team.company, actor=admin, url=receiver.url, event_types=["comment.created"], include_private=True
    )
    comment_event(private, 1)
    due = services.sweep_all_companies()
    assert [Delivery.objects.get(pk=pk).endpoint_id for pk in due] == [everything.pk]
    assert not Delivery.objects.filter(endpoint=public_only).exists()
    assert services.sweep_all_companies() == []
