"""The event table: written in the service's transaction, announced once after commit."""

import pytest
from django.db import transaction

from companies.tenancy import Actor
from objectives import events
from objectives.models import Event, Verb
from objectives.services import checkin_create
from tests.factories import KeyResultFactory, ObjectiveFactory


@pytest.fixture
def announced():
    seen: list[tuple[int, list[int]]] = []

    def receiver(sender, *, company_id, event_ids, **kwargs):
        seen.append((company_id, event_ids))

    events.events_committed.connect(receiver)
    yield seen
    events.events_committed.disconnect(receiver)


def _key_result(team):
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, status="active")
    return KeyResultFactory(
        company=team.company, objective=objective, owner=team.member, start_value=0, target_value=10
    )


@pytest.mark.django_db(transaction=True)
def test_a_checkin_writes_one_event_and_announces_it_after_commit(team, announced):
    kr = _key_result(team)
    actor = Actor.for_user(team.company, team.member)
    with transaction.atomic():
        checkin = checkin_create(company=team.company, actor=actor, key_result=kr, value=4, confidence="on_track")
        assert announced == []  # nothing leaves before the commit
    event = Event.objects.get()
    assert (event.verb, event.subject_kind, event.subject_id) == (Verb.CHECKIN_CREATED, "checkin", checkin.pk)
    assert (event.objective_id, event.key_result_id) == (kr.objective_id, kr.pk)
    assert event.department_id == team.department.pk
    assert event.actor_id == team.member.pk
    assert event.payload["value"] in ("4", "4.0000")
    assert event.payload["previous_value"] is None
    assert event.payload["progress"] == pytest.approx(0.4)
    assert announced == [(team.company.pk, [event.pk])]


@pytest.mark.django_db(transaction=True)
def test_one_announcement_per_transaction_and_none_for_a_rollback(team, announced):
    kr = _key_result(team)
    actor = Actor.for_user(team.company, team.member)
    with transaction.atomic():
        for value in (1, 2, 3):
            checkin_create(company=team.company, actor=actor, key_result=kr, value=value, confidence="on_track")
    assert len(announced) == 1
    assert len(announced[0][1]) == 3

    def abandoned() -> None:
        with transaction.atomic():
            checkin_create(company=team.company, actor=actor, key_result=kr, value=5, confidence="on_track")
            raise RuntimeError("abandon")

    with pytest.raises(RuntimeError, match="abandon"):
        abandoned()
    assert len(announced) == 1
    assert Event.objects.count() == 3


@pytest.mark.django_db
def test_events_are_append_only(team):
    kr = _key_result(team)
    checkin_create(company=team.company, actor=None, key_result=kr, value=1, confidence="on_track")
    event = Event.objects.get()
    with pytest.raises(ValueError, match="append-only"):
        event.save()
