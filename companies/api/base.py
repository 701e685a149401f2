"""Shared plumbing of the REST API v1: who is calling, one error format, fast JSON.

- Authentication: a company API key (``Authorization: Api-Key <prefix>.<secret>``)
  or a browser session (with CSRF). :class:`CompanyAPIView.initial` turns the
  principal plus the URL's company slug into an :class:`~companies.tenancy.Actor`
  once per request; a key acts only inside its own company (any other slug is
  404, like a company that does not exist).
- Errors: every 4xx/5xx is RFC 9457 problem details
  (``application/problem+json``) with a list of field errors; services'
  ``ValidationError``, ``NotFound`` and ``PermissionDenied`` map onto it.
- Concurrency: single-object GETs carry an ETag; writes honour ``If-Match``
  (412 when stale) under a row lock; POSTs honour ``Idempotency-Key``.
"""

import datetime
import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from http import HTTPStatus
from typing import Any, cast

import orjson
from django import forms
from django.core import signals
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views import defaults
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.metadata import SimpleMetadata
from rest_framework.mixins import ListModelMixin
from rest_framework.request import Request, clone_request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from companies.api.defaults import (
    AnonRateThrottle,
    APIKeyRateThrottle,
    CompanyAPIKeyAuthentication,
    IsPrincipal,
    ORJSONRenderer,
    UserRateThrottle,
    _orjson_default,
    api_key_of,
    dumps,
    sender_of,
)
from companies.models import Company, IdempotencyRecord
from companies.tenancy import Actor, resolve_actor
from okrhub.errors import NotFound, not_found
from okrhub.openapi import IDEMPOTENCY_KEY_MAX_LENGTH
from okrhub.permissions import API_KEY_ROLES

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
MULTI_VALUED_FIELDS = (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)

# ---------------------------------------------------------------- errors


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The object changed since you read it (If-Match does not match its ETag). Read it again."
    default_code = "precondition_failed"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used for a different request."
    default_code = "idempotency_key_reused"


