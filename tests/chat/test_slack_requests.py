"""Requests from Slack: signatures, who is asking, the check-in modal and its submission."""

import json
import time

import pytest
from django.test import Client

from alignment.selectors import alignment_tree
from chat.blocks import CHECKIN_ACTION, CHECKIN_CALLBACK
from chat.models import SlackUser
from objectives import services as okr
from objectives.models import CheckIn, Event, Verb
from tests.chat.conftest import BOT_TOKEN, connect_slack, sign, slack_post
from tests.chat.schemas import MODAL, check

COMMANDS = "/integrations/slack/commands/"
INTERACTIONS = "/integrations/slack/interactions/"


@pytest.fixture
def world(team, slack_api):
    """Acme with Slack connected; the member owns two key results of an active objective."""
    company = team.company
    objective = okr.objective_create(
        company=company,
        actor=None,
        cycle=team.cycle,
        department=team.department,
        title="Close new business",
        owner=team.lead,
        activate=True,
    )
    deals = okr.key_result_create(
        company=company, actor=None, objective=objective, owner=team.member, title="Close 40 deals", target_value=40
    )
    demos = okr.key_result_create(
        company=company, actor=None, objective=objective, owner=team.member, title="Book 90 demos", target_value=90
    )
    connect_slack(company)
    slack_api.people[BOT_TOKEN] = {team.member.email: "U0MEMBER", team.admin.email: "U0ADMIN"}
    team.deals, team.demos = deals, demos
    return team


def command(user_id: str = "U0MEMBER", team_id: str = "T0ACME", text: str = "checkin") -> dict[str, str]:
    return {
        "command": "/okr",
        "text": text,
        "team_id": team_id,
        "user_id": user_id,
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "response_url": "https://hooks.slack.com/commands/T0ACME/1/abc",
    }


def submission(values: dict, *, user_id: str = "U0MEMBER", team_id: str = "T0ACME") -> dict[str, str]:
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "acme"},
        "user": {"id": user_id, "team_id": team_id},
        "view": {"id": "V0VIEW", "team_id": team_id, "callback_id": CHECKIN_CALLBACK, "state": {"values": values}},
    }
    return {"payload": json.dumps(payload)}


def row(kr, value: str = "", confidence: str = "on_track", note: str = "") -> dict:
    return {
        f"kr{kr.pk}-value": {"value": {"type": "plain_text_input", "value": value or None}},
        f"kr{kr.pk}-confidence": {"confidence": {"type": "static_select", "selected_option": {"value": confidence}}},
        f"kr{kr.pk}-note": {"note": {"type": "plain_text_input", "value": note or None}},
    }


# ---------------------------------------------------------------- signatures


@pytest.mark.parametrize("path", [COMMANDS, INTERACTIONS])
def test_only_requests_signed_as_slack_signs_them_are_accepted(world, slack_api, path):
    fields = (
        command()
        if path == COMMANDS
        else {
            "payload": json.dumps(
                {"type": "block_actions", "team": {"id": "T0ACME"}, "user": {"id": "U0MEMBER"}, "actions": []}
            )
        }
    )
    client = Client()
    assert slack_post(client, path, fields).status_code == 200
    stale = slack_post(client, path, fields, timestamp=int(time.time()) - 301)
    assert stale.status_code == 401
    assert slack_post(client, path, fields, secret="not-the-secret").status_code == 401
    # Tampered: signed for one body, sent with another.
    from urllib.parse import urlencode

    body = urlencode(fields)
    headers = sign(body)
    tampered = client.post(path, data=body + "x", content_type="application/x-www-form-urlencoded", headers=headers)
    assert tampered.status_code == 401
    assert client.post(path, data=body, content_type="application/x-www-form-urlencoded").status_code == 401
    headers["X-Slack-Request-Timestamp"] = "soon"
    assert (
        client.post(path, data=body, content_type="application/x-www-form-urlencoded", headers=headers).status_code
        == 401
    )
    # Only the first, good request reached Slack's API (views.open or nothing).
    assert len([c for c in slack_api.calls if c.method == "views.open"]) == (1 if path == COMMANDS else 0)


