"""Posting to URLs a company gave us (Teams webhooks), through the shared SSRF guard.

The rule (which URLs, which addresses, plain http or not) and the pinned
connection live in :mod:`okrhub.outbound`; this module only speaks chat's
dialect of it: a refused URL is a ``ValidationError`` on the form's field
with the guard's code, a refused post or a redirect is :class:`OutboundRefused`.
"""

import json
from typing import Any

from django.conf import settings

from okrhub import outbound
from okrhub.errors import invalid


class OutboundRefused(Exception):
    """The URL may not be posted to (it resolves to a refused address, or it redirected)."""


def check_public_url(url: str, *, field: str = "url") -> str:
    """``url`` (stripped) if it may be posted to, else a ``ValidationError`` on ``field`` saying why."""
    url = url.strip()
    try:
        outbound.check_url(url)
    except outbound.UnsafeURL as error:
        raise invalid(field, str(error), error.code) from None
    return url


def post_json(url: str, payload: dict[str, Any]) -> tuple[int, str]:
    """POST ``payload`` to ``url``; (status, body excerpt). Network errors raise ``OSError``.

    The URL is checked again and the post pinned to the addresses checked
    (a name that resolves elsewhere a moment later, DNS rebinding, gains
    nothing). A redirect is refused, never followed.
    """
    try:
        target = outbound.check_url(url.strip())
    except outbound.UnsafeURL as error:
        raise OutboundRefused(str(error)) from None
    timeout = settings.OKRHUB_CHAT_TIMEOUT_SECONDS
    reply = outbound.post(
        target,
        json.dumps(payload).encode(),
        {"Content-Type": "application/json", "User-Agent": "OKRHub"},
        connect_timeout=timeout,
        read_timeout=timeout,
        max_body=2000,
    )
    if reply.redirected:
        raise OutboundRefused(f"the receiver redirected ({reply.status}); redirects are not followed")
    return reply.status, reply.body.decode(errors="replace")
