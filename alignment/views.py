"""The leaders' alignment tree (cards, compact list or map; bounded, lazily expanded) and the gaps report.

Tree page parameters (all shareable in the URL, all optional):

- ``mode``: ``tree`` (cards, the default), ``list`` (one line per objective
  with its bar, indented by depth) or ``map`` (the hierarchy as an SVG graph,
  with the list one link away as its accessible alternative);
- ``expand``: ``all`` opens every level, ``none`` shows the first level only;
  by default cards open two levels, the list and the map every level;
- ``depth``: how many levels to open at most (1 to 8);
- ``offset``: where the first level starts (its "show more" pages).

Whatever the parameters, a page draws a bounded number of objectives
(``BOUNDS``; ``alignment.selectors.Bounds``): what does not fit stays closed
and loads on demand, so the first load costs the same at 50,000 objectives as
at 50. Every response carries an ETag from the company revision
(``alignment/cache.py``): a matching ``If-None-Match`` is answered 304 before
anything is read, and the tree's HTML is cached per revision, day,
visibility class and parameters.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape as quote
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from alignment.cache import CACHE_CONTROL, Reader, page_version, reader_of, tree_bytes
from alignment.map import render_map
from alignment.selectors import MAX_DEPTH, Bounds, alignment_forest, alignment_gaps, visible_objectives
from companies.models import Membership
from companies.revision import none_match
from companies.tenancy import TenantRequest, company_view
from departments.models import Department
from objectives.models import Cycle, Objective
from objectives.selectors import choose_cycle
from objectives.views.overlaps import overlap_section
from okrhub.errors import not_found
from okrhub.permissions import Action, Facts, is_allowed
from okrhub.web import int_or_none

MODES = {"tree": "Cards", "list": "Compact list", "map": "Map"}

#: Per mode: how much one response draws (objectives in all, and per level of one parent).
BOUNDS = {"tree": (60, 25), "list": (250, 50), "map": (100, 12)}
#: Levels open by default, per mode.
DEFAULT_DEPTH = {"tree": 2, "list": MAX_DEPTH, "map": MAX_DEPTH}
MAX_OFFSET = 1_000_000


@login_required
def home(request: TenantRequest) -> HttpResponse:
    """A person's start page in their (first) company.

    Leaders and admins (who read the company dashboard) land on it: the
    quarter at a glance, every tile a click from its list. Everyone else, and
    leaders of a company with no objectives yet (whose first visit offers the
    example cascade), land on their key results, where they check in.
    """
    membership = (
        Membership.objects.filter(user=request.user).select_related("company").order_by("company__name").first()
    )
    if membership is None:
        return render(request, "alignment/no_company.html")
    company = membership.company
    if (
        is_allowed(membership.role, Action.READ_COMPANY_DASHBOARD, Facts(company_level=True))
        and Objective.objects.filter(company=company).exists()
    ):
        return redirect("insights:company", company_slug=company.slug)
    return redirect("objectives:my_key_results", company_slug=company.slug)


class TreeParamsForm(forms.Form):
    mode = forms.ChoiceField(choices=list(MODES.items()), required=False)
    expand = forms.ChoiceField(choices=[("all", "all"), ("none", "none")], required=False)
    depth = forms.IntegerField(min_value=1, max_value=MAX_DEPTH, required=False)
    offset = forms.IntegerField(min_value=0, max_value=MAX_OFFSET, required=False)


@dataclass(frozen=True)
class TreeParams:
    """The page's parameters, parsed once: what the cache key and every link are made of."""

    cycle: int | None
    department: int | None
    mode: str
    expand: str
    depth: int | None
    offset: int

    @property
    def levels(self) -> int:
        """Levels opened: ``depth`` when given, else everything for ``expand=all``, one for ``none``."""
        if self.depth is not None:
            return self.depth
        if self.expand == "all":
            return MAX_DEPTH
        if self.expand == "none":
            return 1
        return DEFAULT_DEPTH[self.mode]

    @property
    def bounds(self) -> Bounds:
        budget, page = BOUNDS[self.mode]
        return Bounds(depth=self.levels, budget=budget, page=page)

    def key(self) -> tuple[object, ...]:
        return (self.cycle, self.department, self.mode, self.expand, self.depth, self.offset)

    def query(self, **changes: Any) -> str:
        """The query string of these parameters (defaults left out), with ``changes``."""
        values: dict[str, Any] = {
            "cycle": self.cycle,
            "department": self.department,
            "mode": None if self.mode == "tree" else self.mode,
            "expand": self.expand or None,
            "depth": self.depth,
            "offset": self.offset or None,
        }
        values.update(changes)
        return urlencode({name: value for name, value in values.items() if value is not None})


