"""My key results with inline check-ins; correcting and undoing check-ins."""

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
from objectives.forms import (
    CheckInCorrectionForm,
    CheckInForm,
)
from objectives.models import CheckIn, KeyResult, checkin_correction_refusal, checkin_undo_refusal
from objectives.progress import behind_pace_or_none
from objectives.selectors import can_read_objective, choose_cycle
from objectives.views._common import _cycles, _safe_next
from okrhub.errors import not_found
from okrhub.permissions import Action
from okrhub.web import add_service_errors, redirect_after_post, render_invalid


@require_GET
@company_view
def my_key_results(request: TenantRequest) -> HttpResponse:
    cycles = _cycles(request)
    cycle = choose_cycle(request, cycles)
    objectives = pages.my_key_results(company=request.company, actor=request.actor, cycle=cycle) if cycle else []
    for objective in objectives:
        for kr in objective.my_key_results:
            kr.form = CheckInForm(key_result=kr, prefix=f"kr{kr.pk}") if kr.can_check_in else None
    return render(
        request,
        "objectives/my_key_results.html",
        {
            "cycles": cycles,
            "cycle": cycle,
            "objectives": objectives,
            "expected": pages.pace_of(request.company, cycle) if cycle else None,
            "company_objectives": pages.company_objectives(company=request.company, actor=request.actor, cycle=cycle)
            if cycle
            else [],
            "first_run": _first_run(request),
        },
    )


def _first_run(request: TenantRequest) -> dict | None:
    """The getting-started panel, for admins, until a department objective ladders up to another."""
    if not request.actor.is_admin:
        return None
    state = pages.first_run_state(company=request.company)
    return None if state["laddered"] else state


@require_POST
@company_view
def check_in(request: TenantRequest, key_result_id: int) -> HttpResponse:
    company, actor = request.company, request.actor
    kr = KeyResult.objects.filter(company=company, pk=key_result_id).select_related("objective__department").first()
    if kr is None or not can_read_objective(actor, kr.objective):
        raise not_found("key result")
    # Refuse before parsing, so a forged post from a viewer learns nothing from validation.
    actor.require(Action.CHECK_IN, department_id=kr.objective.department_id, owner_id=kr.owner_id)
    form = CheckInForm(request.POST, key_result=kr, prefix=f"kr{kr.pk}")
    checkin = None
    if form.is_valid():
        try:
            checkin = okr.checkin_create(
                company=company,
                actor=actor,
                key_result=kr,
                value=form.cleaned_data["value"],
                confidence=form.cleaned_data["confidence"],
                note=form.cleaned_data["note"],
                # A value that looks like a mistake is saved only once confirmed (objectives/sanity.py).
                confirmed=form.confirmed(),
            )
        except okr.NeedsConfirmation as error:
            form.warnings = error.warnings
        except ValidationError as error:
            add_service_errors(form, error)
    if checkin is None:
        return _checkin_row(request, kr, form, status=422)
    # The roll-up ran when the service's transaction committed: read progress again.
    kr = KeyResult.objects.select_related("objective__department", "objective__cycle").get(pk=kr.pk, company=company)
    if not request.htmx:
        messages.success(request, f"Checked in on “{kr.title}”.")
        return redirect(_safe_next(request) or reverse("objectives:my_key_results", args=[company.slug]))
    # "Undo" right after checking in: the entry was just written by this person, so it is their latest
    # and nothing has corrected it; the window and the rest are the one rule's (checkin_undo_refusal).
    checkin.corrected_by_id = None
    undoable = (
        checkin_undo_refusal(checkin, kr.objective, user_id=actor.user_id, latest_id=checkin.pk, now=timezone.now())
        is None
    )
    return _checkin_row(
        request,
        kr,
        CheckInForm(key_result=kr, prefix=f"kr{kr.pk}"),
        moved=True,
        row_status="Checked in.",
        undo=checkin if undoable else None,
    )


def _checkin_row(
    request,
    kr: KeyResult,
    form: CheckInForm,
    *,
    status: int = 200,
    moved: bool = False,
    row_status: str = "",
    undo: CheckIn | None = None,
):
    """The key result's row of "my key results"; after a write that ``moved`` figures, every figure out of band."""
    expected = pages.pace_of(request.company, kr.objective.cycle)  # None once the cycle closed: no pace mark
    pages.annotate_key_result(request.actor, kr, kr.objective, expected)
    kr.form = form
    objective = kr.objective
    objective.expected = expected
    objective.behind_pace = bool(behind_pace_or_none(objective.progress, expected))
    context = {"kr": kr, "row_status": row_status, "undo_checkin": undo, "oob": True, "page_objectives": [objective]}
    if moved:
        # The check-in moved its objective and, through the roll-up (already committed), the ones above
        # it: send every figure the page shows out of band, read by the selectors the page is drawn with.
        cycle, company, actor = objective.cycle, request.company, request.actor
        mine = pages.my_key_results(company=company, actor=actor, cycle=cycle)
        context["page_objectives"] = mine if any(o.pk == objective.pk for o in mine) else [objective, *mine]
        context["company_objectives"] = pages.company_objectives(company=company, actor=actor, cycle=cycle)
        context["cycle"] = cycle
    if not request.htmx:
        # Without JavaScript an invalid check-in re-renders the whole page with the errors in its row.
        return _my_key_results_with(request, kr, form, status)
    return render(request, "objectives/my_key_results.html#kr-row", context, status=status)


