"""Retrospectives over the API: GET and PUT ``objectives/<id>/retrospective/``, refusals and their fields."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from objectives import services as okr
from objectives.models import Objective, Retrospective
from tests.factories import KeyResultFactory
from tests.helpers import db_state

NOTE = {"went_well": "Two partners signed", "learned": "Germany needs a case study", "change": ""}


@pytest.fixture
def closed(world, frozen_clock):
    """The world's cycle closed (Sales' "Close new business" is the lead's; the company objective the leader's)."""
    okr.cycle_close(company=world.team.company, actor=world.team.actor(world.team.admin), cycle=world.team.cycle)
    return world


def url(world, objective=None, slug=None) -> str:
    objective = objective or world.sales_objective
    return f"/api/v1/companies/{slug or world.slug}/objectives/{objective.pk}/retrospective/"


def test_read_empty_then_written(closed, as_role):
    client = as_role(closed, "lead")
    empty = client.get(url(closed))
    assert empty.status_code == 200, empty.content
    assert empty.json() == {
        "objective": closed.sales_objective.pk,
        "went_well": "",
        "learned": "",
        "change": "",
        "written": False,
        "updated_at": None,
        "updated_by": None,
        "can_write": True,
    }
    response = client.put(url(closed), NOTE, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert {key: body[key] for key in NOTE} == NOTE
    assert body["written"] is True
    assert body["updated_by"] == closed.team.lead.pk
    assert body["updated_at"] == "2026-11-15T12:00:00Z"
    # A viewer reads it, and may not write it.
    seen = as_role(closed, "viewer").get(url(closed)).json()
    assert (seen["went_well"], seen["can_write"]) == ("Two partners signed", False)


def test_a_put_replaces_every_part(closed, as_role):
    client = as_role(closed, "admin")
    client.put(url(closed), NOTE, format="json")
    response = client.put(url(closed), {"change": "Start in week 1"}, format="json")
    assert response.status_code == 200, response.content
    assert [response.json()[k] for k in ("went_well", "learned", "change")] == ["", "", "Start in week 1"]
    assert Retrospective.objects.filter(company=closed.team.company).count() == 1


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("lead", 200),  # the owner and the department's lead
        ("leader", 403),
        ("member", 403),  # a member of Sales who does not own it
        ("viewer", 403),
        ("read_key", 403),
        ("write_key", 403),  # a retrospective is people's words: never a key
    ],
)
def test_who_writes_follows_the_matrix(closed, as_role, role, status):
    before = db_state()
    response = as_role(closed, role).put(url(closed), NOTE, format="json")
    assert response.status_code == status, response.content
    if status != 200:
        assert response["Content-Type"].startswith("application/problem+json")
        assert db_state() == before


def test_a_leader_writes_a_company_level_objectives(closed, as_role):
    response = as_role(closed, "leader").put(url(closed, closed.company_objective), NOTE, format="json")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "went_well", "blank"),
        ({"went_well": " ", "learned": "", "change": ""}, "went_well", "blank"),
        ({"went_well": "ok", "learned": "x" * 2001}, "learned", "max_length"),
        ({"went_well": "ok", "change": "bell \u0007"}, "change", "control_characters"),
        ({"went_well": None}, "went_well", None),
        ({"learned": ["a list"]}, "learned", None),
    ],
)
def test_bad_input_answers_400_naming_the_field(closed, as_role, body, field, code):
    before = db_state()
    response = as_role(closed, "lead").put(url(closed), body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    errors = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert field in {f for f, _ in errors}
    if code is not None:
        assert (field, code) in errors
    assert db_state() == before


def test_an_open_cycle_refuses_naming_cycle(world, as_role):
    before = db_state()
    response = as_role(world, "admin").put(url(world), NOTE, format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("cycle", "cycle_open")]
    assert as_role(world, "admin").get(url(world)).json()["can_write"] is False
    assert db_state() == before


def test_written_after_grading_ended(closed, as_role, frozen_clock):
    frozen_clock.shift(datetime.timedelta(days=8))
    cycle = closed.team.cycle
    cycle.refresh_from_db()
    okr.cycle_grading_end(company=closed.team.company, cycle=cycle)
    response = as_role(closed, "lead").put(url(closed), NOTE, format="json")
    assert response.status_code == 200, response.content


def test_a_private_objectives_retrospective_is_as_private(closed, as_role):
    Objective.objects.filter(pk=closed.company_objective.pk).update(private=True)
    okr.objective_retrospective_write(
        company=closed.team.company,
        actor=closed.team.actor(closed.team.admin),
        objective=closed.company_objective,
        went_well="Hidden words",
    )
    before = db_state()
    for role in ("member", "viewer", "read_key", "write_key"):
        client = as_role(closed, role)
        response = client.get(url(closed, closed.company_objective))
        assert response.status_code == 404, role
        assert "Hidden words" not in response.content.decode()
        assert client.put(url(closed, closed.company_objective), NOTE, format="json").status_code == 404, role
    assert db_state() == before
    assert as_role(closed, "leader").get(url(closed, closed.company_objective)).json()["went_well"] == "Hidden words"


def test_another_companys_objective_answers_404(closed, other_world, as_role):
    client = as_role(other_world, "admin")
    before = db_state()
    assert client.get(url(closed, slug=other_world.slug)).status_code == 404
    assert client.put(url(closed, slug=other_world.slug), NOTE, format="json").status_code == 404
    assert db_state() == before


def test_the_schema_documents_the_route_with_an_example(closed, as_role):
    schema = as_role(closed, "admin").get("/api/v1/schema/?format=json").json()
    [path] = [p for p in schema["paths"] if p.endswith("/objectives/{id}/retrospective/")]
    operations = schema["paths"][path]
    assert set(operations) >= {"get", "put"}
    examples = operations["put"]["requestBody"]["content"]["application/json"]["examples"]
    assert any("went_well" in example["value"] for example in examples.values())


def test_query_counts_do_not_grow_with_the_objective(closed, as_role):
    client = as_role(closed, "lead")
    client.put(url(closed), NOTE, format="json")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(closed)).status_code == 200
        return len(queries)

    small = count()
    for i in range(10):
        KeyResultFactory(company=closed.team.company, objective=closed.sales_objective, title=f"KR {i} 0 to 9")
    assert count() == small


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_an_objective_that_never_ran_refuses_naming_objective(world, as_role, frozen_clock, status):
    """A draft left in the closed cycle, or an archived objective, has nothing to look back on."""
    Objective.objects.filter(pk=world.sales_objective.pk).update(status=status)
    okr.cycle_close(company=world.team.company, actor=world.team.actor(world.team.admin), cycle=world.team.cycle)
    Objective.objects.filter(pk=world.sales_objective.pk).update(status=status)  # archived stays archived anyway
    before = db_state()
    response = as_role(world, "admin").put(url(world), NOTE, format="json")
    assert response.status_code == 400, response.content
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("objective", "not_ran")]
    assert as_role(world, "admin").get(url(world)).json()["can_write"] is False
    assert db_state() == before