def _field_errors_from_drf(detail: Any, prefix: str = "") -> list[dict[str, Any]]:
    """Flatten DRF's nested error detail into (field, code, message) entries."""
    errors: list[dict[str, Any]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # a list's items (DRF keys them by index): items[3], as in a list
                errors += _field_errors_from_drf(value, f"{prefix}[{key}]")
                continue
            name = None if key in (api_settings.NON_FIELD_ERRORS_KEY, NON_FIELD_ERRORS) else str(key)
            path = f"{prefix}.{name}" if prefix and name else (name or prefix or None)
            errors += _field_errors_from_drf(value, path or "")
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                errors += _field_errors_from_drf(value, f"{prefix}[{index}]")
            else:
                errors += _field_errors_from_drf(value, prefix)
    else:
        errors.append(
            {"field": prefix or None, "code": getattr(detail, "code", None) or "invalid", "message": str(detail)}
        )
    return errors


def _field_errors_from_django(exc: DjangoValidationError) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    if hasattr(exc, "error_dict"):
        for field, field_errors in exc.error_dict.items():
            name = None if field == NON_FIELD_ERRORS else field
            for error in field_errors:
                errors += [
                    {"field": name, "code": error.code or "invalid", "message": message} for message in error.messages
                ]
    else:
        for error in exc.error_list:
            errors += [{"field": None, "code": error.code or "invalid", "message": message} for message in error]
    return errors


def problem(
    *,
    status_code: int,
    code: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = problem_body(status_code=status_code, code=code, detail=detail, errors=errors, instance=instance)
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_body(
    *, status_code: int, code: str, detail: str, errors: list[dict[str, Any]] | None = None, instance: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank" if code != "validation_error" else "urn:okrhub:problem:validation-error",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "code": code,
        "detail": detail,
        "errors": errors or [],
    }
    if instance:
        body["instance"] = instance
    return body


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The site's 404: problem details under ``/api/`` (paths no route matches), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        body = problem_body(status_code=404, code="not_found", detail="No such endpoint.", instance=request.path)
        return HttpResponse(dumps(body), status=404, content_type=PROBLEM_CONTENT_TYPE)
    return defaults.page_not_found(request, exception)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """The one place every error of the API turns into problem details."""
    request = context.get("request")
    instance = request.path if request is not None else None
    set_rollback()
    if isinstance(exc, DjangoValidationError):
        errors = _field_errors_from_django(exc)
        return problem(
            status_code=400,
            code="validation_error",
            detail=_summary(errors),
            errors=errors,
            instance=instance,
        )
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors_from_drf(exc.detail)
        return problem(
            status_code=400, code="validation_error", detail=_summary(errors), errors=errors, instance=instance
        )
    if isinstance(exc, RequestDataTooBig):
        return problem(status_code=413, code="request_too_large", detail=str(exc), instance=instance)
    if isinstance(exc, SuspiciousOperation):  # too many fields, a malformed multipart body…
        return problem(status_code=400, code="bad_request", detail="The request could not be read.", instance=instance)
    if isinstance(exc, Http404):
        # Services and views say "No such <thing>." for missing and for another
        # company's objects alike, so existence never leaks; Django's own 404s
        # may carry internals (model names), so they get a generic message.
        message = str(exc) if isinstance(exc, NotFound) else "Not found."
        return problem(status_code=404, code="not_found", detail=message, instance=instance)
    if isinstance(exc, DjangoPermissionDenied):
        return problem(
            status_code=403,
            code="permission_denied",
            detail=str(exc) or "You do not have permission to do this.",
            instance=instance,
        )
    if isinstance(exc, exceptions.APIException):
        headers: dict[str, str] = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        if isinstance(exc, exceptions.Throttled):
            # DRF sets Throttled.wait in __init__; the stubs do not declare it.
            headers["Retry-After"] = str(max(1, math.ceil(exc.wait or 1)))  # type: ignore[attr-defined]
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.default_detail)
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        return problem(
            status_code=exc.status_code, code=str(code), detail=str(detail), instance=instance, headers=headers
        )
    log.exception("unhandled error in %s", instance, exc_info=exc)
    if request is not None:
        signals.got_request_exception.send(sender=None, request=request._request)
    return problem(
        status_code=500,
        code="server_error",
        detail="Something went wrong on our side; it has been logged.",
        instance=instance,
    )


def _summary(errors: list[dict[str, Any]]) -> str:
    fields = sorted({e["field"] for e in errors if e["field"]})
    if fields:
        return f"Invalid input: {', '.join(fields)}."
    return errors[0]["message"] if errors else "Invalid input."


# ---------------------------------------------------------------- ETags


def etag_for(data: Any) -> str:
    """A strong ETag of a representation; write-time ``hints`` and ``warnings`` are advice, not state."""
    if isinstance(data, dict) and ("hints" in data or "warnings" in data):
        data = {key: value for key, value in data.items() if key not in ("hints", "warnings")}
    digest = hashlib.sha256(orjson.dumps(data, default=_orjson_default, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f'"{digest[:32]}"'


def _etags(header: str, *, weak: bool) -> set[str]:
    """The entity tags of an ``If-Match`` / ``If-None-Match`` header.

    RFC 9110 13.1.1: ``If-Match`` uses the strong comparison, so a weak tag
    (``W/"…"``) never matches; ``If-None-Match`` (13.1.2) the weak one.
    """
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    if weak:
        return {tag.removeprefix("W/") for tag in tags}
    return {tag for tag in tags if not tag.startswith("W/")}


# ---------------------------------------------------------------- OPTIONS


class InputMetadata(SimpleMetadata):
    """``OPTIONS`` describes each write by its request body: the serializer the OpenAPI document names.

    DRF's default describes the view's ``serializer_class``, which here is
    the output (every field read-only), or fails where a view has none.
    """

    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        actions = {}
        for method in ("POST", "PUT", "PATCH"):
            if method not in view.allowed_methods:
                continue
            view.request = clone_request(request, method)
            try:
                view.check_permissions(view.request)
                serializer = _request_serializer(view, method)
                actions[method] = self.get_serializer_info(serializer) if serializer is not None else {}
            except (exceptions.APIException, Http404, DjangoPermissionDenied):
                pass
            finally:
                view.request = request
        return actions


def _request_serializer(view: Any, method: str) -> serializers.Serializer[Any] | None:
    schema_class = getattr(getattr(view, method.lower()), "kwargs", {}).get("schema")
    if schema_class is None:  # no extend_schema: the schema generator uses the view's serializer too
        return cast(serializers.Serializer[Any], view.get_serializer())
    schema = schema_class()
    schema.view, schema.method, schema.path = view, method, view.request.path
    serializer = schema.get_request_serializer()
    return cast(serializers.Serializer[Any] | None, serializer() if isinstance(serializer, type) else serializer)


# ---------------------------------------------------------------- views


class TenantAPIRequest(Request):
    """A request under ``/api/v1/companies/<slug>/`` once :meth:`CompanyAPIView.initial` has resolved it.

    The view itself holds ``self.company`` and ``self.actor``; ``request.actor`` is for code
    that only sees the request (filter sets).
    """

    actor: Actor


class APIView(GenericAPIView[Any]):
    """Base of every API view: authentication, throttles and the problem handler."""

    authentication_classes = [CompanyAPIKeyAuthentication, SessionAuthentication]
    permission_classes = [IsPrincipal]
    throttle_classes = [APIKeyRateThrottle, UserRateThrottle, AnonRateThrottle]
    renderer_classes = [ORJSONRenderer]

    metadata_class = InputMetadata

    def get_exception_handler(self) -> Callable[..., Response]:
        return exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.check_query_parameters(request)

    def query_parameters(self) -> dict[str, bool]:
        """The query parameters this view understands, each with whether it may repeat.

        Gathered from what already defines them: the filter set, the ordering
        filter, the paginator and a view's ``query_serializer`` (the same
        sources the OpenAPI document is built from).
        """
        allowed: dict[str, bool] = {}
        queryset = _none_of(self)
        for backend_class in self.filter_backends:
            backend = backend_class()
            if isinstance(backend, DjangoFilterBackend):
                filterset = backend.get_filterset_class(self, queryset)
                for name, query_filter in (filterset.base_filters if filterset else {}).items():
                    allowed[name] = issubclass(query_filter.field_class, MULTI_VALUED_FIELDS)
            elif isinstance(backend, OrderingFilter):
                allowed[backend.ordering_param] = False
        for attribute in ("cursor_query_param", "page_query_param", "page_size_query_param"):
            if (name := getattr(self.paginator, attribute, None)) is not None:
                allowed[name] = False
        if (query_serializer := getattr(self, "query_serializer", None)) is not None:
            fields = query_serializer().fields
            allowed |= {name: isinstance(field, serializers.ListField) for name, field in fields.items()}
        return allowed

    def check_query_parameters(self, request: Request) -> None:
        """400 naming each unknown, repeated or (for ``ordering``) unusable query parameter.

        Ignoring them would answer a question the client did not ask (an
        unfiltered or differently ordered list) as if it were the one it did.
        """
        allowed = self.query_parameters()
        errors: dict[str, list[str]] = {}
        for name in request.query_params:
            if name not in allowed:
                takes = ", ".join(sorted(allowed)) or "none"
                errors[name] = [f"Unknown query parameter; this endpoint takes: {takes}."]
            elif not allowed[name] and len(request.query_params.getlist(name)) > 1:
                errors[name] = ["Send this parameter once."]
        for backend_class in self.filter_backends:
            backend = backend_class()
            if not isinstance(backend, OrderingFilter) or backend.ordering_param in errors:
                continue
            if (ordering := request.query_params.get(backend.ordering_param)) is None:
                continue
            fields = backend.get_valid_fields(_none_of(self), self, {"request": request})  # type: ignore[arg-type]  # DRF reads the model only, and copes with None
            valid = {name for name, _ in fields}
            unknown = [term for term in ordering.split(",") if term.strip().removeprefix("-") not in valid]
            if unknown:
                errors[backend.ordering_param] = [
                    f"Order by {', '.join(sorted(valid))} (a leading - reverses; separate several with commas)."
                ]
        if errors:
            raise exceptions.ValidationError(errors)


class CompanyAPIView(APIView):
    """A view under ``/api/v1/companies/<slug>/``: the actor is resolved once, here.

    Subclasses name what they show (``object_name``), how to read it
    (``get_queryset``, always filtered by ``self.company``) and how to render
    it (``serializer_class``).
    """

    object_name = "object"
    model: type[Model]
    actor: Actor
    company: Company

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request company
            return self.model._default_manager.none()
        return self.company_queryset()

    def company_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.actor = resolve_api_actor(request, kwargs["slug"])
        self.company = self.actor.company
        cast(TenantAPIRequest, request).actor = self.actor
        if (key := api_key_of(request)) is not None:
            # The audit history names the key behind a change (objectives/history.py).
            request._request.okrhub_api_key_prefix = key.prefix  # type: ignore[attr-defined]  # our own attribute

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if hasattr(self, "company"):
            context["company"] = self.company
            context["actor"] = self.actor
            if "today" not in self.__dict__:
                self.today = self.company.local_today()
            context["today"] = self.today
        return context

    def get_object(self, *, lock: bool = False) -> Any:
        queryset = self.get_queryset()
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        try:
            return queryset.get(pk=self.kwargs["pk"])
        except queryset.model.DoesNotExist:
            raise not_found(self.object_name) from None

    def render_one(self, instance: Any, *, status_code: int = 200, serializer_class: Any = None) -> Response:
        serializer_class = serializer_class or self.get_serializer_class()
        data = serializer_class(instance, context=self.get_serializer_context()).data
        return Response(data, status=status_code, headers={"ETag": etag_for(data)})

    def retrieve(self, request: Request) -> Response:
        response = self.render_one(self.get_object())
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match and (if_none_match.strip() == "*" or response["ETag"] in _etags(if_none_match, weak=True)):
            return Response(status=304, headers={"ETag": response["ETag"]})
        return response

    def check_if_match(self, request: Request, instance: Any) -> None:
        """412 unless ``If-Match`` (when sent) matches the object's current ETag."""
        if_match = request.headers.get("If-Match")
        if not if_match or if_match.strip() == "*":
            return
        current = etag_for(self.get_serializer_class()(instance, context=self.get_serializer_context()).data)
        if current not in _etags(if_match, weak=False):
            raise PreconditionFailed()

    def guarded_write(self, request: Request, write: Callable[[Any], Any], *, status_code: int = 200) -> Response:
        """Lock the object, honour ``If-Match``, write through a service, answer with the result.

        The row stays locked from the ETag comparison to the write, so no
        concurrent change slips in between. ``write`` returning None means
        the object is gone (204).
        """
        with transaction.atomic():
            instance = self.get_object(lock=True)
            self.check_if_match(request, instance)
            result = write(instance)
        if result is None:
            return Response(status=204)
        return self.render_one(result, status_code=status_code)

    def idempotent(self, request: Request, create: Callable[[], Response], payload: Any) -> Response:
        """Run ``create`` at most once per ``Idempotency-Key`` of this sender (user or API key) in this company.

        ``payload`` is the validated input: a retry is the same request when
        it means the same (``"2000000"`` and ``"2000000.0000"`` alike). The
        record is inserted first, in the same transaction as the write: a
        concurrent retry blocks on the unique index, then replays the stored
        response and its headers (the ETag among them). A failed request
        stores nothing (it rolls back), so it can be retried with the same key.
        """
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return create()
        if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH:
            raise exceptions.ValidationError(
                {"Idempotency-Key": [f"Send 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters."]}
            )
        sender_kind, sender_id = sender_of(request)
        fingerprint = hashlib.sha256(
            json.dumps([request.method, request.path, _canonical(payload)], sort_keys=True).encode()
        ).hexdigest()
        scope = {"company": self.company, "sender_kind": sender_kind, "sender_id": sender_id, "key": key}
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        **scope, fingerprint=fingerprint, status_code=0, response_body={}
                    )
            except IntegrityError:
                record = IdempotencyRecord.objects.get(**scope)
                if record.fingerprint != fingerprint:
                    raise IdempotencyKeyReused() from None
                return Response(
                    record.response_body,
                    status=record.status_code,
                    headers={**record.response_headers, "Idempotent-Replayed": "true"},
                )
            response = create()
            record.status_code, record.response_body = response.status_code, response.data
            # What the view set (the ETag); Content-Type, Vary and the like are added again when rendering.
            record.response_headers = {
                name: value for name, value in response.items() if name.lower() not in ("content-type", "vary")
            }
            record.save(update_fields=["status_code", "response_body", "response_headers"])
        return response


class CompanyListAPIView(ListModelMixin, CompanyAPIView):
    """A cursor-paginated, filterable list of the company's rows (``self.list(request)``)."""


def _none_of(view: Any) -> QuerySet[Any] | None:
    """An empty queryset of the view's model, for filter backends that inspect one (no company needed)."""
    model = getattr(view, "model", None)
    return model.objects.none() if model is not None else None


def _canonical(value: Any) -> Any:
    """Validated input as plain JSON, equal for inputs that mean the same."""
    if isinstance(value, Mapping):
        return {str(name): _canonical(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


def resolve_api_actor(request: Request, slug: str) -> Actor:
    key = api_key_of(request)
    if key is not None:
        if key.company.slug != slug:
            raise not_found("company")
        return Actor(company=key.company, role=API_KEY_ROLES[key.scope], user=None)
    return resolve_actor(user=request.user, company_slug=slug)


# ---------------------------------------------------------------- serializer helpers


class CompanyPrimaryKeyField(serializers.PrimaryKeyRelatedField[Any]):
    """A reference to a row of the request's company; any other id reads as missing."""

    def __init__(
        self,
        *,
        model: type[Model],
        filter_by: Callable[[QuerySet[Any], Any], QuerySet[Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        self.model = model
        self.filter_by = filter_by
        kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        if self.filter_by is not None:
            return self.filter_by(self.model._default_manager.all(), self.context)
        return self.model._default_manager.filter(company=self.context["company"])


def refuse_unchangeable(data: Any, fields: dict[str, str]) -> None:
    """400 for fields a PATCH may not change, rather than silently ignoring them."""
    if not isinstance(data, Mapping):  # not an object (null, a list…): the serializer refuses it
        return
    errors = {
        name: [exceptions.ErrorDetail(message, code="read_only")] for name, message in fields.items() if name in data
    }
    if errors:
        raise exceptions.ValidationError(errors)


def only_given(data: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {name: data[name] for name in names if name in data}
