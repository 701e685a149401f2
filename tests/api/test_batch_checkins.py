"""POST …/check-ins/batch/: many check-ins in one request, all or nothing, with per-item results and warnings."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from companies.models import IdempotencyRecord
from objectives.models import CheckIn, Event, KeyResult, Objective, ObjectiveStatus
from objectives.services import MAX_BATCH_ITEMS
from tests.api.test_query_counts import grow
from tests.factories import KeyResultFactory, ObjectiveFactory
from tests.helpers import db_state
from tests.objectives.test_weekly import build_week

BASE = "/api/v1/companies/acme"
URL = f"{BASE}/check-ins/batch/"


@pytest.fixture
def week(team):
    return build_week(team)


@pytest.fixture
def krs(week):
    return week[2]


def item(kr, value, confidence="on_track", **extra):
    return {"key_result": kr.pk, "value": str(value), "confidence": confidence, **extra}


def test_a_batch_answers_one_result_per_item_in_order(team, krs, api):
    leads, pipeline, _, site, _ = krs
    response = api(team.member).post(
        URL,
        {
            "items": [item(site, 1, note="Live."), item(leads, 620, "at_risk"), item(pipeline, 1_000_000)],
            "note": "Good week.",
        },
    )
    assert response.status_code == 201, response.content
    results = response.json()["results"]
    assert [r["key_result"] for r in results] == [site.pk, leads.pk, pipeline.pk]
    first = results[0]["check_in"]
    assert first["key_result"] == site.pk
    assert first["author"] == team.member.pk
    assert first["value"] == "1.0000"
    assert first["note"] == "Live.\n\nOverall note: Good week."
    assert results[1]["check_in"]["confidence"] == "at_risk"
    assert all(r["warnings"] == [] and r["check_in"]["warnings"] == [] for r in results)
    stored = CheckIn.objects.get(pk=results[1]["check_in"]["id"])
    assert (stored.key_result_id, stored.value) == (leads.pk, 620)
    leads.refresh_from_db()
    assert leads.current_value == 620


def test_values_that_look_wrong_are_saved_with_warnings(team, krs, api, api_key):
    leads = krs[0]  # 400 of 0 -> 1,000 leads
    for client, value in ((api(team.member), -4000), (api(key=api_key(team.company)), -9000)):
        response = client.post(URL, {"items": [item(leads, value)]})
        assert response.status_code == 201
        (result,) = response.json()["results"]
        codes = [w["code"] for w in result["warnings"]]
        assert codes == ["negative", "far_outside_range", "big_jump"]
        assert result["check_in"]["warnings"] == result["warnings"]
        assert all(w["field"] == "value" and w["message"] for w in result["warnings"])
    leads.refresh_from_db()
    assert leads.current_value == -9000


def test_the_single_check_in_answers_its_warnings_too(team, krs, api):
    leads = krs[0]
    response = api(team.member).post(
        f"{BASE}/key-results/{leads.pk}/check-ins/", {"value": "6200", "confidence": "on_track"}
    )
    assert response.status_code == 201
    assert [w["code"] for w in response.json()["warnings"]] == ["far_outside_range", "big_jump"]
    # Reads carry none: warnings are about a write.
    listed = api(team.member).get(f"{BASE}/key-results/{leads.pk}/check-ins/").json()["results"]
    assert all(row["warnings"] == [] for row in listed)


def test_one_idempotency_key_covers_the_whole_batch(team, krs, api, api_key):
    client = api(key=api_key(team.company))
    body = {"items": [item(krs[0], 700), item(krs[1], "900000.00")], "note": "Retry-safe."}
    first = client.post(URL, body, HTTP_IDEMPOTENCY_KEY="weekly-2026-11-25")
    count = CheckIn.objects.count()
    events = Event.objects.count()
    # The same batch, its numbers written differently: the first answer again, nothing stored twice.
    again = {"items": [item(krs[0], "700.0"), item(krs[1], 900_000)], "note": "Retry-safe."}
    replay = client.post(URL, again, HTTP_IDEMPOTENCY_KEY="weekly-2026-11-25")
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert (CheckIn.objects.count(), Event.objects.count()) == (count, events)
    before = db_state()
    other = client.post(URL, {"items": [item(krs[0], 710)]}, HTTP_IDEMPOTENCY_KEY="weekly-2026-11-25")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert db_state() == before


def test_a_refused_batch_stores_nothing_under_its_key_and_can_be_retried(team, krs, api):
    client = api(team.member)
    before = db_state()
    refused = client.post(URL, {"items": [item(krs[0], 700), item(krs[1], "lots")]}, HTTP_IDEMPOTENCY_KEY="k")
    assert refused.status_code == 400
    assert db_state() == before
    assert not IdempotencyRecord.objects.exists()
    fixed = client.post(URL, {"items": [item(krs[0], 700), item(krs[1], 900_000)]}, HTTP_IDEMPOTENCY_KEY="k")
    assert fixed.status_code == 201


def _foreign_kr(other_team):
    objective = ObjectiveFactory(company=other_team.company, cycle=other_team.cycle)
    return KeyResultFactory(company=other_team.company, objective=objective, owner=other_team.member)


def _items(*entries, **body):
    return {"items": list(entries), **body}


#: (case, body from (the member's key results, another company's), the field named, its code)
BAD = [
    ("value", lambda k, f: _items(item(k[0], 700), item(k[1], "lots")), "items[1].value", "invalid"),
    ("confidence", lambda k, f: _items(item(k[0], 700, "meh")), "items[0].confidence", "invalid_choice"),
    ("no key result", lambda k, f: _items({"value": "1", "confidence": "on_track"}), "items[0].key_result", "required"),
    (
        "missing key result",
        lambda k, f: _items(item(k[0], 700), {**item(k[0], 1), "key_result": 987654321}),
        "items[1].key_result",
        "does_not_exist",
    ),
    ("another company's", lambda k, f: _items(item(k[0], 700), item(f, 1)), "items[1].key_result", "does_not_exist"),
    (
        "twice",
        lambda k, f: _items(item(k[0], 700), item(k[2], 21), item(k[0], 710)),
        "items[2].key_result",
        "duplicate",
    ),
    ("empty", lambda k, f: _items(), "items", "empty"),
    ("no items", lambda k, f: {"note": "hello"}, "items", "required"),
    ("too many", lambda k, f: _items(*[item(k[0], 700)] * (MAX_BATCH_ITEMS + 1)), "items", "max_length"),
    ("long note", lambda k, f: _items(item(k[0], 700, note="x" * 2001)), "items[0].note", "max_length"),
    (
        "control characters",
        lambda k, f: _items(item(k[0], 700, note="a\x07b")),
        "items[0].note",
        "control_characters",
    ),
    ("long overall note", lambda k, f: _items(item(k[0], 700), note="y" * 1001), "note", "max_length"),
    (
        "notes too long together",
        lambda k, f: _items(item(k[0], 700, note="x" * 1500), note="y" * 600),
        "items[0].note",
        "max_length",
    ),
    ("milestone", lambda k, f: _items(item(k[0], 700), item(k[3], 5)), "items[1].value", "milestone"),
]


@pytest.mark.parametrize(("case", "body", "field", "code"), BAD, ids=[case[0] for case in BAD])
def test_bad_input_names_the_item_and_field_and_changes_nothing(team, other_team, krs, api, case, body, field, code):
    foreign = _foreign_kr(other_team)
    before = db_state()
    events = Event.objects.count()
    response = api(team.member).post(URL, body(krs, foreign))
    assert response.status_code == 400, response.content
    problem = response.json()
    assert (field, code) in {(e["field"], e["code"]) for e in problem["errors"]}, problem
    assert db_state() == before
    assert Event.objects.count() == events


def test_another_companys_key_result_reads_exactly_like_a_missing_one(team, other_team, krs, api):
    foreign = _foreign_kr(other_team)
    client = api(team.admin)
    theirs = client.post(URL, {"items": [item(foreign, 1)]}).json()["errors"]
    missing = client.post(URL, {"items": [{**item(foreign, 1), "key_result": 987654321}]}).json()["errors"]
    assert [(e["field"], e["code"]) for e in theirs] == [("items[0].key_result", "does_not_exist")]
    assert theirs[0]["message"].replace(str(foreign.pk), "N") == missing[0]["message"].replace("987654321", "N")


def test_a_private_key_result_the_caller_may_not_read_reads_as_missing(team, krs, api, api_key):
    hidden = ObjectiveFactory(company=team.company, cycle=team.cycle, private=True, owner=team.leader)
    secret = KeyResultFactory(company=team.company, objective=hidden, owner=team.member)
    clients = (api(team.member), api(key=api_key(team.company)))
    before = db_state()
    for client in clients:
        response = client.post(URL, {"items": [item(secret, 5)]})
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "does_not_exist"
    assert db_state() == before


def test_refusals_by_the_objects_state_name_the_item(team, week, krs, api):
    _, objectives, _ = week
    Objective.objects.filter(pk=objectives["brand"].pk).update(status=ObjectiveStatus.CLOSED)
    before = db_state()
    body = {"items": [item(krs[0], 700), item(krs[4], 1600), item(krs[1], 900_000, note="bell\x07")]}
    response = api(team.member).post(URL, body)
    assert response.status_code == 400
    errors = {(e["field"], e["code"]) for e in response.json()["errors"]}
    # Every refused item at once, each under its index: the service checks them all before giving up.
    assert errors == {("items[1].key_result", "objective_closed"), ("items[2].note", "control_characters")}
    assert db_state() == before


def test_a_key_result_the_caller_may_not_check_in_on_refuses_the_batch(team, week, krs, api):
    _, objectives, _ = week
    colleague = KeyResultFactory(company=team.company, objective=objectives["brand"], owner=team.lead)
    before = db_state()
    response = api(team.member).post(URL, {"items": [item(krs[0], 700), item(colleague, 5)]})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "items[1]" in response.json()["detail"]
    assert api(team.viewer).post(URL, {"items": [item(krs[0], 700)]}).status_code == 403
    assert db_state() == before


def test_the_batch_is_in_the_schema_with_examples(api, team):
    schema = api(team.admin).get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/companies/{slug}/check-ins/batch/"]["post"]
    request = operation["requestBody"]["content"]["application/json"]
    assert request["examples"]["AWeeklyUpdate"]["value"]["items"][0]["key_result"] == 12
    created = operation["responses"]["201"]["content"]["application/json"]
    assert "RecordedWithOneValueFlagged" in created["examples"]
    assert {p["name"] for p in operation["parameters"]} >= {"slug", "Idempotency-Key"}
    for status in ("400", "403", "404", "422"):
        assert status in operation["responses"]
    components = schema["components"]["schemas"]
    assert set(components["CheckIn"]["properties"]) >= {"warnings"}
    assert set(components["CheckInBatchResult"]["properties"]) == {"key_result", "check_in", "warnings"}


def test_the_batch_costs_the_same_queries_for_3_and_300_rows(team, api):
    """A batch of three, in a company of three rows of everything and of three hundred."""
    client = api(team.member)
    client.get("/api/v1/me/")

    def measure(round_: int) -> int:
        krs = list(KeyResult.objects.filter(company=team.company, owner=team.member).order_by("id")[:3])
        body = {"items": [item(kr, (kr.current_value or 0) + 1 + round_, "at_risk") for kr in krs], "note": "n"}
        with CaptureQueriesContext(connection) as captured:
            response = client.post(URL, body)
        assert response.status_code == 201, response.content
        return len(captured)

    grow(team, 3)
    small = measure(0)
    grow(team, 300)
    assert measure(1) == small
