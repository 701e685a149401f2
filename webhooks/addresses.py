"""Which URLs a webhook may be sent to: the server-side request forgery guard.

A URL is accepted when its scheme is ``https`` (``http`` too if the operator
sets ``OKRHUB_WEBHOOK_ALLOW_HTTP``), it carries no user name or password, and
*every* address its host resolves to (A and AAAA records, or the literal IP)
is a public unicast address: private (RFC 1918, fc00::/7), loopback,
link-local (169.254.0.0/16 with the cloud metadata address, fe80::/10),
shared (100.64.0.0/10), multicast, reserved, unspecified and documentation
ranges are refused, IPv4-mapped IPv6 addresses judged as their IPv4 address.
Networks listed in ``OKRHUB_WEBHOOK_ALLOWED_NETWORKS`` are accepted whatever
their kind (an operator's own receivers; the tests' 127.0.0.1).

It runs when an endpoint is saved and again before every attempt, and the
delivery connects to the very addresses checked here (no second lookup a
rebinding DNS server could answer differently). Redirects are never followed.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURL(Exception):
    """The URL may not receive webhooks; the message says why, in words for the admin."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query string
    addresses: tuple[str, ...]


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(text, strict=False) for text in settings.OKRHUB_WEBHOOK_ALLOWED_NETWORKS]


def address_refusal(address: IPAddress) -> str | None:
    """Why ``address`` may not receive webhooks, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in allowed_networks() if network.version == address.version):
        return None
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(address, f"is_{kind}"):
            return f"{address} is a {kind.replace('_', '-')} address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def check_url(url: str) -> Target:
    """The URL's target with every address it resolves to, or :class:`UnsafeURL`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeURL(f"Not a valid URL ({error}).") from None
    schemes = ("https", "http") if settings.OKRHUB_WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeURL(
            "Use an https:// URL (this server does not send webhooks over plain http)."
            if parts.scheme == "http"
            else "Use an https:// URL."
        )
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("Put no user name or password in the URL; verify the signature instead.")
    host = parts.hostname
    if not host:
        raise UnsafeURL("The URL names no host.")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        found: list[IPAddress] = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise UnsafeURL(f"The host {host} could not be resolved ({error}).") from None
        found = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))
        if not found:
            raise UnsafeURL(f"The host {host} has no address.")
    for address in found:
        refusal = address_refusal(address)
        if refusal is not None:
            raise UnsafeURL(f"{host} resolves to {refusal}; webhooks go to public addresses only.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(
        scheme=parts.scheme, host=host, port=port, path=path, addresses=tuple(str(address) for address in found)
    )
