"""The weekly check-in page: every key result I own in the active cycles, one form, one submit.

- **Rows** are ``selectors.weekly_key_results``: the key results the person
  owns in active cycles, on active objectives they may read, grouped under
  their objectives. Each row is prefilled with the current value and the
  last confidence and has a note of its own; one overall note goes with the
  whole update (stored with each check-in it accompanies, see
  ``objectives.services.weekly``).
- **Only changed rows** (``WeeklyRowForm.changed_row``: a new value, a new
  confidence or a note) become check-ins; untouched rows are left alone.
- **All or nothing.** One submit saves every changed row in one transaction
  (``services.checkins_batch``), or nothing: each refused row shows its
  error beside it and in the error summary at the top, and nothing is saved.
- **Values that look like mistakes** (``objectives.sanity``) are not saved
  on the first submit: the row shows why and a "This value is right" box;
  submitting again with it ticked saves them (a confirmation holds for the
  value it was given for only).
- **After saving**, htmx swaps the form for a fresh one: new values, each
  key result's bar and status, each objective's progress (its roll-up ran
  in the same transaction) and a confirmation that takes focus (a live
  status). Without JavaScript the POST redirects back to the page with the
  same confirmation (post/redirect/get); with errors the page comes back
  with them (422).
- **Keyboard first**: inside a row the inputs go value → confidence → note
  in the natural tab order, and Enter in any of them submits. The key
  result titles are not links (a link per row would put a stop between
  every row); the objective headings link to their pages. On a phone the
  inputs stack (static/css/okrhub.css, ``.weekly-row``).
"""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from companies.tenancy import TenantRequest, company_view
from objectives import selectors as pages
from objectives import services as okr
from objectives.forms import WeeklyNoteForm, WeeklyRowForm
from objectives.models import KeyResult, Objective
from okrhub.web import UNPROCESSABLE, ErrorSummary, add_service_errors


def _rows(objectives: list[Objective]) -> list[KeyResult]:
    return [kr for objective in objectives for kr in objective.my_key_results]


def _attach_forms(objectives: list[Objective], data=None) -> None:
    """A row form per key result the person may check in on: bound to ``data`` when the row was posted."""
    for kr in _rows(objectives):
        if not kr.can_check_in:
            kr.form = None
            continue
        prefix = f"kr{kr.pk}"
        posted = data is not None and f"{prefix}-value" in data
        kr.form = WeeklyRowForm(data if posted else None, key_result=kr, prefix=prefix)


def _render(request: TenantRequest, objectives, *, note_form, summary=None, saved=None, status=200):
    context = {
        "objectives": objectives,
        "note_form": note_form,
        "summary": summary,
        "saved": saved,
        "cycles": list({o.cycle_id: o.cycle for o in objectives}.values()),
    }
    template = "objectives/weekly_checkin.html"
    if request.htmx and request.method == "POST":
        template += "#weekly-form"
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@company_view
def weekly_checkin(request: TenantRequest) -> HttpResponse:
    company, actor = request.company, request.actor
    objectives = pages.weekly_key_results(company=company, actor=actor)
    if request.method == "GET":
        _attach_forms(objectives)
        return _render(request, objectives, note_form=WeeklyNoteForm())
    note_form = WeeklyNoteForm(request.POST)
    _attach_forms(objectives, request.POST)
    rows = [kr for kr in _rows(objectives) if kr.form is not None and kr.form.is_bound]
    # Every form validated (no short cut), so every row's errors show at once.
    valid = [note_form.is_valid()] + [kr.form.is_valid() for kr in rows]
    if not all(valid):
        return _invalid(request, objectives, note_form)
    changed = [kr for kr in rows if kr.form.changed_row]
    overall_note = note_form.cleaned_data["note"].strip()
    if not changed:
        if overall_note:
            note_form.add_error(
                "note", "Change at least one key result: the overall note is saved with the check-ins it goes with."
            )
            return _invalid(request, objectives, note_form)
        return _render(request, objectives, note_form=note_form, saved=[])
    items = [
        okr.BatchItem(
            key_result=kr,
            value=kr.form.cleaned_data["value"],
            confidence=kr.form.cleaned_data["confidence"],
            note=kr.form.cleaned_data["note"],
            confirmed=kr.form.confirmed(),
        )
        for kr in changed
    ]
    try:
        okr.checkins_batch(company=company, actor=actor, items=items, overall_note=overall_note)
    except okr.CheckInBatchInvalid as error:
        for index, item_error in error.item_errors.items():
            kr = changed[index]
            if index in error.unconfirmed:
                kr.form.warnings = error.unconfirmed[index]
            else:
                add_service_errors(kr.form, item_error)
        return _invalid(request, objectives, note_form)
    except ValidationError as error:  # the batch as a whole: the overall note
        add_service_errors(note_form, error)
        return _invalid(request, objectives, note_form)
    saved = [kr.title for kr in changed]
    if not request.htmx:
        messages.success(request, _saved_message(saved))
        return redirect(reverse("objectives:weekly_checkin", args=[company.slug]))
    # The batch committed with its objectives' roll-up: read the rows again, as a fresh page would.
    objectives = pages.weekly_key_results(company=company, actor=actor)
    _attach_forms(objectives)
    return _render(request, objectives, note_form=WeeklyNoteForm(), saved=saved)


def _saved_message(saved: list[str]) -> str:
    count = len(saved)
    return ngettext("Saved %(count)d check-in: %(titles)s.", "Saved %(count)d check-ins: %(titles)s.", count) % {
        "count": count,
        "titles": "; ".join(saved),
    }


def _invalid(request: TenantRequest, objectives: list[Objective], note_form: WeeklyNoteForm) -> HttpResponse:
    """The page again with every row's errors and warnings beside it and summed up at the top; nothing saved."""
    summary = ErrorSummary(prefix="weekly", general=[str(error) for error in note_form.non_field_errors()])
    for kr in _rows(objectives):
        form = kr.form
        if form is None:
            continue
        first_id = form["value"].auto_id
        if form.errors.get(NON_FIELD_ERRORS):
            summary.add(kr.title, form.non_field_errors(), first_id)
        for name in ("value", "confidence", "note"):
            if form[name].errors:
                summary.add(f"{kr.title}, {form[name].label.lower()}", form[name].errors, form[name].auto_id)
        if form.warnings:
            summary.add(
                f"{kr.title}, value",
                [" ".join(w.message for w in form.warnings) + " Tick “This value is right” to save it."],
                f"id_{form.prefix}-confirm",
            )
    if note_form["note"].errors:
        summary.add("Overall note", note_form["note"].errors, note_form["note"].auto_id)
    return _render(request, objectives, note_form=note_form, summary=summary, status=UNPROCESSABLE)
