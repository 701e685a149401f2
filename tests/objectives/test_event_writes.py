"""Every service writes its events: a table of calls, each with exactly the events (and payload keys) it records.

The feed, notifications and webhooks read these events, so the table is the
contract: a call records exactly these verbs, about these objects, with
these payload keys, in the call's own transaction; a call that changes
nothing, or that fails or rolls back, records none.
"""

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction

from conftest import Team
from objectives import events
from objectives import services as okr
from objectives.models import CheckIn, CycleStatus, Dependency, Event, KeyResult, Objective, ObjectiveStatus, Verb
from tests.factories import CycleFactory, DepartmentFactory, KeyResultFactory, ObjectiveFactory
from tests.helpers import refused

OBJECTIVE_CREATED = {
    "title",
    "description",
    "owner_id",
    "parent_id",
    "weight",
    "private",
    "department_id",
    "status",
    "cycle_id",
}
KEY_RESULT_CREATED = {
    "key_result_id",
    "objective_title",
    "title",
    "kind",
    "direction",
    "start_value",
    "target_value",
    "current_value",
    "unit",
    "currency",
    "weight",
    "owner_id",
}
DEPENDENCY = {"dependency_id", "objective_title", "to_objective_id", "to_objective_title", "note"}
SHARED_KEY_RESULT = {
    "shared_key_result_id",
    "key_result_id",
    "title",
    "objective_title",
    "to_objective_id",
    "to_objective_title",
}
CYCLE = {"name", "start_date", "end_date", "status"}
CHECKIN_CREATED = {
    "key_result_title",
    "objective_title",
    "value",
    "confidence",
    "note",
    "progress",
    "previous_value",
    "previous_confidence",
    "previous_progress",
    "recorded_at",
}


@dataclass
class Scene:
    """A company objective, a Sales objective laddering to it (with a key result), a draft, a dependency."""

    team: Team
    top: Objective
    sales: Objective
    draft: Objective
    kr: KeyResult
    dependency: Dependency
    marketing: Any

    def actor(self, who: str = "admin"):
        return self.team.actor(getattr(self.team, who))


@pytest.fixture
def scene(team) -> Scene:
    company = team.company
    top = ObjectiveFactory(company=company, cycle=team.cycle, owner=team.leader, title="Grow revenue")
    sales = ObjectiveFactory(
        company=company,
        cycle=team.cycle,
        department=team.department,
        parent=top,
        owner=team.lead,
        title="Close new business",
    )
    draft = ObjectiveFactory(
        company=company,
        cycle=team.cycle,
        department=team.department,
        owner=team.member,
        status=ObjectiveStatus.DRAFT,
        title="Open a partner channel",
    )
    kr = KeyResultFactory(company=company, objective=sales, owner=team.member, title="Win 40 accounts")
    dependency = Dependency.objects.create(company=company, from_objective=sales, to_objective=draft, note="partners")
    marketing = DepartmentFactory(company=company, name="Marketing", slug="marketing")
    return Scene(team, top, sales, draft, kr, dependency, marketing)


@dataclass(frozen=True)
class Expected:
    verb: str
    subject_kind: str
    keys: set[str]
    #: payload entries that must hold exactly these values (a function of the scene)
    values: Callable[[Scene], dict[str, Any]] = lambda s: {}
    objective: Callable[[Scene], Any] = lambda s: None
    company_wide: bool = False


@dataclass(frozen=True)
class Case:
    name: str
    call: Callable[[Scene], Any]
    expected: tuple[Expected, ...]


def _create(s: Scene, **kwargs):
    base = {"company": s.team.company, "actor": s.actor(), "cycle": s.team.cycle, "title": "Win the Nordics"}
    return okr.objective_create(**(base | kwargs))


def _update(s: Scene, objective=None, **changes):
    return okr.objective_update(company=s.team.company, actor=s.actor(), objective=objective or s.sales, **changes)


def _status(s: Scene, objective, status):
    return okr.objective_set_status(company=s.team.company, actor=s.actor(), objective=objective, status=status)


def _close_and_reopen(s: Scene):
    _status(s, s.sales, ObjectiveStatus.CLOSED)
    return _status(s, s.sales, ObjectiveStatus.ACTIVE)


def _kr_update(s: Scene, **changes):
    return okr.key_result_update(company=s.team.company, actor=s.actor(), key_result=s.kr, **changes)


