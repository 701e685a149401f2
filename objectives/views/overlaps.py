"""Possible overlaps on pages: one section drawn by the gaps report, the objective page and the planning board.

Every surface reads :func:`objectives.overlaps.overlaps_for_reader` (the pairs a
reader may see) through :func:`overlap_section`; dismissing and converting (to
a dependency or a shared key result) go through ``objectives.services.overlaps``.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from companies.tenancy import TenantRequest, company_view
from objectives.models import Cycle, Dependency
from objectives.overlaps import Item, Overlap, can_act_on, linked_away, overlaps_for_reader, pair_key
from objectives.services.overlaps import overlap_convert, overlap_dismiss, share_choice
from objectives.views._common import _safe_next
from okrhub.errors import not_found

#: A section lists the best pairs; the rest are counted (readable pairs only) and listed by the API.
SECTION_LIMIT = 20


def _side(request: TenantRequest, item: Item) -> dict[str, Any]:
    slug = request.company.slug
    if item.kind == "objective":
        url = reverse("objectives:objective", args=[slug, item.id])
    else:
        url = reverse("objectives:key_result", args=[slug, item.id])
    return {"kind": item.kind, "title": item.title, "department": item.department_name, "url": url}


def _dom_id(pair: str) -> str:
    return "overlap-" + pair.replace("|", "-")


def overlap_rows(request: TenantRequest, found: list[Overlap], *, limit: int = SECTION_LIMIT) -> list[dict[str, Any]]:
    return [
        {
            "pair": overlap.key,
            "dom_id": _dom_id(overlap.key),
            "score": round(overlap.score * 100),
            "reasons": overlap.reasons,
            "first": _side(request, overlap.first),
            "second": _side(request, overlap.second),
            "can_act": can_act_on(request.actor, overlap),
            # None: no key result to share, or none the reader may share; else the form's ``key_result``.
            "share": share_choice(request.actor, overlap),
        }
        for overlap in found[:limit]
    ]


def overlap_section(request: TenantRequest, cycle: Cycle, *, objective_id: int | None = None) -> dict[str, Any]:
    """The context of ``objectives/_overlaps.html``: the reader's best pairs of the cycle (or of one objective)."""
    found = overlaps_for_reader(company=request.company, actor=request.actor, cycle=cycle, objective_id=objective_id)
    return {
        "cycle": cycle,
        "rows": overlap_rows(request, found),
        "total": len(found),
        "open": not cycle.is_closed,
        "next": request.get_full_path(),
        # the section's pairs: the whole cycle (""), or one objective's; an action names it to recount them
        "scope": "" if objective_id is None else objective_id,
    }


def _section_pairs(request: TenantRequest, cycle: Cycle, whole: list[Overlap] | None = None) -> list[Overlap]:
    """The pairs of the section an htmx action came from (its form's ``scope``), as the reader sees them.

    ``whole``: the cycle's pairs for this reader, if already read (a whole-cycle section is those).
    """
    scope = request.POST.get("scope", "")
    if scope and not scope.isdigit():
        raise ValidationError({"scope": "Not an objective id."})
    if not scope and whole is not None:
        return whole
    objective_id = int(scope) if scope else None
    return overlaps_for_reader(company=request.company, actor=request.actor, cycle=cycle, objective_id=objective_id)


def _left(section: list[Overlap], taken: set[str]) -> int:
    """How many of the section's pairs are left once the pairs named ``taken`` went."""
    return len(section) - sum(1 for overlap in section if overlap.key in taken)


def _cycle_or_404(request: TenantRequest, cycle_id: int) -> Cycle:
    cycle = Cycle.objects.filter(company=request.company, pk=cycle_id).first()
    if cycle is None:
        raise not_found("cycle")
    return cycle


def _back(request: TenantRequest) -> HttpResponse:
    return redirect(_safe_next(request) or reverse("alignment:gaps", args=[request.company.slug]))


@require_POST
@company_view
def overlap_dismiss_view(request: TenantRequest, cycle_id: int) -> HttpResponse:
    cycle = _cycle_or_404(request, cycle_id)
    pair = request.POST.get("pair", "")
    try:
        # Read before: what the section counted, to say how many are left after.
        section = _section_pairs(request, cycle) if request.htmx else []
        dismissal = overlap_dismiss(company=request.company, actor=request.actor, cycle=cycle, pair=pair)
    except ValidationError as error:
        if request.htmx:
            return _row_outcome(request, " ".join(error.messages), error=True)
        messages.error(request, " ".join(error.messages))
    else:
        said = "Marked as not the same; nobody will be shown this pair again."
        if request.htmx:
            return _row_outcome(request, said, left=_left(section, {dismissal.pair_key}))
        messages.success(request, said)
    return _back(request)


@require_POST
@company_view
def overlap_convert_view(request: TenantRequest, cycle_id: int) -> HttpResponse:
    cycle = _cycle_or_404(request, cycle_id)
    pair = request.POST.get("pair", "")
    try:
        # Read before the link moves the revision (the reader's pairs are cached by it): the rows to take away
        # after, and what the section counted.
        shown = overlaps_for_reader(company=request.company, actor=request.actor, cycle=cycle) if request.htmx else []
        section = _section_pairs(request, cycle, shown) if request.htmx else []
        made = overlap_convert(
            company=request.company,
            actor=request.actor,
            cycle=cycle,
            pair=pair,
            kind=request.POST.get("kind") or "dependency",
            key_result=request.POST.get("key_result") or None,
        )
    except ValidationError as error:
        if request.htmx:
            return _row_outcome(request, " ".join(error.messages), error=True)
        messages.error(request, " ".join(error.messages))
    else:
        if isinstance(made, Dependency):
            said = f"Linked: “{made.from_objective.title}” now depends on “{made.to_objective.title}”."
            objective, anchor, see = made.from_objective, "deps-h", "See its dependencies"
        else:
            said = f"Shared: “{made.key_result.title}” now shows on “{made.objective.title}”."
            objective, anchor, see = made.objective, "shared-h", "See its shared key results"
        if request.htmx:
            if isinstance(made, Dependency):
                linked = {made.from_objective_id, made.to_objective_id}
            else:
                linked = {made.objective_id, made.key_result.objective_id}
            converted = pair_key(*pair.split("|"))
            away = linked_away(shown, linked, but=converted)
            gone = [_dom_id(key) for key in away]
            left = _left(section, {converted, *away})
            return _row_outcome(request, said, objective=objective, anchor=anchor, see=see, gone=gone, left=left)
        messages.success(request, said)
    return _back(request)


def _row_outcome(
    request: TenantRequest,
    said: str,
    *,
    error: bool = False,
    objective: Any = None,
    anchor: str = "",
    see: str = "",
    gone: list[str] | None = None,
    left: int | None = None,
) -> HttpResponse:
    """With htmx, the pair's row is replaced by what happened (the page stays; a refused pair says why, with 422).

    ``gone``: the ids of other rows no longer reported, deleted out of band; ``left``: how many pairs the
    section now counts, shown out of band in its heading.
    """
    context = {
        "said": said,
        "error": error,
        "objective": objective,
        "anchor": anchor,
        "see": see,
        "gone": gone or [],
        "left": left,
    }
    return render(request, "objectives/_overlaps.html#outcome", context, status=422 if error else 200)
