"""Absolute links for emails: always from ``OKRHUB_BASE_URL``, never from a request's Host.

A request's Host is whatever the client sent (any allowed host, any port);
a link built from it in a password-reset email could point a victim at
another address. Every email link comes from :func:`site_url`.
"""

from django.conf import settings


def site_url(path: str = "") -> str:
    """``path`` (absolute, starting with ``/``) on the site's public address; the address itself for ``""``."""
    return f"{settings.OKRHUB_BASE_URL}{path}"
