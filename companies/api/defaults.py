"""The API classes settings name: authentication, the principal check, throttles,
the orjson renderer and cursor pagination.

Kept apart from ``companies.api.base`` because DRF imports its default classes while
``rest_framework.views`` and ``rest_framework.generics`` are being imported.
"""

import io
import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

import orjson
import redis
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.encoding import force_str
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from companies.models import CompanyAPIKey, IdempotencySender
from okrhub.logs import log_event
from okrhub.ratelimits import Limit, by_address, count_attempt, over_limit
from okrhub.security import client_ip

log = logging.getLogger(__name__)

#: ``last_used_at`` is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = timedelta(seconds=60)

# ---------------------------------------------------------------- authentication


class CompanyAPIKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <prefix>.<secret>``; the key belongs to one company.

    Any ``Authorization`` header that does not authenticate (another scheme,
    an unknown, revoked or expired key) answers 401 rather than falling back
    to the session: a client that sends credentials means them. Failed keys
    are counted per client address: past ``OKRHUB_RATE_API_KEY_FAILURES``
    every key from that address answers 429 until the window ends, so keys
    cannot be guessed at speed.
    """

    keyword = "Api-Key"
    failures = Limit(group="api-key-failures", rate_setting="OKRHUB_RATE_API_KEY_FAILURES", key=by_address)

    def authenticate(self, request: Request) -> tuple[AnonymousUser, CompanyAPIKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is None:
            return None
        scheme, _, secret = header.strip().partition(" ")
        secret = secret.strip()
        if scheme.lower() != self.keyword.lower() or not secret:  # schemes are case-insensitive (RFC 9110 11.1)
            raise exceptions.AuthenticationFailed(f"Send `Authorization: {self.keyword} <prefix>.<secret>`.")
        if (wait := over_limit(request, **self.failures)) is not None:
            raise exceptions.Throttled(wait, "Too many failed API key authentications from this address.")
        prefix, _, _ = secret.partition(".")
        key = CompanyAPIKey.objects.select_related("company").filter(prefix=prefix, revoked=False).first()
        if key is None or key.has_expired or not key.is_valid(secret):
            if (wait := count_attempt(request, **self.failures)) is not None:
                raise exceptions.Throttled(wait, "Too many failed API key authentications from this address.")
            raise exceptions.AuthenticationFailed("Unknown, revoked or expired API key.")
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
            CompanyAPIKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        return AnonymousUser(), key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


def api_key_of(request: Request) -> CompanyAPIKey | None:
    return request.auth if isinstance(request.auth, CompanyAPIKey) else None


class IsPrincipal(BasePermission):
    """A signed-in person or a valid API key; roles are checked by the matrix later."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return api_key_of(request) is not None or bool(request.user and request.user.is_authenticated)


def sender_of(request: Request) -> tuple[str, str]:
    """Who sent the request, as (``IdempotencySender``, the user's id or the key's prefix)."""
    key = api_key_of(request)
    if key is not None:
        return IdempotencySender.API_KEY, key.prefix
    return IdempotencySender.USER, str(request.user.pk)


# ---------------------------------------------------------------- throttling


class _RateThrottle(SimpleRateThrottle):
    """Reads the rate at request time, so settings overrides (tests, env) apply.

    Fails open: with the cache (Redis) unreachable the request goes through,
    with a warning logged, rather than answering 500.
    """

    def get_rate(self) -> str | None:
        # The stubs type the rates as numbers; DRF's are "N/period" strings (and a None scope reads as no rate).
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # type: ignore[return-value, arg-type]

    def get_ident(self, request: Request) -> str:
        # The one client address of the project (trusted proxy count), not DRF's NUM_PROXIES.
        return client_ip(request) or ""

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except redis.RedisError as error:
            log_event(log, "throttle.unavailable", level=logging.WARNING, scope=self.scope, error=type(error).__name__)
            return True


class APIKeyRateThrottle(_RateThrottle):
    scope = "api_key"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        key = api_key_of(request)
        return None if key is None else self.cache_format % {"scope": self.scope, "ident": key.prefix}


class UserRateThrottle(_RateThrottle):
    scope = "user"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if api_key_of(request) is not None or not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonRateThrottle(_RateThrottle):
    scope = "anon"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if api_key_of(request) is not None or (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


# ---------------------------------------------------------------- parsing


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "request_too_large"


class LimitedJSONParser(JSONParser):
    """JSON bodies up to ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes; larger ones answer 413.

    DRF reads the body as a stream, past the limit Django applies to forms,
    so the limit is applied here: by the declared length first, then while
    reading (a body sent without a length, or lying about it).
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        too_large = RequestTooLarge(f"The request body is larger than {limit:,} bytes.")
        if limit is not None and declared and declared.isdigit() and int(declared) > limit:
            raise too_large
        body = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(body) > limit:
            raise too_large
        data = super().parse(io.BytesIO(body), media_type, parser_context)
        if (path := _unstorable_text(data)) is not None:
            raise exceptions.ValidationError(
                {path or "body": ["Text may not contain NUL characters or unpaired surrogates (not valid UTF-8)."]}
            )
        return data


def _unstorable_text(data: Any, path: str = "") -> str | None:
    """The path of the first string PostgreSQL cannot store (NUL, lone surrogates), or None.

    JSON's ``\\u0000`` and ``\\ud800`` escapes parse into such strings; left in,
    they fail deep in the database driver or the renderer (a 500), or are
    echoed back in an error message that cannot be encoded.
    """
    if isinstance(data, str):
        return path if _bad_text(data) else None
    if isinstance(data, dict):
        if any(_bad_text(str(key)) for key in data):
            return path or "body"
        items = [(f"{path}.{key}" if path else str(key), value) for key, value in data.items()]
    elif isinstance(data, list):
        items = [(f"{path}[{index}]", value) for index, value in enumerate(data)]
    else:
        return None
    for child_path, value in items:
        if (found := _unstorable_text(value, child_path)) is not None:
            return found
    return None


def _bad_text(text: str) -> bool:
    return "\x00" in text or any("\ud800" <= char <= "\udfff" for char in text)


# ---------------------------------------------------------------- rendering


def _orjson_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Decimals travel as strings, like DRF's DecimalField, so no precision is lost.
        return str(value)
    return force_str(value)  # lazy translation strings


def dumps(data: Any) -> bytes:
    return orjson.dumps(data, default=_orjson_default, option=orjson.OPT_NON_STR_KEYS)


class ORJSONRenderer(BaseRenderer):
    """JSON via orjson: several times faster than the stdlib on large trees."""

    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        return dumps(data)


# ---------------------------------------------------------------- pagination


class Pagination(CursorPagination):
    """Opaque cursors: stable under inserts, no COUNT query, constant cost per page."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "id"

    def get_page_size(self, request: Request) -> int:
        """``page_size`` from 1 to ``max_page_size``; anything else is a 400 naming it, never silently capped."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"Send a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.cursor_query_param: ["Invalid cursor: send the `next` or `previous` link of a page."]}
            ) from None

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size, default=self.page_size)
        return parameters
