"""The activity page: what changed in the company (or one objective, or one department) this week.

The objective and department pages show the first events of their own feed
(:func:`feed_section`); their "Show older activity" link is this page with
the cursor, so it works without JavaScript, and htmx asks the same URL for
just the older items (``objectives/_feed_items.html``) and appends them.
"""

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from companies.tenancy import TenantRequest, company_view
from departments.models import Department
from objectives import feed
from objectives.forms import ActivityFilterForm
from objectives.models import Objective
from okrhub.errors import not_found
from okrhub.web import int_or_none

#: Events per page on the activity page, and on the objective and department pages.
ACTIVITY_PAGE = 30
SECTION_PAGE = 10


def _more_url(request: TenantRequest, cursor: str | None, **filters: Any) -> str | None:
    if cursor is None:
        return None
    query = {name: value for name, value in filters.items() if value not in (None, "")}
    query["cursor"] = cursor
    return f"{reverse('objectives:activity', args=[request.company.slug])}?{urlencode(query)}"


def feed_section(
    request: TenantRequest, *, objective: Objective | None = None, department: Department | None = None
) -> dict[str, Any]:
    """The newest events of an objective's or a department's feed, for a section of its page."""
    page = feed.feed(
        company=request.company,
        actor=request.actor,
        objective=objective,
        department=department,
        limit=SECTION_PAGE,
    )
    filters = {"objective": objective.pk if objective else None, "department": department.pk if department else None}
    present = {name: value for name, value in filters.items() if value is not None}
    return {
        "items": page.items,
        "more_url": _more_url(request, page.next_cursor, **filters, period="all"),
        "all_url": f"{reverse('objectives:activity', args=[request.company.slug])}?{urlencode(present)}",
    }


def _scope(request: TenantRequest) -> feed.Scope:
    """The objective, department and cycle the query names (``feed.scope_of``); a non-number is a 404 too."""
    ids: dict[str, int] = {}
    for name in ("objective", "department", "cycle"):
        if (raw := request.GET.get(name)) is not None:
            number = int_or_none(raw)
            if not number:
                raise not_found(name)
            ids[f"{name}_id"] = number
    return feed.scope_of(company=request.company, actor=request.actor, **ids)


@require_GET
@company_view
def activity(request: TenantRequest) -> HttpResponse:
    """The company's activity, or one objective's (``?objective=``), or one department's with its teams.

    ``?cycle=`` keeps the events of one cycle (the dashboards' "This week" links here with it).

    Filters: ``period`` (this week by default, last 30 days, all time),
    ``kind`` (check-ins, objectives, …), ``cursor`` (older pages). An
    objective the person may not read, or a department of another company,
    is a 404 like any missing one.
    """
    scope = _scope(request)
    objective, department, cycle = scope.objective, scope.department, scope.cycle
    form = ActivityFilterForm(request.GET)
    context: dict[str, Any] = {
        "form": form,
        "objective": objective,
        "department": department,
        "cycle": cycle,
        "items": [],
    }
    if not form.is_valid():
        return render(request, "objectives/activity.html", context, status=400)
    period, kind, cursor = form.cleaned_data["period"], form.cleaned_data["kind"], form.cleaned_data["cursor"]
    page = feed.feed(
        company=request.company,
        actor=request.actor,
        objective=objective,
        department=department,
        cycle=cycle,
        verbs=feed.VERB_FAMILIES[kind][1] if kind else None,
        since=feed.period_start(period),
        cursor=cursor,
        limit=ACTIVITY_PAGE,
    )
    filters = {
        "objective": objective.pk if objective else None,
        "department": department.pk if department else None,
        "cycle": cycle.pk if cycle else None,
        "period": period,
        "kind": kind,
    }
    context.update(
        items=page.items,
        more_url=_more_url(request, page.next_cursor, **filters),
        period=period,
        period_label=feed.PERIODS[period][0],
        older=cursor is not None,
    )
    if request.htmx and cursor is not None:
        return render(request, "objectives/_feed_items.html", {**context, "appended": True})
    return render(request, "objectives/activity.html", context)
