"""The SSRF guard every outgoing request goes through (okrhub.outbound), tested once for webhooks and Teams.

The apps' own tests only check that they refuse a private URL through it.
"""

import socket

import pytest

from okrhub import outbound
from tests.webhooks.receiver import Answer, Receiver


def resolving(monkeypatch, *addresses: str) -> list[str]:
    """Every name resolves to ``addresses`` (numeric ones still connect); the names asked for are recorded."""
    asked: list[str] = []
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
            return real(host, port, *args, **kwargs)
        except OSError:
            asked.append(host)
            family = lambda a: socket.AF_INET6 if ":" in a else socket.AF_INET  # noqa: E731
            return [(family(a), socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    monkeypatch.setattr(outbound.socket, "getaddrinfo", resolve)
    return asked


@pytest.fixture
def no_allowed(settings):
    settings.OKRHUB_OUTBOUND_ALLOWED_NETWORKS = []
    settings.OKRHUB_OUTBOUND_ALLOW_HTTP = False
    return settings


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://10.1.2.3/hook", "10.1.2.3 is a private address"),
        ("https://192.168.0.10/", "192.168.0.10 is a private address"),
        ("https://127.0.0.1/hook", "127.0.0.1 is a loopback address"),
        ("https://[::1]/hook", "::1 is a loopback address"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("https://[fe80::1]/", "fe80::1 is a link-local address"),
        ("https://0.0.0.0/", "0.0.0.0 is an unspecified address"),
        ("https://224.0.0.1/", "224.0.0.1 is a multicast address"),
        ("https://240.0.0.1/", "240.0.0.1 is a reserved address"),
        ("https://100.64.0.1/", "100.64.0.1 is not a public address"),
        ("https://192.0.2.1/", "192.0.2.1 is a private address"),  # documentation (TEST-NET-1)
        ("https://[2001:db8::1]/", "2001:db8::1 is a private address"),  # documentation
        ("https://[fc00::1]/", "fc00::1 is a private address"),
        ("https://[::ffff:10.0.0.1]/", "::ffff:10.0.0.1 is a private address"),  # judged as 10.0.0.1
        ("https://[::ffff:127.0.0.1]/", "a loopback address"),
    ],
)
def test_addresses_that_are_not_public_are_refused_saying_what_they_are(no_allowed, url, why):
    with pytest.raises(outbound.UnsafeURL) as refused:
        outbound.check_url(url)
    assert why in str(refused.value)
    assert refused.value.code == "private_address"


def test_localhost_is_refused(no_allowed):
    with pytest.raises(outbound.UnsafeURL, match=r"localhost resolves to .*loopback"):
        outbound.check_url("https://localhost/hook")


def test_a_public_address_is_accepted_with_what_to_connect_to(no_allowed):
    target = outbound.check_url("https://93.184.216.34:8443/in?x=1")
    assert target == outbound.Target("https", "93.184.216.34", 8443, "/in?x=1", ("93.184.216.34",))


def test_a_name_is_refused_when_any_of_its_addresses_is_private(no_allowed, monkeypatch):
    resolving(monkeypatch, "93.184.216.34", "10.0.0.7")
    with pytest.raises(outbound.UnsafeURL, match=r"hooks\.example\.com resolves to 10\.0\.0\.7, a private address"):
        outbound.check_url("https://hooks.example.com/in")
    resolving(monkeypatch, "93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946")
    assert outbound.check_url("https://hooks.example.com/in").addresses == (
        "93.184.216.34",
        "2606:2800:220:1:248:1893:25c8:1946",
    )


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://hooks.example.com/", "scheme"),
        ("hooks.example.com/in", "scheme"),
        ("https://u:p@hooks.example.com/", "credentials"),
        ("https://u@hooks.example.com/", "credentials"),
        ("https:///in", "host"),
        ("https://hooks.example.com:99999/", "port"),
        ("https://[::1/", "invalid"),
    ],
)
def test_malformed_urls_are_refused_with_a_code(no_allowed, monkeypatch, url, code):
    resolving(monkeypatch, "93.184.216.34")
    with pytest.raises(outbound.UnsafeURL) as refused:
        outbound.check_url(url)
    assert refused.value.code == code


