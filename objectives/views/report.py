"""A closed cycle's report: a printable page (one section per department) and the CSV of its scores.

Both read ``objectives.report.cycle_report``, as the REST API and the
leaders' email do. A cycle that is not closed yet exists, so it is no 404:
the page says when its report comes (409), and so does the CSV.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from companies.tenancy import TenantRequest, company_view
from objectives.models import Cycle
from objectives.report import CycleReport, cycle_report, report_csv, report_refusal, report_rows
from okrhub.errors import not_found
from okrhub.web import int_or_none

#: The answer for a cycle that exists but has no report yet: it conflicts with the cycle's state.
NOT_CLOSED = 409


def _cycle_or_404(request: TenantRequest, cycle_id: int) -> Cycle:
    cycle = Cycle.objects.filter(company=request.company, pk=cycle_id).first()
    if cycle is None:
        raise not_found("cycle")
    return cycle


def _attach_urls(report: CycleReport, slug: str) -> None:
    """Each objective's and key result's link, from one reverse() each rather than several per row in the template."""
    objective = reverse("objectives:objective", kwargs={"company_slug": slug, "objective_id": 0}).removesuffix("0/")
    key_result = reverse("objectives:key_result", kwargs={"company_slug": slug, "key_result_id": 0}).removesuffix("0/")
    for section in report.shown:
        for row in section.objectives:
            row.url = f"{objective}{row.id}/"
            for link in [*row.carried_into, *([row.carried_from] if row.carried_from else [])]:
                link.url = f"{objective}{link.objective_id}/"
            for kr in row.key_results:
                kr.url = f"{key_result}{kr.id}/"
                for link in [*kr.carried_into, *([kr.carried_from] if kr.carried_from else [])]:
                    link.url = f"{key_result}{link.key_result_id}/"


@require_GET
@company_view
def cycle_report_page(request: TenantRequest, cycle_id: int) -> HttpResponse:
    """Final scores, key results with their reasons, retrospectives and carry-overs, per department.

    A large company's report reads in pages of whole departments (``?page=``), or one department
    (``?department=<id>``); each page has the summary of all. An unknown page or department: 404.
    """
    cycle = _cycle_or_404(request, cycle_id)
    refusal = report_refusal(cycle)
    if refusal is not None:
        return render(request, "objectives/cycle_report.html", {"cycle": cycle, "refusal": refusal}, status=NOT_CLOSED)
    page = int_or_none(request.GET.get("page")) if "page" in request.GET else 1
    department = request.GET.get("department")
    department_id = int_or_none(department) if department else None
    if page is None or (department and department_id is None):
        raise not_found("page of the report")
    report = cycle_report(
        company=request.company, actor=request.actor, cycle=cycle, page=page, department_id=department_id
    )
    if report is None:
        raise not_found("page of the report")
    _attach_urls(report, request.company.slug)
    return render(request, "objectives/cycle_report.html", {"cycle": cycle, "report": report})


@require_GET
@company_view
def cycle_report_download(request: TenantRequest, cycle_id: int) -> HttpResponse:
    """The report's scores as CSV: one row per key result, what the reader may read."""
    cycle = _cycle_or_404(request, cycle_id)
    refusal = report_refusal(cycle)
    if refusal is not None:
        return HttpResponse(refusal[1], status=NOT_CLOSED, content_type="text/plain; charset=utf-8")
    report = cycle_report(company=request.company, actor=request.actor, cycle=cycle, page=None)
    assert report is not None  # noqa: S101  # every section, which an empty report has too
    response = HttpResponse(report_csv(report_rows(report)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="okrhub-{request.company.slug}-cycle-{cycle.pk}-report.csv"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
