"""The search page (search box and filtered lists, live as one types) and its CSV / XLSX downloads.

The URL is the state: the filters are a GET form, htmx swaps the results
and pushes the URL, so any view can be shared or bookmarked, and the page
works without JavaScript. The parameters are a contract (``explore.params``).
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from companies.models import Membership
from companies.tenancy import TenantRequest, company_view
from departments.ancestry import walk_up
from departments.models import Department
from explore.exports import Format, table_response
from explore.links import ResultLinks
from explore.params import ALL, KIND_LABELS, KIND_NAMES, KINDS, PARAMETERS, PER_KIND, Search, parse
from explore.selectors import Listing, export_rows, person_name, search_listing
from explore.tables import table
from objectives.models import Confidence, Cycle
from objectives.progress import Status
from okrhub.errors import NotFound
from okrhub.web import UNPROCESSABLE


def _company_lists(request: TenantRequest, *, form: bool) -> dict[str, Any]:
    """What reading the parameters needs (cycles, the department tree) and, for the ``form``, what the
    filters offer: departments named with those they sit in, and the members (a few thousand, maybe:
    live results and downloads, which show no form, do without)."""
    company = request.company
    cycles = list(Cycle.objects.filter(company=company).order_by("-start_date", "name"))
    rows = list(Department.objects.filter(company=company).values_list("id", "name", "parent_id"))
    parents = {pk: parent for pk, _, parent in rows}
    lists: dict[str, Any] = {"cycles": cycles, "parents": parents, "departments": [], "members": None}
    if form:
        names = {pk: name for pk, name, _ in rows}
        paths = {pk: " / ".join(names[d] for d in reversed(list(walk_up(parents, pk)))) for pk in names}
        lists["departments"] = [
            {"id": pk, "name": path} for pk, path in sorted(paths.items(), key=lambda item: item[1].casefold())
        ]
        lists["members"] = list(
            Membership.objects.filter(company=company)
            .annotate(name=person_name("user"))
            .order_by("name", "user_id")
            .values_list("user_id", "name")
        )
    return lists


def _parse(request: TenantRequest, lists: Mapping[str, Any]) -> Search:
    company = request.company
    members: set[int] | None = {user_id for user_id, _ in lists["members"]} if lists["members"] is not None else None

    def is_member(user_id: int) -> bool:
        if members is not None:
            return user_id in members
        return Membership.objects.filter(company=company, user_id=user_id).exists()

    return parse(
        request.GET,
        cycles=lists["cycles"],
        departments=lists["parents"],
        is_member=is_member,
        today=company.local_today(),
    )


def _form_values(request: TenantRequest) -> dict[str, str]:
    return {name: request.GET.get(name, "").strip() for name in PARAMETERS}


def _refused(request: TenantRequest, lists: Mapping[str, Any], error: ValidationError | NotFound) -> HttpResponse:
    """The page with what was wrong with the parameters, naming each, and no results (nothing else ran)."""
    if isinstance(error, ValidationError):
        problems = [(name, " ".join(messages)) for name, messages in error.message_dict.items()]
        status = 400
    else:
        name = str(error).removeprefix("No such ").removesuffix(".")
        problems = [(name, f"No such {name} in {request.company.name}.")]
        status = 404
    if request.htmx and request.htmx.target == "search-results":
        context = {**_base_context(request, lists), "problems": problems}
        return render(request, "explore/search.html#results", context, status=UNPROCESSABLE)
    if lists["members"] is None:
        lists = _company_lists(request, form=True)
    context = {**_base_context(request, lists), "problems": problems, "form": _form_values(request)}
    return render(request, "explore/search.html", context, status=status)


def _base_context(request: TenantRequest, lists: Mapping[str, Any]) -> dict[str, Any]:
    slug = request.company.slug
    return {
        **lists,
        "search_url": reverse("explore:search", args=[slug]),
        "kinds": [(ALL, "Everything")] + [(kind, KIND_LABELS[kind]) for kind in KINDS],
        "statuses": [(s.value, s.label) for s in Status],
        "confidences": Confidence.choices,
        "problems": [],
    }


@require_GET
@company_view
def search(request: TenantRequest) -> HttpResponse:
    live = bool(request.htmx and request.htmx.target == "search-results")
    lists = _company_lists(request, form=not live)
    try:
        found = _parse(request, lists)
    except (ValidationError, NotFound) as error:
        return _refused(request, lists, error)
    canonical = found.query_string()
    if not request.htmx and any(not value.strip() for _, values in request.GET.lists() for value in values):
        # The form sends its empty fields too: show the short address, the one worth sharing.
        return redirect(f"{request.path}?{canonical}" if canonical else request.path)
    listing = search_listing(
        company=request.company,
        actor=request.actor,
        search=found,
        cycles=lists["cycles"],
        today=request.company.local_today(),
    )
    context = {**_base_context(request, lists), **_listing_context(request, listing), "form": _form_values(request)}
    if live:
        response = render(request, "explore/search.html#results", context)
        response["HX-Push-Url"] = f"{request.path}?{canonical}" if canonical else request.path
        return response
    return render(request, "explore/search.html", context)


def _listing_context(request: TenantRequest, listing: Listing) -> dict[str, Any]:
    found = listing.search
    path = request.path

    def url(**changes: str | None) -> str:
        query = found.query_string(**changes)
        return f"{path}?{query}" if query else path

    listed = list(listing.counts)
    tabs = [
        {"kind": ALL, "label": "Everything", "count": listing.total, "url": url(kind=ALL, page=None)},
        *(
            {"kind": kind, "label": KIND_LABELS[kind], "count": listing.counts[kind], "url": url(kind=kind, page=None)}
            for kind in KINDS
            if kind in listed
        ),
    ]
    sections = [
        {
            "kind": kind,
            "label": KIND_LABELS[kind],
            "count": listing.counts[kind],
            "rows": listing.rows[kind],
            "more_url": (
                url(kind=kind, page=None)
                if found.kind == ALL and found.page is not None and listing.counts[kind] > PER_KIND
                else None
            ),
        }
        for kind in listing.rows
    ]
    page = found.page
    export = found.query_string(page=None)
    result_count = listing.counts[found.kind] if found.kind != ALL else listing.total
    return {
        "summary": _summary(found, listing, result_count),
        "search": found,
        "listing": listing,
        "tabs": tabs,
        "sections": sections,
        "single": found.kind != ALL,
        "result_count": result_count,
        "kind_names": KIND_NAMES,
        "links": ResultLinks(request.company.slug),
        "previous_url": url(page=str(page - 1)) if page and page > 1 else None,
        "next_url": url(page=str(page + 1)) if page and page < listing.page_count else None,
        "all_url": url(page=ALL) if page and listing.page_count > 1 else None,
        "csv_url": reverse("explore:export_csv", args=[request.company.slug]) + (f"?{export}" if export else ""),
        "xlsx_url": reverse("explore:export_xlsx", args=[request.company.slug]) + (f"?{export}" if export else ""),
    }


def _counted(count: int, kind: str) -> str:
    return f"{count} {(KIND_NAMES[kind] if count == 1 else KIND_LABELS[kind]).lower()}"


def _summary(found: Search, listing: Listing, result_count: int) -> str:
    """The one sentence a screen reader hears after each search: how many, of what, for what."""
    what = (
        _counted(result_count, found.kind) if found.kind != ALL else f"{result_count} result{'s' * (result_count != 1)}"
    )
    text = f"{what} for “{found.q}”" if found.q else what
    if found.kind == ALL and result_count:
        text += ": " + ", ".join(_counted(count, kind) for kind, count in listing.counts.items() if count)
    return text + "."


@require_GET
@company_view
def export(request: TenantRequest, fmt: Format) -> HttpResponse:
    """Every row of the search the reader may see, whatever page is on screen, as CSV or XLSX."""
    lists = _company_lists(request, form=False)
    try:
        found = _parse(request, lists)
    except (ValidationError, NotFound) as error:
        return _refused(request, lists, error)
    rows = export_rows(
        company=request.company,
        actor=request.actor,
        search=found,
        cycles=lists["cycles"],
        today=request.company.local_today(),
    )
    kind = found.kind
    header, cells = table(kind, rows, company=request.company, link=ResultLinks(request.company.slug))
    name = KIND_LABELS.get(kind, "Search results")
    return table_response(
        fmt,
        filename=f"{request.company.slug}-{name.lower().replace(' ', '-')}",
        title=name,
        header=header,
        rows=cells,
    )
