"""The OKR pages: my key results with inline check-ins, department OKRs, objective and key result detail.

Every write goes through ``objectives.services``; forms only parse. Plain
POSTs redirect (or re-render the page with errors); htmx requests get the
fragment they target back, with 422 when the form has errors.
"""

from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from companies.tenancy import TenantRequest, company_view
from departments.models import Department
from objectives import quality
from objectives import selectors as pages
from objectives import services as okr
from objectives.audit import audit_history
from objectives.charts import progress_chart
from objectives.formatting import count
from objectives.forms import (
    CheckInForm,
    DependencyForm,
    ImportForm,
    KeyResultForm,
    ObjectiveForm,
    parent_candidates,
)
from objectives.models import Cycle, Dependency, KeyResult, Objective, objective_is_editable
from objectives.progress import is_behind_pace
from objectives.selectors import can_read_objective, choose_cycle, focus_count, visible_objectives_q
from objectives.transfer import IMPORT_COLUMNS, IMPORT_HELP, okrs_import_csv
from okrhub.errors import PermissionDenied, not_found
from okrhub.permissions import Action
from okrhub.web import add_service_errors, int_or_none, redirect_after_post, render_invalid


def _cycles(request: TenantRequest) -> list[Cycle]:
    return list(Cycle.objects.filter(company=request.company).order_by("-start_date"))


# ---------------------------------------------------------------- my key results


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
    if form.is_valid():
        try:
            okr.checkin_create(
                company=company,
                actor=actor,
                key_result=kr,
                value=form.cleaned_data["value"],
                confidence=form.cleaned_data["confidence"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if not form.is_valid():
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


# ---------------------------------------------------------------- objectives


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


def _flash_hints(request, obj, done: str) -> None:
    messages.success(request, f"{done}.")
    for hint in getattr(obj, "hints", []):
        suggestion = f" Try an outcome instead: “{hint.suggestion}”." if hint.suggestion else ""
        messages.warning(request, hint.message + suggestion)


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


def _frozen(request: TenantRequest, objective: Objective) -> HttpResponse:
    """The edit forms of a closed or archived objective send the person back to it, saying why."""
    messages.error(request, f"“{objective.title}” is {objective.get_status_display().lower()}; reopen it to edit it.")
    return redirect(_objective_back_url(request, objective))


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


def _safe_next(request: TenantRequest) -> str | None:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


@require_GET
@company_view
def objective_detail(request: TenantRequest, objective_id: int) -> HttpResponse:
    data = pages.objective_detail(company=request.company, actor=request.actor, objective_id=objective_id)
    if data is None:
        raise not_found("objective")
    objective, actor = data["objective"], request.actor
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
            "transitions": sorted(okr.OBJECTIVE_TRANSITIONS.get(objective.status, set())) if can_manage else [],
            "dependency_form": DependencyForm(company=request.company, actor=actor, objective=objective)
            if can_link
            else None,
            "audit": audit_history(company=request.company, actor=actor, model=Objective, object_id=objective.pk),
            "chart": progress_chart(
                history=data["history"],
                start=objective.cycle.start_date,
                end=objective.cycle.end_date,
                today=request.company.local_today(),
                tzinfo=request.company.tzinfo,
                expected_now=data["expected"],
            ),
        }
    )
    return render(request, "objectives/objective_detail.html", data)


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


# ---------------------------------------------------------------- key results


def _key_result_or_404(request: TenantRequest, key_result_id: int) -> KeyResult:
    kr = (
        KeyResult.objects.filter(company=request.company, pk=key_result_id)
        .select_related("objective__cycle", "objective__department")
        .first()
    )
    if kr is None or not can_read_objective(request.actor, kr.objective):
        raise not_found("key result")
    return kr


#: A suggested title is cut to what the form accepts.
_KR_TITLE_MAX_LENGTH = cast(forms.CharField, KeyResultForm.base_fields["title"]).max_length