class BadParameter(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _params(request: TenantRequest) -> TreeParams:
    form = TreeParamsForm(request.GET)
    if not form.is_valid():
        problems = "; ".join(f"{field}: {' '.join(map(str, errors))}" for field, errors in form.errors.items())
        raise BadParameter(HttpResponseBadRequest(f"Invalid parameter ({escape(problems)})", content_type="text/plain"))
    data = form.cleaned_data
    return TreeParams(
        cycle=int_or_none(request.GET.get("cycle")),
        department=int_or_none(request.GET.get("department")),
        mode=data["mode"] or "tree",
        expand=data["expand"] or "",
        depth=data["depth"],
        offset=data["offset"] or 0,
    )


def _link_nodes(request: TenantRequest, nodes: list[dict]) -> None:
    """Each node's detail and expand URLs, from one reverse() each rather than two per node in the template."""
    slug = request.company.slug
    detail = reverse("objectives:objective", kwargs={"company_slug": slug, "objective_id": 0}).removesuffix("0/")
    children = reverse("alignment:tree_children", kwargs={"company_slug": slug, "objective_id": 0})
    children_prefix, children_suffix = children.split("/0/", 1)
    for node in nodes:
        node["url"] = f"{detail}{node['id']}/"
        node["children_url"] = f"{children_prefix}/{node['id']}/{children_suffix}"


def _decorate(forest: dict[str, Any], params: TreeParams) -> None:
    """The query strings the forest's lazy loads send: its children's, and the next page's."""
    forest["child_query"] = params.query(offset=None, expand=None, depth=None)
    forest["more_query"] = params.query(offset=forest["next_offset"])


def _links(params: TreeParams) -> dict[str, Any]:
    """The toolbar's links: each mode, expand all, collapse all (other parameters kept)."""
    return {
        "modes": [
            {
                "label": label,
                "current": key == params.mode,
                "query": params.query(mode=None if key == "tree" else key, offset=None),
            }
            for key, label in MODES.items()
        ],
        "expand_all": params.query(expand="all", depth=None, offset=None),
        "collapse_all": params.query(expand="none", depth=None, offset=None),
        "as_list": params.query(mode="list"),
    }


def _filters(request: TenantRequest) -> tuple[list[Cycle], Cycle | None, Sequence[Mapping[str, Any]], int | None]:
    company = request.company
    cycles = list(Cycle.objects.filter(company=company).order_by("-start_date"))
    cycle = choose_cycle(request, cycles)
    departments = list(Department.objects.filter(company=company).order_by("name").values("id", "name"))
    department_id = int_or_none(request.GET.get("department"))
    if department_id is not None and department_id not in {d["id"] for d in departments}:
        raise not_found("department")
    return cycles, cycle, departments, department_id


def _department_options(departments: Sequence[Mapping[str, Any]], selected: int | None) -> str:
    """The department picker's options, written directly: a company of 1,000 departments made the
    template's loop most of a cached page's time."""
    return mark_safe(  # noqa: S308 - ids are integers, names are escaped
        "".join(
            f'<option value="{d["id"]}"{" selected" if d["id"] == selected else ""}>{quote(d["name"])}</option>'
            for d in departments
        )
    )


def _cached(response: HttpResponse, tag: str | None) -> HttpResponse:
    if tag:
        response["ETag"] = tag
        response["Cache-Control"] = CACHE_CONTROL
    response["Vary"] = "HX-Request, HX-Target, Cookie"
    return response


def _not_modified(tag: str) -> HttpResponse:
    return _cached(HttpResponse(status=304), tag)


def _shell(request: TenantRequest) -> tuple[object, ...]:
    """What the page around the tree shows of this person (one query, which the header then reuses)."""
    user = request.user
    memberships = Membership.objects.filter(user=user).select_related("company").order_by("company__name")
    user._okr_memberships = list(memberships)  # type: ignore[attr-defined]  # the header's cache (web/templatetags/okr.py)
    return (
        user.pk,
        user.display_name,
        user.email,
        user.email_verified,
        request.actor.role,
        tuple((m.company_id, m.company.slug, m.company.name) for m in user._okr_memberships),  # type: ignore[attr-defined]
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
    )


def _results(request: TenantRequest, params: TreeParams, reader: Reader, tag: str | None) -> tuple[str, dict]:
    """The tree's HTML (``#tree-results``), cached per reader class; and the page's context."""
    cycles, cycle, departments, department_id = _filters(request)
    context: dict[str, Any] = {
        "cycles": cycles,
        "cycle": cycle,
        "departments": departments,
        "department_options": _department_options(departments, department_id),
        "department_id": department_id,
        "params": params,
        "modes": MODES,
        "max_depth": range(1, MAX_DEPTH + 1),
        "links": _links(params),
    }
    body = tree_bytes.get(tag) if tag else None
    if body is not None:
        return body.decode(), context
    if cycle is not None:
        forest = _forest(request, params, reader, cycle, department_id)
        context["forest"] = forest
        context["expected"] = forest["expected_progress"]
        if params.mode == "map":
            context["map"] = render_map(
                forest["nodes"],
                expected=forest["expected_progress"],
                more_roots=forest["remaining"],
                more_roots_url="?" + params.query(offset=forest["next_offset"]),
                label=f"Alignment map of {cycle.name}: {len(forest['rows'])} objectives",
            )
    html = render_to_string("alignment/tree.html#results", context, request=request)
    if tag:
        tree_bytes.set(tag, html.encode())
    return html, context


@require_GET
@company_view
def tree(request: TenantRequest) -> HttpResponse:
    try:
        params = _params(request)
    except BadParameter as bad:
        return bad.response
    reader = reader_of(request.company, request.actor)
    target = request.htmx.target if request.htmx else None
    results_tag = reader.etag(page_version(), "results", params.key())
    if target == "tree-results":
        if results_tag and none_match(request.headers.get("If-None-Match"), results_tag):
            return _not_modified(results_tag)
        body = tree_bytes.get(results_tag) if results_tag else None
        if body is None:
            body = _results(request, params, reader, results_tag)[0].encode()
        return _cached(HttpResponse(body), results_tag)
    if target and target.startswith("more-roots"):
        return _more_roots(request, params, reader)
    page_tag = reader.etag(page_version(), "page", params.key(), _shell(request))
    pending_messages = len(messages.get_messages(request)) > 0
    if page_tag and not pending_messages and none_match(request.headers.get("If-None-Match"), page_tag):
        return _not_modified(page_tag)
    html, context = _results(request, params, reader, results_tag)
    context["results"] = mark_safe(html)  # noqa: S308 - rendered by our own template, autoescaped
    return _cached(render(request, "alignment/tree.html", context), None if pending_messages else page_tag)


def _forest(
    request: TenantRequest, params: TreeParams, reader: Reader, cycle: Cycle, department_id: int | None
) -> dict[str, Any]:
    """The bounded forest the results and the "show more" pages render, linked and decorated."""
    forest = alignment_forest(
        company=request.company,
        actor=request.actor,
        cycle=cycle,
        bounds=params.bounds,
        department_id=department_id,
        offset=params.offset,
        details=params.mode == "tree",
        today=reader.today,
    )
    _link_nodes(request, forest["rows"])
    _decorate(forest, params)
    return forest


def _more_roots(request: TenantRequest, params: TreeParams, reader: Reader) -> HttpResponse:
    """The next page of the first level, replacing its "show more" item (htmx)."""
    tag = reader.etag(page_version(), "more", params.key())
    if tag and none_match(request.headers.get("If-None-Match"), tag):
        return _not_modified(tag)
    body = tree_bytes.get(tag) if tag else None
    if body is None:
        _, cycle, _, department_id = _filters(request)
        if cycle is None:
            raise not_found("cycle")
        forest = _forest(request, params, reader, cycle, department_id)
        body = render_to_string(
            "alignment/tree.html#more_roots",
            {"forest": forest, "expected": forest["expected_progress"], "params": params, "cycle": cycle},
            request=request,
        ).encode()
        if tag:
            tree_bytes.set(tag, body)
    return _cached(HttpResponse(body), tag)


@require_GET
@company_view
def tree_children(request: TenantRequest, objective_id: int) -> HttpResponse:
    """The children of one node (a page of them, from ``offset``), for the button that expands it."""
    try:
        params = _params(request)
    except BadParameter as bad:
        return bad.response
    reader = reader_of(request.company, request.actor)
    tag = reader.etag(page_version(), "children", objective_id, params.key())
    if tag and none_match(request.headers.get("If-None-Match"), tag):
        return _not_modified(tag)
    body = tree_bytes.get(tag) if tag else None
    if body is None:
        cycles, _, _, department_id = _filters(request)
        parent = (
            Objective.objects.filter(company=request.company, pk=objective_id)
            .values("cycle_id", "private", "department_id", "owner_id", "title")
            .first()
        )
        if parent is None or not visible_objectives(actor=request.actor, rows=[parent]):
            raise not_found("objective")
        cycle = next(c for c in cycles if c.pk == parent["cycle_id"])
        # An expand opens one level (cards) or, in the list, as much of the branch as fits.
        bounds = (
            params.bounds
            if params.mode == "list"
            else Bounds(depth=1, budget=BOUNDS["tree"][0], page=BOUNDS["tree"][1])
        )
        forest = alignment_forest(
            company=request.company,
            actor=request.actor,
            cycle=cycle,
            bounds=bounds,
            parent_id=objective_id,
            department_id=department_id,
            offset=params.offset,
            details=params.mode == "tree",
            today=reader.today,
        )
        _link_nodes(request, forest["rows"])
        _decorate(forest, params)
        body = render_to_string(
            "alignment/tree.html#children",
            {
                "nodes": forest["nodes"],
                "forest": forest,
                "expected": forest["expected_progress"],
                "params": params,
                "cycle": cycle,
                "parent_id": objective_id,
                "parent_title": parent["title"],
                "children_url": request.path,
            },
            request=request,
        ).encode()
        if tag:
            tree_bytes.set(tag, body)
    return _cached(HttpResponse(body), tag)


@require_GET
@company_view
def gaps(request: TenantRequest) -> HttpResponse:
    cycles = list(Cycle.objects.filter(company=request.company).order_by("-start_date"))
    cycle = choose_cycle(request, cycles)
    report = alignment_gaps(company=request.company, actor=request.actor, cycle=cycle) if cycle else None
    overlaps = overlap_section(request, cycle) if cycle and report and report["objective_count"] else None
    return render(
        request, "alignment/gaps.html", {"cycles": cycles, "cycle": cycle, "report": report, "overlaps": overlaps}
    )
