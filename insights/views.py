"""The company and department dashboards, and the progress history download.

- The company dashboard is for leaders and admins
  (``Action.READ_COMPANY_DASHBOARD``); anyone else who opens it is sent to
  the dashboard of their (first) department, or told where dashboards are.
- A department's dashboard is the same page scoped to the department and its
  teams; everyone in the company reads it (``Action.READ``, like the
  department's page), each seeing only the objectives they may read.
- Every tile links to the list behind it (``insights.filters``); the export
  downloads the progress history of any such list.

Pages only read: snapshots are written by the nightly task (``insights.snapshots``).
"""

import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from companies.models import Membership
from companies.tenancy import TenantRequest, company_view
from departments.ancestry import department_parents
from departments.models import Department
from explore.exports import FORMATS, table_response
from explore.params import parse
from insights.filters import ListFilter, Scope
from insights.selectors import CHANGE_FAMILIES, CONFIDENCES, STATUSES, WEEK_PERIOD, Tally, dashboard, history_rows
from insights.snapshots import day_end
from objectives.charts import progress_chart
from objectives.models import Cycle
from objectives.selectors import choose_cycle
from okrhub.errors import not_found
from okrhub.permissions import Action

#: How many people the compliance tile names (its link lists them all).
PEOPLE_SHOWN = 8


def _cycles(request: TenantRequest) -> list[Cycle]:
    return list(Cycle.objects.filter(company=request.company).order_by("-start_date"))


@require_GET
@company_view
def company(request: TenantRequest) -> HttpResponse:
    actor = request.actor
    if not actor.can(Action.READ_COMPANY_DASHBOARD):
        own = (
            Department.objects.filter(company=request.company, pk__in=list(actor.department_roles))
            .order_by("name")
            .values_list("pk", flat=True)
            .first()
        )
        if own is None:
            messages.info(
                request, "The company dashboard is for leaders and admins; every department has a dashboard of its own."
            )
            return redirect("departments:departments", company_slug=request.company.slug)
        return redirect("insights:department", company_slug=request.company.slug, department_id=own)
    return _dashboard_page(request, department=None)


@require_GET
@company_view
def department(request: TenantRequest, department_id: int) -> HttpResponse:
    found = Department.objects.filter(company=request.company, pk=department_id).select_related("parent").first()
    if found is None:
        raise not_found("department")
    return _dashboard_page(request, department=found)


def _dashboard_page(request: TenantRequest, *, department: Department | None) -> HttpResponse:
    cycles = _cycles(request)
    cycle = choose_cycle(request, cycles)
    context: dict[str, Any] = {
        "cycles": cycles,
        "cycle": cycle,
        "department": department,
        "data": None,
        "can_company": request.actor.can(Action.READ_COMPANY_DASHBOARD),
    }
    if cycle is not None:
        data = dashboard(company=request.company, actor=request.actor, cycle=cycle, department=department)
        _link(request, data)
        context["data"] = data
        context["chart"] = _chart(request, data)
        activity = reverse("objectives:activity", args=[request.company.slug])
        scope = {"cycle": cycle.pk, **({"department": department.pk} if department is not None else {})}
        context["changes"] = [
            {
                "key": key,
                "label": label,
                "count": data["changes"]["counts"][key],
                "url": f"{activity}?{urlencode({**scope, 'period': WEEK_PERIOD, 'kind': key})}",
            }
            for key, (label, _) in CHANGE_FAMILIES.items()
        ]
        context["activity_url"] = f"{activity}?{urlencode({**scope, 'period': WEEK_PERIOD})}"
        context["tiles"] = [
            ({"key": "at-risk", **data["at_risk"], "url": data["links"]["at_risk"]}, "Key results at risk", "at risk"),
            (
                {"key": "off-track", **data["off_track"], "url": data["links"]["off_track"]},
                "Key results off track",
                "off track",
            ),
        ]
        if data["behind_pace"] is not None:
            context["tiles"].append(
                (
                    {"key": "behind-pace", **data["behind_pace"], "url": data["links"]["behind_pace"]},
                    "Objectives behind pace",
                    "behind pace",
                )
            )
        else:  # a closed cycle: its final scores (``insights.selectors.final_scores``) and its report
            context["report_url"] = _report_url(request, cycle, department, data)
        people = data["compliance"]["people"]
        context["people"] = people[:PEOPLE_SHOWN]
        context["people_more"] = len(people) - len(context["people"])
        today, start, end = data["today"], cycle.start_date, cycle.end_date
        if data["expected"] is not None and start <= today <= end:  # a closed cycle has no "today"
            context["day"] = {"number": (today - start).days + 1, "of": (end - start).days + 1}
        export = reverse("insights:export", args=[request.company.slug])
        query = data["filters"]["objectives"].query()
        context["export"] = {fmt: f"{export}?{query}&format={fmt}" for fmt in FORMATS}
    return render(request, "insights/dashboard.html", context)


