"""Corrections and undo over the API: the new entries, the history with its links, the refusals."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from objectives.models import UNDO_WINDOW, CheckIn, KeyResult, Objective
from tests.helpers import db_state


def base(world) -> str:
    return f"/api/v1/companies/{world.slug}"


def history(client, world, query: str = "") -> list[dict]:
    response = client.get(f"{base(world)}/key-results/{world.kr.pk}/check-ins/{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_correction_is_a_new_entry_and_the_history_shows_both(world, as_role):
    client = as_role(world, "member")
    original = world.checkin
    response = client.post(
        f"{base(world)}/check-ins/{original.pk}/correction/",
        {"value": "12.5", "confidence": "at_risk", "note": "recounted"},
        format="json",
    )
    assert response.status_code == 201, response.content
    entry = response.json()
    assert entry["corrects"] == original.pk
    assert entry["corrected_by"] is None
    assert entry["retracted"] is False
    assert entry["effective"] is True
    assert Decimal(entry["value"]) == Decimal("12.5")
    assert entry["created_at"] == original.created_at.isoformat().replace("+00:00", "Z")
    assert entry["entered_at"] >= entry["created_at"]
    assert entry["author"] == world.team.member.pk
    assert response["ETag"]

    rows = {row["id"]: row for row in history(client, world)}
    assert rows[original.pk]["corrected_by"] == entry["id"]
    assert rows[original.pk]["effective"] is False
    assert rows[entry["id"]]["corrects"] == original.pk
    assert [row["id"] for row in history(client, world, "?effective=true")] == [entry["id"]]
    assert [row["id"] for row in history(client, world, "?effective=false")] == [original.pk]
    kr = client.get(f"{base(world)}/key-results/{world.kr.pk}/").json()
    assert (kr["current_value"], kr["confidence"], kr["progress"]) == ("12.5000", "at_risk", 0.125)


def test_a_corrected_entry_is_corrected_once(world, as_role):
    client = as_role(world, "admin")
    path = f"{base(world)}/check-ins/{world.checkin.pk}/correction/"
    assert client.post(path, {"value": "11", "confidence": "on_track"}, format="json").status_code == 201
    before = db_state()
    again = client.post(path, {"value": "12", "confidence": "on_track"}, format="json")
    assert again.status_code == 400
    assert [(e["field"], e["code"]) for e in again.json()["errors"]] == [("checkin", "already_corrected")]
    assert db_state() == before


def test_correction_is_idempotent_with_a_key(world, as_role):
    client = as_role(world, "write_key")
    path = f"{base(world)}/check-ins/{world.checkin.pk}/correction/"
    body = {"value": "11", "confidence": "on_track"}
    first = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="fix-1")
    replay = client.post(
        path, {"value": "11.000", "confidence": "on_track"}, format="json", HTTP_IDEMPOTENCY_KEY="fix-1"
    )
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert CheckIn.objects.filter(corrects=world.checkin).count() == 1


def test_undo_by_its_author(world, as_role):
    client = as_role(world, "member")
    response = client.post(f"{base(world)}/check-ins/{world.checkin.pk}/undo/")
    assert response.status_code == 201, response.content
    entry = response.json()
    assert (entry["corrects"], entry["retracted"], entry["effective"]) == (world.checkin.pk, True, False)
    assert history(client, world, "?effective=true") == []
    # The key result goes back to the value it was created with.
    assert KeyResult.objects.get(pk=world.kr.pk).current_value == Decimal(10)
    assert KeyResult.objects.get(pk=world.kr.pk).last_checkin_at is None


def test_undo_by_anyone_else_is_forbidden_and_changes_nothing(world, as_role):
    before = db_state()
    for role in ("admin", "lead", "write_key", "viewer"):
        response = as_role(world, role).post(f"{base(world)}/check-ins/{world.checkin.pk}/undo/")
        assert response.status_code == 403, (role, response.content)
    assert db_state() == before


def test_undo_after_ten_minutes_names_the_reason(world, as_role):
    client = as_role(world, "member")
    before = db_state()
    with time_machine.travel(world.checkin.entered_at + UNDO_WINDOW + datetime.timedelta(seconds=1), tick=False):
        response = client.post(f"{base(world)}/check-ins/{world.checkin.pk}/undo/")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("checkin", "undo_expired")]
    assert db_state() == before


def test_closed_objectives_take_no_corrections(world, as_role):
    Objective.objects.filter(pk=world.sales_objective.pk).update(status="closed")
    before = db_state()
    response = as_role(world, "admin").post(
        f"{base(world)}/check-ins/{world.checkin.pk}/correction/",
        {"value": "1", "confidence": "on_track"},
        format="json",
    )
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("key_result", "objective_closed")]
    assert db_state() == before


def test_check_ins_of_a_private_objective_are_not_found_by_those_who_may_not_read_it(world, as_role):
    Objective.objects.filter(pk=world.sales_objective.pk).update(private=True, department=None)
    before = db_state()
    # The member owns the key result and wrote the check-in, but may not read the objective (the lead owns it).
    for role in ("member", "viewer", "read_key", "write_key"):
        client = as_role(world, role)
        for path in ("correction/", "undo/"):
            response = client.post(
                f"{base(world)}/check-ins/{world.checkin.pk}/{path}",
                {"value": "1", "confidence": "on_track"},
                format="json",
            )
            assert response.status_code == 404, (role, path, response.content)
            assert response.json()["detail"] == "No such check-in."
    assert db_state() == before


@pytest.mark.parametrize("path", ["correction/", "undo/"])
def test_a_missing_check_in_is_not_found(world, as_role, path):
    response = as_role(world, "admin").post(f"{base(world)}/check-ins/987654321/{path}", {}, format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == "No such check-in."


def test_the_schema_documents_both_endpoints_with_examples(api, team):
    schema = api(team.admin).get("/api/v1/schema/", {"format": "json"}).json()
    correction = schema["paths"]["/api/v1/companies/{slug}/check-ins/{id}/correction/"]["post"]
    assert "CorrectAMistypedValue" in correction["requestBody"]["content"]["application/json"]["examples"]
    assert "Recorded" in correction["responses"]["201"]["content"]["application/json"]["examples"]
    assert {"400", "403", "404"} <= correction["responses"].keys()
    undo = schema["paths"]["/api/v1/companies/{slug}/check-ins/{id}/undo/"]["post"]
    assert "Undone" in undo["responses"]["201"]["content"]["application/json"]["examples"]
    fields = schema["components"]["schemas"]["CheckIn"]["properties"]
    assert {"corrects", "corrected_by", "retracted", "entered_at", "effective"} <= fields.keys()
