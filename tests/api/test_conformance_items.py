"""Issue 13's API items: strict query parameters, 404s, OPTIONS, schema truthfulness,
strong ETags, milestone targets, check-in moments, idempotency per sender."""

import datetime

import pytest
from django.utils import timezone

from companies.models import IdempotencyRecord
from objectives.models import CheckIn, KeyResult
from tests.api.test_auth_and_errors import assert_problem
from tests.factories import KeyResultFactory, ObjectiveFactory
from tests.helpers import db_state

BASE = "/api/v1/companies/acme"


@pytest.fixture
def kr(team):
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, owner=team.member)
    return KeyResultFactory(company=team.company, objective=objective, owner=team.member)


# ---------------------------------------------------------------- item 5: check-in moments


def _check_in(client, kr, recorded_at):
    return client.post(
        f"{BASE}/key-results/{kr.pk}/check-ins/", {"value": "5", "confidence": "on_track", "recorded_at": recorded_at}
    )


def test_a_check_in_before_the_cycle_starts_is_refused(team, kr, api):
    before = db_state()
    body = assert_problem(_check_in(api(team.member), kr, "2001-01-01T00:00:00Z"), 400, "validation_error")
    assert body["errors"][0]["field"] == "recorded_at"
    assert body["errors"][0]["code"] == "before_cycle"
    assert "2026-10-01" in body["errors"][0]["message"]
    assert db_state() == before


def test_a_check_in_in_the_future_is_refused(team, kr, api):
    moment = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    body = assert_problem(_check_in(api(team.member), kr, moment), 400)
    assert (body["errors"][0]["field"], body["errors"][0]["code"]) == ("recorded_at", "future")


def test_a_naive_moment_is_read_in_the_company_time_zone(team, kr, api):
    team.company.timezone = "Europe/Berlin"
    team.company.save(update_fields=["timezone"])
    # The cycle starts on 1 October in Berlin, 22:00 UTC on 30 September.
    assert _check_in(api(team.member), kr, "2026-10-01T00:30:00").status_code == 201
    checkin = CheckIn.objects.get(key_result=kr)
    assert checkin.created_at == datetime.datetime(2026, 9, 30, 22, 30, tzinfo=datetime.UTC)
    # 21:00 UTC is 23:00 in Berlin on 30 September: before the cycle.
    refused = _check_in(api(team.member), kr, "2026-09-30T21:00:00Z")
    assert assert_problem(refused, 400)["errors"][0]["code"] == "before_cycle"


def test_a_naive_moment_in_a_dst_gap_is_refused(team, kr, api):
    team.company.timezone = "Europe/Berlin"
    team.company.save(update_fields=["timezone"])
    # Berlin's clocks skip 02:00-03:00 on 29 March 2026; move the cycle's start before it.
    kr.objective.cycle.start_date = datetime.date(2026, 3, 1)
    kr.objective.cycle.save(update_fields=["start_date"])
    body = assert_problem(_check_in(api(team.member), kr, "2026-03-29T02:30:00"), 400)
    assert (body["errors"][0]["field"], body["errors"][0]["code"]) == ("recorded_at", "nonexistent_time")
    assert "Europe/Berlin" in body["errors"][0]["message"]


# ---------------------------------------------------------------- item 6: idempotency per sender


def test_idempotency_keys_are_scoped_to_the_sender(team, kr, api, api_key):
    url = f"{BASE}/key-results/{kr.pk}/check-ins/"
    first = api(team.member).post(url, {"value": "1", "confidence": "on_track"}, HTTP_IDEMPOTENCY_KEY="crm-42")
    integration = api(key=api_key(team.company)).post(
        url, {"value": "2", "confidence": "at_risk"}, HTTP_IDEMPOTENCY_KEY="crm-42"
    )
    assert first.status_code == 201
    assert integration.status_code == 201, integration.content
    assert integration.json()["id"] != first.json()["id"]
    assert IdempotencyRecord.objects.filter(company=team.company, key="crm-42").count() == 2