def test_a_name_that_does_not_resolve_is_refused_as_unresolvable(no_allowed, monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(outbound.socket, "getaddrinfo", fail)
    with pytest.raises(outbound.UnsafeURL, match="could not be resolved") as refused:
        outbound.check_url("https://nowhere.example.com/")
    assert refused.value.code == "unresolvable"


def test_plain_http_needs_the_operator_or_an_allowed_network(no_allowed, monkeypatch):
    resolving(monkeypatch, "93.184.216.34")
    with pytest.raises(outbound.UnsafeURL, match="https://") as refused:
        outbound.check_url("http://hooks.example.com/")
    assert refused.value.code == "scheme"
    no_allowed.OKRHUB_OUTBOUND_ALLOW_HTTP = True
    assert outbound.check_url("http://hooks.example.com/").port == 80
    # Off again, http is accepted where every address is inside an allowed network.
    no_allowed.OKRHUB_OUTBOUND_ALLOW_HTTP = False
    no_allowed.OKRHUB_OUTBOUND_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    resolving(monkeypatch, "10.0.0.7")
    assert outbound.check_url("http://hooks.internal/").addresses == ("10.0.0.7",)
    resolving(monkeypatch, "10.0.0.7", "93.184.216.34")
    with pytest.raises(outbound.UnsafeURL, match="https://"):
        outbound.check_url("http://hooks.internal/")


def test_the_operator_allows_networks_and_nothing_else(no_allowed):
    no_allowed.OKRHUB_OUTBOUND_ALLOWED_NETWORKS = ["10.0.0.0/8", "fd00::/8"]
    assert outbound.check_url("https://10.1.2.3/hook").addresses == ("10.1.2.3",)
    assert outbound.check_url("https://[::ffff:10.1.2.3]/hook")  # mapped: judged as 10.1.2.3
    assert outbound.check_url("https://[fd00::5]/hook")
    for url in ("https://192.168.1.1/hook", "https://127.0.0.1/", "https://[fc00::1]/"):
        with pytest.raises(outbound.UnsafeURL):
            outbound.check_url(url)


@pytest.fixture
def receiver():
    """On 127.0.0.1/32, which the test settings allow (plain http too: an allowed network)."""
    running = Receiver().start()
    yield running
    running.stop()


def post(url: str) -> outbound.Reply:
    return outbound.post(
        outbound.check_url(url),
        b'{"a":1}',
        {"content-type": "application/json"},
        connect_timeout=2,
        read_timeout=2,
        max_body=5,
    )


def test_the_post_connects_to_the_checked_address_naming_the_host(receiver, monkeypatch):
    """DNS rebinding: the name is resolved once, by the check; the connection goes to that address."""
    port = receiver.url.split(":")[2].split("/")[0]
    asked = resolving(monkeypatch, "127.0.0.1")
    target = outbound.check_url(f"http://hooks.example.test:{port}/in?x=1")
    resolving(monkeypatch, "10.0.0.9")  # what a second lookup would answer
    reply = outbound.post(target, b'{"a":1}', {}, connect_timeout=2, read_timeout=2, max_body=5)
    assert (reply.status, reply.redirected, asked) == (200, False, ["hooks.example.test"])
    (received,) = receiver.received
    assert received.headers["host"] == f"hooks.example.test:{port}"
    assert received.body == b'{"a":1}'


def test_a_redirect_is_answered_not_followed(receiver):
    receiver.default = Answer(status=302, location="http://169.254.169.254/latest/meta-data/", body="moved away")
    reply = post(receiver.url)
    assert (reply.status, reply.redirected, reply.location) == (302, True, "http://169.254.169.254/latest/meta-data/")
    assert reply.body == b"moved"  # at most max_body bytes
    assert len(receiver.received) == 1


def test_the_next_address_is_tried_when_one_refuses_the_connection(receiver, monkeypatch):
    port = int(receiver.url.split(":")[2].split("/")[0])
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = closed.getsockname()[1]
    target = outbound.Target("http", "127.0.0.1", port, "/", ("127.0.0.1", "127.0.0.1"))
    monkeypatch.setattr(outbound.PinnedHTTPConnection, "_pinned_socket", _first_dead(dead))
    assert outbound.post(target, b"{}", {}, connect_timeout=2, read_timeout=2, max_body=10).status == 200
    with pytest.raises(outbound.Unreachable) as unreachable:
        outbound.post(
            outbound.Target("http", "127.0.0.1", dead, "/", ("127.0.0.1",)),
            b"{}",
            {},
            connect_timeout=2,
            read_timeout=2,
            max_body=10,
        )
    assert isinstance(unreachable.value.cause, ConnectionRefusedError)


def _first_dead(dead_port: int):
    real = outbound.PinnedHTTPConnection._pinned_socket
    calls = []

    def pinned(self):
        calls.append(self.address)
        if len(calls) == 1:
            return socket.create_connection(("127.0.0.1", dead_port), timeout=self.connect_timeout)
        return real(self)

    return pinned
