"""Domain errors raised by services and understood by every surface.

Bad input is Django's ``ValidationError`` (with field names where a field is
at fault); these two cover the rest.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

__all__ = ["NotFound", "PermissionDenied", "invalid", "not_found"]


class NotFound(Http404):
    """The object does not exist *in this company*. Surfaces answer 404 either way."""


def not_found(what: str = "object") -> NotFound:
    return NotFound(f"No such {what}.")


def invalid(field: str, message: str, code: str = "invalid") -> ValidationError:
    """A validation error on one field, with a stable code clients can branch on."""
    return ValidationError({field: ValidationError(message, code=code)})
