"""The planning board of a cycle: every department's drafts against the company objectives, and each plan's review.

Submit, approve and return are plain forms that work without JavaScript
(post, redirect, get; errors re-render the page with 422); over htmx each
answers with the department's section of the board, errors beside their
field. The writes are ``objectives.services.planning``'s; the reads
``objectives.planning``'s, as the REST API's.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from companies.tenancy import TenantRequest, company_view
from departments.models import Department
from objectives import services as okr
from objectives.forms import PlanDecisionForm
from objectives.models import Cycle
from objectives.planning import Board, planning_board
from objectives.views.overlaps import overlap_section
from okrhub.errors import not_found
from okrhub.web import add_service_errors, redirect_after_post

ACTIONS = {"submit": "submitted for review", "approve": "approved", "return": "returned"}


def _cycle_or_404(request: TenantRequest, cycle_id: int) -> Cycle:
    cycle = Cycle.objects.filter(company=request.company, pk=cycle_id).first()
    if cycle is None:
        raise not_found("cycle")
    return cycle


def _context(board: Board, *, failed: int | None = None, form: PlanDecisionForm | None = None) -> dict[str, Any]:
    for column in board.departments:
        column.form = form if failed == column.id and form is not None else PlanDecisionForm(prefix=f"plan{column.id}")
    return {"board": board, "cycle": board.cycle}


@require_GET
@company_view
def cycle_planning(request: TenantRequest, cycle_id: int) -> HttpResponse:
    """Every department's objectives of the cycle with their hints and their plan's state and actions."""
    cycle = _cycle_or_404(request, cycle_id)
    board = planning_board(company=request.company, actor=request.actor, cycle=cycle)
    return render(request, "objectives/planning.html", {**_context(board), "overlaps": overlap_section(request, cycle)})


@require_POST
@company_view
def plan_action(request: TenantRequest, cycle_id: int, department_id: int, action: str) -> HttpResponse:
    """Submit, approve or return one department's plan; htmx gets the department's section back."""
    company, actor = request.company, request.actor
    cycle = _cycle_or_404(request, cycle_id)
    department = Department.objects.filter(company=company, pk=department_id).first()
    if department is None or action not in ACTIONS:
        raise not_found("department" if department is None else "action")
    form = PlanDecisionForm(request.POST, prefix=f"plan{department.pk}")
    saved = False
    if form.is_valid():
        where: dict[str, Any] = {"company": company, "actor": actor, "cycle": cycle, "department": department}
        try:
            if action == "submit":
                okr.plan_submit(**where)
            elif action == "approve":
                okr.plan_approve(**where)
            else:
                okr.plan_return(**where, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            saved = True
    url = reverse("objectives:planning", args=[company.slug, cycle.pk]) + f"#plan-{department.pk}"
    if saved and not request.htmx:
        messages.success(request, f"{department.name}'s plan {ACTIONS[action]}.")
        return redirect_after_post(request, url)
    board = planning_board(company=company, actor=actor, cycle=cycle)
    context = _context(board, failed=None if saved else department.pk, form=None if saved else form)
    if not request.htmx:
        return render(request, "objectives/planning.html", context, status=422)
    column = next(c for c in board.departments if c.id == department.pk)
    context.update(column=column, row_status=f"Plan {ACTIONS[action]}." if saved else "")
    return render(request, "objectives/planning.html#plan-column", context, status=200 if saved else 422)
