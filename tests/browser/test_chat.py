"""An admin connects a Teams channel and finds "Add to Slack" from the settings page, in Chromium."""

import json

from playwright.sync_api import expect

from chat.models import TeamsWebhook
from onboarding.demo import DEMO_SLUG
from tests.browser.conftest import PHONE
from tests.chat.conftest import LocalServer

TOO_WIDE = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_an_admin_connects_a_teams_channel_and_finds_add_to_slack(page, live_server, demo, sign_in, shoot):
    sign_in(page, "admin@demo.okrhub.test")
    page.goto(f"{live_server.url}/c/{DEMO_SLUG}/settings/")
    page.get_by_role("link", name="Microsoft Teams").click()
    page.wait_for_url(f"{live_server.url}/c/{DEMO_SLUG}/settings/teams/")
    with LocalServer() as receiver:
        page.get_by_label("Workflows webhook URL").fill(f"{receiver.url}/workflows/hook?sig=s3cret")
        page.get_by_role("button", name="Save webhook").click()
        expect(page.get_by_text("Teams webhook saved.")).to_be_visible()
        assert "s3cret" not in page.content()
        page.get_by_role("button", name="Post a test card").click()
        expect(page.get_by_text("Test card posted to the Teams channel.")).to_be_visible()
        (call,) = receiver.recorder.calls
    assert json.loads(call.body)["attachments"][0]["content"]["type"] == "AdaptiveCard"
    assert TeamsWebhook.objects.filter(company__slug=DEMO_SLUG).exists()
    # A private address is refused, named at the top and beside the field.
    page.get_by_label("Workflows webhook URL").fill("https://10.0.0.1/hook")
    page.get_by_role("button", name="Save webhook").click()
    expect(page.get_by_role("link", name="Workflows webhook URL: 10.0.0.1 is a private address")).to_be_visible()
    page.set_viewport_size(PHONE)
    assert page.evaluate(TOO_WIDE) <= 0
    shoot(page, "chat-teams")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/c/{DEMO_SLUG}/settings/slack/")
    expect(page.get_by_role("link", name="Add to Slack")).to_be_visible()
    assert page.evaluate(TOO_WIDE) <= 0
    shoot(page, "chat-slack")
