"""OpenAPI description of what every operation shares: errors, concurrency headers.

Every operation documents the problem-details responses it can give, with an
example each, and the headers it honours (``If-Match``, ``If-None-Match``,
``Idempotency-Key``), so clients and schemathesis see the whole contract.
"""

import inspect
import re
from typing import Any, Literal

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

#: The longest ``Idempotency-Key`` the API stores (``IdempotencyRecord.key``).
IDEMPOTENCY_KEY_MAX_LENGTH = 255
#: Modules whose classes are plumbing: their docstrings describe code, not an endpoint.
#: Named as strings: okrhub imports no app (README "Layers").
PLUMBING_MODULES = ("okrhub.", "companies.api.base", "companies.api.defaults", "rest_framework.", "django.")


class APIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "companies.api.defaults.CompanyAPIKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A company API key: `Authorization: Api-Key <prefix>.<secret>`.",
        }


class FieldErrorSerializer(serializers.Serializer[Any]):
    field = serializers.CharField(allow_null=True, help_text="The input field at fault; null for the whole request.")
    code = serializers.CharField(help_text="A stable code to branch on, e.g. `required`, `unique`, `last_admin`.")
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer[Any]):
    """RFC 9457 problem details, the body of every 4xx and 5xx."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    code = serializers.CharField(help_text="A stable code for the kind of problem.")
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    # A field named like Serializer.errors: DRF's metaclass moves declared fields off the class; the stubs cannot tell.
    errors = FieldErrorSerializer(many=True)  # type: ignore[assignment]


def _example(
    status: int, title: str, code: str, detail: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "type": "urn:okrhub:problem:validation-error" if code == "validation_error" else "about:blank",
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
        "instance": "/api/v1/companies/acme/objectives/",
        "errors": errors or [],
    }


#: A problem-details body as the schema shows it (a view's own ``problem_responses`` use it too).
problem_example = _example

ERRORS: dict[int, tuple[str, dict[str, Any]]] = {
    400: (
        "Invalid input: each field error names the field, a code and a message. Nothing was changed.",
        _example(
            400,
            "Bad Request",
            "validation_error",
            "Invalid input: title.",
            [{"field": "title", "code": "required", "message": "This field is required."}],
        ),
    ),
    401: (
        "No valid credentials: send `Authorization: Api-Key <prefix>.<secret>` or sign in.",
        _example(401, "Unauthorized", "authentication_failed", "Unknown, revoked or expired API key."),
    ),
    403: (
        "Your role (or the key's scope) does not allow this, or the CSRF token is missing.",
        _example(403, "Forbidden", "permission_denied", "Your role does not allow this (manage_company)."),
    ),
    404: (
        "No such object in this company. Another company's objects answer exactly like missing ones.",
        _example(404, "Not Found", "not_found", "No such objective."),
    ),
    405: (
        "The method is not allowed here.",
        _example(405, "Method Not Allowed", "method_not_allowed", 'Method "PUT" not allowed.'),
    ),
    406: (
        "The API speaks JSON only.",
        _example(406, "Not Acceptable", "not_acceptable", "Could not satisfy the request Accept header."),
    ),
    415: (
        "Send JSON (`Content-Type: application/json`).",
        _example(
            415, "Unsupported Media Type", "unsupported_media_type", 'Unsupported media type "text/xml" in request.'
        ),
    ),
    429: (
        "Too many requests for this key or user; retry after the `Retry-After` seconds.",
        _example(429, "Too Many Requests", "throttled", "Request was throttled. Expected available in 12 seconds."),
    ),
}
PRECONDITION = (
    "The `If-Match` ETag is stale: someone changed the object since you read it. Nothing was changed.",
    _example(412, "Precondition Failed", "precondition_failed", "The object changed since you read it."),
)
IDEMPOTENCY = (
    "The `Idempotency-Key` was already used with a different request body.",
    _example(422, "Unprocessable Content", "idempotency_key_reused", "This Idempotency-Key was already used."),
)


def _own_doc(view_class: type) -> str:
    """The docstring of the view or of a base it shares with siblings, never of the plumbing."""
    for klass in view_class.__mro__:
        if klass.__module__.startswith(PLUMBING_MODULES):
            return ""
        if doc := klass.__dict__.get("__doc__"):
            return inspect.cleandoc(doc)
    return ""


class OKRHubAutoSchema(AutoSchema):
    def _get_filter_parameters(self) -> list[dict[str, Any]]:
        """``ordering`` takes the view's ordering fields only (anything else is a 400): say so in a pattern."""
        parameters: list[dict[str, Any]] = super()._get_filter_parameters()  # type: ignore[no-untyped-call]
        fields = getattr(self.view, "ordering_fields", None)
        for parameter in parameters:
            if parameter.get("name") == "ordering" and isinstance(fields, list | tuple) and fields:
                term = f"-?({'|'.join(re.escape(field) for field in fields)})"
                parameter["schema"] = {**parameter.get("schema", {}), "pattern": f"^{term}(,{term})*$"}
                parameter["description"] = (
                    f"Order by {', '.join(fields)}; a leading `-` reverses, commas separate several. "
                    "Any other value answers 400."
                )
        return parameters

    def get_description(self) -> str:  # type: ignore[override]
        """The handler's docstring, else the view's own: base classes' internals are not the API's description."""
        handler = getattr(self.view, self.method.lower(), None)
        handler_doc = handler.__doc__ if handler is not None else None
        return inspect.cleandoc(handler_doc) if handler_doc else _own_doc(type(self.view))

    def _is_detail(self) -> bool:
        return self.path.rstrip("/").endswith(("{id}", "{pk}", "{prefix}", "{user_id}"))

    def _is_conditional_get(self) -> bool:
        """A GET that answers ``If-None-Match``: every detail, and views that say ``conditional_get`` (the
        alignment tree and the lists whose ETag is the company revision)."""
        return self.method == "GET" and (self._is_detail() or getattr(self.view, "conditional_get", False))

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method in ("PATCH", "PUT", "DELETE"):
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description="The ETag you read; the write answers 412 if the object changed since.",
                )
            )
        if self._is_conditional_get():
            parameters.append(
                OpenApiParameter(
                    "If-None-Match",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description="An ETag you hold; 304 with no body if it is still current.",
                )
            )
        if self.method == "POST" and getattr(self.view, "idempotent_post", False):
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH},
                    OpenApiParameter.HEADER,
                    description="Any string unique to this request (e.g. a UUID), 1 to 255 characters. Keys are "
                    "your own: another user or API key cannot collide with them. A retry with the same key and "
                    "the same body (compared by meaning: `2000000` equals `2000000.0000`) replays the first "
                    "response, headers included, and stores nothing new; the same key with another body "
                    "answers 422.",
                )
            )
        return parameters

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        problem_ref = self.resolve_serializer(ProblemSerializer(), "response").ref
        errors = dict(ERRORS)
        if self.method in ("PATCH", "PUT", "DELETE"):
            errors[412] = PRECONDITION
        if self.method == "POST" and getattr(self.view, "idempotent_post", False):
            errors[422] = IDEMPOTENCY
        # A view's own refusals beyond those (status -> description, example), e.g. a 409 on a state.
        errors.update(getattr(self.view, "problem_responses", {}))
        for status, (description, example) in errors.items():
            responses.setdefault(
                str(status),
                {
                    "description": description,
                    "content": {
                        "application/problem+json": {
                            "schema": problem_ref,
                            "examples": {example["code"]: {"value": example}},
                        }
                    },
                },
            )
        if self._is_conditional_get():
            responses.setdefault("304", {"description": "Not modified: your `If-None-Match` ETag is current."})
        return responses
