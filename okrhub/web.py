"""Shared plumbing for the HTML pages: service errors on forms, htmx responses.

Services raise Django's ``ValidationError`` naming the field at fault; a page
shows each message next to its field, and a message about a field the form
does not have (``cycle``, ``key_result``…) above the form.
"""

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

#: Status of a form re-rendered with errors (htmx swaps it: see static/js/okrhub.js).
UNPROCESSABLE = 422


class HtmxRequest(HttpRequest):
    """A request through ``django_htmx``'s middleware: ``request.htmx`` says whether htmx sent it."""

    htmx: HtmxDetails


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Attach a service's ``ValidationError`` to ``form``, field by field."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields and field != NON_FIELD_ERRORS else None, errors)


def render_invalid(
    request: HtmxRequest,
    template: str,
    context: dict[str, Any],
    *,
    target: str | None = None,
    swap: str = "outerHTML",
) -> HttpResponse:
    """Re-render a form with its errors: the fragment for htmx, the page otherwise.

    ``template`` names the fragment (``page.html#partial``); a plain POST gets
    the whole page (``page.html``) so it works without JavaScript.
    """
    if request.htmx:
        response = render(request, template, context, status=UNPROCESSABLE)
        if target:
            response["HX-Retarget"] = target
            response["HX-Reswap"] = swap
        return response
    return render(request, template.split("#", 1)[0], context, status=UNPROCESSABLE)


def int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def redirect_after_post(request: HtmxRequest, url: str) -> HttpResponse:
    """Post/redirect/get for plain forms; a full-page client redirect for htmx (so flash messages show)."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


class PageForm(forms.Form):
    """A form for the pages: labels without Django's trailing colon (the layout sets them apart)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


@dataclass
class SummaryEntry:
    """One line of a combined error summary: what the error is about, its messages and where to focus."""

    label: str
    errors: list[str]
    auto_id: str


@dataclass
class ErrorSummary:
    """The errors of many forms (a page of rows) as one summary, read by ``components/error_summary.html``.

    It quacks like a form to the component: ``errors`` (every message),
    ``non_field_errors`` (messages about no field) and iteration over the
    entries, each with a ``label``, its ``errors`` and the ``auto_id`` of the
    field its link focuses.
    """

    entries: list[SummaryEntry] = dataclasses.field(default_factory=list)
    general: list[str] = dataclasses.field(default_factory=list)
    prefix: str = "form"

    def add(self, label: str, messages: Iterable[object], auto_id: str) -> None:
        self.entries.append(SummaryEntry(label=label, errors=[str(message) for message in messages], auto_id=auto_id))

    @property
    def errors(self) -> list[str]:
        return [*self.general, *(message for entry in self.entries for message in entry.errors)]

    def non_field_errors(self) -> list[str]:
        return self.general

    def __iter__(self) -> Iterator[SummaryEntry]:
        return iter(self.entries)

    def __bool__(self) -> bool:
        return bool(self.errors)