def _key_result_form_view(request: TenantRequest, objective: Objective, kr: KeyResult | None) -> HttpResponse:
    company, actor = request.company, request.actor
    if not pages.can_edit_objective(actor, objective):
        raise PermissionDenied("Your role does not allow editing this objective.")
    if not objective_is_editable(objective):
        return _frozen(request, objective)
    if request.method == "POST" and "use_suggestion" in request.POST:
        # "Use this suggestion": show the form again with the suggested title, saving nothing.
        fields = KeyResultForm.base_fields
        initial = {name: request.POST[name] for name in fields if name in request.POST}
        initial["title"] = request.POST["use_suggestion"][:_KR_TITLE_MAX_LENGTH]
        form = KeyResultForm(company=company, initial=initial)
        context = _key_result_form_context(request, form, objective, kr) | {"focus_title": True}
        return render(request, "objectives/key_result_form.html", context)
    if request.method == "POST":
        form = KeyResultForm(request.POST, company=company)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if kr is None:
                    kr = okr.key_result_create(company=company, actor=actor, objective=objective, **data)
                    done = "Key result added"
                else:
                    data["owner"] = data["owner"] or kr.owner
                    kr = okr.key_result_update(company=company, actor=actor, key_result=kr, **data)
                    done = "Key result saved"
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                _flash_hints(request, kr, done)
                return redirect_after_post(request, _objective_back_url(request, objective))
        context = _key_result_form_context(request, form, objective, kr)
        return render_invalid(request, "objectives/key_result_form.html", context)
    initial = {}
    if kr is not None:
        initial = {
            name: getattr(kr, name)
            for name in (
                "title",
                "kind",
                "direction",
                "start_value",
                "target_value",
                "unit",
                "currency",
                "weight",
                "owner",
            )
        }
    if request.GET.get("title", "").strip():  # "Use this suggestion" from a page that shows the saved hint
        initial["title"] = request.GET["title"].strip()[:_KR_TITLE_MAX_LENGTH]
    form = KeyResultForm(company=company, initial=initial)
    return render(request, "objectives/key_result_form.html", _key_result_form_context(request, form, objective, kr))


def _key_result_form_context(request, form, objective, kr) -> dict:
    source = form.data if form.is_bound else form.initial
    return {
        "form": form,
        "objective": objective,
        "key_result": kr,
        "offer_fill": True,
        "hints": _key_result_hints(
            request, objective, source.get("title") or "", kr, kind=source.get("kind"), unit=source.get("unit")
        ),
    }


@company_view
def key_result_create(request: TenantRequest, objective_id: int) -> HttpResponse:
    return _key_result_form_view(request, _objective_or_404(request, objective_id), None)


@company_view
def key_result_edit(request: TenantRequest, key_result_id: int) -> HttpResponse:
    kr = _key_result_or_404(request, key_result_id)
    return _key_result_form_view(request, kr.objective, kr)


@require_POST
@company_view
def key_result_delete(request: TenantRequest, key_result_id: int) -> HttpResponse:
    kr = _key_result_or_404(request, key_result_id)
    try:
        okr.key_result_delete(company=request.company, actor=request.actor, key_result=kr)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Key result “{kr.title}” deleted.")
    return redirect(_objective_back_url(request, kr.objective))


@require_GET
@company_view
def key_result_detail(request: TenantRequest, key_result_id: int) -> HttpResponse:
    data = pages.key_result_detail(company=request.company, actor=request.actor, key_result_id=key_result_id)
    if data is None:
        raise not_found("key result")
    kr, objective = data["key_result"], data["objective"]
    data["chart"] = progress_chart(
        history=data["history"],
        start=objective.cycle.start_date,
        end=objective.cycle.end_date,
        today=request.company.local_today(),
        tzinfo=request.company.tzinfo,
        expected_now=kr.expected,
    )
    data["form"] = CheckInForm(key_result=kr, prefix=f"kr{kr.pk}") if kr.can_check_in else None
    data["can_edit"] = objective_is_editable(objective) and pages.can_edit_objective(request.actor, objective)
    data["audit"] = audit_history(company=request.company, actor=request.actor, model=KeyResult, object_id=kr.pk)
    return render(request, "objectives/key_result_detail.html", data)


# ---------------------------------------------------------------- live hints and the parent picker


def _key_result_hints(
    request, objective: Objective | None, title: str, kr: KeyResult | None, *, kind=None, unit=None
) -> list[dict]:
    hints = [h.as_dict() for h in quality.key_result_title_hints(title, kind=kind, unit=unit)]
    if objective is not None and kr is None:
        count = KeyResult.objects.filter(company=request.company, objective=objective).count()
        hint = quality.focus_hint(
            what="key results on this objective", count=count, limit=request.company.max_key_results_per_objective
        )
        if hint:
            hints.append({**hint.as_dict(), "blocks": request.company.focus_mode == "block"})
    return hints


def _objective_hints(request, *, objective, department_id, cycle_id, parent_id) -> list[dict]:
    hints = []
    company = request.company
    if cycle_id and (objective is None or objective.department_id != department_id):
        count = focus_count(
            company=company,
            cycle_id=cycle_id,
            department_id=department_id,
            exclude_id=objective.pk if objective else None,
        )
        what = "objectives in this department" if department_id else "company-level objectives"
        hint = quality.focus_hint(what=what, count=count, limit=company.max_objectives_per_department)
        if hint:
            hints.append({**hint.as_dict(), "blocks": company.focus_mode == "block"})
    hint = quality.missing_parent_hint(department_id=department_id, parent_id=parent_id)
    if hint:
        hints.append(hint.as_dict())
    return hints


