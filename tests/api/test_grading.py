"""Grading over the API: a key result's grade (PATCH), a cycle's grading state (GET), refusals and their fields."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from objectives import services as okr
from objectives.models import KeyResult, Objective
from tests.factories import KeyResultFactory, ObjectiveFactory
from tests.helpers import db_state


@pytest.fixture
def closed(world, frozen_clock):
    """The world's cycle closed: the member's key result (checked in at 10 of 100) scored 0.1."""
    okr.cycle_close(company=world.team.company, actor=world.team.actor(world.team.admin), cycle=world.team.cycle)
    world.kr.refresh_from_db()
    return world


def base(world) -> str:
    return f"/api/v1/companies/{world.slug}"


def grade(client, world, body, kr=None):
    return client.patch(f"{base(world)}/key-results/{(kr or world.kr).pk}/grade/", body, format="json")


def test_the_owner_changes_the_score_with_a_reason(closed, as_role):
    assert closed.kr.final_score == pytest.approx(0.1)
    response = grade(as_role(closed, "member"), closed, {"score": 0.4, "reason": "Booked two late deals"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["key_result"]["final_score"] == 0.4
    assert body["key_result"]["score_reason"] == "Booked two late deals"
    assert body["key_result"]["not_scored"] is False
    assert body["objective_score"] == 0.4  # the objective's only key result
    assert Objective.objects.get(pk=closed.sales_objective.pk).final_score == 0.4


def test_marking_not_scored(closed, as_role):
    response = grade(as_role(closed, "lead"), closed, {"not_scored": True, "reason": "Target set on a wrong baseline"})
    assert response.status_code == 200, response.content
    assert response.json()["key_result"]["final_score"] is None
    assert response.json()["objective_score"] is None  # every key result not scored: the objective is not scored


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("lead", 200),
        ("member", 200),
        ("leader", 403),
        ("viewer", 403),
        ("extra", 403),
        ("read_key", 403),
        ("write_key", 403),
    ],
)
def test_who_grades_follows_the_matrix(closed, as_role, role, status):
    client = as_role(closed, role) if role != "extra" else _extra(closed, as_role)
    before = db_state()
    response = grade(client, closed, {"score": 0.5, "reason": "Checked"})
    assert response.status_code == status, response.content
    if status != 200:
        assert db_state() == before


def _extra(world, as_role):
    from rest_framework.test import APIClient

    client = APIClient()
    client.default_format = "json"
    client.force_login(world.extra.user)
    return client


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"score": 0.5, "reason": ""}, "reason", "required"),
        ({"score": 0.5}, "reason", "required"),
        ({"score": 1.5, "reason": "Overdone"}, "score", "out_of_range"),
        ({"score": -1, "reason": "Underdone"}, "score", "out_of_range"),
        ({"reason": "Forgot"}, "score", "required"),
        ({"score": "many", "reason": "Words"}, "score", "invalid"),
    ],
)
def test_bad_grades_answer_400_naming_the_field(closed, as_role, body, field, code):
    before = db_state()
    response = grade(as_role(closed, "member"), closed, body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in {error["field"] for error in response.json()["errors"]}
    if code != "invalid":
        assert (field, code) in {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert db_state() == before


def test_an_open_cycle_is_not_graded(world, as_role):
    response = grade(as_role(world, "admin"), world, {"score": 0.5, "reason": "Early"})
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("cycle", "cycle_open")]


def test_after_the_window_nobody_grades(closed, as_role, frozen_clock):
    frozen_clock.shift(datetime.timedelta(days=7, minutes=1))
    before = db_state()
    response = grade(as_role(closed, "admin"), closed, {"score": 0.9, "reason": "Late"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("cycle", "grading_ended")
    assert "Grading ended" in error["message"]
    assert db_state() == before


def test_another_companys_key_result_and_cycle_are_not_found(closed, other_world, as_role):
    client = as_role(other_world, "admin")
    other = f"/api/v1/companies/{other_world.slug}"
    before = db_state()
    response = client.patch(f"{other}/key-results/{closed.kr.pk}/grade/", {"score": 1, "reason": "x"}, format="json")
    assert response.status_code == 404
    assert client.get(f"{other}/cycles/{closed.team.cycle.pk}/grading/").status_code == 404
    assert db_state() == before


def test_the_grading_state_lists_what_the_caller_reads(closed, as_role):
    Objective.objects.filter(pk=closed.company_objective.pk).update(private=True)
    body = as_role(closed, "member").get(f"{base(closed)}/cycles/{closed.team.cycle.pk}/grading/").json()
    assert body["grading_open"] is True
    assert body["cycle"]["grading_ends_at"] is not None
    titles = {o["title"] for o in body["objectives"]}
    assert "Close new business" in titles
    assert "Grow revenue" not in titles  # private: the member may not read it
    [sales] = [o for o in body["objectives"] if o["title"] == "Close new business"]
    [kr] = sales["key_results"]
    assert kr["id"] == closed.kr.pk
    assert kr["can_grade"] is True
    assert kr["final_score"] == pytest.approx(0.1)
    viewer = as_role(closed, "viewer").get(f"{base(closed)}/cycles/{closed.team.cycle.pk}/grading/").json()
    assert all(not k["can_grade"] for o in viewer["objectives"] for k in o["key_results"])


def test_the_grading_state_of_an_open_cycle_is_empty(world, as_role):
    body = as_role(world, "admin").get(f"{base(world)}/cycles/{world.team.cycle.pk}/grading/").json()
    assert body["grading_open"] is False
    assert body["objectives"] == []


def test_the_grading_state_costs_the_same_queries_at_two_sizes(closed, as_role):
    client = as_role(closed, "admin")
    url = f"{base(closed)}/cycles/{closed.team.cycle.pk}/grading/"
    client.get(url)

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = measure()
    for i in range(6):
        objective = ObjectiveFactory(
            company=closed.team.company, cycle=closed.team.cycle, department=closed.team.department, status="closed"
        )
        for j in range(5):
            KeyResultFactory(company=closed.team.company, objective=objective, title=f"KR {i}.{j}", target_value=9)
    assert KeyResult.objects.filter(company=closed.team.company).count() > 30
    assert measure() == small


def test_the_schema_documents_grading_with_an_example(api, world):
    schema = api(world.team.admin).get("/api/v1/schema/", {"format": "json"}).json()
    patch = schema["paths"]["/api/v1/companies/{slug}/key-results/{id}/grade/"]["patch"]
    assert "grading window" in patch["description"]
    assert patch["requestBody"]["content"]["application/json"]["examples"]
    assert "/api/v1/companies/{slug}/cycles/{id}/grading/" in schema["paths"]
