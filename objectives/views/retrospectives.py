"""An objective's retrospective, written on the page of an objective of a closed cycle."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from companies.tenancy import TenantRequest, company_view
from objectives import selectors as pages
from objectives import services as okr
from objectives.forms import RetrospectiveForm
from objectives.views._common import _objective_back_url, _objective_or_404
from objectives.views.objectives import objective_page
from okrhub.permissions import Action
from okrhub.web import add_service_errors, redirect_after_post, render_invalid


@require_POST
@company_view
def objective_retrospective(request: TenantRequest, objective_id: int) -> HttpResponse:
    """Save the retrospective: htmx gets the section back (422, errors beside their fields), a plain POST the page."""
    company, actor = request.company, request.actor
    objective = _objective_or_404(request, objective_id)
    # Refuse before parsing, so a forged post from someone who may not write learns nothing from validation.
    actor.require(Action.WRITE_RETROSPECTIVE, department_id=objective.department_id, owner_id=objective.owner_id)
    form = RetrospectiveForm(request.POST)
    if form.is_valid():
        try:
            okr.objective_retrospective_write(company=company, actor=actor, objective=objective, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        if request.htmx:
            retrospective = pages.objective_retrospective(company=company, actor=actor, objective=objective)
            retrospective["form"] = form
            context = {"objective": objective, "retrospective": retrospective}
            return render_invalid(request, "objectives/objective_detail.html#retrospective", context)
        return render_invalid(
            request, "objectives/objective_detail.html", objective_page(request, objective_id, retrospective_form=form)
        )
    if request.htmx:
        retrospective = pages.objective_retrospective(company=company, actor=actor, objective=objective)
        retrospective["form"] = RetrospectiveForm.for_state(retrospective)
        context = {"objective": objective, "retrospective": retrospective, "saved": True}
        return render(request, "objectives/objective_detail.html#retrospective", context)
    messages.success(request, "Retrospective saved.")
    return redirect_after_post(request, _objective_back_url(request, objective) + "#retrospective")
