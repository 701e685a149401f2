"""Posting to URLs a company gave us (Teams webhooks), without letting them reach inside our network.

A company admin types the URL, so it could name the metadata service, the
database or anything else only the server can reach (server-side request
forgery). :func:`check_public_url` refuses, before saving and again before
every post, a URL whose host resolves to any private, loopback, link-local,
reserved, multicast or unspecified address, unless the operator allowed that
network (``OKRHUB_OUTBOUND_ALLOWED_NETWORKS``, e.g. ``127.0.0.1/32`` in
tests). Plain ``http`` is accepted only for such an allowed network: a
webhook URL is a credential and travels over TLS. Redirects are never
followed (a public host could redirect to a private one).

This guard lives here until the outgoing-webhooks app's guard can take its
place (one home for the rule, once both have landed).
"""

import ipaddress
import json
import socket
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

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


def check_public_url(url: str, *, field: str = "url") -> str:
    """``url`` if it may be posted to, else a ``ValidationError`` on ``field`` saying why."""
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
    return url


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        raise OutboundRefused(f"the receiver redirected ({code}); redirects are not followed")


_opener = urllib.request.build_opener(_NoRedirects())


def post_json(url: str, payload: dict[str, Any]) -> tuple[int, str]:
    """POST ``payload`` to ``url`` (checked again first); (status, body excerpt). Network errors raise ``OSError``."""
    try:
        check_public_url(url)
    except Exception as error:
        raise OutboundRefused(str(error)) from None
    request = urllib.request.Request(  # noqa: S310 - the scheme is http(s), checked above
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "OKRHub"},
        method="POST",
    )
    try:
        with _opener.open(request, timeout=settings.OKRHUB_CHAT_TIMEOUT_SECONDS) as response:
            return response.status, response.read(2000).decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(2000).decode(errors="replace")
