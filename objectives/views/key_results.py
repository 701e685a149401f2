"""Key result pages: create, edit, delete, detail."""

from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from companies.tenancy import TenantRequest, company_view
from objectives import selectors as pages
from objectives import services as okr
from objectives.audit import audit_history
from objectives.charts import progress_chart
from objectives.forms import (
    CheckInForm,
    KeyResultForm,
)
from objectives.models import KeyResult, Objective, objective_is_editable
from objectives.selectors import can_read_objective
from objectives.views._common import _flash_hints, _frozen, _objective_back_url, _objective_or_404
from objectives.views.hints import _key_result_hints
from okrhub.errors import PermissionDenied, not_found
from okrhub.web import add_service_errors, redirect_after_post, render_invalid


def _key_result_or_404(request: TenantRequest, key_result_id: int) -> KeyResult:
    kr = (
        KeyResult.objects.filter(company=request.company, pk=key_result_id)
        .select_related("objective__cycle", "objective__department")
        .first()
    )
    if kr is None or not can_read_objective(request.actor, kr.objective):
        raise not_found("key result")
    return kr


#: A suggested title is cut to what the form accepts.
_KR_TITLE_MAX_LENGTH = cast(forms.CharField, KeyResultForm.base_fields["title"]).max_length


def _key_result_form_view(request: TenantRequest, objective: Objective, kr: KeyResult | None) -> HttpResponse:
    company, actor = request.company, request.actor
    if not pages.can_edit_objective(actor, objective):
        raise PermissionDenied("Your role does not allow editing this objective.")
    if not objective_is_editable(objective):
        return _frozen(request, objective)
    if request.method == "POST" and "use_suggestion" in request.POST:
        # "Use this suggestion": show the form again with the suggested title, saving nothing.
        fields = KeyResultForm.base_fields
        initial = {name: request.POST[name] for name in fields if name in request.POST}
        initial["title"] = request.POST["use_suggestion"][:_KR_TITLE_MAX_LENGTH]
        form = KeyResultForm(company=company, initial=initial)
        context = _key_result_form_context(request, form, objective, kr) | {"focus_title": True}
        return render(request, "objectives/key_result_form.html", context)
    if request.method == "POST":
        form = KeyResultForm(request.POST, company=company)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if kr is None:
                    kr = okr.key_result_create(company=company, actor=actor, objective=objective, **data)
                    done = "Key result added"
                else:
                    data["owner"] = data["owner"] or kr.owner
                    kr = okr.key_result_update(company=company, actor=actor, key_result=kr, **data)
                    done = "Key result saved"
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                _flash_hints(request, kr, done)
                return redirect_after_post(request, _objective_back_url(request, objective))
        context = _key_result_form_context(request, form, objective, kr)
        return render_invalid(request, "objectives/key_result_form.html", context)
    initial = {}
    if kr is not None:
        initial = {name: getattr(kr, name) for name in okr.KEY_RESULT_EDITABLE}
    if request.GET.get("title", "").strip():  # "Use this suggestion" from a page that shows the saved hint
        initial["title"] = request.GET["title"].strip()[:_KR_TITLE_MAX_LENGTH]
    form = KeyResultForm(company=company, initial=initial)
    return render(request, "objectives/key_result_form.html", _key_result_form_context(request, form, objective, kr))


def _key_result_form_context(request, form, objective, kr) -> dict:
    source = form.data if form.is_bound else form.initial
    return {
        "form": form,
        "objective": objective,
        "key_result": kr,
        "offer_fill": True,
        "hints": _key_result_hints(
            request, objective, source.get("title") or "", kr, kind=source.get("kind"), unit=source.get("unit")
        ),
    }


@company_view
def key_result_create(request: TenantRequest, objective_id: int) -> HttpResponse:
    return _key_result_form_view(request, _objective_or_404(request, objective_id), None)


@company_view
def key_result_edit(request: TenantRequest, key_result_id: int) -> HttpResponse:
    kr = _key_result_or_404(request, key_result_id)
    return _key_result_form_view(request, kr.objective, kr)


@require_POST
@company_view
def key_result_delete(request: TenantRequest, key_result_id: int) -> HttpResponse:
    kr = _key_result_or_404(request, key_result_id)
    try:
        okr.key_result_delete(company=request.company, actor=request.actor, key_result=kr)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Key result “{kr.title}” deleted.")
    return redirect(_objective_back_url(request, kr.objective))


@require_GET
@company_view
def key_result_detail(request: TenantRequest, key_result_id: int) -> HttpResponse:
    data = pages.key_result_detail(company=request.company, actor=request.actor, key_result_id=key_result_id)
    if data is None:
        raise not_found("key result")
    kr, objective = data["key_result"], data["objective"]
    data["chart"] = progress_chart(
        history=data["history"],
        start=objective.cycle.start_date,
        end=objective.cycle.end_date,
        today=request.company.local_today(),
        tzinfo=request.company.tzinfo,
        expected_now=kr.expected,
    )
    data["form"] = CheckInForm(key_result=kr, prefix=f"kr{kr.pk}") if kr.can_check_in else None
    data["can_edit"] = objective_is_editable(objective) and pages.can_edit_objective(request.actor, objective)
    data["audit"] = audit_history(company=request.company, actor=request.actor, model=KeyResult, object_id=kr.pk)
    return render(request, "objectives/key_result_detail.html", data)