def test_bodies_are_compared_by_meaning(team, kr, api, api_key):
    client = api(key=api_key(team.company))
    url = f"{BASE}/key-results/{kr.pk}/check-ins/"
    first = client.post(url, {"value": "2000000", "confidence": "on_track"}, HTTP_IDEMPOTENCY_KEY="k")
    again = client.post(url, {"confidence": "on_track", "value": "2000000.0000"}, HTTP_IDEMPOTENCY_KEY="k")
    assert again.status_code == 201, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert CheckIn.objects.filter(key_result=kr).count() == 1


def test_a_replay_returns_the_original_headers(team, kr, api, api_key):
    client = api(key=api_key(team.company))
    url = f"{BASE}/key-results/{kr.pk}/check-ins/"
    first = client.post(url, {"value": "3", "confidence": "on_track"}, HTTP_IDEMPOTENCY_KEY="h")
    again = client.post(url, {"value": "3", "confidence": "on_track"}, HTTP_IDEMPOTENCY_KEY="h")
    assert first["ETag"]
    assert again["ETag"] == first["ETag"]
    assert again["Content-Type"] == first["Content-Type"]


# ---------------------------------------------------------------- item 12: a failing Authorization header


@pytest.mark.parametrize("header", ["Bearer nonsense", "Api-Key nonsense", "Basic YTpi", "Api-Key"])
def test_a_failing_authorization_header_is_401_even_with_a_session(team, api, header):
    client = api(team.admin)
    response = client.get(f"{BASE}/objectives/", HTTP_AUTHORIZATION=header)
    assert_problem(response, 401)


# ---------------------------------------------------------------- item 21: OPTIONS


def test_options_on_import_describes_the_input(team, api):
    response = api(team.admin).options(f"{BASE}/import/")
    assert response.status_code == 200, response.content
    fields = response.json()["actions"]["POST"]
    assert fields["csv"]["read_only"] is False
    assert fields["dry_run"]["read_only"] is False


# ---------------------------------------------------------------- item 22: every 404 is problem+json


@pytest.mark.parametrize(
    "path",
    [
        f"{BASE}/objectives/%0A/",
        f"{BASE}/objectives/1%0A2/",
        f"{BASE}/objectives/abc/",
        f"{BASE}/objectives/99999999999999999999999/",
        "/api/v1x",
        "/api/v2/anything",
        "/api/",
    ],
)
def test_every_404_under_api_is_problem_json(team, api, path):
    assert_problem(api(team.admin).get(path), 404, "not_found")


# ---------------------------------------------------------------- item 23: schema and OPTIONS tell the truth


@pytest.fixture
def schema(client):
    return client.get("/api/v1/schema/?format=json").json()


def _patch_fields(schema, path):
    ref = schema["paths"][path]["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return set(schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"])


def test_patch_schemas_offer_only_changeable_fields(schema):
    assert "status" not in _patch_fields(schema, "/api/v1/companies/{slug}/cycles/{id}/")
    assert not {"cycle", "status"} & _patch_fields(schema, "/api/v1/companies/{slug}/objectives/{id}/")
    assert not {"objective", "current_value"} & _patch_fields(schema, "/api/v1/companies/{slug}/key-results/{id}/")


def test_idempotency_key_limits_are_in_the_schema(schema):
    post = schema["paths"]["/api/v1/companies/{slug}/cycles/"]["post"]
    (header,) = [p for p in post["parameters"] if p["name"] == "Idempotency-Key"]
    assert (header["schema"]["minLength"], header["schema"]["maxLength"]) == (1, 255)


def test_no_internal_docstring_is_published(schema):
    descriptions = [
        operation.get("description", "") for item in schema["paths"].values() for operation in item.values()
    ]
    assert not [d for d in descriptions if "self.list" in d or "resolved once" in d or "Subclasses" in d]
    assert "self.list" not in schema["paths"]["/api/v1/companies/{slug}/key-results/"]["post"].get("description", "")


def test_options_marks_writable_fields_writable(team, api):
    actions = api(team.admin).options(f"{BASE}/cycles/").json()["actions"]
    assert actions["POST"]["name"]["read_only"] is False
    assert "id" not in actions["POST"]


