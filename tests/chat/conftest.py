"""A local stand-in for Slack's Web API and OAuth endpoints, and for a Teams Workflows webhook.

The SDK is pointed at it through ``WebClient(base_url=…)`` (``OKRHUB_SLACK_API_URL``):
every call is recorded (method, headers, parameters from the query, form or
JSON body) and answered the way Slack answers (HTTP 200, ``{"ok": …}``).
"""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.conf import settings as django_settings

from chat.models import SlackInstallation
from okrhub import encryption

BOT_TOKEN = "xoxb-acme-bot-token-0123456789"


@dataclass
class Call:
    method: str
    http_method: str
    headers: dict[str, str]
    params: dict[str, Any]
    body: bytes


@dataclass
class Recorder:
    """The server's state: what it was asked, and who exists in each workspace (by bot token)."""

    calls: list[Call] = field(default_factory=list)
    #: bot token → {email: Slack user id}
    people: dict[str, dict[str, str]] = field(default_factory=dict)
    oauth_team: dict[str, str] = field(default_factory=lambda: {"id": "T0ACME", "name": "Acme Slack"})
    oauth_token: str = BOT_TOKEN
    #: Slack method → forced error code (answered ``{"ok": false, "error": code}``)
    errors: dict[str, str] = field(default_factory=dict)
    #: For a Teams receiver: the HTTP status and Location to answer with
    status: int = 202
    location: str = ""

    def named(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def answer(self, call: Call) -> dict[str, Any]:
        if call.method in self.errors:
            return {"ok": False, "error": self.errors[call.method]}
        token = call.headers.get("authorization", "").removeprefix("Bearer ")
        directory = self.people.get(token, {})
        if call.method == "oauth.v2.access":
            return {
                "ok": True,
                "access_token": self.oauth_token,
                "token_type": "bot",
                "scope": "chat:write,users:read,users:read.email,commands",
                "bot_user_id": "U0BOT",
                "app_id": "A0APP",
                "team": self.oauth_team,
                "authed_user": {"id": "U0INSTALLER"},
            }
        if call.method == "users.lookupByEmail":
            found = directory.get(call.params.get("email", ""))
            return {"ok": True, "user": {"id": found}} if found else {"ok": False, "error": "users_not_found"}
        if call.method == "users.info":
            wanted = call.params.get("user")
            email = next((e for e, uid in directory.items() if uid == wanted), None)
            if email is None and wanted in self.people.get("*unknown*", {}):
                email = self.people["*unknown*"][wanted]
            return {"ok": True, "user": {"id": wanted, "profile": {"email": email or ""}}}
        if call.method == "chat.postMessage":
            return {"ok": True, "channel": "D0DM", "ts": "1700000000.000100"}
        if call.method == "views.open":
            return {"ok": True, "view": {"id": "V0VIEW"}}
        return {"ok": True}


class _Handler(BaseHTTPRequestHandler):
    recorder: Recorder

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        params: dict[str, Any] = dict(parse_qsl(parts.query))
        kind = self.headers.get("Content-Type", "")
        if body and "json" in kind:
            params.update(json.loads(body))
        elif body:
            params.update(parse_qsl(body.decode()))
        call = Call(
            method=parts.path.rsplit("/", 1)[-1],
            http_method=self.command,
            headers={k.lower(): v for k, v in self.headers.items()},
            params=params,
            body=body,
        )
        self.recorder.calls.append(call)
        if parts.path.startswith("/api/"):
            status, payload = 200, json.dumps(self.recorder.answer(call)).encode()
        else:  # a Teams webhook
            status, payload = self.recorder.status, b"accepted" if self.recorder.status < 300 else b"no"
        self.send_response(status)
        if self.recorder.location:
            self.send_header("Location", self.recorder.location)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass


class LocalServer:
    def __init__(self) -> None:
        self.recorder = Recorder()
        handler = type("Handler", (_Handler,), {"recorder": self.recorder})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "LocalServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slack_api(settings):
    """The recording Slack; the SDK's ``base_url`` points at it."""
    with LocalServer() as server:
        settings.OKRHUB_SLACK_API_URL = server.url + "/api/"
        yield server.recorder


@pytest.fixture
def teams_receiver():
    with LocalServer() as server:
        server.recorder.url = server.url + "/workflows/webhook/abc?sig=secret-signature"
        yield server.recorder


@pytest.fixture
def other_teams_receiver():
    with LocalServer() as server:
        server.recorder.url = server.url + "/workflows/webhook/other?sig=other-signature"
        yield server.recorder


def connect_slack(company, *, team_id: str = "T0ACME", token: str = BOT_TOKEN, user=None) -> SlackInstallation:
    """A stored installation, as the OAuth callback leaves it."""
    return SlackInstallation.objects.create(
        company=company,
        team_id=team_id,
        team_name=f"{company.name} Slack",
        bot_user_id="U0BOT",
        bot_token_encrypted=encryption.encrypt(token),
        installed_by=user,
    )


def sign(body: str, *, timestamp: int | None = None, secret: str | None = None) -> dict[str, str]:
    """The headers Slack sends: ``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the signing secret."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    key = (secret or django_settings.OKRHUB_SLACK_SIGNING_SECRET).encode()
    digest = hmac.new(key, f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def slack_post(client, path: str, fields: dict[str, str], **signing):
    body = urlencode(fields)
    return client.post(path, data=body, content_type="application/x-www-form-urlencoded", headers=sign(body, **signing))
