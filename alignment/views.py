"""The leaders' alignment tree, server-rendered from the tree selector."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from alignment.selectors import alignment_tree
from companies.models import Membership
from departments.models import Department
from objectives.models import Cycle, CycleStatus
from okrhub.errors import not_found
from okrhub.tenancy import company_view


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = (
        Membership.objects.filter(user=request.user).select_related("company").order_by("company__name").first()
    )
    if membership is None:
        return render(request, "alignment/no_company.html")
    return redirect("alignment:tree", company_slug=membership.company.slug)


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@company_view
def tree(request: HttpRequest) -> HttpResponse:
    company = request.company
    cycles = list(Cycle.objects.filter(company=company).order_by("-start_date"))
    if not cycles:
        return render(request, "alignment/tree.html", {"company": company, "cycles": [], "tree": None})
    cycle_id = _int_or_none(request.GET.get("cycle"))
    if cycle_id is not None:
        cycle = next((c for c in cycles if c.pk == cycle_id), None)
        if cycle is None:
            raise not_found("cycle")
    else:
        cycle = next((c for c in cycles if c.status == CycleStatus.ACTIVE), cycles[0])
    departments = list(Department.objects.filter(company=company).order_by("name").values("id", "name"))
    department_id = _int_or_none(request.GET.get("department"))
    if department_id is not None and department_id not in {d["id"] for d in departments}:
        raise not_found("department")
    data = alignment_tree(company=company, actor=request.actor, cycle=cycle, department_id=department_id)
    return render(
        request,
        "alignment/tree.html",
        {
            "company": company,
            "cycles": cycles,
            "cycle": cycle,
            "departments": departments,
            "department_id": department_id,
            "tree": data,
            "role": request.actor.role,
        },
    )