# ---------------------------------------------------------------- item 24: strict query parameters


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"ordering": "password"}, "ordering"),
        ({"ordering": "title,-nope"}, "ordering"),
        ({"page": "2"}, "page"),
        ({"page_size": "201"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_bad_query_parameters_are_400_naming_them(team, api, query, field):
    body = assert_problem(api(team.viewer).get(f"{BASE}/objectives/", query), 400, "validation_error")
    assert [e["field"] for e in body["errors"]] == [field]


def test_a_repeated_single_valued_parameter_is_400(team, api):
    body = assert_problem(api(team.viewer).get(f"{BASE}/objectives/?cycle=1&cycle=2"), 400)
    assert [e["field"] for e in body["errors"]] == ["cycle"]
    # Multiple-choice filters take repeats.
    assert api(team.viewer).get(f"{BASE}/objectives/?status=draft&status=active").status_code == 200


def test_known_query_parameters_still_work(team, api):
    client = api(team.viewer)
    assert client.get(f"{BASE}/objectives/", {"ordering": "-title,id", "page_size": "200"}).status_code == 200
    assert client.get(f"{BASE}/key-results/", {"confidence": "on_track", "behind_pace": "true"}).status_code == 200


def test_a_query_parameter_on_an_endpoint_that_takes_none_is_400(team, api):
    body = assert_problem(api(team.admin).get(f"{BASE}/export/", {"x": "1"}), 400)
    assert [e["field"] for e in body["errors"]] == ["x"]


# ---------------------------------------------------------------- item 25: milestones


def test_a_milestone_target_other_than_1_is_refused(team, api, kr):
    client = api(team.lead)
    before = db_state()
    response = client.post(
        f"{BASE}/key-results/",
        {"objective": kr.objective_id, "title": "French site live", "kind": "milestone", "target_value": "5"},
    )
    body = assert_problem(response, 400)
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("target_value", "milestone")]
    assert db_state() == before
    created = client.post(
        f"{BASE}/key-results/", {"objective": kr.objective_id, "title": "French site live", "kind": "milestone"}
    )
    assert created.status_code == 201
    assert created.json()["target_value"] == "1.0000"
    milestone = KeyResult.objects.get(pk=created.json()["id"])
    refused = client.patch(f"{BASE}/key-results/{milestone.pk}/", {"target_value": "3"})
    assert assert_problem(refused, 400)["errors"][0]["field"] == "target_value"


# ---------------------------------------------------------------- item 26: strong If-Match


def test_a_weak_etag_does_not_satisfy_if_match(team, api):
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle)
    client = api(team.leader)
    url = f"{BASE}/objectives/{objective.pk}/"
    etag = client.get(url)["ETag"]
    before = db_state()
    assert_problem(client.patch(url, {"title": "Weakly matched"}, HTTP_IF_MATCH=f"W/{etag}"), 412)
    assert db_state() == before
    # If-None-Match keeps the weak comparison (RFC 9110 13.1.2).
    assert client.get(url, HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
    assert client.patch(url, {"title": "Strongly matched"}, HTTP_IF_MATCH=etag).status_code == 200


@pytest.mark.parametrize("body", ["null", "[]", "7"])
def test_a_patch_body_that_is_not_an_object_is_400(team, api, kr, body):
    """Found by schemathesis' coverage phase: a null body made the read-only check fail with a 500."""
    url = f"{BASE}/key-results/{kr.pk}/"
    response = api(team.lead).patch(url, body, content_type="application/json")
    assert_problem(response, 400, "validation_error")


def test_the_schema_states_which_orderings_are_accepted(schema):
    (ordering,) = [
        p
        for p in schema["paths"]["/api/v1/companies/{slug}/objectives/"]["get"]["parameters"]
        if p["name"] == "ordering"
    ]
    assert ordering["schema"]["pattern"] == (
        "^-?(id|created_at|updated_at|title)(,-?(id|created_at|updated_at|title))*$"
    )
