"""The Teams settings page: a webhook URL checked against private addresses, stored encrypted, a test card."""

import json
import socket

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from chat.models import TeamsWebhook
from chat.outbound import OutboundRefused, check_public_url, post_json
from okrhub import encryption
from tests.chat.schemas import TEAMS_MESSAGE, check


def page(slug: str) -> str:
    return f"/c/{slug}/settings/teams/"


def test_saving_stores_the_url_encrypted_and_the_test_card_reaches_the_channel(team, client_for, teams_receiver):
    client = client_for(team.admin)
    response = client.post(page(team.company.slug), {"url": teams_receiver.url})
    assert response.status_code == 302
    webhook = TeamsWebhook.objects.get(company=team.company)
    assert encryption.decrypt(webhook.url_encrypted) == teams_receiver.url
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM chat_teamswebhook")
        rows = cursor.fetchall()
    assert not any("secret-signature" in str(value) for row in rows for value in row)
    assert "secret-signature" not in client.get(page(team.company.slug)).content.decode()
    assert client.post(f"{page(team.company.slug)}test/").status_code == 302
    (call,) = teams_receiver.calls
    card = json.loads(call.body)
    check(card, TEAMS_MESSAGE)
    assert card["attachments"][0]["content"]["actions"][0]["url"].endswith(f"/c/{team.company.slug}/check-in/")
    assert client.post(f"{page(team.company.slug)}remove/").status_code == 302
    assert not TeamsWebhook.objects.exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the webhook URL"),
        ("ftp://example.com/hook", "Enter an https:// URL"),
        ("https://10.1.2.3/hook", "10.1.2.3 is a private address"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"),
        ("https://user:pw@example.com/hook", "user name or password"),
    ],
)
def test_bad_urls_are_refused_naming_the_field(team, client_for, url, message):
    """The rule is okrhub.outbound's (tested in tests/test_outbound.py); here: the Teams form goes through it."""
    response = client_for(team.admin).post(page(team.company.slug), {"url": url})
    assert response.status_code == 422
    body = response.content.decode()
    assert "Workflows webhook URL" in body
    assert message in body
    assert not TeamsWebhook.objects.exists()


@pytest.mark.parametrize(
    ("url", "code"),
    [
        (" https://10.1.2.3/hook", "private_address"),
        ("ftp://example.com/", "scheme"),
        ("https://u:p@example.com/", "credentials"),
    ],
)
def test_a_refused_url_is_an_error_on_the_field_with_the_guards_code(url, code):
    with pytest.raises(ValidationError) as refused:
        check_public_url(url, field="webhook_url")
    (error,) = refused.value.error_dict["webhook_url"]
    assert error.code == code


def test_a_name_resolving_to_a_private_address_is_refused(team, client_for, monkeypatch):
    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    response = client_for(team.admin).post(page(team.company.slug), {"url": "https://hooks.example.com/x"})
    assert response.status_code == 422
    assert "hooks.example.com resolves to 10.0.0.7, a private address" in response.content.decode()


def test_loopback_is_refused_unless_the_operator_allows_it(team, client_for, teams_receiver, settings):
    settings.OKRHUB_OUTBOUND_ALLOWED_NETWORKS = []
    response = client_for(team.admin).post(page(team.company.slug), {"url": teams_receiver.url})
    assert response.status_code == 422
    assert "127.0.0.1" in response.content.decode()
    # A URL saved while allowed is checked again before each post.
    with pytest.raises(OutboundRefused):
        post_json(teams_receiver.url, {"type": "message"})
    assert not teams_receiver.calls


def test_redirects_are_not_followed(teams_receiver, other_teams_receiver):
    teams_receiver.status, teams_receiver.location = 302, other_teams_receiver.url
    with pytest.raises(OutboundRefused, match="redirect"):
        post_json(teams_receiver.url, {"type": "message"})
    assert not other_teams_receiver.calls


def test_a_failing_test_card_is_a_422_naming_the_url(team, client_for, teams_receiver):
    client = client_for(team.admin)
    client.post(page(team.company.slug), {"url": teams_receiver.url})
    teams_receiver.status = 400
    response = client.post(f"{page(team.company.slug)}test/")
    assert response.status_code == 422
    assert "Teams answered 400" in response.content.decode()
    # No webhook at all: the same page says what to do.
    TeamsWebhook.objects.all().delete()
    response = client.post(f"{page(team.company.slug)}test/")
    assert response.status_code == 422
    assert "Save a Teams webhook URL first" in response.content.decode()


def test_only_admins_and_only_their_company(
    team, other_team, client_for, teams_receiver, django_assert_max_num_queries
):
    slug = team.company.slug
    for user in (team.leader, team.member, team.viewer):
        assert client_for(user).get(page(slug)).status_code == 403
        assert client_for(user).post(page(slug), {"url": teams_receiver.url}).status_code == 403
    outsider = client_for(other_team.admin)
    assert outsider.get(page(slug)).status_code == 404
    assert outsider.post(page(slug), {"url": teams_receiver.url}).status_code == 404
    assert outsider.post(f"{page(slug)}test/").status_code == 404
    assert not TeamsWebhook.objects.exists()
    client = client_for(team.admin)
    with django_assert_max_num_queries(8):
        assert client.get(page(slug)).status_code == 200


def test_a_post_goes_to_the_address_that_was_checked(teams_receiver, monkeypatch):
    """DNS rebinding: the name is resolved once; a second lookup answering a private address is never made."""
    port = teams_receiver.url.split(":")[2].split("/")[0]
    answers = iter(["127.0.0.1", "10.0.0.9"])
    real = socket.getaddrinfo

    def resolve(host, port_, *args, **kwargs):
        if host != "hooks.example.test":
            return real(host, port_, *args, **kwargs)  # a numeric address: the connection's own lookup
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port_))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    status, _ = post_json(f"http://hooks.example.test:{port}/workflows/x", {"type": "message"})
    assert status == 202
    (call,) = teams_receiver.calls
    assert call.headers["host"] == f"hooks.example.test:{port}"
