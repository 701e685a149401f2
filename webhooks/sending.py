"""One HTTP attempt: sign the body by the Standard Webhooks specification and POST it, pinned to checked addresses.

Headers ``webhook-id`` (the delivery's message id, the same on every
attempt), ``webhook-timestamp`` (seconds, the moment of this attempt) and
``webhook-signature`` (``v1,<base64 HMAC-SHA256>`` by
``standardwebhooks.Webhook(secret).sign``; during a rotation's overlap one
signature per secret, separated by a space). The URL is checked and the
request sent by ``okrhub.outbound`` (the SSRF guard: pinned to the checked
addresses, the URL's host in ``Host`` and TLS's server name); redirects are
answered as failures, never followed.
"""

import datetime
import http.client
import json
import socket
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from standardwebhooks import Webhook

from okrhub.outbound import Unreachable, UnsafeURL, check_url
from okrhub.outbound import post as send

#: Characters of the receiver's answer kept in the delivery log.
EXCERPT_CHARS = 1000
USER_AGENT = "OKRHub-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    retryable: bool
    status_code: int | None = None
    error: str = ""
    excerpt: str = ""
    duration_ms: int = 0


def signature_header(*, secrets: list[str], msg_id: str, timestamp: datetime.datetime, body: str) -> str:
    return " ".join(Webhook(secret).sign(msg_id, timestamp, body) for secret in secrets)


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False, sort_keys=False)


def _retryable_status(code: int) -> bool:
    return code in (408, 429) or code >= 500


def post(*, url: str, msg_id: str, body: str, secrets: list[str], now: datetime.datetime | None = None) -> Outcome:
    """POST ``body`` to ``url`` once and say what came of it (never raises for the receiver's faults)."""
    started = time.monotonic()

    def took() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        target = check_url(url)
    except UnsafeURL as error:
        # A name that no longer resolves may come back; an address we refuse is refused for good.
        return Outcome(delivered=False, retryable=error.code == "unresolvable", error=str(error)[:500])
    moment = (now or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature_header(secrets=secrets, msg_id=msg_id, timestamp=moment, body=body),
    }
    try:
        reply = send(
            target,
            body.encode(),
            headers,
            connect_timeout=settings.OKRHUB_WEBHOOK_CONNECT_TIMEOUT_SECONDS,
            read_timeout=settings.OKRHUB_WEBHOOK_READ_TIMEOUT_SECONDS,
            max_body=EXCERPT_CHARS * 4,
        )
    except Unreachable as error:
        return Outcome(
            delivered=False, retryable=True, error=_describe(error.cause, "connecting to"), duration_ms=took()
        )
    except (TimeoutError, OSError, http.client.HTTPException) as error:
        return Outcome(delivered=False, retryable=True, error=_describe(error, "waiting for"), duration_ms=took())
    code = reply.status
    excerpt = reply.body.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
    if 200 <= code < 300:
        return Outcome(delivered=True, retryable=False, status_code=code, excerpt=excerpt, duration_ms=took())
    if reply.redirected:
        refusal = f"Answered {code} (a redirect to {reply.location[:200] or 'nowhere'}); redirects are not followed."
        return Outcome(False, False, code, refusal, excerpt, took())
    return Outcome(False, _retryable_status(code), code, f"Answered {code}.", excerpt, took())


def _describe(error: BaseException, doing: str) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return f"Timed out {doing} the receiver."
    if isinstance(error, ConnectionRefusedError):
        return "Connection refused."
    return f"{type(error).__name__} {doing} the receiver: {error}"[:500]
