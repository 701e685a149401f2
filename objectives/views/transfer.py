"""The CSV import page."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from companies.tenancy import TenantRequest, company_view
from objectives.formatting import count
from objectives.forms import (
    ImportForm,
)
from objectives.transfer import IMPORT_COLUMNS, IMPORT_HELP, okrs_import_csv
from okrhub.permissions import Action


@company_view
def okr_import(request: TenantRequest) -> HttpResponse:
    """Check a CSV of objectives and key results (nothing changes), then import it (admins)."""
    request.actor.require(Action.MANAGE_COMPANY)
    result = None
    form = ImportForm()
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            text = form.cleaned_data["csv_text"]
            commit = request.POST.get("intent") == "import"
            result = okrs_import_csv(company=request.company, actor=request.actor, text=text, dry_run=not commit)
            if result.applied:
                messages.success(
                    request,
                    f"Imported {count(result.objectives, 'objective', 'objectives')} and"
                    f" {count(result.key_results, 'key result', 'key results')}.",
                )
                # Land on what was imported: the alignment tree of its cycle.
                tree = reverse("alignment:tree", args=[request.company.slug])
                return redirect(f"{tree}?cycle={result.cycle_id}" if result.cycle_id else tree)
            # Show what was read, so the checked text is what a confirmation imports.
            form = ImportForm(initial={"csv_text": text})
    refused = request.method == "POST" and (result is None or bool(result.errors))
    return render(
        request,
        "objectives/import.html",
        {
            "form": form,
            "result": result,
            "columns": IMPORT_COLUMNS,
            "help": IMPORT_HELP,
            "hint_count": sum(len(item["hints"]) for item in result.preview) if result else 0,
        },
        status=422 if refused else 200,
    )