def test_get_is_not_allowed(world):
    assert Client().get(COMMANDS).status_code == 405


# ---------------------------------------------------------------- who is asking


def test_an_unmatched_person_is_told_which_email_and_company(world, slack_api):
    slack_api.people["*unknown*"] = {"U0STRANGER": "stranger@elsewhere.test"}
    response = slack_post(Client(), COMMANDS, command(user_id="U0STRANGER"))
    assert response.status_code == 200
    assert response.json() == {
        "response_type": "ephemeral",
        "text": f"Your Slack email stranger@elsewhere.test isn't a member of company {world.company.name} in OKRHub.",
    }
    assert not slack_api.named("views.open")


def test_an_unconnected_workspace_is_told_so(world, slack_api):
    response = slack_post(Client(), COMMANDS, command(team_id="T0NOBODY"))
    assert "not connected to OKRHub" in response.json()["text"]
    assert not slack_api.calls


def test_slash_command_opens_the_modal_with_the_persons_key_results(world, slack_api):
    response = slack_post(Client(), COMMANDS, command())
    assert response.status_code == 200
    (call,) = slack_api.named("views.open")
    assert call.params["trigger_id"] == command()["trigger_id"]
    assert call.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    view = call.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    check(view, MODAL)
    block_ids = {block.get("block_id") for block in view["blocks"]}
    for kr in (world.deals, world.demos):
        assert {f"kr{kr.pk}-value", f"kr{kr.pk}-confidence", f"kr{kr.pk}-note"} <= block_ids
    # The person was matched by the email Slack shows, and remembered.
    assert SlackUser.objects.get(company=world.company, slack_user_id="U0MEMBER").user == world.member


def test_other_text_answers_with_help(world, slack_api):
    response = slack_post(Client(), COMMANDS, command(text="dance"))
    assert "/okr checkin" in response.json()["text"]


def test_the_reminder_button_opens_the_modal_and_an_unmatched_person_gets_an_ephemeral_message(world, slack_api):
    def click(user_id: str):
        payload = {
            "type": "block_actions",
            "team": {"id": "T0ACME"},
            "user": {"id": user_id},
            "channel": {"id": "D0DM"},
            "trigger_id": "trigger-1",
            "actions": [{"action_id": CHECKIN_ACTION, "type": "button", "value": "checkin"}],
        }
        return slack_post(Client(), INTERACTIONS, {"payload": json.dumps(payload)})

    assert click("U0MEMBER").status_code == 200
    (opened,) = slack_api.named("views.open")
    assert opened.params["trigger_id"] == "trigger-1"
    slack_api.people["*unknown*"] = {"U0STRANGER": "stranger@elsewhere.test"}
    assert click("U0STRANGER").status_code == 200
    (ephemeral,) = slack_api.named("chat.postEphemeral")
    assert ephemeral.params["user"] == "U0STRANGER"
    assert "stranger@elsewhere.test isn't a member of company" in ephemeral.params["text"]


# ---------------------------------------------------------------- submission


def test_a_submitted_modal_checks_in_through_the_service_and_shows_in_the_tree(world, slack_api):
    values = {**row(world.deals, "12", "at_risk", "Two big ones slipped"), **row(world.demos)}
    response = slack_post(Client(), INTERACTIONS, submission(values))
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "update"
    check(answer["view"], MODAL)
    assert "Close 40 deals" in json.dumps(answer["view"])
    checkin = CheckIn.objects.get(key_result=world.deals)
    assert (checkin.value, checkin.confidence, checkin.note, checkin.author) == (
        12,
        "at_risk",
        "Two big ones slipped",
        world.member,
    )
    assert not CheckIn.objects.filter(key_result=world.demos).exists()  # no value: no check-in
    assert Event.objects.filter(company=world.company, verb=Verb.CHECKIN_CREATED, key_result=world.deals).exists()
    tree = alignment_tree(company=world.company, actor=world.actor(world.admin), cycle=world.cycle)
    krs = {kr["id"]: kr for root in tree["roots"] for kr in root["key_results"]}
    assert float(krs[world.deals.pk]["current_value"]) == 12
    assert krs[world.deals.pk]["confidence"] == "at_risk"


