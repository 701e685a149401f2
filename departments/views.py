"""The department pages (every department's progress, one department's objectives) and the
department forms of the company settings page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from companies.tenancy import TenantRequest, company_view
from companies.views import _created, _settings_context, _settings_form_post, _settings_url
from departments import services as department_services
from departments.forms import DepartmentForm, DepartmentPersonForm
from departments.models import Department
from objectives import selectors as pages
from objectives.models import ObjectiveStatus, objective_is_editable
from objectives.selectors import choose_cycle, focus_count
from objectives.views import _cycles, feed_section
from okrhub.errors import not_found
from okrhub.permissions import Action
from okrhub.web import add_service_errors


@require_GET
@company_view
def departments(request: TenantRequest) -> HttpResponse:
    cycles = _cycles(request)
    cycle = choose_cycle(request, cycles)
    return render(
        request,
        "departments/departments.html",
        {
            "cycles": cycles,
            "cycle": cycle,
            "departments": pages.department_cards(company=request.company, actor=request.actor, cycle=cycle),
        },
    )


def _department(request: TenantRequest, slug: str) -> Department:
    department = Department.objects.filter(company=request.company, slug=slug).select_related("parent").first()
    if department is None:
        raise not_found("department")
    return department


@require_GET
@company_view
def department(request: TenantRequest, department_slug: str) -> HttpResponse:
    dept = _department(request, department_slug)
    cycles = _cycles(request)
    cycle = choose_cycle(request, cycles)
    actor = request.actor
    objectives = (
        pages.department_objectives(company=request.company, actor=actor, cycle=cycle, department=dept) if cycle else []
    )
    cycle_closed = cycle is not None and cycle.is_closed
    for objective in objectives:
        draft = objective.status == ObjectiveStatus.DRAFT
        if cycle is not None:
            objective.cycle = cycle  # the page's cycle: no query per objective
        objective.can_edit = pages.can_edit_objective(actor, objective) and objective_is_editable(objective)
        objective.can_activate = (
            draft and not cycle_closed and actor.can(Action.MANAGE_OBJECTIVE, department_id=dept.pk)
        )
    limit = request.company.max_objectives_per_department
    counted = focus_count(company=request.company, cycle_id=cycle.pk, department_id=dept.pk) if cycle else 0
    return render(
        request,
        "departments/department.html",
        {
            "department": dept,
            "cycles": cycles,
            "cycle": cycle,
            "objectives": objectives,
            "can_draft": cycle is not None
            and not cycle.is_closed
            and actor.can(Action.DRAFT_OBJECTIVE, department_id=dept.pk),
            "limit": limit,
            "counted": counted,
            "over_limit": counted > limit,
            "activity": feed_section(request, department=dept),
        },
    )


# ---------------------------------------------------------------- on the settings page


@require_POST
@company_view
def department_add(request: TenantRequest) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    return _settings_form_post(
        request,
        DepartmentForm(request.POST, company=request.company),
        "department_form",
        department_services.department_create,
        _created(request, "departments", lambda department: f"Department “{department.name}” created."),
    )


@require_POST
@company_view
def department_person(request: TenantRequest) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    form = DepartmentPersonForm(request.POST, company=request.company)
    if form.is_valid():
        department = form.cleaned_data["department"]
        try:
            department_services.department_member_set(
                company=request.company,
                actor=request.actor,
                department=department,
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"] or None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{department.name} updated.")
            return redirect(_settings_url(request, "departments"))
    return render(
        request,
        "companies/settings.html",
        _settings_context(request, person_form=form),
        status=422,
    )
