"""Carry-over over the API: POST ``cycles/<id>/carry-over/``, per-item errors, permissions and tenancy."""

import pytest

from objectives import services as okr
from objectives.models import KeyResult, Objective, Verb
from tests.factories import KeyResultFactory
from tests.helpers import db_state


@pytest.fixture
def closed(world, frozen_clock):
    """The world's 2026 Q4 closed ("Close new business": the lead's, its key result at 10 of 100, so 10%)."""
    okr.cycle_close(company=world.team.company, actor=world.team.actor(world.team.admin), cycle=world.team.cycle)
    return world


def url(world, cycle=None, slug=None) -> str:
    return f"/api/v1/companies/{slug or world.slug}/cycles/{(cycle or world.team.cycle).pk}/carry-over/"


def body(world, **item):
    return {"cycle": world.planning_cycle.pk, "items": [{"objective": world.sales_objective.pk, **item}]}


def test_carries_an_objective_with_its_key_result(closed, as_role):
    response = as_role(closed, "lead").post(url(closed), body(closed, key_results=[closed.kr.pk]), format="json")
    assert response.status_code == 201, response.content
    [result] = response.json()["results"]
    assert result["carried_from"] == closed.sales_objective.pk
    copy = Objective.objects.get(pk=result["objective"]["id"])
    assert (copy.cycle_id, copy.status, copy.carried_from_id) == (
        closed.planning_cycle.pk,
        "draft",
        closed.sales_objective.pk,
    )
    assert result["objective"]["carried_from"] == closed.sales_objective.pk
    [kr_id] = result["key_results"]
    kr = KeyResult.objects.get(pk=kr_id)
    assert (kr.start_value, kr.target_value, kr.carried_from_id) == (
        closed.kr.current_value,
        closed.kr.target_value,
        closed.kr.pk,
    )
    # The copy's key result reads its origin over the API.
    read = as_role(closed, "viewer").get(f"/api/v1/companies/{closed.slug}/key-results/{kr_id}/")
    assert read.json()["carried_from"] == closed.kr.pk
    events = as_role(closed, "admin").get(f"/api/v1/companies/{closed.slug}/events/").json()["results"]
    assert Verb.OBJECTIVE_CARRIED_OVER in {event["verb"] for event in events}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 201),
        ("lead", 201),  # the owner, and the department's lead
        ("write_key", 201),
        ("leader", 403),
        ("member", 403),  # a member of Sales who does not own it
        ("viewer", 403),
        ("read_key", 403),
    ],
)
def test_who_carries_follows_the_matrix(closed, as_role, role, status):
    before = db_state()
    response = as_role(closed, role).post(url(closed), body(closed), format="json")
    assert response.status_code == status, response.content
    if status != 201:
        assert db_state() == before


def test_per_item_errors_name_the_item_and_nothing_is_saved(closed, as_role):
    finished = KeyResultFactory(
        company=closed.team.company, objective=closed.sales_objective, title="Done 0 to 5", target_value=5
    )
    KeyResult.objects.filter(pk=finished.pk).update(final_score=1)
    payload = {
        "cycle": closed.planning_cycle.pk,
        "items": [
            {"objective": closed.sales_objective.pk, "key_results": [finished.pk]},
            {"objective": closed.draft.pk},  # a draft never ran
            {"objective": closed.sales_objective.pk},
        ],
    }
    before = db_state()
    response = as_role(closed, "admin").post(url(closed), payload, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert {(e["field"], e["code"]) for e in response.json()["errors"]} == {
        ("items[0].key_results", "finished"),
        ("items[1].objective", "not_run"),
        ("items[2].objective", "duplicate"),
    }
    assert db_state() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (lambda w: {"items": [{"objective": w.sales_objective.pk}]}, "cycle"),
        (lambda w: {"cycle": 0, "items": [{"objective": w.sales_objective.pk}]}, "cycle"),
        (lambda w: {"cycle": 999999, "items": [{"objective": w.sales_objective.pk}]}, "cycle"),
        (lambda w: {"cycle": w.team.cycle.pk, "items": [{"objective": w.sales_objective.pk}]}, "cycle"),  # closed
        (lambda w: {"cycle": w.planning_cycle.pk, "items": []}, "items"),
        (lambda w: {"cycle": w.planning_cycle.pk, "items": [{"objective": 999999}]}, "items[0].objective"),
        (lambda w: {"cycle": w.planning_cycle.pk, "items": [{"objective": "x"}]}, "items[0].objective"),
        (
            lambda w: {
                "cycle": w.planning_cycle.pk,
                "items": [{"objective": w.sales_objective.pk, "key_results": [0]}],
            },
            "items[0].key_results",
        ),
    ],
)
def test_bad_input_answers_400_naming_the_field(closed, as_role, payload, field):
    before = db_state()
    response = as_role(closed, "admin").post(url(closed), payload(closed), format="json")
    assert response.status_code == 400, response.content
    assert any(e["field"].startswith(field) for e in response.json()["errors"]), response.json()
    assert db_state() == before


def test_twice_into_the_same_cycle_is_refused(closed, as_role):
    client = as_role(closed, "admin")
    assert client.post(url(closed), body(closed), format="json").status_code == 201
    response = client.post(url(closed), body(closed), format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("items[0].objective", "already_carried_over")
    ]


def test_an_open_cycle_refuses_naming_cycle(world, as_role):
    response = as_role(world, "admin").post(url(world), body(world), format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("cycle", "cycle_open")]


def test_a_private_objective_reads_as_missing(closed, as_role):
    Objective.objects.filter(pk=closed.company_objective.pk).update(private=True, final_score=0.2)
    payload = {"cycle": closed.planning_cycle.pk, "items": [{"objective": closed.company_objective.pk}]}
    before = db_state()
    response = as_role(closed, "write_key").post(url(closed), payload, format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("items[0].objective", "does_not_exist")]
    assert db_state() == before


def test_another_companys_cycle_and_objectives_answer_404_or_missing(closed, other_world, as_role):
    before = db_state()
    client = as_role(other_world, "admin")
    assert client.post(url(closed, slug=other_world.slug), body(closed), format="json").status_code == 404
    # Their own closed cycle, naming our objective: it reads as missing.
    okr.cycle_close(
        company=other_world.team.company,
        actor=other_world.team.actor(other_world.team.admin),
        cycle=other_world.team.cycle,
    )
    before = db_state()
    payload = {"cycle": other_world.planning_cycle.pk, "items": [{"objective": closed.sales_objective.pk}]}
    response = client.post(url(other_world), payload, format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("items[0].objective", "does_not_exist")]
    # Our planning cycle as their target: no such cycle for them.
    payload = {"cycle": closed.planning_cycle.pk, "items": [{"objective": other_world.sales_objective.pk}]}
    response = client.post(url(other_world), payload, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["cycle"]
    assert db_state() == before


def test_the_schema_documents_the_route_with_an_example(closed, as_role):
    schema = as_role(closed, "admin").get("/api/v1/schema/?format=json").json()
    [path] = [p for p in schema["paths"] if p.endswith("/cycles/{id}/carry-over/")]
    examples = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert any("items" in example["value"] for example in examples.values())
