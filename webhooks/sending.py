"""One HTTP attempt: sign the body by the Standard Webhooks specification and POST it, pinned to checked addresses.

Headers ``webhook-id`` (the delivery's message id, the same on every
attempt), ``webhook-timestamp`` (seconds, the moment of this attempt) and
``webhook-signature`` (``v1,<base64 HMAC-SHA256>`` by
``standardwebhooks.Webhook(secret).sign``; during a rotation's overlap one
signature per secret, separated by a space). The connection goes to an address
``addresses.check_url`` accepted, with the URL's host in ``Host`` and in
TLS's server name; redirects are answered as failures, never followed.
"""

import datetime
import http.client
import json
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from standardwebhooks import Webhook

from webhooks.addresses import Target, UnsafeURL, check_url

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


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, address: str, *, connect_timeout: float, read_timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=read_timeout)
        self._address, self._connect_timeout, self._read_timeout = address, connect_timeout, read_timeout

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), timeout=self._connect_timeout)
        self.sock.settimeout(self._read_timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, address: str, *, connect_timeout: float, read_timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=read_timeout, context=ssl.create_default_context())
        self._address, self._connect_timeout, self._read_timeout = address, connect_timeout, read_timeout

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), timeout=self._connect_timeout)
        sock.settimeout(self._read_timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]  # set by HTTPSConnection


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
        return Outcome(delivered=False, retryable="could not be resolved" in str(error), error=str(error)[:500])
    moment = (now or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature_header(secrets=secrets, msg_id=msg_id, timestamp=moment, body=body),
    }
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    last_error = ""
    for address in target.addresses:
        connection = kind(
            target,
            address,
            connect_timeout=settings.OKRHUB_WEBHOOK_CONNECT_TIMEOUT_SECONDS,
            read_timeout=settings.OKRHUB_WEBHOOK_READ_TIMEOUT_SECONDS,
        )
        try:
            try:
                connection.connect()
            except (ConnectionRefusedError, TimeoutError, OSError) as error:
                last_error = _describe(error, "connecting to")
                continue  # the next address of the host, if any
            try:
                connection.request("POST", target.path, body=body.encode(), headers=headers)
                response = connection.getresponse()
                raw = response.read(EXCERPT_CHARS * 4)
            except (TimeoutError, OSError, http.client.HTTPException) as error:
                return Outcome(
                    delivered=False, retryable=True, error=_describe(error, "waiting for"), duration_ms=took()
                )
        finally:
            connection.close()
        code = response.status
        excerpt = raw.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
        if 200 <= code < 300:
            return Outcome(delivered=True, retryable=False, status_code=code, excerpt=excerpt, duration_ms=took())
        if 300 <= code < 400:
            location = (response.getheader("location") or "")[:200]
            refusal = f"Answered {code} (a redirect to {location or 'nowhere'}); redirects are not followed."
            return Outcome(False, False, code, refusal, excerpt, took())
        return Outcome(False, _retryable_status(code), code, f"Answered {code}.", excerpt, took())
    return Outcome(delivered=False, retryable=True, error=last_error[:500], duration_ms=took())


def _describe(error: BaseException, doing: str) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return f"Timed out {doing} the receiver."
    if isinstance(error, ConnectionRefusedError):
        return "Connection refused."
    return f"{type(error).__name__} {doing} the receiver: {error}"[:500]