def _planning(s: Scene):
    return CycleFactory(
        company=s.team.company,
        name="2027 Q1",
        start_date=datetime.date(2027, 1, 1),
        end_date=datetime.date(2027, 3, 31),
        status=CycleStatus.PLANNING,
    )


CASES = [
    Case(
        "objective_create draft",
        lambda s: _create(s, department=s.team.department, parent=s.top, owner=s.team.member),
        (
            Expected(
                Verb.OBJECTIVE_CREATED,
                "objective",
                OBJECTIVE_CREATED,
                lambda s: {
                    "title": "Win the Nordics",
                    "status": "draft",
                    "parent_id": s.top.pk,
                    "department_id": s.team.department.pk,
                    "owner_id": s.team.member.pk,
                    "private": False,
                    "weight": "1.00",
                    "cycle_id": s.team.cycle.pk,
                },
                lambda s: Objective.objects.get(title="Win the Nordics"),
            ),
        ),
    ),
    Case(
        "objective_create active (one event, not two)",
        lambda s: _create(s, activate=True, private=True),
        (
            Expected(
                Verb.OBJECTIVE_CREATED, "objective", OBJECTIVE_CREATED, lambda s: {"status": "active", "private": True}
            ),
        ),
    ),
    Case(
        "objective_update title and weight",
        lambda s: _update(s, title="Close €5M in new business", weight="2"),
        (
            Expected(
                Verb.OBJECTIVE_UPDATED,
                "objective",
                {"title", "changes"},
                lambda s: {
                    "title": "Close €5M in new business",
                    "changes": {
                        "title": ["Close new business", "Close €5M in new business"],
                        "weight": ["1.00", "2.00"],
                    },
                },
                lambda s: s.sales,
            ),
        ),
    ),
    Case(
        "objective_update laddering under another parent",
        lambda s: _update(s, parent=None),
        (
            Expected(
                Verb.OBJECTIVE_UPDATED,
                "objective",
                {"title", "changes", "parent_id", "previous_parent_id"},
                lambda s: {
                    "changes": {"parent_id": [s.top.pk, None]},
                    "parent_id": None,
                    "previous_parent_id": s.top.pk,
                },
                lambda s: s.sales,
            ),
        ),
    ),
    Case(
        "objective_update owner, privacy and department",
        lambda s: _update(s, objective=s.draft, owner=s.team.lead, private=True, department=s.marketing),
        (
            Expected(
                Verb.OBJECTIVE_UPDATED,
                "objective",
                {"title", "changes"},
                lambda s: {
                    "changes": {
                        "owner_id": [s.team.member.pk, s.team.lead.pk],
                        "private": [False, True],
                        "department_id": [s.team.department.pk, s.marketing.pk],
                    }
                },
                lambda s: s.draft,
            ),
        ),
    ),
    Case("objective_update that changes nothing", lambda s: _update(s, title="Close new business", weight="1"), ()),
    Case(
        "objective_set_status: a draft activated",
        lambda s: _status(s, s.draft, ObjectiveStatus.ACTIVE),
        (
            Expected(
                Verb.OBJECTIVE_ACTIVATED,
                "objective",
                {"title", "from", "to"},
                lambda s: {"from": "draft", "to": "active"},
                lambda s: s.draft,
            ),
        ),
    ),
    Case(
        "objective_set_status: closed",
        lambda s: _status(s, s.sales, ObjectiveStatus.CLOSED),
        (
            Expected(
                Verb.OBJECTIVE_STATUS_CHANGED,
                "objective",
                {"title", "from", "to"},
                lambda s: {"from": "active", "to": "closed"},
                lambda s: s.sales,
            ),
        ),
    ),
    Case(
        "objective_set_status: closed, then reopened",
        _close_and_reopen,
        (
            Expected(Verb.OBJECTIVE_STATUS_CHANGED, "objective", {"title", "from", "to"}, lambda s: {"to": "closed"}),
            Expected(Verb.OBJECTIVE_ACTIVATED, "objective", {"title", "from", "to"}, lambda s: {"from": "closed"}),
        ),
    ),
    Case(
        "key_result_create",
        lambda s: okr.key_result_create(
            company=s.team.company,
            actor=s.actor(),
            objective=s.sales,
            title="Grow pipeline from €0 to €2,000,000",
            kind="currency",
            currency="eur",
            target_value=2_000_000,
        ),
        (
            Expected(
                Verb.KEY_RESULT_CREATED,
                "key_result",
                KEY_RESULT_CREATED,
                lambda s: {
                    "objective_title": "Close new business",
                    "currency": "EUR",
                    "target_value": "2000000.0000",
                    "start_value": "0.0000",
                    "current_value": None,
                },
                lambda s: s.sales,
            ),
        ),
    ),
    Case(
        "key_result_update target and owner",
        lambda s: _kr_update(s, target_value="200", owner=s.team.lead),
        (
            Expected(
                Verb.KEY_RESULT_UPDATED,
                "key_result",
                {"key_result_id", "title", "objective_title", "changes"},
                lambda s: {
                    "key_result_id": s.kr.pk,
                    "changes": {
                        "target_value": ["100.0000", "200.0000"],
                        "owner_id": [s.team.member.pk, s.team.lead.pk],
                    },
                },
                lambda s: s.sales,
            ),
        ),
    ),
    Case(
        "key_result_update to a milestone: what the kind implies is a change too",
        lambda s: _kr_update(s, kind="milestone"),
        (
            Expected(
                Verb.KEY_RESULT_UPDATED,
                "key_result",
                {"key_result_id", "title", "objective_title", "changes"},
                lambda s: {"changes": {"kind": ["number", "milestone"], "target_value": ["100.0000", "1.0000"]}},
            ),
        ),
    ),
    Case("key_result_update that changes nothing", lambda s: _kr_update(s, title="Win 40 accounts"), ()),
    Case(
        "key_result_delete",
        lambda s: okr.key_result_delete(company=s.team.company, actor=s.actor(), key_result=s.kr),
        (
            Expected(
                Verb.KEY_RESULT_DELETED,
                "key_result",
                {"key_result_id", "title", "objective_title"},
                lambda s: {"key_result_id": s.kr.pk, "title": "Win 40 accounts"},
                lambda s: s.sales,
            ),
        ),
    ),
    Case(
        "dependency_create",
        lambda s: okr.dependency_create(
            company=s.team.company, actor=s.actor(), from_objective=s.sales, to_objective=s.top, note="needs budget"
        ),
        (
            Expected(
                Verb.DEPENDENCY_CREATED,
                "dependency",
                DEPENDENCY,
                lambda s: {"to_objective_id": s.top.pk, "to_objective_title": "Grow revenue", "note": "needs budget"},
                lambda s: s.sales,
            ),
        ),
    ),
    Case(
        "dependency_delete",
        lambda s: okr.dependency_delete(company=s.team.company, actor=s.actor(), dependency=s.dependency),
        (
            Expected(
                Verb.DEPENDENCY_DELETED,
                "dependency",
                DEPENDENCY,
                lambda s: {"dependency_id": s.dependency.pk, "to_objective_id": s.draft.pk},
                lambda s: s.sales,
            ),
        ),
    ),
    Case(
        "shared_key_result_create",
        lambda s: okr.shared_key_result_create(
            company=s.team.company, actor=s.actor(), objective=s.draft, key_result=s.kr
        ),
        (
            Expected(
                Verb.KEY_RESULT_SHARED,
                "key_result",
                SHARED_KEY_RESULT,
                lambda s: {
                    "key_result_id": s.kr.pk,
                    "title": "Win 40 accounts",
                    "objective_title": "Close new business",
                    "to_objective_id": s.draft.pk,
                    "to_objective_title": "Open a partner channel",
                },
                lambda s: s.sales,  # under the key result's own objective: its readers decide who reads it
            ),
        ),
    ),
    Case(
        "shared_key_result_delete",
        lambda s: okr.shared_key_result_delete(
            company=s.team.company,
            actor=s.actor(),
            link=okr.shared_key_result_create(
                company=s.team.company, actor=s.actor(), objective=s.top, key_result=s.kr
            ),
        ),
        (
            Expected(
                Verb.KEY_RESULT_SHARED,
                "key_result",
                SHARED_KEY_RESULT,
                lambda s: {"to_objective_id": s.top.pk},
                lambda s: s.sales,
            ),
            Expected(
                Verb.KEY_RESULT_UNSHARED,
                "key_result",
                SHARED_KEY_RESULT,
                lambda s: {"key_result_id": s.kr.pk, "to_objective_id": s.top.pk},
                lambda s: s.sales,
            ),
        ),
    ),
    Case(
        "cycle_create running",
        lambda s: okr.cycle_create(
            company=s.team.company,
            actor=s.actor(),
            name="2027",
            start_date=datetime.date(2027, 1, 1),
            end_date=datetime.date(2027, 12, 31),
            status=CycleStatus.ACTIVE,
        ),
        (
            Expected(
                Verb.CYCLE_ACTIVATED,
                "cycle",
                CYCLE,
                lambda s: {"name": "2027", "start_date": "2027-01-01"},
                company_wide=True,
            ),
        ),
    ),
    Case(
        "cycle_create in planning",
        lambda s: okr.cycle_create(
            company=s.team.company,
            actor=s.actor(),
            name="2027",
            start_date=datetime.date(2027, 1, 1),
            end_date=datetime.date(2027, 12, 31),
        ),
        (),
    ),
    Case(
        "cycle_activate",
        lambda s: okr.cycle_activate(company=s.team.company, actor=s.actor(), cycle=_planning(s)),
        (
            Expected(
                Verb.CYCLE_ACTIVATED,
                "cycle",
                CYCLE,
                lambda s: {"name": "2027 Q1", "status": "active"},
                company_wide=True,
            ),
        ),
    ),
    Case(
        "cycle_update",
        lambda s: okr.cycle_update(company=s.team.company, actor=s.actor(), cycle=s.team.cycle, name="Q4"),
        (),
    ),
    Case(
        "cycle_close (one event; the objectives it closes get none)",
        lambda s: okr.cycle_close(company=s.team.company, actor=s.actor(), cycle=s.team.cycle),
        (Expected(Verb.CYCLE_CLOSED, "cycle", CYCLE, lambda s: {"status": "closed"}, company_wide=True),),
    ),
    Case(
        "checkin_create",
        lambda s: okr.checkin_create(
            company=s.team.company, actor=s.actor(), key_result=s.kr, value=30, confidence="at_risk"
        ),
        (
            Expected(
                Verb.CHECKIN_CREATED, "checkin", CHECKIN_CREATED, lambda s: {"confidence": "at_risk"}, lambda s: s.sales
            ),
        ),
    ),
    Case(
        "owner_reassign (a member leaving): one owner change per objective and key result",
        lambda s: okr.owner_reassign(
            company=s.team.company, from_user_id=s.team.member.pk, to_user=s.team.lead, actor=s.actor()
        ),
        (
            Expected(
                Verb.OBJECTIVE_UPDATED,
                "objective",
                {"title", "changes"},
                lambda s: {"changes": {"owner_id": [s.team.member.pk, s.team.lead.pk]}},
                lambda s: s.draft,
            ),
            Expected(
                Verb.KEY_RESULT_UPDATED,
                "key_result",
                {"key_result_id", "title", "objective_title", "changes"},
                lambda s: {"changes": {"owner_id": [s.team.member.pk, s.team.lead.pk]}},
                lambda s: s.sales,
            ),
        ),
    ),
]


