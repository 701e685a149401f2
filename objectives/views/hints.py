"""Live hints and the parent picker (htmx fragments)."""

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from companies.tenancy import TenantRequest, company_view
from departments.models import Department
from objectives import quality
from objectives.forms import (
    parent_candidates,
)
from objectives.models import Cycle, KeyResult, Objective
from objectives.overlaps import hint_matches
from objectives.selectors import focus_count, visible_objectives_q
from okrhub.errors import not_found
from okrhub.web import int_or_none


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


def _overlap_hints(
    request: TenantRequest, *, title: str, department_id: int | None, cycle_id: int | None, exclude_objective_id=None
) -> list[dict]:
    """Items of other departments the typed title may duplicate, each named with its department (readable only)."""
    if not title.strip() or department_id is None or cycle_id is None:
        return []
    cycle = Cycle.objects.filter(company=request.company, pk=cycle_id).first()
    if cycle is None:
        return []
    hints = []
    for match in hint_matches(
        company=request.company,
        actor=request.actor,
        cycle=cycle,
        title=title,
        department_id=department_id,
        exclude_objective_id=exclude_objective_id,
    ):
        what = "objective" if match.item.kind == "objective" else "key result"
        hints.append(
            {
                "code": "overlap",
                "field": "title",
                "suggestion": None,
                "message": f"{match.item.department_name} has a similar {what}: “{match.item.title}” "
                f"({'; '.join(match.reasons)}). The same result? Work together or link it as a dependency.",
            }
        )
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
    if objective is not None:
        hints += _overlap_hints(
            request,
            title=request.GET.get("title", ""),
            department_id=objective.department_id,
            cycle_id=objective.cycle_id,
            exclude_objective_id=objective.pk,
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
    hints += _overlap_hints(
        request,
        title=request.GET.get("title", ""),
        department_id=department_id,
        cycle_id=int_or_none(request.GET.get("cycle")) or (objective.cycle_id if objective else None),
        exclude_objective_id=objective.pk if objective else None,
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
    return render(
        request,
        "objectives/objective_form.html#parent-options",
        {"options": options, "selected": selected, "cycle_id": cycle_id},
    )
