"""Requests to URLs a company gave us (webhooks, Teams): the server-side request forgery guard.

One home for the rule, used by every app that sends to a URL an admin typed
(``webhooks``, ``chat``): such a URL could name the cloud metadata service,
the database or anything else only the server can reach.

:func:`check_url` accepts a URL when its scheme is ``https`` (or ``http``, see
below), it carries no user name or password, and *every* address its host
resolves to (A and AAAA records, or the literal IP) is a public unicast
address: private (RFC 1918, fc00::/7), loopback, link-local (169.254.0.0/16
with the metadata address, fe80::/10), shared (100.64.0.0/10), multicast,
reserved, unspecified and documentation ranges are refused, IPv4-mapped IPv6
addresses judged as their IPv4 address. The refusal (:class:`UnsafeURL`)
says why in words for the admin, with a stable ``code``.

Settings, one set for every app:

- ``OKRHUB_OUTBOUND_ALLOWED_NETWORKS``: networks (CIDR) accepted whatever
  their kind: an operator's own receivers, the tests' ``127.0.0.1/32``.
- ``OKRHUB_OUTBOUND_ALLOW_HTTP``: plain ``http`` accepted for any host. Off,
  ``http`` is still accepted when *every* address of the host lies in an
  allowed network (the operator's own network, where TLS is the operator's
  choice); anywhere else the URL, often a credential, and the body travel
  over TLS.

Callers check when a URL is saved and again before every request, and send
with :func:`post`, which connects to the very addresses checked (no second
lookup a rebinding DNS server could answer differently), names the URL's host
in ``Host`` and in TLS's server name, keeps separate connect and read
timeouts, and never follows a redirect (a 3xx comes back as a :class:`Reply`
for the caller to refuse).
"""

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
type IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Kinds of address refused, in the order they are named.
REFUSED_KINDS = ("loopback", "link_local", "multicast", "unspecified", "reserved", "private")


class UnsafeURL(Exception):
    """The URL may not be requested; the message says why, in words for the admin.

    ``code`` is stable for clients: ``invalid``, ``port``, ``scheme``,
    ``credentials``, ``host``, ``unresolvable`` or ``private_address``.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``addresses``, in order) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str  # with the query string
    addresses: tuple[str, ...]


def allowed_networks() -> list[IPNetwork]:
    return [ipaddress.ip_network(text, strict=False) for text in settings.OKRHUB_OUTBOUND_ALLOWED_NETWORKS]


def _plain(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_allowed(address: IPAddress) -> bool:
    """Whether the operator allowed ``address``'s network."""
    address = _plain(address)
    return any(address in network for network in allowed_networks() if network.version == address.version)


def address_refusal(address: IPAddress) -> str | None:
    """What ``address`` is when it may not be requested ("a loopback address"), or None when it may."""
    address = _plain(address)
    if is_allowed(address):
        return None
    for kind in REFUSED_KINDS:
        if getattr(address, f"is_{kind}"):
            name = kind.replace("_", "-")
            return f"{'an' if name[0] in 'aeiou' else 'a'} {name} address"
    if not address.is_global:
        return "not a public address"
    return None


def _literal(host: str) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        return []


def _resolve(host: str, port: int) -> list[IPAddress]:
    if literal := _literal(host):
        return literal
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeURL(f"The host {host} could not be resolved ({error}).", "unresolvable") from None
    found = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))
    if not found:
        raise UnsafeURL(f"The host {host} has no address.", "unresolvable")
    return found


def check_url(url: str) -> Target:
    """The URL's target with every address it resolves to, or :class:`UnsafeURL` saying why not."""
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise UnsafeURL(f"Not a valid URL ({error}).", "invalid") from None
    try:
        port = parts.port
    except ValueError:
        raise UnsafeURL("The URL's port is not a number between 0 and 65535.", "port") from None
    if parts.scheme not in ("https", "http"):
        raise UnsafeURL("Enter an https:// URL.", "scheme")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("A URL with a user name or password in it is not accepted.", "credentials")
    host = parts.hostname
    if not host:
        raise UnsafeURL("The URL names no host.", "host")
    port = port or (443 if parts.scheme == "https" else 80)
    found = _resolve(host, port)
    for address in found:
        refusal = address_refusal(address)
        if refusal is not None:
            where = f"{host} is" if [address] == _literal(host) else f"{host} resolves to {address},"
            raise UnsafeURL(f"{where} {refusal}; only public addresses are allowed.", "private_address")
    if parts.scheme == "http" and not settings.OKRHUB_OUTBOUND_ALLOW_HTTP and not all(map(is_allowed, found)):
        raise UnsafeURL(
            "Enter an https:// URL: this server sends to plain http:// URLs only on its own networks.", "scheme"
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(
        scheme=parts.scheme, host=host, port=port, path=path, addresses=tuple(str(address) for address in found)
    )


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to ``address`` (one the check accepted), not to whatever ``host`` resolves to a moment later."""

    def __init__(self, host: str, port: int, *, address: str, connect_timeout: float, read_timeout: float) -> None:
        super().__init__(host, port, timeout=read_timeout)
        self.address, self.connect_timeout, self.read_timeout = address, connect_timeout, read_timeout

    def _pinned_socket(self) -> socket.socket:
        sock = socket.create_connection((self.address, self.port), timeout=self.connect_timeout)
        sock.settimeout(self.read_timeout)
        return sock

    def connect(self) -> None:
        self.sock = self._pinned_socket()


class PinnedHTTPSConnection(PinnedHTTPConnection, http.client.HTTPSConnection):
    """The same over TLS, verifying the certificate for ``host`` (the server name sent too)."""

    def __init__(self, host: str, port: int, *, address: str, connect_timeout: float, read_timeout: float) -> None:
        http.client.HTTPSConnection.__init__(
            self, host, port, timeout=read_timeout, context=ssl.create_default_context()
        )
        self.address, self.connect_timeout, self.read_timeout = address, connect_timeout, read_timeout

    def connect(self) -> None:
        context: ssl.SSLContext = self._context  # type: ignore[attr-defined]  # set by HTTPSConnection
        self.sock = context.wrap_socket(self._pinned_socket(), server_hostname=self.host)


class Unreachable(OSError):
    """No address of the target accepted a connection; ``cause`` is the last address's error."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(str(cause))
        self.cause = cause


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes  # at most the ``max_body`` bytes asked for
    location: str = ""  # a redirect's Location, never followed

    @property
    def redirected(self) -> bool:
        return 300 <= self.status < 400


def post(
    target: Target,
    body: bytes,
    headers: Mapping[str, str],
    *,
    connect_timeout: float,
    read_timeout: float,
    max_body: int,
) -> Reply:
    """POST ``body`` to the checked ``target``, trying its addresses in order until one accepts the connection.

    Raises :class:`Unreachable` when none does, ``OSError`` or
    ``http.client.HTTPException`` when the exchange fails after connecting.
    A redirect is answered as it came, never followed.
    """
    kind = PinnedHTTPSConnection if target.scheme == "https" else PinnedHTTPConnection
    last: OSError = OSError("the host has no address")
    for address in target.addresses:
        connection = kind(
            target.host, target.port, address=address, connect_timeout=connect_timeout, read_timeout=read_timeout
        )
        try:
            try:
                connection.connect()
            except OSError as error:
                last = error
                continue  # the host's next address, if any
            connection.request("POST", target.path, body=body, headers=dict(headers))
            response = connection.getresponse()
            return Reply(
                status=response.status, body=response.read(max_body), location=response.getheader("location") or ""
            )
        finally:
            connection.close()
    raise Unreachable(last)
