"""Rate limits on the paths strangers can repeat: sign-up, password reset, verification resend,
failed API-key authentication.

Counting is django-ratelimit's (fixed windows in the shared cache, so every
web process sees the same counts); the rates are settings (``OKRHUB_RATE_*``,
django-ratelimit's ``"count/period"`` form, e.g. ``"10/h"``). Addresses come
from :func:`okrhub.security.client_ip`. A page over its limit answers 429 with
``Retry-After``; the API answers 429 problem details through DRF's
``Throttled``.

Fails open, as the API throttles do: with the cache (Redis) unreachable the
attempt is not counted and goes through, with a warning logged, rather than
answering 500.
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypedDict

import redis
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django_ratelimit.core import get_usage

from okrhub.logs import log_event
from okrhub.security import client_ip

log = logging.getLogger(__name__)

#: What a limit counts per: the client's address, or address and the email the form names.
Key = Callable[[HttpRequest], str]


class Limit(TypedDict):
    """One limit: its counter's group, the setting that holds its rate, what it counts per."""

    group: str
    rate_setting: str
    key: Key


def by_address(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def by_email(request: HttpRequest) -> str:
    return str(request.POST.get("email", "")).strip().lower()


def by_user(request: HttpRequest) -> str:
    return f"user:{request.user.pk}"


def _usage(request: HttpRequest, *, group: str, rate_setting: str, key: Key, count: bool) -> dict[str, Any] | None:
    value = key(request)
    try:
        usage: dict[str, Any] | None = get_usage(
            request,
            group=group,
            key=lambda _group, _request: value,
            rate=getattr(settings, rate_setting),
            increment=count,
        )
    except redis.RedisError as error:
        log_event(log, "ratelimit.unavailable", level=logging.WARNING, group=group, error=type(error).__name__)
        return None
    return usage


def _wait(usage: dict[str, Any] | None) -> int | None:
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, int(usage["time_left"]))


def count_attempt(request: HttpRequest, *, group: str, rate_setting: str, key: Key) -> int | None:
    """Count one attempt; the seconds to wait if this one is over the limit, else None."""
    return _wait(_usage(request, group=group, rate_setting=rate_setting, key=key, count=True))


def over_limit(request: HttpRequest, *, group: str, rate_setting: str, key: Key) -> int | None:
    """Without counting: the seconds to wait if the limit is already exceeded, else None."""
    return _wait(_usage(request, group=group, rate_setting=rate_setting, key=key, count=False))


def too_many_requests(request: HttpRequest, wait: int) -> HttpResponse:
    response = render(request, "429.html", {"minutes": max(1, -(-wait // 60))}, status=429)
    response["Retry-After"] = str(wait)
    return response


def rate_limited(
    group: str, *, rate_setting: str, key: Key = by_address
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Limit a page's POSTs to the rate named by ``rate_setting``, counted per ``key``."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method == "POST":
                wait = count_attempt(request, group=group, rate_setting=rate_setting, key=key)
                if wait is not None:
                    return too_many_requests(request, wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
