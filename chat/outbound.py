"""Posting to URLs a company gave us (Teams webhooks), without letting them reach inside our network.

A company admin types the URL, so it could name the metadata service, the
database or anything else only the server can reach (server-side request
forgery). :func:`check_public_url` refuses, before saving and again before
every post, a URL whose host resolves to any private, loopback, link-local,
reserved, multicast or unspecified address, unless the operator allowed that
network (``OKRHUB_OUTBOUND_ALLOWED_NETWORKS``, e.g. ``127.0.0.1/32`` in
tests). Plain ``http`` is accepted only for such an allowed network: a
webhook URL is a credential and travels over TLS. Redirects are never
followed (a public host could redirect to a private one), and a post connects
to the address that was checked (no second lookup a rebinding DNS server
could answer differently).

This guard lives here until the outgoing-webhooks app's guard can take its
place (one home for the rule, once both have landed).
"""

import http.client
import ipaddress
import json
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from okrhub.errors import invalid

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundRefused(Exception):
    """The URL may not be posted to (it resolves to a refused address, or it redirected)."""


def _allowed(address: Address) -> bool:
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.OKRHUB_OUTBOUND_ALLOWED_NETWORKS)


def _refused(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def _addresses(host: str, port: int) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def _vetted(url: str, field: str) -> tuple[str, list[Address]]:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise invalid(field, "Enter an https:// URL.", "scheme")
    if parts.username or parts.password:
        raise invalid(field, "A URL with a user name or password in it is not accepted.", "credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise invalid(field, "The URL's port is not a number between 0 and 65535.", "port") from None
    addresses = _addresses(parts.hostname, port)
    if not addresses:
        raise invalid(field, f"The host {parts.hostname} does not resolve.", "unresolvable")
    for address in addresses:
        if _refused(address) and not _allowed(address):
            raise invalid(
                field,
                f"The host {parts.hostname} resolves to a private or local address ({address}); "
                "only public addresses are allowed.",
                "private_address",
            )
    if parts.scheme == "http" and not all(_allowed(address) for address in addresses):
        raise invalid(field, "Enter an https:// URL: the webhook URL is a secret and must travel encrypted.", "scheme")
    return url, addresses


def check_public_url(url: str, *, field: str = "url") -> str:
    """``url`` if it may be posted to, else a ``ValidationError`` on ``field`` saying why."""
    return _vetted(url, field)[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the name resolves to a moment later."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post_json(url: str, payload: dict[str, Any]) -> tuple[int, str]:
    """POST ``payload`` to ``url``; (status, body excerpt). Network errors raise ``OSError``.

    The URL is checked again, and the connection goes to the very address
    checked (a name that resolves elsewhere a moment later, DNS rebinding,
    gains nothing). A redirect is refused, never followed.
    """
    try:
        url, addresses = _vetted(url, "url")
    except ValidationError as error:
        raise OutboundRefused(" ".join(error.messages)) from None
    parts = urlsplit(url)
    host = parts.hostname or ""
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    port = parts.port or (443 if parts.scheme == "https" else 80)
    connection = kind(host, port, address=str(addresses[0]), timeout=settings.OKRHUB_CHAT_TIMEOUT_SECONDS)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            "POST",
            path,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "User-Agent": "OKRHub", "Host": parts.netloc},
        )
        response = connection.getresponse()
        body = response.read(2000).decode(errors="replace")
    finally:
        connection.close()
    if 300 <= response.status < 400:
        raise OutboundRefused(f"the receiver redirected ({response.status}); redirects are not followed")
    return response.status, body
