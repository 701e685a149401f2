"""The client's address behind the production proxy: one function, trusted proxy count, spoof-proof."""

import importlib.util
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings

from okrhub.security import client_ip
from tests.test_deploy import PRODUCTION_ENV

PASSWORD = "correct horse battery"
PROXY = "10.0.0.2"  # the TLS proxy: every request reaches Django from it
ATTACKER = "81.2.69.160"
VICTIM = "81.2.69.192"


def _production_settings(monkeypatch) -> dict:
    """The client-address settings production.py computes from the production environment."""
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    path = Path(settings.BASE_DIR) / "okrhub" / "settings" / "production.py"
    spec = importlib.util.spec_from_file_location("okrhub.settings.production_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    names = [n for n in dir(module) if n.startswith(("AXES_", "OKRHUB_PROXY")) or n == "SECURE_PROXY_SSL_HEADER"]
    return {name: getattr(module, name) for name in names}


@pytest.fixture
def production(monkeypatch):
    with override_settings(**_production_settings(monkeypatch)):
        yield


def _through_proxy(forwarded_for: str) -> Client:
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for, HTTP_X_FORWARDED_PROTO="https")


def _sign_in(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"username": email, "password": password}, secure=True)


def test_production_counts_the_address_the_proxy_saw_not_the_proxy(production, team):
    person = team.member
    person.set_password(PASSWORD)
    person.save(update_fields=["password"])
    attacker = _through_proxy(ATTACKER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(attacker, person.email, "wrong")
    assert _sign_in(attacker, person.email, PASSWORD).status_code == 429
    # The same account from another address behind the same proxy is not locked out.
    assert _sign_in(_through_proxy(VICTIM), person.email, PASSWORD).status_code == 302


def test_production_ignores_addresses_the_client_wrote_into_the_header(production, team):
    person = team.member
    person.set_password(PASSWORD)
    person.save(update_fields=["password"])
    # The attacker names the victim's address; the proxy appends the real one.
    spoofing = _through_proxy(f"{VICTIM}, {ATTACKER}")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(spoofing, person.email, "wrong")
    assert _sign_in(_through_proxy(ATTACKER), person.email, PASSWORD).status_code == 429
    assert _sign_in(_through_proxy(VICTIM), person.email, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, f"{VICTIM}", PROXY),  # no proxy configured: the header is the client's own words
        (1, f"{VICTIM}, {ATTACKER}", ATTACKER),
        (2, f"{VICTIM}, {ATTACKER}, 10.1.1.1", ATTACKER),  # a load balancer behind a CDN
        (1, "", PROXY),  # no header: the connection's address
        (1, f"not-an-address, {ATTACKER}", ATTACKER),
    ],
)
def test_client_address_comes_from_the_trusted_proxy_count(proxies, forwarded_for, expected):
    meta = {"REMOTE_ADDR": PROXY}
    if forwarded_for:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    with override_settings(OKRHUB_PROXY_COUNT=proxies):
        assert client_ip(RequestFactory().get("/", **meta)) == expected
