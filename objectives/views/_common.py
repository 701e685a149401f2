"""Helpers shared by the OKR pages: cycles, objective lookup, back links, hint flashes."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from companies.tenancy import TenantRequest
from objectives.models import Cycle, Objective
from objectives.selectors import can_read_objective
from okrhub.errors import not_found


def _cycles(request: TenantRequest) -> list[Cycle]:
    return list(Cycle.objects.filter(company=request.company).order_by("-start_date"))


def _objective_or_404(request: TenantRequest, objective_id: int) -> Objective:
    objective = (
        Objective.objects.filter(company=request.company, pk=objective_id)
        .select_related("cycle", "department", "parent")
        .first()
    )
    if objective is None or not can_read_objective(request.actor, objective):
        raise not_found("objective")
    return objective


def _objective_back_url(request, objective: Objective) -> str:
    return reverse("objectives:objective", args=[request.company.slug, objective.pk])


def _flash_hints(request, obj, done: str) -> None:
    messages.success(request, f"{done}.")
    for hint in getattr(obj, "hints", []):
        suggestion = f" Try an outcome instead: “{hint.suggestion}”." if hint.suggestion else ""
        messages.warning(request, hint.message + suggestion)


def _frozen(request: TenantRequest, objective: Objective) -> HttpResponse:
    """The edit forms of a closed or archived objective send the person back to it, saying why."""
    messages.error(request, f"“{objective.title}” is {objective.get_status_display().lower()}; reopen it to edit it.")
    return redirect(_objective_back_url(request, objective))


def _safe_next(request: TenantRequest, *, query: bool = False) -> str | None:
    """The posted ``next`` (or, with ``query``, the ``?next=`` of a GET) when it stays on this site."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = (request.GET if query and request.method == "GET" else request.POST).get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None
