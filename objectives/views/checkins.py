"""My key results with inline check-ins."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from companies.tenancy import TenantRequest, company_view
from objectives import selectors as pages
from objectives import services as okr
from objectives.forms import (
    CheckInForm,
)
from objectives.models import KeyResult
from objectives.progress import is_behind_pace
from objectives.selectors import can_read_objective, choose_cycle
from objectives.views._common import _cycles, _safe_next
from okrhub.errors import not_found
from okrhub.permissions import Action
from okrhub.web import add_service_errors


@require_GET
@company_view
def my_key_results(request: TenantRequest) -> HttpResponse:
    cycles = _cycles(request)
    cycle = choose_cycle(request, cycles)
    objectives = pages.my_key_results(company=request.company, actor=request.actor, cycle=cycle) if cycle else []
    for objective in objectives:
        for kr in objective.my_key_results:
            kr.form = CheckInForm(key_result=kr, prefix=f"kr{kr.pk}") if kr.can_check_in else None
    return render(
        request,
        "objectives/my_key_results.html",
        {
            "cycles": cycles,
            "cycle": cycle,
            "objectives": objectives,
            "expected": pages.cycle_expected(request.company, cycle) if cycle else None,
            "company_objectives": pages.company_objectives(company=request.company, actor=request.actor, cycle=cycle)
            if cycle
            else [],
            "first_run": _first_run(request),
        },
    )


def _first_run(request: TenantRequest) -> dict | None:
    """The getting-started panel, for admins, until a department objective ladders up to another."""
    if not request.actor.is_admin:
        return None
    state = pages.first_run_state(company=request.company)
    return None if state["laddered"] else state


@require_POST
@company_view
def check_in(request: TenantRequest, key_result_id: int) -> HttpResponse:
    company, actor = request.company, request.actor
    kr = KeyResult.objects.filter(company=company, pk=key_result_id).select_related("objective__department").first()
    if kr is None or not can_read_objective(actor, kr.objective):
        raise not_found("key result")
    # Refuse before parsing, so a forged post from a viewer learns nothing from validation.
    actor.require(Action.CHECK_IN, department_id=kr.objective.department_id, owner_id=kr.owner_id)
    form = CheckInForm(request.POST, key_result=kr, prefix=f"kr{kr.pk}")
    saved = False
    if form.is_valid():
        try:
            okr.checkin_create(
                company=company,
                actor=actor,
                key_result=kr,
                value=form.cleaned_data["value"],
                confidence=form.cleaned_data["confidence"],
                note=form.cleaned_data["note"],
                # A value that looks like a mistake is saved only once confirmed (objectives/sanity.py).
                confirmed=form.confirmed(),
            )
            saved = True
        except okr.NeedsConfirmation as error:
            form.warnings = error.warnings
        except ValidationError as error:
            add_service_errors(form, error)
    if not saved:
        return _checkin_row(request, kr, form, status=422)
    # The roll-up ran when the service's transaction committed: read progress again.
    kr = KeyResult.objects.select_related("objective__department", "objective__cycle").get(pk=kr.pk, company=company)
    if not request.htmx:
        messages.success(request, f"Checked in on “{kr.title}”.")
        return redirect(_safe_next(request) or reverse("objectives:my_key_results", args=[company.slug]))
    return _checkin_row(request, kr, CheckInForm(key_result=kr, prefix=f"kr{kr.pk}"), just_checked_in=True)


def _checkin_row(request, kr: KeyResult, form: CheckInForm, *, status: int = 200, just_checked_in: bool = False):
    expected = pages.cycle_expected(request.company, kr.objective.cycle)
    pages.annotate_key_result(request.actor, kr, kr.objective, expected)
    kr.form = form
    objective = kr.objective
    objective.expected = expected
    objective.behind_pace = is_behind_pace(objective.progress, expected)
    context = {"kr": kr, "just_checked_in": just_checked_in, "oob": True, "page_objectives": [objective]}
    if just_checked_in:
        # The check-in moved its objective and, through the roll-up (already committed), the ones above
        # it: send every figure the page shows out of band, read by the selectors the page is drawn with.
        cycle, company, actor = objective.cycle, request.company, request.actor
        mine = pages.my_key_results(company=company, actor=actor, cycle=cycle)
        context["page_objectives"] = mine if any(o.pk == objective.pk for o in mine) else [objective, *mine]
        context["company_objectives"] = pages.company_objectives(company=company, actor=actor, cycle=cycle)
        context["cycle"] = cycle
    if not request.htmx:
        # Without JavaScript an invalid check-in re-renders the whole page with the errors in its row.
        return _my_key_results_with(request, kr, form, status)
    return render(request, "objectives/my_key_results.html#kr-row", context, status=status)


def _my_key_results_with(request, failed: KeyResult, form: CheckInForm, status: int) -> HttpResponse:
    cycles = _cycles(request)
    cycle = next((c for c in cycles if c.pk == failed.objective.cycle_id), None)
    objectives = pages.my_key_results(company=request.company, actor=request.actor, cycle=cycle) if cycle else []
    for objective in objectives:
        for kr in objective.my_key_results:
            kr.form = form if kr.pk == failed.pk else CheckInForm(key_result=kr, prefix=f"kr{kr.pk}")
            kr.form_open = kr.pk == failed.pk
    return render(
        request,
        "objectives/my_key_results.html",
        {"cycles": cycles, "cycle": cycle, "objectives": objectives, "expected": None},
        status=status,
    )
