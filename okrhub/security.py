"""Abuse protection plumbing: the client's address, the sign-in lockout's key, CSP relaxations.

The client's address (:func:`client_ip`) is the one every per-address count
uses: the sign-in lockout (``AXES_CLIENT_IP_CALLABLE``), the API's anonymous
throttle and the rate limits of ``okrhub.ratelimits``.

The site-wide policy (``SECURE_CSP`` in settings) allows no inline script or
style at all. Two kinds of page we do not write ourselves need more, and get
exactly that, per response:

- the Django admin puts ``style="…"`` attributes in some widgets (and our
  progress bars there): inline *styles* are allowed, scripts stay ``'self'``;
- the API docs: Swagger UI is served split (its start-up script is a separate
  same-origin file); ReDoc starts from one inline script, which carries the
  request's nonce (``templates/drf_spectacular/redoc.html``), and injects its
  own ``<style>`` elements and a web worker from a ``blob:`` URL.
"""

from collections.abc import Callable, Sequence
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.csp import CSP
from ipware import get_client_ip


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client that sent ``request``.

    With ``OKRHUB_PROXY_COUNT`` (N) trusted proxies in front of the site,
    each appends the address it received the request from to
    ``X-Forwarded-For``, so the client is the N-th entry from the right;
    anything further left was written by the client itself and is never
    trusted. With no proxy (N = 0, the local default) the header is ignored
    and the address is the connection's; None for a request that came over
    no connection (``force_login``). django-ipware parses the header (its
    proxy count is the proxies *inside* the header: N - 1).
    """
    proxies = settings.OKRHUB_PROXY_COUNT
    if proxies > 0:
        address, _ = get_client_ip(
            request,
            proxy_order="left-most",
            proxy_count=proxies - 1,
            request_header_order=["HTTP_X_FORWARDED_FOR"],
            strict=False,
        )
        if address is not None:
            return address
    return request.META.get("REMOTE_ADDR") or None


def login_email(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The email a sign-in attempt names, normalised, so "Ann@X" and "ann@x " count together."""
    value = (credentials or {}).get("username") or request.POST.get("username")
    return value.strip().lower() if isinstance(value, str) else None


def _relaxed(**changes: Sequence[str]) -> dict[str, Sequence[str]]:
    return {**settings.SECURE_CSP, **changes}


def relaxed_policy(request: HttpRequest) -> dict[str, Sequence[str]] | None:
    """The policy for this request when it is one of the pages that need more, else None."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    if match.namespace == "admin":
        return _relaxed(**{"style-src": [CSP.SELF, CSP.UNSAFE_INLINE]})
    if match.view_name == "api:docs":
        return _relaxed(**{"style-src": [CSP.SELF, CSP.UNSAFE_INLINE]})
    if match.view_name == "api:redoc":
        redoc: dict[str, Sequence[str]] = {
            "script-src": [CSP.SELF, CSP.NONCE],
            "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
            "worker-src": [CSP.SELF, "blob:"],
        }
        return _relaxed(**redoc)
    return None


class RelaxedCSPMiddleware:
    """Hands Django's CSP middleware (which runs after it on the response) a per-page policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = relaxed_policy(request)
        if policy is not None and not hasattr(response, "_csp_config"):
            response._csp_config = policy  # type: ignore[attr-defined]
        return response


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for sign-ins that come with a request.

    Every HTTP sign-in (our login page, the admin's) passes the request; code
    that calls ``authenticate()`` without one (tests' ``Client.login``, a
    shell) cannot be reached by an attacker, so it is not counted rather
    than refused outright as axes would.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return
        # Axes only checks (it raises when locked out); it never returns a user.
        super().authenticate(request, username, password, **kwargs)
