"""Connecting a workspace: "Add to Slack" (OAuth v2 with slack-sdk's helpers), the token at rest, disconnecting."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from chat.models import SlackInstallation, SlackOAuthState, SlackUser
from okrhub import encryption
from tests.chat.conftest import BOT_TOKEN, connect_slack


def _connect(client, slug: str) -> str:
    response = client.get(f"/c/{slug}/settings/slack/connect/")
    assert response.status_code == 302
    return response["Location"]


def test_add_to_slack_sends_the_admin_to_slack_with_a_state_bound_to_company_and_admin(team, client_for, settings):
    location = _connect(client_for(team.admin), team.company.slug)
    parts = urlsplit(location)
    assert location.startswith(settings.OKRHUB_SLACK_AUTHORIZE_URL)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["client_id"] == settings.OKRHUB_SLACK_CLIENT_ID
    assert set(query["scope"].split(",")) == {"chat:write", "users:read", "users:read.email", "commands"}
    assert query["redirect_uri"] == f"{settings.OKRHUB_BASE_URL}/integrations/slack/oauth/callback/"
    state = SlackOAuthState.objects.get(state=query["state"])
    assert (state.company, state.user) == (team.company, team.admin)


def test_the_callback_stores_the_workspace_with_the_token_encrypted(team, client_for, slack_api):
    client = client_for(team.admin)
    state = parse_qs(urlsplit(_connect(client, team.company.slug)).query)["state"][0]
    response = client.get(f"/integrations/slack/oauth/callback/?code=the-code&state={state}")
    assert response.status_code == 302
    assert response["Location"] == f"/c/{team.company.slug}/settings/slack/"
    (call,) = slack_api.named("oauth.v2.access")
    assert call.params["code"] == "the-code"
    assert call.params["redirect_uri"].endswith("/integrations/slack/oauth/callback/")
    installation = SlackInstallation.objects.get(company=team.company)
    assert (installation.team_id, installation.team_name, installation.bot_user_id) == ("T0ACME", "Acme Slack", "U0BOT")
    assert installation.installed_by == team.admin
    assert encryption.decrypt(installation.bot_token_encrypted) == BOT_TOKEN
    # At rest: no column of the table holds the token.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM chat_slackinstallation")
        rows = cursor.fetchall()
    assert rows
    assert not any(BOT_TOKEN in str(value) for row in rows for value in row)
    # The state is spent: the same link a second time is refused.
    again = client.get(f"/integrations/slack/oauth/callback/?code=the-code&state={state}")
    assert again.status_code == 400
    assert "expired" in again.content.decode()
    # The settings page shows the connection.
    page = client.get(f"/c/{team.company.slug}/settings/slack/")
    assert "Acme Slack" in page.content.decode()


def test_the_callback_refuses_a_state_of_another_admin_or_an_old_one(team, other_team, client_for, slack_api):
    state = parse_qs(urlsplit(_connect(client_for(team.admin), team.company.slug)).query)["state"][0]
    stranger = client_for(other_team.admin)
    assert stranger.get(f"/integrations/slack/oauth/callback/?code=c&state={state}").status_code == 400
    # A state issued eleven minutes ago has expired.
    client = client_for(team.admin)
    state = parse_qs(urlsplit(_connect(client, team.company.slug)).query)["state"][0]
    SlackOAuthState.objects.filter(state=state).update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    assert client.get(f"/integrations/slack/oauth/callback/?code=c&state={state}").status_code == 400
    assert not slack_api.named("oauth.v2.access")
    assert not SlackInstallation.objects.exists()


def test_a_workspace_already_serving_another_company_is_refused(team, other_team, client_for, slack_api):
    connect_slack(other_team.company, team_id="T0ACME", token="xoxb-other")
    client = client_for(team.admin)
    state = parse_qs(urlsplit(_connect(client, team.company.slug)).query)["state"][0]
    response = client.get(f"/integrations/slack/oauth/callback/?code=c&state={state}")
    assert response.status_code == 400
    assert "already connected to another OKRHub company" in response.content.decode()
    assert not SlackInstallation.objects.filter(company=team.company).exists()
    assert SlackInstallation.objects.get(team_id="T0ACME").company == other_team.company


def test_slack_refusing_the_code_is_a_400_naming_it(team, client_for, slack_api):
    slack_api.errors["oauth.v2.access"] = "invalid_code"
    client = client_for(team.admin)
    state = parse_qs(urlsplit(_connect(client, team.company.slug)).query)["state"][0]
    response = client.get(f"/integrations/slack/oauth/callback/?code=bad&state={state}")
    assert response.status_code == 400
    assert "code: Slack refused the connection (invalid_code)" in response.content.decode()


def test_disconnect_revokes_and_forgets_the_workspace(team, client_for, slack_api):
    connect_slack(team.company)
    SlackUser.objects.create(company=team.company, user=team.member, slack_user_id="U1")
    response = client_for(team.admin).post(f"/c/{team.company.slug}/settings/slack/disconnect/")
    assert response.status_code == 302
    assert not SlackInstallation.objects.filter(company=team.company).exists()
    assert not SlackUser.objects.filter(company=team.company).exists()
    (revoke,) = slack_api.named("auth.revoke")
    assert revoke.headers["authorization"] == f"Bearer {BOT_TOKEN}"


def test_only_admins_reach_the_slack_pages_and_other_companies_get_404(team, other_team, client_for):
    slug = team.company.slug
    for user in (team.leader, team.member, team.viewer):
        assert client_for(user).get(f"/c/{slug}/settings/slack/").status_code == 403
        assert client_for(user).get(f"/c/{slug}/settings/slack/connect/").status_code == 403
    outsider = client_for(other_team.admin)
    assert outsider.get(f"/c/{slug}/settings/slack/").status_code == 404
    assert outsider.post(f"/c/{slug}/settings/slack/disconnect/").status_code == 404
    assert not SlackOAuthState.objects.exists()


def test_the_settings_page_is_linked_and_reads_in_few_queries(team, client_for, django_assert_max_num_queries):
    client = client_for(team.admin)
    assert f"/c/{team.company.slug}/settings/slack/" in client.get(f"/c/{team.company.slug}/settings/").content.decode()
    connect_slack(team.company, user=team.admin)
    with django_assert_max_num_queries(8):
        response = client.get(f"/c/{team.company.slug}/settings/slack/")
    assert response.status_code == 200
    assert "Send me a test message" in response.content.decode()


def test_a_missing_encryption_key_is_a_clear_refusal(team, client_for, settings):
    settings.OKRHUB_ENCRYPTION_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="OKRHUB_ENCRYPTION_KEY is not set"):
        encryption.encrypt("x")
    client = client_for(team.admin)
    page = client.get(f"/c/{team.company.slug}/settings/slack/").content.decode()
    assert "has not set OKRHUB_ENCRYPTION_KEY" in page
    response = client.get(f"/c/{team.company.slug}/settings/slack/connect/")
    assert response.status_code == 409
    assert "OKRHUB_ENCRYPTION_KEY" in response.content.decode()
    assert not SlackOAuthState.objects.exists()


def test_send_test_dms_the_admin(team, client_for, slack_api):
    connect_slack(team.company)
    slack_api.people[BOT_TOKEN] = {team.admin.email: "U0ADMIN"}
    response = client_for(team.admin).post(f"/c/{team.company.slug}/settings/slack/test/")
    assert response.status_code == 302
    (post,) = slack_api.named("chat.postMessage")
    assert post.params["channel"] == "U0ADMIN"
    # An admin Slack does not know: 422 naming the problem.
    slack_api.people[BOT_TOKEN] = {}
    SlackUser.objects.all().delete()
    response = client_for(team.admin).post(f"/c/{team.company.slug}/settings/slack/test/")
    assert response.status_code == 422
    assert f"No one in the Slack workspace has the email {team.admin.email}" in response.content.decode()


def test_slack_out_of_reach_during_the_callback_is_a_400(team, client_for, settings):
    client = client_for(team.admin)
    state = parse_qs(urlsplit(_connect(client, team.company.slug)).query)["state"][0]
    settings.OKRHUB_SLACK_API_URL = "http://127.0.0.1:9/api/"  # the discard port: connection refused
    response = client.get(f"/integrations/slack/oauth/callback/?code=c&state={state}")
    assert response.status_code == 400
    assert "Slack could not be reached" in response.content.decode()
    assert not SlackInstallation.objects.exists()


def test_send_test_without_a_workspace_or_with_an_unreadable_token(team, client_for, settings):
    client = client_for(team.admin)
    response = client.post(f"/c/{team.company.slug}/settings/slack/test/")
    assert response.status_code == 422
    assert "Connect a Slack workspace first" in response.content.decode()
    connect_slack(team.company)
    settings.OKRHUB_ENCRYPTION_KEY = "q3VwF9x1cQm0bTt2S7m5rK8Zb6dXhJ0nY4pA1eLw2uE="
    response = client.post(f"/c/{team.company.slug}/settings/slack/test/")
    assert response.status_code == 422
    assert "connect Slack again" in response.content.decode()
