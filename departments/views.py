"""The department pages: every department's progress, and one department's objectives."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from companies.tenancy import company_view
from departments.models import Department
from objectives import selectors as pages
from objectives.models import ObjectiveStatus
from objectives.selectors import choose_cycle
from objectives.views import _cycles
from okrhub.errors import not_found
from okrhub.permissions import Action


@require_GET
@company_view
def departments(request: HttpRequest) -> HttpResponse:
    cycles = _cycles(request)
    cycle = choose_cycle(request, cycles)
    return render(
        request,
        "departments/departments.html",
        {"cycles": cycles, "cycle": cycle, "departments": pages.department_cards(company=request.company, cycle=cycle)},
    )


def _department(request: HttpRequest, slug: str) -> Department:
    department = Department.objects.filter(company=request.company, slug=slug).select_related("parent").first()
    if department is None:
        raise not_found("department")
    return department


@require_GET
@company_view
def department(request: HttpRequest, department_slug: str) -> HttpResponse:
    dept = _department(request, department_slug)
    cycles = _cycles(request)
    cycle = choose_cycle(request, cycles)
    actor = request.actor
    objectives = (
        pages.department_objectives(company=request.company, actor=actor, cycle=cycle, department=dept) if cycle else []
    )
    for objective in objectives:
        draft = objective.status == ObjectiveStatus.DRAFT
        objective.can_edit = pages.can_edit_objective(actor, objective) and not cycle.is_closed
        objective.can_activate = (
            draft and not cycle.is_closed and actor.can(Action.MANAGE_OBJECTIVE, department_id=dept.pk)
        )
    limit = request.company.max_objectives_per_department
    counted = sum(1 for o in objectives)
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
            "over_limit": counted > limit,
        },
    )
