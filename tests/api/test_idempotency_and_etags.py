"""Idempotent creation and optimistic concurrency (ETag / If-Match)."""

import pytest

from companies.models import IdempotencyRecord
from objectives.models import CheckIn, Objective
from tests.concurrency import run_concurrently
from tests.factories import KeyResultFactory, ObjectiveFactory
from tests.helpers import db_state

BASE = "/api/v1/companies/acme"


@pytest.fixture
def kr(team):
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, owner=team.member)
    return KeyResultFactory(company=team.company, objective=objective, owner=team.member)


def test_a_check_in_retried_five_times_is_stored_once(team, kr, api, api_key):
    client = api(key=api_key(team.company))
    url = f"{BASE}/key-results/{kr.pk}/check-ins/"
    body = {"value": "40", "confidence": "on_track", "note": "weekly"}
    responses = [client.post(url, body, HTTP_IDEMPOTENCY_KEY="checkin-2026-11-25-kr") for _ in range(5)]
    assert [r.status_code for r in responses] == [201] * 5
    assert all(r.json() == responses[0].json() for r in responses)
    assert "Idempotent-Replayed" not in responses[0]
    assert responses[4]["Idempotent-Replayed"] == "true"
    assert CheckIn.objects.filter(company=team.company, key_result=kr).count() == 1
    # Without the header, a POST is a new check-in each time.
    client.post(url, body)
    assert CheckIn.objects.filter(company=team.company, key_result=kr).count() == 2


def test_the_same_key_with_another_body_is_refused(team, kr, api, api_key):
    client = api(key=api_key(team.company))
    url = f"{BASE}/key-results/{kr.pk}/check-ins/"
    client.post(url, {"value": "40", "confidence": "on_track"}, HTTP_IDEMPOTENCY_KEY="k1")
    before = db_state()
    response = client.post(url, {"value": "41", "confidence": "on_track"}, HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert db_state() == before


def test_a_failed_request_stores_nothing_and_can_be_retried(team, kr, api, api_key):
    client = api(key=api_key(team.company))
    url = f"{BASE}/key-results/{kr.pk}/check-ins/"
    before = db_state()
    assert client.post(url, {"value": "x", "confidence": "on_track"}, HTTP_IDEMPOTENCY_KEY="k2").status_code == 400
    assert db_state() == before
    assert client.post(url, {"value": "5", "confidence": "on_track"}, HTTP_IDEMPOTENCY_KEY="k2").status_code == 201


def test_idempotency_keys_are_per_company(team, other_team, api, api_key):
    other_kr = KeyResultFactory(
        company=other_team.company, objective=ObjectiveFactory(company=other_team.company, cycle=other_team.cycle)
    )
    ours = api(key=api_key(team.company)).post(
        f"{BASE}/cycles/",
        {"name": "2027 Q1", "start_date": "2027-01-01", "end_date": "2027-03-31"},
        HTTP_IDEMPOTENCY_KEY="same",
    )
    theirs = api(key=api_key(other_team.company)).post(
        f"/api/v1/companies/globex/key-results/{other_kr.pk}/check-ins/",
        {"value": "1", "confidence": "on_track"},
        HTTP_IDEMPOTENCY_KEY="same",
    )
    assert ours.status_code == 403  # a write key manages no cycles; nothing stored under the key
    assert theirs.status_code == 201
    assert IdempotencyRecord.objects.filter(key="same").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_store_one_check_in():
    """Two racing requests with one key: the second waits on the unique index, then replays."""
    from rest_framework.test import APIClient

    from companies.models import CompanyAPIKey as Key
    from conftest import make_team

    team = make_team("acme")
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle)
    kr = KeyResultFactory(company=team.company, objective=objective)
    key = Key(company=team.company, name="race", scope="write")
    secret = Key.objects.assign_key(key)
    key.save(force_insert=True)

    def post() -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
        response = client.post(
            f"{BASE}/key-results/{kr.pk}/check-ins/",
            {"value": "7", "confidence": "at_risk"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="race",
        )
        return response.status_code

    assert run_concurrently(*[post] * 4) == [201] * 4
    assert CheckIn.objects.filter(key_result=kr).count() == 1
    assert IdempotencyRecord.objects.filter(company=team.company, key="race").count() == 1


def test_get_has_an_etag_and_answers_304_when_current(team, api):
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle)
    client = api(team.viewer)
    response = client.get(f"{BASE}/objectives/{objective.pk}/")
    etag = response["ETag"]
    assert etag.startswith('"')
    assert len(etag) > 10
    assert client.get(f"{BASE}/objectives/{objective.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    Objective.objects.filter(pk=objective.pk).update(title="Changed behind your back")
    assert client.get(f"{BASE}/objectives/{objective.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_stale_if_match_is_412_and_changes_nothing(team, api):
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle, title="Grow")
    client = api(team.leader)
    url = f"{BASE}/objectives/{objective.pk}/"
    etag = client.get(url)["ETag"]
    fresh = client.patch(url, {"title": "Grow faster"}, HTTP_IF_MATCH=etag)
    assert fresh.status_code == 200
    assert fresh.json()["title"] == "Grow faster"
    assert fresh["ETag"] != etag
    assert fresh["ETag"] == client.get(url)["ETag"]
    before = db_state()
    stale = client.patch(url, {"title": "Lost update"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert client.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    assert db_state() == before
    assert client.patch(url, {"title": "With the new tag"}, HTTP_IF_MATCH=fresh["ETag"]).status_code == 200


def test_if_match_on_company_settings(team, api):
    client = api(team.admin)
    etag = client.get(f"{BASE}/")["ETag"]
    assert client.patch(f"{BASE}/", {"checkin_hour": 10}, HTTP_IF_MATCH=etag).status_code == 200
    before = db_state()
    assert client.patch(f"{BASE}/", {"checkin_hour": 11}, HTTP_IF_MATCH=etag).status_code == 412
    assert db_state() == before