def _matches(expected: dict[str, Any], payload: dict[str, Any]) -> bool:
    return all(payload.get(key) == value for key, value in expected.items())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_each_service_records_exactly_its_events(scene, case, django_capture_on_commit_callbacks):
    announced: list[list[int]] = []

    def receiver(sender, *, company_id, event_ids, **kwargs):
        announced.append(event_ids)

    events.events_committed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            last = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            case.call(scene)
    finally:
        events.events_committed.disconnect(receiver)
    written = list(Event.objects.filter(pk__gt=last).select_related("objective").order_by("pk"))
    assert [e.verb for e in written] == [x.verb for x in case.expected]
    for event, expected in zip(written, case.expected, strict=True):
        assert event.company_id == scene.team.company.pk
        assert event.subject_kind == expected.subject_kind
        assert set(event.payload) == expected.keys, event.payload
        assert _matches(expected.values(scene), event.payload), event.payload
        # Plain JSON, the same after a round trip (no Decimal, date or model slipped in).
        assert json.loads(json.dumps(event.payload)) == event.payload
        if expected.company_wide:
            assert event.objective_id is None
            assert event.cycle_id == event.subject_id
        else:
            assert event.objective_id is not None
            assert event.cycle_id == event.objective.cycle_id
            assert event.department_id == event.objective.department_id
        if (objective := expected.objective(scene)) is not None:
            assert event.objective_id == objective.pk
        assert event.actor_id == scene.team.admin.pk
    # Announced once, after the commit, when anything was written.
    assert announced == ([[e.pk for e in written]] if written else [])