def test_validation_errors_name_the_block(world, slack_api):
    values = {**row(world.deals, "twelve"), **row(world.demos, "", "on_track", "a note without a value")}
    response = slack_post(Client(), INTERACTIONS, submission(values))
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {f"kr{world.demos.pk}-value"}
    values = {**row(world.deals, "twelve")}
    answer = slack_post(Client(), INTERACTIONS, submission(values)).json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [f"kr{world.deals.pk}-value"]
    assert not CheckIn.objects.filter(company=world.company).exists()
    answer = slack_post(Client(), INTERACTIONS, submission(row(world.deals))).json()
    assert answer["errors"] == {f"kr{world.deals.pk}-value": "Enter a value for at least one key result."}


def test_a_workspace_cannot_check_in_on_another_companys_key_result(world, other_team, slack_api):
    other = okr.objective_create(
        company=other_team.company,
        actor=None,
        cycle=other_team.cycle,
        title="Theirs",
        owner=other_team.member,
        activate=True,
    )
    theirs = okr.key_result_create(
        company=other_team.company, actor=None, objective=other, owner=other_team.member, title="Theirs", target_value=9
    )
    connect_slack(other_team.company, team_id="T0GLOBEX", token="xoxb-globex")
    # Acme's member, from Acme's workspace, names Globex's key result.
    answer = slack_post(Client(), INTERACTIONS, submission(row(theirs, "5"))).json()
    assert answer == {
        "response_action": "errors",
        "errors": {f"kr{theirs.pk}-value": "You cannot check in on this key result."},
    }
    assert not CheckIn.objects.filter(key_result=theirs).exists()
    # Someone whose email is a Globex member's, in Acme's workspace, is not a member of Acme.
    slack_api.people["*unknown*"] = {"U0SPY": other_team.member.email}
    answer = slack_post(Client(), INTERACTIONS, submission(row(theirs, "5"), user_id="U0SPY")).json()
    assert answer["response_action"] == "update"
    assert f"isn't a member of company {world.company.name}" in json.dumps(answer["view"])
    assert not CheckIn.objects.filter(key_result=theirs).exists()


def test_a_viewer_cannot_check_in_on_someone_elses_key_result(world, slack_api):
    slack_api.people[BOT_TOKEN][world.viewer.email] = "U0VIEWER"
    answer = slack_post(Client(), INTERACTIONS, submission(row(world.deals, "3"), user_id="U0VIEWER")).json()
    assert answer["errors"] == {f"kr{world.deals.pk}-value": "You cannot check in on this key result."}
    assert not CheckIn.objects.filter(key_result=world.deals).exists()


def test_a_token_stored_under_another_key_asks_for_a_reconnect(world, slack_api, settings):
    settings.OKRHUB_ENCRYPTION_KEY = "q3VwF9x1cQm0bTt2S7m5rK8Zb6dXhJ0nY4pA1eLw2uE="
    response = slack_post(Client(), COMMANDS, command())
    assert response.status_code == 200
    assert "must connect Slack again" in response.json()["text"]
    assert not slack_api.calls


def test_slack_requests_run_in_a_bounded_number_of_queries(world, slack_api, django_assert_max_num_queries):
    slack_post(Client(), COMMANDS, command())  # matches and remembers the person
    with django_assert_max_num_queries(6):
        assert slack_post(Client(), COMMANDS, command()).status_code == 200
    values = {**row(world.deals, "5"), **row(world.demos, "7")}
    with django_assert_max_num_queries(22):
        answer = slack_post(Client(), INTERACTIONS, submission(values)).json()
    assert answer["response_action"] == "update"