def _link(request: TenantRequest, data: dict[str, Any]) -> None:
    """Every tile's link: the list it counts (``ListFilter.url``), and each row's page."""
    slug = request.company.slug
    objectives: ListFilter = data["filters"]["objectives"]
    key_results: ListFilter = data["filters"]["key_results"]
    data["links"] = {
        "objectives": objectives.url(slug),
        "key_results": key_results.url(slug),
        "at_risk": data["at_risk"]["filter"].url(slug),
        "off_track": data["off_track"]["filter"].url(slug),
        "stale": data["compliance"]["filter"].url(slug),
    }
    if data["behind_pace"] is not None:
        data["links"]["behind_pace"] = data["behind_pace"]["filter"].url(slug)
    dashboard_url = reverse("insights:department", args=[slug, 0]).removesuffix("0/")
    for row in data["rows"]:
        row.links = {"dashboard": f"{dashboard_url}{row.department_id}/?cycle={data['cycle'].pk}"}
        row.cells = _cells(row.tally, objectives.but(department=row.department_id), slug)
    data["total_cells"] = _cells(data["total"], objectives, slug)
    for person in data["compliance"]["people"][:PEOPLE_SHOWN]:
        owner = person["owner_id"]
        person["url"] = key_results.but(owner=owner, stale=True).url(slug) if owner else None
    objective_url = reverse("objectives:objective", args=[slug, 0]).removesuffix("0/")
    key_result_url = reverse("objectives:key_result", args=[slug, 0]).removesuffix("0/")
    for tile in (data["behind_pace"], data["final"]):
        for item in tile["items"] if tile is not None else ():
            item["url"] = f"{objective_url}{item['id']}/"
    for tile in ("at_risk", "off_track"):
        for item in data[tile]["items"]:
            item["url"] = f"{key_result_url}{item['id']}/"


def _report_url(request: TenantRequest, cycle: Cycle, department: Department | None, data: dict[str, Any]) -> str:
    """The closed cycle's report: a department's section when it has objectives of its own there, else the whole."""
    url = reverse("objectives:cycle_report", args=[request.company.slug, cycle.pk])
    if department is None:
        return url
    own = data["by_department"].get(department.pk)
    return f"{url}?department={department.pk}" if own is not None and own.objectives else url


#: A heatmap cell's shade: the share of the row's objectives in that status, in quarters (0: none).
SHADES = 4


def _cells(tally: Tally, objectives: ListFilter, slug: str) -> dict[str, Any]:
    """A heatmap row's cells, each with its count and the list behind it.

    Status cells are shaded in their status's colour by share (DESIGN §3:
    colour follows status); confidence cells carry numbers only.
    """
    key_results = objectives.but(kind="key_result")
    return {
        "objectives": {"count": tally.objectives, "url": objectives.url(slug)},
        "status": [
            {
                "status": s.value,
                "label": s.label,
                "count": tally.by_status[s],
                "shade": _shade(tally.by_status[s], tally.objectives),
                "url": objectives.but(status=s.value).url(slug),
            }
            for s in STATUSES
        ],
        "confidence": [
            {
                "confidence": c.value,
                "label": c.label,
                "count": tally.by_confidence[c],
                "url": key_results.but(confidence=c.value).url(slug),
            }
            for c in CONFIDENCES
        ],
        "stale": {
            "count": tally.stale,
            "of": tally.active_key_results,
            "url": key_results.but(stale=True).url(slug),
        },
    }


def _shade(count: int, total: int) -> int:
    if not count or not total:
        return 0
    return max(1, min(SHADES, -(-count * SHADES // total)))


def _chart(request: TenantRequest, data: dict[str, Any]) -> Any:
    """The progress-over-time chart: each day's end as a point, today's live value at this moment."""
    company, cycle, today = request.company, data["cycle"], data["today"]
    now = timezone.now()
    history: list[tuple[datetime.datetime, float | None]] = [
        (now if point["day"] == today else day_end(company, point["day"]), point["progress"])
        for point in data["series"]
    ]
    return progress_chart(
        history=history,
        start=cycle.start_date,
        end=cycle.end_date,
        today=today,
        tzinfo=company.tzinfo,
        expected_now=data["expected"],
        points=None,
    )


@require_GET
@company_view
def export(request: TenantRequest) -> HttpResponse:
    """The progress history of a list as CSV or XLSX: the search page's parameters (``explore.params``), and ``format``.

    One row per objective or key result the reader may read (the search's
    own rows), one column per day of the cycle so far (progress in percent;
    empty when unknown or not yet there), today's live value last. A bad
    parameter answers 400 naming it; a cycle, department or owner the company
    does not have, 404.
    """
    params = request.GET.copy()
    fmt = params.pop("format", ["csv"])[-1] or "csv"
    company = request.company
    departments = department_parents(company)
    try:
        if fmt not in FORMATS:
            raise ValidationError({"format": ValidationError(f"Choose one of: {', '.join(FORMATS)}.")})
        search = parse(
            params,
            cycles=_cycles(request),
            departments=departments,
            is_member=lambda user_id: Membership.objects.filter(company=company, user_id=user_id).exists(),
            today=company.local_today(),
        )
        if search.kind not in ("objective", "key_result"):
            raise ValidationError({"kind": ValidationError("The history is of objectives or of key results.")})
        if search.cycle is None:
            raise ValidationError({"cycle": ValidationError("The history covers one cycle: name it, or leave it out.")})
        if search.q:
            raise ValidationError({"q": ValidationError("The history lists by filters, not by words.")})
    except ValidationError as error:
        message = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in error.message_dict.items())
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    scope = Scope.build(
        company=company, actor=request.actor, cycle=search.cycle, today=company.local_today(), departments=departments
    )
    days, rows = history_rows(scope, search)
    kind = "objective" if search.kind == "objective" else "key result"
    header = ["id", kind, "department", "owner", *(day.isoformat() for day in days)]
    return table_response(
        fmt,
        filename=f"progress-{company.slug}-{slugify(search.cycle.name) or search.cycle.pk}",
        title="Progress history",
        header=header,
        rows=rows,
    )
