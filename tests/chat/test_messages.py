"""Reminders and digests as Slack direct messages and Teams cards, from the emails' own content."""

import datetime
import json

import pytest
from django.core import mail

from chat.blocks import CHECKIN_ACTION
from chat.models import ChatDelivery, SlackUser, TeamsWebhook
from notifications.tasks import send_company_checkin_emails_task
from objectives import services as okr
from okrhub import encryption
from tests.chat.conftest import BOT_TOKEN, connect_slack
from tests.chat.schemas import MESSAGE, TEAMS_MESSAGE, check
from tests.workers.test_reminders import reminder_world

PERIOD = "2026-11-16"  # a Monday: the worlds check in on Mondays at 09:00
NOW = datetime.datetime(2026, 11, 16, 9, 5, tzinfo=datetime.UTC).isoformat()
GLOBEX_TOKEN = "xoxb-globex-bot-token"


def dispatch(team) -> None:
    send_company_checkin_emails_task(team.company.pk, PERIOD, NOW)


def blocks_of(call) -> dict:
    blocks = call.params["blocks"]
    return {"text": call.params["text"], "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks}


def connect_teams(company, url: str) -> None:
    TeamsWebhook.objects.create(company=company, url_encrypted=encryption.encrypt(url), url_host="http://127.0.0.1")


@pytest.fixture
def acme(db):
    return reminder_world("acme", "UTC")


@pytest.fixture
def globex(db):
    return reminder_world("globex", "UTC")


def test_reminders_and_digests_go_to_slack_as_block_kit_dms_once(acme, slack_api):
    connect_slack(acme.company)
    slack_api.people[BOT_TOKEN] = {acme.member.email: "U0MEMBER", acme.admin.email: "U0ADMIN"}
    dispatch(acme)
    posts = slack_api.named("chat.postMessage")
    by_channel = {call.params["channel"]: blocks_of(call) for call in posts}
    assert set(by_channel) == {"U0MEMBER", "U0ADMIN"}  # the leader is not in Slack: email only
    for message in by_channel.values():
        check(message, MESSAGE)
    reminder = json.dumps(by_channel["U0MEMBER"])
    assert "Close 40 deals (acme)" in reminder
    assert "Book 90 demos (acme)" in reminder
    assert "Cut churn" not in reminder  # checked in this week: not due
    buttons = [e for b in by_channel["U0MEMBER"]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert CHECKIN_ACTION in {b["action_id"] for b in buttons}
    assert any(b.get("url", "").endswith("/c/acme/check-in/") for b in buttons)
    digest = json.dumps(by_channel["U0ADMIN"])
    assert "your OKR week" in digest
    assert "Missed check-ins" in digest
    # People were matched by email and remembered; the unmatched one kept email.
    assert set(SlackUser.objects.filter(company=acme.company).values_list("slack_user_id", flat=True)) == {
        "U0MEMBER",
        "U0ADMIN",
    }
    assert any(acme.leader.email in m.to for m in mail.outbox)
    # Once per person and period, however often the dispatcher runs.
    dispatch(acme)
    assert len(slack_api.named("chat.postMessage")) == 2
    assert ChatDelivery.objects.filter(company=acme.company, channel="slack", sent_at__isnull=False).count() == 2


def test_no_slack_no_teams_no_chat(acme, slack_api):
    dispatch(acme)
    assert not slack_api.calls
    assert mail.outbox  # the emails went


def test_each_workspace_gets_only_its_own_companys_messages(acme, globex, slack_api):
    connect_slack(acme.company)
    connect_slack(globex.company, team_id="T0GLOBEX", token=GLOBEX_TOKEN)
    slack_api.people[BOT_TOKEN] = {acme.member.email: "U0A-MEMBER", acme.admin.email: "U0A-ADMIN"}
    slack_api.people[GLOBEX_TOKEN] = {globex.member.email: "U0G-MEMBER", globex.admin.email: "U0G-ADMIN"}
    dispatch(acme)
    dispatch(globex)
    posts = slack_api.named("chat.postMessage")
    assert len(posts) == 4
    for call in posts:
        token = call.headers["authorization"].removeprefix("Bearer ")
        text = json.dumps(blocks_of(call))
        mine, theirs = ("acme", "globex") if token == BOT_TOKEN else ("globex", "acme")
        assert call.params["channel"].startswith("U0A-" if mine == "acme" else "U0G-")
        assert f"({theirs})" not in text
        assert theirs.title() not in text
    # Lookups, too, asked each workspace only for its own company's people.
    for call in slack_api.named("users.lookupByEmail"):
        domain = "acme" if call.headers["authorization"] == f"Bearer {BOT_TOKEN}" else "globex"
        assert call.params["email"].endswith(f"@{domain}.test")


def test_teams_gets_a_reminders_card_and_a_digest_card_with_the_checkin_link(
    acme, globex, teams_receiver, other_teams_receiver
):
    connect_teams(acme.company, teams_receiver.url)
    connect_teams(globex.company, other_teams_receiver.url)
    private = okr.objective_create(
        company=acme.company,
        actor=None,
        cycle=acme.cycle,
        title="Secret acquisition",
        owner=acme.leader,
        activate=True,
        private=True,
    )
    okr.key_result_create(
        company=acme.company, actor=None, objective=private, owner=acme.member, title="Sign the target", target_value=1
    )
    dispatch(acme)
    cards = [json.loads(call.body) for call in teams_receiver.calls]
    assert len(cards) == 2
    for card in cards:
        check(card, TEAMS_MESSAGE)
        (action,) = card["attachments"][0]["content"]["actions"]
        assert action["type"] == "Action.OpenUrl"
        assert action["url"].endswith("/c/acme/check-in/")
    text = json.dumps(cards)
    assert "Time to check in at Acme" in text
    assert "the OKR week" in text
    assert "Secret acquisition" not in text
    assert "Sign the target" not in text
    assert not other_teams_receiver.calls  # Globex's channel hears nothing of Acme
    dispatch(acme)
    assert len(teams_receiver.calls) == 2  # once per period


def test_a_teams_5xx_releases_the_claim_for_a_retry(acme, teams_receiver):
    from chat import services

    connect_teams(acme.company, teams_receiver.url)
    teams_receiver.status = 503
    with pytest.raises(OSError, match="Teams answered 503"):
        services.post_teams_digest(
            company=acme.company, period=datetime.date(2026, 11, 16), now=datetime.datetime.fromisoformat(NOW)
        )
    assert not ChatDelivery.objects.filter(company=acme.company).exists()
    teams_receiver.status = 202
    assert services.post_teams_digest(
        company=acme.company, period=datetime.date(2026, 11, 16), now=datetime.datetime.fromisoformat(NOW)
    )