def _readable_objective(request: TenantRequest, objective_id: int | None) -> Objective | None:
    """The objective a hint or picker request names, if the actor may read it (otherwise as if none)."""
    if objective_id is None:
        return None
    return (
        Objective.objects.filter(company=request.company, pk=objective_id)
        .filter(visible_objectives_q(actor=request.actor))
        .first()
    )


@require_GET
@company_view
def key_result_hints(request: TenantRequest) -> HttpResponse:
    objective = _readable_objective(request, int_or_none(request.GET.get("objective")))
    kr_id = int_or_none(request.GET.get("key_result"))
    kr = (
        KeyResult.objects.filter(company=request.company, pk=kr_id)
        .filter(visible_objectives_q(actor=request.actor, prefix="objective__"))
        .first()
        if kr_id
        else None
    )
    hints = _key_result_hints(
        request, objective, request.GET.get("title", ""), kr, kind=request.GET.get("kind"), unit=request.GET.get("unit")
    )
    return render(request, "objectives/key_result_form.html#hints", {"hints": hints, "offer_fill": True})


@require_GET
@company_view
def objective_hints(request: TenantRequest) -> HttpResponse:
    objective = _readable_objective(request, int_or_none(request.GET.get("objective")))
    department_id = int_or_none(request.GET.get("department"))
    if department_id and not Department.objects.filter(company=request.company, pk=department_id).exists():
        raise not_found("department")
    hints = _objective_hints(
        request,
        objective=objective,
        department_id=department_id,
        cycle_id=int_or_none(request.GET.get("cycle")) or (objective.cycle_id if objective else None),
        parent_id=int_or_none(request.GET.get("parent")),
    )
    return render(request, "objectives/objective_form.html#hints", {"hints": hints})


@require_GET
@company_view
def parent_options(request: TenantRequest) -> HttpResponse:
    """The parent picker's options for a search, keeping the current choice selectable."""
    company, actor = request.company, request.actor
    objective_id = int_or_none(request.GET.get("objective"))
    objective = _readable_objective(request, objective_id)
    cycle_id = int_or_none(request.GET.get("cycle")) or (objective.cycle_id if objective else None)
    selected = int_or_none(request.GET.get("parent"))
    options = parent_candidates(
        company=company,
        actor=actor,
        cycle_id=cycle_id,
        department_id=int_or_none(request.GET.get("department")),
        exclude_id=objective_id,
        query=request.GET.get("parent_search", "").strip(),
    )
    if selected:
        options = options | parent_candidates(
            company=company, actor=actor, cycle_id=cycle_id, department_id=int_or_none(request.GET.get("department"))
        ).filter(Q(pk=selected))
    options = list(options.distinct()[:50])
    return render(request, "objectives/objective_form.html#parent-options", {"options": options, "selected": selected})


# ---------------------------------------------------------------- CSV import


@company_view
def okr_import(request: TenantRequest) -> HttpResponse:
    """Check a CSV of objectives and key results (nothing changes), then import it (admins)."""
    request.actor.require(Action.MANAGE_COMPANY)
    result = None
    form = ImportForm()
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            text = form.cleaned_data["csv_text"]
            commit = request.POST.get("intent") == "import"
            result = okrs_import_csv(company=request.company, actor=request.actor, text=text, dry_run=not commit)
            if result.applied:
                messages.success(
                    request,
                    f"Imported {count(result.objectives, 'objective', 'objectives')} and"
                    f" {count(result.key_results, 'key result', 'key results')}.",
                )
                # Land on what was imported: the alignment tree of its cycle.
                tree = reverse("alignment:tree", args=[request.company.slug])
                return redirect(f"{tree}?cycle={result.cycle_id}" if result.cycle_id else tree)
            # Show what was read, so the checked text is what a confirmation imports.
            form = ImportForm(initial={"csv_text": text})
    refused = request.method == "POST" and (result is None or bool(result.errors))
    return render(
        request,
        "objectives/import.html",
        {
            "form": form,
            "result": result,
            "columns": IMPORT_COLUMNS,
            "help": IMPORT_HELP,
            "hint_count": sum(len(item["hints"]) for item in result.preview) if result else 0,
        },
        status=422 if refused else 200,
    )
