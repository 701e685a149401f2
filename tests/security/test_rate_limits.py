"""Rate limits on sign-up, password reset, verification resend and failed API-key authentication."""

from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from companies.models import User
from tests.onboarding.test_onboarding import signup_data

ELSEWHERE = "81.2.69.192"


def _assert_429(response):
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600


@override_settings(OKRHUB_RATE_SIGNUP="3/h")
def test_signups_from_one_address_are_limited(db, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [
            client.post(reverse("signup"), signup_data(email=f"n{i}@newco.test", company_name=f"Co {i}")).status_code
            for i in range(3)
        ]
        refused = client.post(reverse("signup"), signup_data(email="n9@newco.test", company_name="Co 9"))
    assert statuses == [302, 302, 302]
    _assert_429(refused)
    assert "Too many requests" in refused.content.decode()
    assert not User.objects.filter(email="n9@newco.test").exists()
    assert len(mail.outbox) == 3
    # Another address is not held back, and the page itself still shows.
    assert client.get(reverse("signup")).status_code == 200
    other = Client(REMOTE_ADDR=ELSEWHERE).post(reverse("signup"), signup_data(email="o@newco.test"))
    assert other.status_code == 302


@override_settings(OKRHUB_RATE_PASSWORD_RESET="2/h", OKRHUB_RATE_PASSWORD_RESET_EMAIL="100/h")
def test_password_reset_requests_from_one_address_are_limited(team):
    client = Client()
    url = reverse("password_reset")
    assert [client.post(url, {"email": f"x{i}@acme.test"}).status_code for i in range(2)] == [302, 302]
    _assert_429(client.post(url, {"email": team.member.email}))
    assert mail.outbox == []
    assert Client(REMOTE_ADDR=ELSEWHERE).post(url, {"email": team.member.email}).status_code == 302
    assert len(mail.outbox) == 1


@override_settings(OKRHUB_RATE_PASSWORD_RESET="100/h", OKRHUB_RATE_PASSWORD_RESET_EMAIL="2/h")
def test_reset_emails_to_one_mailbox_are_limited_whoever_asks(team):
    url = reverse("password_reset")
    for address in ("81.2.69.1", "81.2.69.2"):
        assert Client(REMOTE_ADDR=address).post(url, {"email": team.member.email}).status_code == 302
    _assert_429(Client(REMOTE_ADDR="81.2.69.3").post(url, {"email": f" {team.member.email.upper()}"}))
    assert len(mail.outbox) == 2
    assert Client(REMOTE_ADDR="81.2.69.3").post(url, {"email": team.viewer.email}).status_code == 302


@override_settings(OKRHUB_RATE_VERIFY_RESEND="2/h")
def test_verification_resends_are_limited_per_person(team, client_for, django_capture_on_commit_callbacks):
    User.objects.filter(pk__in=[team.admin.pk, team.member.pk]).update(email_verified=False)
    client = client_for(team.admin)
    url = reverse("verify_email_resend")
    with django_capture_on_commit_callbacks(execute=True):
        assert [client.post(url).status_code for _ in range(2)] == [302, 302]
        _assert_429(client.post(url))
        assert client_for(team.member).post(url).status_code == 302
    assert len(mail.outbox) == 3


@override_settings(OKRHUB_RATE_API_KEY_FAILURES="3/m")
def test_failed_api_key_authentications_are_limited_per_address(team, api, api_key):
    secret = api_key(team.company, "read")
    prefix = secret.split(".")[0]
    guesses = [api(key=f"{prefix}.wrong{i}").get("/api/v1/me/") for i in range(4)]
    assert [r.status_code for r in guesses] == [401, 401, 401, 429]
    body = guesses[-1].json()
    assert guesses[-1]["Content-Type"] == "application/problem+json"
    assert (body["status"], body["code"]) == (429, "throttled")
    assert 1 <= int(guesses[-1]["Retry-After"]) <= 60
    # From that address even a valid key waits: guessing cannot go on.
    _assert_429(api(key=secret).get("/api/v1/me/"))
    # Other addresses, and sessions from the same one, are not held back.
    elsewhere = api(key=secret)
    assert elsewhere.get("/api/v1/me/", REMOTE_ADDR=ELSEWHERE).status_code == 200
    assert api(team.viewer).get("/api/v1/me/").status_code == 200


def test_limits_and_throttles_let_requests_through_when_the_cache_is_down(team, api, api_key, settings, caplog):
    # A Redis nobody listens on (port 1), failing fast.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    assert Client().post(reverse("password_reset"), {"email": team.member.email}).status_code == 302
    secret = api_key(team.company, "read")
    assert api(key=f"{secret.split('.')[0]}.wrong").get("/api/v1/me/").status_code == 401
    assert api(key=secret).get("/api/v1/me/").status_code == 200
    assert "event=ratelimit.unavailable" in caplog.text
    assert "event=throttle.unavailable" in caplog.text