def test_events_name_what_they_are_about(scene):
    admin = scene.actor()
    checkin = okr.checkin_create(
        company=scene.team.company, actor=admin, key_result=scene.kr, value=5, confidence="on_track"
    )
    created = Event.objects.get(verb=Verb.CHECKIN_CREATED)
    assert (created.subject_id, created.checkin_id, created.key_result_id) == (checkin.pk, checkin.pk, scene.kr.pk)
    dependency = okr.dependency_create(
        company=scene.team.company, actor=admin, from_objective=scene.sales, to_objective=scene.top
    )
    assert Event.objects.get(verb=Verb.DEPENDENCY_CREATED).subject_id == dependency.pk
    kr_id = scene.kr.pk
    okr.key_result_delete(company=scene.team.company, actor=admin, key_result=scene.kr)
    deleted = Event.objects.get(verb=Verb.KEY_RESULT_DELETED)
    assert (deleted.subject_kind, deleted.subject_id, deleted.key_result_id) == ("key_result", kr_id, None)
    # The key result's earlier events stay with the objective, their key result and check-in emptied.
    created.refresh_from_db()
    assert (created.objective_id, created.key_result_id, created.checkin_id) == (scene.sales.pk, None, None)
    assert created.payload["key_result_title"] == "Win 40 accounts"


