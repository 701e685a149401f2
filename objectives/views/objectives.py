"""Objective pages: create, edit, status, detail."""

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from companies.tenancy import TenantRequest, company_view
from departments.models import Department
from objectives import selectors as pages
from objectives import services as okr
from objectives.audit import audit_history
from objectives.charts import progress_chart
from objectives.forms import (
    DependencyForm,
    ObjectiveForm,
    RetrospectiveForm,
)
from objectives.models import Objective, objective_is_editable
from objectives.selectors import can_read_objective, choose_cycle
from objectives.views._common import _cycles, _flash_hints, _frozen, _objective_back_url, _objective_or_404, _safe_next
from objectives.views.activity import feed_section
from objectives.views.hints import _objective_hints
from objectives.views.overlaps import overlap_section
from okrhub.errors import PermissionDenied, not_found
from okrhub.permissions import Action
from okrhub.web import add_service_errors, int_or_none, redirect_after_post, render_invalid


def _draftable_departments(request: TenantRequest) -> QuerySet[Department]:
    """Departments the actor may draft in, each asked of the matrix."""
    actor = request.actor
    qs = Department.objects.filter(company=request.company).order_by("name")
    return qs.filter(
        pk__in=[
            pk
            for pk in qs.values_list("pk", flat=True)
            if okr.may_place_objective(actor, department=Department(pk=pk), committed=False)
        ]
    )