def _my_key_results_with(request, failed: KeyResult, form: CheckInForm, status: int) -> HttpResponse:
    cycles = _cycles(request)
    cycle = next((c for c in cycles if c.pk == failed.objective.cycle_id), None)
    objectives = pages.my_key_results(company=request.company, actor=request.actor, cycle=cycle) if cycle else []
    for objective in objectives:
        for kr in objective.my_key_results:
            kr.form = form if kr.pk == failed.pk else CheckInForm(key_result=kr, prefix=f"kr{kr.pk}")
            kr.form_open = kr.pk == failed.pk
    return render(
        request,
        "objectives/my_key_results.html",
        {"cycles": cycles, "cycle": cycle, "objectives": objectives, "expected": None},
        status=status,
    )


# ---------------------------------------------------------------- corrections and undo


def _checkin_or_404(request: TenantRequest, checkin_id: int) -> CheckIn:
    """A check-in of this company on an objective the actor reads, with its key result; else 404."""
    checkin = pages.checkin_for(company=request.company, actor=request.actor, checkin_id=checkin_id)
    if checkin is None:
        raise not_found("check-in")
    return checkin


def _key_result_url(request: TenantRequest, checkin: CheckIn) -> str:
    return reverse("objectives:key_result", args=[request.company.slug, checkin.key_result_id])


@require_http_methods(["GET", "POST"])
@company_view
def checkin_correct(request: TenantRequest, checkin_id: int) -> HttpResponse:
    """Correct a check-in: the form inline on the history (htmx) or as a page of its own (without JavaScript)."""
    company, actor = request.company, request.actor
    checkin = _checkin_or_404(request, checkin_id)
    kr = checkin.key_result
    objective = kr.objective
    # Refuse before parsing, so a forged post from someone who may not correct learns nothing from validation.
    actor.require(
        Action.CORRECT_CHECKIN, department_id=objective.department_id, owner_id=kr.owner_id, author_id=checkin.author_id
    )
    checkin.kr = kr
    prefix = f"fix{checkin.pk}"
    back = _safe_next(request, query=True) or _key_result_url(request, checkin)
    if request.method == "POST":
        form = CheckInCorrectionForm(request.POST, key_result=kr, checkin=checkin, prefix=prefix)
        if form.is_valid():
            try:
                okr.checkin_correct(
                    company=company,
                    actor=actor,
                    checkin=checkin,
                    value=form.cleaned_data["value"],
                    confidence=form.cleaned_data["confidence"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Check-in on “{kr.title}” corrected.")
                return redirect_after_post(request, back)
        context = _correct_context(checkin, form, back, refusal=None)
        return render_invalid(
            request, "objectives/checkin_correct.html#correct-form", context, target="#checkin-correction"
        )
    refusal = checkin_correction_refusal(checkin, objective)
    form = CheckInCorrectionForm(key_result=kr, checkin=checkin, prefix=prefix)
    context = _correct_context(checkin, form, back, refusal=refusal[1] if refusal else None)
    template = "objectives/checkin_correct.html" + ("#correct-form" if request.htmx else "")
    return render(request, template, context)


def _correct_context(checkin: CheckIn, form: CheckInCorrectionForm, back: str, *, refusal: str | None) -> dict:
    return {
        "checkin": checkin,
        "key_result": checkin.key_result,
        "objective": checkin.key_result.objective,
        "form": form,
        "back": back,
        "refusal": refusal,
    }


@require_POST
@company_view
def checkin_undo(request: TenantRequest, checkin_id: int) -> HttpResponse:
    """Undo my last check-in (within the undo window): from its key result's history, or right after checking in.

    From "my key results" (``from=my-key-results``, htmx) the answer is the
    key result's row with every figure it moved; otherwise back to the page.
    """
    company, actor = request.company, request.actor
    checkin = _checkin_or_404(request, checkin_id)
    kr = checkin.key_result
    try:
        okr.checkin_undo(company=company, actor=actor, checkin=checkin)
    except ValidationError as error:
        failure = " ".join(error.messages)
    else:
        failure = ""
    if request.htmx and request.POST.get("from") == "my-key-results":
        kr = KeyResult.objects.select_related("objective__department", "objective__cycle").get(
            pk=kr.pk, company=company
        )
        form = CheckInForm(key_result=kr, prefix=f"kr{kr.pk}")
        return _checkin_row(request, kr, form, moved=not failure, row_status=failure or "Check-in undone.")
    if failure:
        messages.error(request, failure)
    else:
        messages.success(request, f"Check-in on “{kr.title}” undone.")
    return redirect_after_post(request, _safe_next(request) or _key_result_url(request, checkin))
