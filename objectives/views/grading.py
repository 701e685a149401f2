"""The close screen of a cycle: grading (the key results a person may grade, one save per row) and carry-over."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from companies.tenancy import TenantRequest, company_view
from objectives import selectors as pages
from objectives import services as okr
from objectives.forms import GradeForm
from objectives.models import Cycle, KeyResult, Objective, grading_refusal
from objectives.selectors import can_read_objective, carry_over_choices, carry_over_targets
from okrhub.errors import not_found
from okrhub.permissions import Action
from okrhub.web import UNPROCESSABLE, add_service_errors


def _cycle_or_404(request: TenantRequest, cycle_id: int) -> Cycle:
    cycle = Cycle.objects.filter(company=request.company, pk=cycle_id).first()
    if cycle is None:
        raise not_found("cycle")
    return cycle


def _page(request: TenantRequest, cycle: Cycle, *, failed: KeyResult | None = None, form: GradeForm | None = None):
    objectives = pages.grading_key_results(
        company=request.company, actor=request.actor, cycle=cycle, only_gradable=True
    )
    for objective in objectives:
        for kr in objective.graded_key_results:
            kr.form = form if failed is not None and kr.pk == failed.pk else GradeForm.for_key_result(kr)
    return {
        "cycle": cycle,
        "objectives": objectives,
        "refusal": grading_refusal(cycle, None, timezone.now()),
        "to_score": sum(kr.needs_score for o in objectives for kr in o.graded_key_results),
    }


@require_GET
@company_view
def cycle_grading(request: TenantRequest, cycle_id: int) -> HttpResponse:
    """A closed cycle's key results this person may grade, grouped by objective, each with its own form."""
    cycle = _cycle_or_404(request, cycle_id)
    return render(request, "objectives/grading.html", _page(request, cycle))


@require_POST
@company_view
def key_result_grade(request: TenantRequest, key_result_id: int) -> HttpResponse:
    """Save one row: htmx gets the row back (422 with the errors next to their fields), a plain POST the page."""
    company, actor = request.company, request.actor
    kr = (
        KeyResult.objects.filter(company=company, pk=key_result_id)
        .select_related("objective__department", "objective__cycle", "owner")
        .first()
    )
    if kr is None or not can_read_objective(actor, kr.objective):
        raise not_found("key result")
    # Refuse before parsing, so a forged post from someone who may not grade learns nothing from validation.
    actor.require(Action.GRADE, department_id=kr.objective.department_id, owner_id=kr.owner_id)
    cycle = kr.objective.cycle
    form = GradeForm.for_key_result(kr, request.POST)
    saved = False
    if form.is_valid():
        try:
            kr = okr.key_result_grade(
                company=company,
                actor=actor,
                key_result=kr,
                score=form.cleaned_data["score"],
                reason=form.cleaned_data["reason"],
                not_scored=form.cleaned_data["not_scored"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            saved = True
    if not request.htmx:
        if saved:
            messages.success(request, f"Grade of “{kr.title}” saved.")
            return redirect(reverse("objectives:cycle_grading", args=[company.slug, cycle.pk]))
        return render(request, "objectives/grading.html", _page(request, cycle, failed=kr, form=form), status=422)
    objective = Objective.objects.select_related("department").get(company=company, pk=kr.objective_id)
    kr.objective = objective
    kr.needs_score = kr.final_score is None and not kr.not_scored
    kr.can_grade = True
    kr.form = GradeForm.for_key_result(kr) if saved else form
    context = {"kr": kr, "objective": objective, "cycle": cycle, "row_status": "Saved." if saved else "", "oob": True}
    return render(request, "objectives/grading.html#grade-row", context, status=200 if saved else 422)


#: The largest id a row has (a bigint); a larger number names nothing, and the database refuses to compare it.
_MAX_ID = 2**63 - 1


def _ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit() and 0 < int(value) <= _MAX_ID]


@require_http_methods(["GET", "POST"])
@company_view
def cycle_carry_over(request: TenantRequest, cycle_id: int) -> HttpResponse:
    """Choose unfinished objectives (and key results of theirs) of a closed cycle and carry them into a later one.

    Offers only what the person reads and may carry (``selectors.carry_over_choices``);
    a refused item shows its reason beside it, nothing saved (422).
    """
    company, actor = request.company, request.actor
    cycle = _cycle_or_404(request, cycle_id)
    errors: dict[str, str] = {}
    item_errors: dict[int, list[str]] = {}
    chosen: set[int] = set()
    chosen_key_results: dict[int, set[int]] | None = None
    target_id: int | None = None
    if request.method == "POST":
        target_id = next(iter(_ids([request.POST.get("cycle") or ""])), None)
        chosen = set(_ids(request.POST.getlist("objective")))
        chosen_key_results = {pk: set(_ids(request.POST.getlist(f"key_results_{pk}"))) for pk in chosen}
        target = Cycle.objects.filter(company=company, pk=target_id).first() if target_id else None
        found = {o.pk: o for o in Objective.objects.filter(company=company, pk__in=chosen)}
        items = [
            okr.CarryItem(objective=found[pk], key_results=sorted(chosen_key_results[pk]))
            for pk in sorted(chosen)
            if pk in found
        ]
        if target is None:
            errors["cycle"] = "Choose the cycle to carry into."
        elif not items:
            errors["items"] = "Choose at least one objective to carry over."
        else:
            try:
                copies = okr.cycle_carry_over(company=company, actor=actor, cycle=cycle, target=target, items=items)
            except okr.CarryOverInvalid as error:
                for index, refusal in error.item_errors.items():
                    item_errors[items[index].objective.pk] = [m for ms in refusal.message_dict.values() for m in ms]
            except ValidationError as error:
                for field, messages_ in error.message_dict.items():
                    errors["cycle" if field == "cycle" else "items"] = " ".join(messages_)
            else:
                messages.success(
                    request, f"Carried {len(copies)} objective{'s' if len(copies) != 1 else ''} over to {target.name}."
                )
                if len(copies) == 1:
                    return redirect(reverse("objectives:objective", args=[company.slug, copies[0].pk]))
                return redirect(reverse("alignment:tree", args=[company.slug]) + f"?cycle={target.pk}")
    objectives = carry_over_choices(company=company, actor=actor, cycle=cycle)
    for objective in objectives:
        objective.carry_chosen = objective.pk in chosen
        objective.carry_errors = item_errors.get(objective.pk, [])
        for kr in objective.unfinished_key_results:
            # Fresh page: every unfinished key result ticked; after a refusal, what was sent.
            kr.carry_chosen = chosen_key_results is None or kr.pk in chosen_key_results.get(objective.pk, set())
    context = {
        "cycle": cycle,
        "objectives": objectives,
        "targets": carry_over_targets(company=company, cycle=cycle),
        "target_id": target_id,
        "errors": errors,
        "refused": bool(item_errors),
    }
    status = UNPROCESSABLE if errors or item_errors else 200
    return render(request, "objectives/carry_over.html", context, status=status)
