"""The leaders' alignment tree (lazy, one level per request) and the alignment gaps report."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from alignment.selectors import alignment_branch, alignment_gaps, visible_objectives
from companies.models import Membership
from companies.tenancy import TenantRequest, company_view
from departments.models import Department
from objectives.models import Cycle, Objective
from objectives.selectors import choose_cycle
from okrhub.errors import not_found
from okrhub.web import int_or_none


@login_required
def home(request: TenantRequest) -> HttpResponse:
    """A person's start page: their key results in their (first) company."""
    membership = (
        Membership.objects.filter(user=request.user).select_related("company").order_by("company__name").first()
    )
    if membership is None:
        return render(request, "alignment/no_company.html")
    return redirect("objectives:my_key_results", company_slug=membership.company.slug)


def _link_nodes(request: TenantRequest, nodes: list[dict]) -> None:
    """Each node's detail and expand URLs, from one reverse() each rather than two per node in the template."""
    slug = request.company.slug
    detail = reverse("objectives:objective", kwargs={"company_slug": slug, "objective_id": 0}).removesuffix("0/")
    children = reverse("alignment:tree_children", kwargs={"company_slug": slug, "objective_id": 0})
    children_prefix, children_suffix = children.split("/0/", 1)
    for node in nodes:
        node["url"] = f"{detail}{node['id']}/"
        node["children_url"] = f"{children_prefix}/{node['id']}/{children_suffix}"


def _filters(request: TenantRequest) -> tuple[list[Cycle], Cycle | None, Sequence[Mapping[str, Any]], int | None]:
    company = request.company
    cycles = list(Cycle.objects.filter(company=company).order_by("-start_date"))
    cycle = choose_cycle(request, cycles)
    departments = list(Department.objects.filter(company=company).order_by("name").values("id", "name"))
    department_id = int_or_none(request.GET.get("department"))
    if department_id is not None and department_id not in {d["id"] for d in departments}:
        raise not_found("department")
    return cycles, cycle, departments, department_id


@require_GET
@company_view
def tree(request: TenantRequest) -> HttpResponse:
    cycles, cycle, departments, department_id = _filters(request)
    branch = (
        alignment_branch(company=request.company, actor=request.actor, cycle=cycle, department_id=department_id)
        if cycle
        else None
    )
    if branch:
        _link_nodes(request, branch["nodes"])
    context = {
        "cycles": cycles,
        "cycle": cycle,
        "departments": departments,
        "department_id": department_id,
        "branch": branch,
        "expected": branch["expected_progress"] if branch else None,
        "query": request.GET.urlencode(),
    }
    if request.htmx and request.htmx.target == "tree-results":
        return render(request, "alignment/tree.html#results", context)
    return render(request, "alignment/tree.html", context)


@require_GET
@company_view
def tree_children(request: TenantRequest, objective_id: int) -> HttpResponse:
    """The children of one node, for the disclosure button that expands it."""
    cycles, cycle, _, department_id = _filters(request)
    parent = (
        Objective.objects.filter(company=request.company, pk=objective_id)
        .values("cycle_id", "private", "department_id", "owner_id")
        .first()
    )
    if parent is None or not visible_objectives(actor=request.actor, rows=[parent]):
        raise not_found("objective")
    cycle = next(c for c in cycles if c.pk == parent["cycle_id"])
    branch = alignment_branch(
        company=request.company, actor=request.actor, cycle=cycle, parent_id=objective_id, department_id=department_id
    )
    _link_nodes(request, branch["nodes"])
    return render(
        request,
        "alignment/tree.html#children",
        {
            "nodes": branch["nodes"],
            "expected": branch["expected_progress"],
            "query": request.GET.urlencode(),
            "cycle": cycle,
        },
    )


@require_GET
@company_view
def gaps(request: TenantRequest) -> HttpResponse:
    cycles = list(Cycle.objects.filter(company=request.company).order_by("-start_date"))
    cycle = choose_cycle(request, cycles)
    report = alignment_gaps(company=request.company, actor=request.actor, cycle=cycle) if cycle else None
    return render(request, "alignment/gaps.html", {"cycles": cycles, "cycle": cycle, "report": report})
