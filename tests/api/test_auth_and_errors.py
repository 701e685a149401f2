"""Authentication, the one error format, throttling and docs."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.settings import api_settings

from companies import services as company_services
from companies.models import CompanyAPIKey
from objectives.models import Objective
from tests.helpers import db_state

BASE = "/api/v1/companies/acme"
PROBLEM_KEYS = {"type", "title", "status", "code", "detail", "errors", "instance"}


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert body["status"] == status
    if code:
        assert body["code"] == code
    return body


def test_no_credentials_is_401_with_a_challenge(team, api):
    response = api().get(f"{BASE}/objectives/")
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Api-Key")


@pytest.mark.parametrize("secret", ["nonsense", "abcdefgh.wrongsecret", ""])
def test_unknown_key_is_401(team, api, secret):
    assert_problem(api(key=secret).get(f"{BASE}/objectives/"), 401)


def test_revoked_key_is_401(team, api):
    key, secret = company_services.api_key_create(company=team.company, actor=team.actor(team.admin), name="CRM")
    client = api(key=secret)
    assert client.get(f"{BASE}/objectives/").status_code == 200
    assert api(team.admin).delete(f"{BASE}/api-keys/{key.prefix}/").status_code == 204
    assert_problem(client.get(f"{BASE}/objectives/"), 401, "authentication_failed")
    assert CompanyAPIKey.objects.get(pk=key.pk).revoked


def test_expired_key_is_401(team, api, api_key):
    secret = api_key(team.company)
    CompanyAPIKey.objects.filter(prefix=secret.split(".")[0]).update(
        expiry_date=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert_problem(api(key=secret).get(f"{BASE}/objectives/"), 401)


def test_key_use_is_recorded_at_most_once_a_minute(team, api, api_key):
    secret = api_key(team.company)
    prefix = secret.split(".")[0]
    CompanyAPIKey.objects.filter(prefix=prefix).update(last_used_at=None)
    api(key=secret).get("/api/v1/me/")
    first = CompanyAPIKey.objects.get(prefix=prefix).last_used_at
    assert first is not None
    api(key=secret).get("/api/v1/me/")
    assert CompanyAPIKey.objects.get(prefix=prefix).last_used_at == first
    CompanyAPIKey.objects.filter(prefix=prefix).update(last_used_at=first - datetime.timedelta(minutes=2))
    api(key=secret).get("/api/v1/me/")
    assert CompanyAPIKey.objects.get(prefix=prefix).last_used_at > first


def test_read_key_reads_but_cannot_write(team, api, api_key):
    client = api(key=api_key(team.company, "read"))
    assert client.get(f"{BASE}/objectives/").status_code == 200
    before = db_state()
    response = client.post(f"{BASE}/objectives/", {"cycle": team.cycle.pk, "title": "Sneaky"})
    assert_problem(response, 403, "permission_denied")
    assert db_state() == before


def test_write_key_cannot_manage_the_company(team, api, api_key):
    client = api(key=api_key(team.company, "write"))
    before = db_state()
    assert_problem(client.post(f"{BASE}/api-keys/", {"name": "more"}), 403)
    assert_problem(client.patch(f"{BASE}/", {"checkin_hour": 3}), 403)
    assert_problem(client.post(f"{BASE}/members/", {"email": "x@example.test"}), 403)
    assert db_state() == before


def test_me_for_a_person_and_for_a_key(team, other_team, api, api_key):
    from companies.models import Membership

    Membership.objects.create(company=other_team.company, user=team.admin, role="viewer")
    me = api(team.admin).get("/api/v1/me/").json()
    assert me["user"]["email"] == team.admin.email
    assert me["api_key"] is None
    assert {(c["slug"], c["role"]) for c in me["companies"]} == {("acme", "admin"), ("globex", "viewer")}
    key_me = api(key=api_key(team.company, "read")).get("/api/v1/me/").json()
    assert key_me["user"] is None
    assert key_me["api_key"]["scope"] == "read"
    assert key_me["companies"] == [{"slug": "acme", "name": "Acme", "role": "viewer"}]


def test_session_writes_need_the_csrf_token(team):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(team.admin)
    before = db_state()
    response = client.post(f"{BASE}/departments/", {"name": "Legal"}, format="json")
    body = assert_problem(response, 403)
    assert "CSRF" in body["detail"]
    assert db_state() == before


def test_unknown_endpoint_and_method_are_problems(team, api):
    client = api(team.admin)
    assert_problem(client.get("/api/v1/nothing-here/"), 404, "not_found")
    assert_problem(client.get(f"{BASE}/objectives/999999999/"), 404, "not_found")
    assert_problem(client.put(f"{BASE}/objectives/"), 405, "method_not_allowed")
    assert_problem(client.get("/api/v1/companies/no-such-company/objectives/"), 404)


def test_malformed_json_and_wrong_media_type_are_problems(team, api):
    client = api(team.admin)
    assert_problem(client.post(f"{BASE}/departments/", "{not json", content_type="application/json"), 400)
    assert_problem(client.post(f"{BASE}/departments/", "<x/>", content_type="text/xml"), 415)


def test_validation_problem_lists_field_code_and_message(team, api):
    body = assert_problem(api(team.admin).post(f"{BASE}/cycles/", {"name": "", "start_date": "soon"}), 400)
    fields = {(e["field"], e["code"]) for e in body["errors"]}
    assert {("name", "blank"), ("start_date", "invalid"), ("end_date", "required")} <= fields
    assert all(e["message"] for e in body["errors"])
    assert body["type"] == "urn:okrhub:problem:validation-error"


def test_service_rule_violations_map_to_field_errors(team, api):
    response = api(team.admin).post(
        f"{BASE}/cycles/", {"name": "Backwards", "start_date": "2026-12-01", "end_date": "2026-11-01"}
    )
    body = assert_problem(response, 400, "validation_error")
    assert body["errors"] == [{"field": "end_date", "code": "dates", "message": "A cycle must end after it starts."}]


def test_throttle_answers_429_with_retry_after(team, api, api_key):
    client = api(key=api_key(team.company, "read"))
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "api_key": "3/min"}
    with override_settings(REST_FRAMEWORK={**_rest_framework(), "DEFAULT_THROTTLE_RATES": rates}):
        statuses = [client.get("/api/v1/me/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = client.get(f"{BASE}/objectives/")
        assert_problem(response, 429, "throttled")
        assert 1 <= int(response["Retry-After"]) <= 60
        # Another key (another integration) is not held back.
        assert api(key=api_key(team.company, "read")).get("/api/v1/me/").status_code == 200


def test_users_are_throttled_per_user(team, api):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "user": "2/min"}
    with override_settings(REST_FRAMEWORK={**_rest_framework(), "DEFAULT_THROTTLE_RATES": rates}):
        client = api(team.viewer)
        assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]
        assert api(team.member).get("/api/v1/me/").status_code == 200


def _rest_framework() -> dict:
    from django.conf import settings

    return settings.REST_FRAMEWORK


def test_schema_and_offline_docs_are_served(client):
    schema = client.get("/api/v1/schema/", {"format": "json"})
    assert schema.status_code == 200
    spec = schema.json()
    assert spec["openapi"].startswith("3.")
    operation = spec["paths"]["/api/v1/companies/{slug}/key-results/{id}/check-ins/"]["post"]
    assert {"400", "401", "403", "404", "422", "429"} <= set(operation["responses"])
    assert "application/problem+json" in operation["responses"]["404"]["content"]
    assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
    for page in ("/api/v1/docs/", "/api/v1/redoc/"):
        html = client.get(page).content.decode()
        assert "/static/drf_spectacular_sidecar/" in html
        assert "cdn.jsdelivr" not in html


def test_private_objectives_stay_hidden_from_keys_and_strangers(team, api, api_key):
    private = Objective.objects.create(
        company=team.company, cycle=team.cycle, department=team.department, title="Secret", private=True
    )
    url = f"{BASE}/objectives/{private.pk}/"
    assert api(team.member).get(url).status_code == 200  # a member of its department
    assert api(team.admin).get(url).status_code == 200
    assert_problem(api(team.viewer).get(url), 404)
    assert_problem(api(key=api_key(team.company, "write")).get(url), 404)
    ids = [o["id"] for o in api(team.viewer).get(f"{BASE}/objectives/").json()["results"]]
    assert private.pk not in ids


def test_an_unexpected_error_is_a_500_problem_without_internals(team, api, monkeypatch):
    from objectives import selectors

    def broken(**kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(selectors, "dependency_list", broken)
    client = api(team.admin)
    client.raise_request_exception = False
    body = assert_problem(client.get(f"{BASE}/dependencies/"), 500, "server_error")
    assert "hunter2" not in body["detail"]


def test_cursor_pages_cover_every_row_once(team, api):
    from tests.factories import ObjectiveFactory

    created = {ObjectiveFactory(company=team.company, cycle=team.cycle).pk for _ in range(7)}
    client, seen, url = api(team.viewer), [], f"{BASE}/objectives/?page_size=3"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(created)


@pytest.mark.usefixtures("frozen_clock")
def test_filters_narrow_lists_and_bad_filter_values_are_400(team, api, other_team):
    from tests.factories import ObjectiveFactory

    company_level = ObjectiveFactory(company=team.company, cycle=team.cycle, progress=0.0)
    sales = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, progress=0.9)
    ObjectiveFactory(company=other_team.company, cycle=other_team.cycle)  # never listed
    client = api(team.viewer)

    def ids(**params):
        response = client.get(f"{BASE}/objectives/", params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {company_level.pk, sales.pk}
    assert ids(department=team.department.pk) == {sales.pk}
    assert ids(company_level="true") == {company_level.pk}
    # On the frozen 15 November the fixture cycle (Q4 2026) is about half over: 0% is behind, 90% is not.
    assert ids(behind_pace="true") == {company_level.pk}
    assert ids(behind_pace="false") == {sales.pk}
    assert ids(status="draft") == set()
    body = assert_problem(client.get(f"{BASE}/objectives/", {"status": "sleeping", "cycle": "x"}), 400)
    assert {e["field"] for e in body["errors"]} == {"status", "cycle"}