@company_view
def objective_create(request: TenantRequest) -> HttpResponse:
    company, actor = request.company, request.actor
    departments_qs = _draftable_departments(request)
    can_company_level = actor.can(Action.DRAFT_OBJECTIVE)
    if not departments_qs.exists() and not can_company_level:
        raise PermissionDenied("Your role does not allow drafting objectives.")
    cycles = _cycles(request)
    cycle = choose_cycle(request, cycles)
    if request.method == "POST":
        form = ObjectiveForm(request.POST, company=company, actor=actor, departments=departments_qs)
        if not can_company_level:
            _require_department(form, list(departments_qs))
        if form.is_valid():
            data = form.cleaned_data
            activate = request.POST.get("intent") == "activate"
            try:
                objective = okr.objective_create(
                    company=company,
                    actor=actor,
                    cycle=data["cycle"],
                    title=data["title"],
                    description=data["description"],
                    department=data["department"],
                    owner=data["owner"],
                    parent=data["parent"],
                    weight=data["weight"],
                    private=data["private"],
                    activate=activate,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                _flash_hints(request, objective, "Objective created" if activate else "Draft saved")
                return redirect_after_post(request, _objective_back_url(request, objective))
        return render_invalid(request, "objectives/objective_form.html", _objective_form_context(request, form, None))
    draftable = list(departments_qs)
    asked = int_or_none(request.GET.get("department"))
    # The asked-for department if the person may draft there, else their own (the first they belong to).
    initial_department = next((d for d in draftable if d.pk == asked), None) or next(
        (d for d in draftable if d.pk in actor.department_roles), None
    )
    if initial_department is None and not can_company_level and draftable:
        initial_department = draftable[0]
    form = ObjectiveForm(
        company=company,
        actor=actor,
        departments=departments_qs,
        cycle=cycle,
        initial={"department": initial_department, "cycle": cycle},
    )
    if not can_company_level:
        _require_department(form, draftable)
    return render(request, "objectives/objective_form.html", _objective_form_context(request, form, None))


def _require_department(form: ObjectiveForm, departments: list[Department]) -> None:
    """A person who may not create company-level objectives is not offered "Company-level" at all.

    The choices are the departments already read (the field's queryset still validates the post).
    """
    field = cast(forms.ModelChoiceField, form.fields["department"])
    field.required = True
    field.empty_label = None
    field.choices = [(d.pk, field.label_from_instance(d)) for d in departments]


def _objective_form_context(request, form: ObjectiveForm, objective: Objective | None) -> dict:
    department_id = (
        form._bound_id("department") if form.is_bound else getattr(form.initial.get("department"), "pk", None)
    )
    if objective is not None and not form.is_bound:
        department_id = objective.department_id
    return {
        "form": form,
        "objective": objective,
        "can_activate": objective is None
        and request.actor.can(Action.MANAGE_OBJECTIVE, department_id=department_id if department_id else None),
        "hints": _objective_hints(
            request,
            objective=objective,
            department_id=department_id,
            cycle_id=(form._bound_id("cycle") or getattr(form.initial.get("cycle"), "pk", None))
            if objective is None
            else objective.cycle_id,
            parent_id=form._bound_id("parent") if form.is_bound else (objective.parent_id if objective else None),
        ),
    }


@company_view
def objective_edit(request: TenantRequest, objective_id: int) -> HttpResponse:
    company, actor = request.company, request.actor
    objective = _objective_or_404(request, objective_id)
    if not pages.can_edit_objective(actor, objective):
        raise PermissionDenied("Your role does not allow editing this objective.")
    if not objective_is_editable(objective):
        return _frozen(request, objective)
    departments_qs = Department.objects.filter(company=company).order_by("name")
    if request.method == "POST":
        form = ObjectiveForm(
            request.POST, company=company, actor=actor, departments=departments_qs, objective=objective
        )
        if form.is_valid():
            data = form.cleaned_data
            changes = {k: data[k] for k in ("title", "description", "parent", "weight", "private", "department")}
            hidden_parent = objective.parent
            if data["parent"] is None and hidden_parent is not None and not can_read_objective(actor, hidden_parent):
                # The picker cannot show a parent this person may not read; an empty choice keeps it.
                del changes["parent"]
            changes["owner"] = data["owner"] or objective.owner
            try:
                objective = okr.objective_update(company=company, actor=actor, objective=objective, **changes)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                _flash_hints(request, objective, "Objective saved")
                return redirect_after_post(request, _objective_back_url(request, objective))
        return render_invalid(
            request, "objectives/objective_form.html", _objective_form_context(request, form, objective)
        )
    form = ObjectiveForm(
        company=company,
        actor=actor,
        departments=departments_qs,
        objective=objective,
        initial={
            "title": objective.title,
            "description": objective.description,
            "department": objective.department,
            "parent": objective.parent,
            "owner": objective.owner,
            "weight": objective.weight,
            "private": objective.private,
        },
    )
    return render(request, "objectives/objective_form.html", _objective_form_context(request, form, objective))


@require_POST
@company_view
def objective_status(request: TenantRequest, objective_id: int) -> HttpResponse:
    """Activate a draft, close, archive or reopen (plain POST; the buttons live on several pages)."""
    objective = _objective_or_404(request, objective_id)
    status = request.POST.get("status", "")
    try:
        objective = okr.objective_set_status(
            company=request.company, actor=request.actor, objective=objective, status=status
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        label = {"active": "activated", "closed": "closed", "archived": "archived", "draft": "moved back to draft"}
        _flash_hints(request, objective, f"“{objective.title}” {label.get(status, status)}")
    return redirect(_safe_next(request) or _objective_back_url(request, objective))


@require_GET
@company_view
def objective_detail(request: TenantRequest, objective_id: int) -> HttpResponse:
    return render(request, "objectives/objective_detail.html", objective_page(request, objective_id))


def objective_page(
    request: TenantRequest, objective_id: int, *, retrospective_form: RetrospectiveForm | None = None
) -> dict[str, Any]:
    """The objective page's context; ``retrospective_form`` is a posted form to show with its errors."""
    data = pages.objective_detail(company=request.company, actor=request.actor, objective_id=objective_id)
    if data is None:
        raise not_found("objective")
    objective, actor = data["objective"], request.actor
    retrospective = None
    if objective.cycle.is_closed:  # a retrospective looks back on a closed cycle: open ones read nothing more
        retrospective = pages.objective_retrospective(company=request.company, actor=actor, objective=objective)
        if retrospective["can_write"]:
            retrospective["form"] = retrospective_form or RetrospectiveForm.for_state(retrospective)
    can_edit = pages.can_edit_objective(actor, objective) and objective_is_editable(objective)
    can_manage = (
        actor.can(Action.MANAGE_OBJECTIVE, department_id=objective.department_id) and not objective.cycle.is_closed
    )
    can_link = (
        actor.can(Action.MANAGE_DEPENDENCY, department_id=objective.department_id) and not objective.cycle.is_closed
    )
    data.update(
        {
            "can_edit": can_edit,
            "can_manage": can_manage,
            "can_link": can_link,
            "transitions": sorted(okr.OBJECTIVE_TRANSITIONS.get(objective.status, set())) if can_manage else [],
            "dependency_form": DependencyForm(company=request.company, actor=actor, objective=objective)
            if can_link
            else None,
            "audit": audit_history(company=request.company, actor=actor, model=Objective, object_id=objective.pk),
            "activity": feed_section(request, objective=objective),
            "chart": progress_chart(
                history=data["history"],
                start=objective.cycle.start_date,
                end=objective.cycle.end_date,
                today=request.company.local_today(),
                tzinfo=request.company.tzinfo,
                expected_now=data["expected"],
            ),
            "retrospective": retrospective,
            # Company objectives are never compared: everything ladders to them.
            "overlaps": overlap_section(request, objective.cycle, objective_id=objective.pk)
            if objective.department_id is not None
            else None,
        }
    )
    return data