def test_an_api_key_or_the_system_is_no_actor(scene, api_key, api):
    secret = api_key(scene.team.company, "write")
    response = api(key=secret).patch(
        f"/api/v1/companies/{scene.team.company.slug}/objectives/{scene.sales.pk}/", {"title": "Renamed by the CRM"}
    )
    assert response.status_code == 200, response.content
    event = Event.objects.get(verb=Verb.OBJECTIVE_UPDATED)
    assert event.actor_id is None


def test_a_call_that_rolls_back_leaves_no_event(scene):
    class Abandon(Exception):
        pass

    written: list[int] = []

    @transaction.atomic
    def abandoned() -> None:
        _update(scene, title="Never saved")
        okr.checkin_create(
            company=scene.team.company, actor=scene.actor(), key_result=scene.kr, value=5, confidence="on_track"
        )
        written.append(Event.objects.count())  # written in the transaction...
        raise Abandon

    with pytest.raises(Abandon):
        abandoned()
    assert written == [2]
    assert not Event.objects.exists()  # ...and gone with it


def test_a_refused_call_writes_no_event(scene):
    with refused("parent"):
        _update(scene, parent=scene.sales)  # its own parent
    with refused("status", code="invalid_transition"):
        _status(scene, scene.draft, ObjectiveStatus.CLOSED)
    assert not Event.objects.exists()


def test_deleting_an_objective_takes_its_events_and_records_none(scene):
    _update(scene, objective=scene.draft, title="Open two partner channels")
    okr.checkin_create(
        company=scene.team.company, actor=scene.actor(), key_result=scene.kr, value=5, confidence="on_track"
    )
    Dependency.objects.all().delete()
    okr.objective_delete(company=scene.team.company, actor=scene.actor(), objective=scene.draft)
    assert list(Event.objects.values_list("verb", "objective_id")) == [(Verb.CHECKIN_CREATED, scene.sales.pk)]
    assert CheckIn.objects.count() == 1


def test_the_demo_company_has_its_story_in_events(db):
    """The demo loader and the import go through the services, so their objects have their events."""
    from onboarding.demo import load_demo

    demo = load_demo(slug="demo-events")
    verbs = set(Event.objects.filter(company=demo.company).values_list("verb", flat=True))
    assert {Verb.CYCLE_ACTIVATED, Verb.OBJECTIVE_CREATED, Verb.KEY_RESULT_CREATED, Verb.CHECKIN_CREATED} <= verbs
    assert (
        Event.objects.filter(company=demo.company, verb=Verb.CHECKIN_CREATED).count()
        == CheckIn.objects.filter(company=demo.company).count()
    )
    # The story is dated as it happened, not as it was loaded: each check-in's event at its check-in's
    # moment, the objectives and key results at their cycle's start (the quarter's, and the year's for the
    # annual objective it ladders up to), so "this week" is only this week.
    for event in Event.objects.filter(company=demo.company, verb=Verb.CHECKIN_CREATED).select_related("checkin"):
        assert event.created_at == event.checkin.created_at
    created = Event.objects.filter(
        company=demo.company, verb__in=[Verb.OBJECTIVE_CREATED, Verb.CYCLE_ACTIVATED]
    ).select_related("cycle")
    assert len(created) == 2 + 5  # two cycles (the year, the quarter), five objectives
    for event in created:
        assert event.created_at.astimezone(demo.company.tzinfo).date() == event.cycle.start_date, event.verb
