"""Adding and removing an objective's links: its dependencies, and the key results shared into it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from companies.tenancy import TenantRequest, company_view
from objectives import services as okr
from objectives.forms import (
    DependencyForm,
)
from objectives.models import Dependency
from objectives.selectors import shared_key_result_of
from objectives.views._common import _objective_back_url, _objective_or_404
from okrhub.errors import not_found
from okrhub.permissions import Action
from okrhub.web import add_service_errors


@require_POST
@company_view
def dependency_add(request: TenantRequest, objective_id: int) -> HttpResponse:
    objective = _objective_or_404(request, objective_id)
    form = DependencyForm(request.POST, company=request.company, actor=request.actor, objective=objective)
    if form.is_valid():
        try:
            okr.dependency_create(
                company=request.company,
                actor=request.actor,
                from_objective=objective,
                to_objective=form.cleaned_data["to_objective"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Dependency recorded.")
            return redirect(_objective_back_url(request, objective))
    request.actor.require(Action.MANAGE_DEPENDENCY, department_id=objective.department_id)
    for field, errors in form.errors.items():
        for message in errors:
            messages.error(request, str(message) if field == "__all__" else f"{form.fields[field].label}: {message}")
    return redirect(_objective_back_url(request, objective))


@require_POST
@company_view
def dependency_remove(request: TenantRequest, objective_id: int, dependency_id: int) -> HttpResponse:
    objective = _objective_or_404(request, objective_id)
    dependency = (
        Dependency.objects.filter(company=request.company, pk=dependency_id, from_objective=objective)
        .select_related("from_objective")
        .first()
    )
    if dependency is None:
        raise not_found("dependency")
    okr.dependency_delete(company=request.company, actor=request.actor, dependency=dependency)
    messages.success(request, "Dependency removed.")
    return redirect(_objective_back_url(request, objective))


@require_POST
@company_view
def shared_key_result_remove(request: TenantRequest, objective_id: int, key_result_id: int) -> HttpResponse:
    """Stop sharing a key result into the objective (``shared_key_result_delete`` checks who may)."""
    objective = _objective_or_404(request, objective_id)
    link = shared_key_result_of(company=request.company, objective=objective, key_result_id=key_result_id)
    okr.shared_key_result_delete(company=request.company, actor=request.actor, link=link)
    messages.success(request, f"“{link.key_result.title}” is no longer shared here.")
    return redirect(_objective_back_url(request, objective) + "#shared-h")
