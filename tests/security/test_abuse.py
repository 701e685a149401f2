"""Abuse protection: sign-in lockout, Content-Security-Policy, cookies, body limits, API key handling."""

import logging
import re
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from rest_framework_api_key import crypto

from tests.helpers import db_state

PASSWORD = "correct horse battery"


@pytest.fixture
def person(team):
    team.member.set_password(PASSWORD)
    team.member.save(update_fields=["password"])
    return team.member


def _sign_in(client: Client, email: str, password: str, path: str = "/accounts/login/"):
    return client.post(path, {"username": email, "password": password})


# ---------------------------------------------------------------- lockout


def test_repeated_failures_lock_the_email_out_even_with_the_right_password(person):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, person.email, "wrong").status_code == 200
    locked = _sign_in(client, person.email.upper(), "wrong")  # case does not dodge the count
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    refused = _sign_in(client, person.email, PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    # The admin's sign-in and API session sign-in (authenticate()) are refused too.
    assert _sign_in(Client(), person.email, PASSWORD, "/admin/login/").status_code == 429
    assert not authenticate(RequestFactory().post("/"), username=person.email, password=PASSWORD)


def test_lockout_is_per_email_and_address(person, team):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, person.email, "wrong")
    # Another person from the same address, and the same person from another address, still sign in.
    team.viewer.set_password(PASSWORD)
    team.viewer.save(update_fields=["password"])
    assert _sign_in(Client(), team.viewer.email, PASSWORD).status_code == 302
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert _sign_in(elsewhere, person.email, PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_count(person):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, person.email, "wrong")
    assert _sign_in(client, person.email, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, person.email, "wrong")
    assert _sign_in(client, person.email, PASSWORD).status_code == 302


# ---------------------------------------------------------------- CSP and cookies


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


def _inline_scripts(html: str) -> list[str]:
    return [tag for tag in re.findall(r"<script\b[^>]*>", html) if "src=" not in tag and "application/json" not in tag]


def test_pages_carry_a_strict_policy_and_no_inline_script(client_for, team):
    for path in ("/accounts/login/", f"/c/{team.company.slug}/", f"/c/{team.company.slug}/alignment/"):
        response = client_for(team.admin).get(path, follow=True)
        policy = _policy(response)
        assert policy["script-src"] == "script-src 'self'", path
        assert policy["style-src"] == "style-src 'self'", path
        assert "unsafe" not in response.headers["Content-Security-Policy"], path
        html = response.content.decode()
        assert not _inline_scripts(html), path
        assert " style=" not in html, path


def test_admin_may_use_inline_styles_but_not_scripts(team):
    root = Client()
    team.admin.is_staff = team.admin.is_superuser = True
    team.admin.save()
    root.force_login(team.admin)
    response = root.get("/admin/objectives/objective/")
    policy = _policy(response)
    assert policy["script-src"] == "script-src 'self'"
    assert "'unsafe-inline'" in policy["style-src"]
    assert not _inline_scripts(response.content.decode())


def test_api_docs_work_under_the_policy(api, team):
    client = api(team.admin)
    swagger = client.get("/api/v1/docs/")
    assert swagger.status_code == 200
    assert not _inline_scripts(swagger.content.decode()), "Swagger UI must load its start-up script from a file"
    assert _policy(swagger)["script-src"] == "script-src 'self'"
    script = re.search(r'<script src="([^"]*\?script=[^"]*)"', swagger.content.decode())
    assert script, "the split Swagger view names its start-up script"
    assert client.get(script.group(1).replace("&amp;", "&")).status_code == 200

    redoc = client.get("/api/v1/redoc/")
    html = redoc.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", _policy(redoc)["script-src"]).group(1)
    assert _inline_scripts(html) == [f'<script nonce="{nonce}">']
    assert "fonts.googleapis" not in html  # the docs work offline


def test_session_cookie_is_http_only(person):
    response = _sign_in(Client(), person.email, PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


# ---------------------------------------------------------------- request size


def test_an_oversized_json_body_answers_413_problem_details(api, team, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = db_state()
    response = api(team.admin).post(
        f"/api/v1/companies/{team.company.slug}/objectives/",
        {"cycle": team.cycle.pk, "title": "x", "description": "y" * 20_000},
        format="json",
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "request_too_large"
    assert db_state() == before


def test_an_oversized_json_body_without_a_length_is_cut_off(api, team, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = api(team.admin)
    body = b'{"title": "' + b"y" * 20_000 + b'"}'
    response = client.generic(
        "POST",
        f"/api/v1/companies/{team.company.slug}/objectives/",
        body,
        content_type="application/json",
        CONTENT_LENGTH="10",  # lies; the parser reads no more than the limit plus one byte anyway
    )
    assert response.status_code == 400  # the 10 declared bytes are not JSON
    assert response["Content-Type"] == "application/problem+json"


def test_too_many_form_fields_answer_400(client_for, team, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    before = db_state()
    fields = {f"f{i}": "x" for i in range(100)}
    response = client_for(team.admin).post(f"/c/{team.company.slug}/objectives/new/", fields)
    assert response.status_code == 400
    assert db_state() == before


# ---------------------------------------------------------------- API keys


def test_api_keys_are_compared_in_constant_time(api, api_key, team):
    """The library hashes the presented key (SHA-512) and compares digests with constant_time_compare."""
    secret = api_key(team.company, "read")
    with mock.patch.object(crypto, "constant_time_compare", wraps=crypto.constant_time_compare) as compare:
        assert api(key=secret).get(f"/api/v1/companies/{team.company.slug}/").status_code == 200
        wrong = secret[:-1] + ("A" if secret[-1] != "A" else "B")
        assert api(key=wrong).get(f"/api/v1/companies/{team.company.slug}/").status_code == 401
    assert compare.call_count == 2
    # Both arguments are hashes, never the secret itself.
    for call in compare.call_args_list:
        assert all(arg.startswith("sha512$$") for arg in call.args)


def test_api_keys_never_reach_the_logs(api, api_key, team, caplog):
    secret = api_key(team.company, "write")
    _, _, tail = secret.partition(".")
    client = api(key=secret)
    slug = team.company.slug
    with caplog.at_level(logging.DEBUG):
        client.get(f"/api/v1/companies/{slug}/")
        client.get(f"/api/v1/companies/{slug}/objectives/999999/")  # 404, logged as a warning
        client.post(f"/api/v1/companies/{slug}/objectives/", {"title": ""}, format="json")  # 400
        client.delete(f"/api/v1/companies/{slug}/")  # 405
        api(key=secret + "x").get(f"/api/v1/companies/{slug}/")  # 401
        api(key=secret).get("/api/v1/companies/not-ours/")
    text = "\n".join(f"{r.getMessage()} {r.args!r} {getattr(r, 'request', '')!r}" for r in caplog.records)
    assert caplog.records, "nothing was logged, so nothing was checked"
    assert tail not in text
