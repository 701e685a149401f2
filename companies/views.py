"""A person's profile, and the company settings page for admins.

Settings is one page with a section per concern (general settings, members,
departments, cycles); each section's form posts to its own URL and comes back
to the page, with errors shown next to the fields of the form that failed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from companies import services as company_services
from companies.forms import (
    CompanySettingsForm,
    CycleForm,
    DepartmentForm,
    DepartmentPersonForm,
    MemberRoleForm,
    ProfileForm,
)
from companies.models import Membership
from departments import services as department_services
from departments.models import Department, DepartmentMembership
from objectives import services as okr
from objectives.models import Cycle
from okrhub.errors import not_found
from okrhub.permissions import Action
from okrhub.tenancy import company_view
from okrhub.web import add_service_errors


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                company_services.user_profile_update(user=user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Profile saved.")
                return redirect("profile")
        return render(request, "companies/profile.html", {"form": form}, status=422)
    form = ProfileForm(initial={"full_name": user.full_name, "checkin_reminders": user.checkin_reminders})
    return render(request, "companies/profile.html", {"form": form})


def _settings_url(request: HttpRequest, anchor: str = "") -> str:
    url = reverse("companies:settings", args=[request.company.slug])
    return f"{url}#{anchor}" if anchor else url


def _settings_context(request: HttpRequest, **forms) -> dict:
    company = request.company
    memberships = list(Membership.objects.filter(company=company).select_related("user").order_by("user__email"))
    departments = list(
        Department.objects.filter(company=company)
        .select_related("parent")
        .annotate(
            lead_count=Count("department_memberships", filter=Q(department_memberships__role="lead")),
            member_count=Count("department_memberships"),
        )
        .order_by("name")
    )
    people = {}
    for dm in DepartmentMembership.objects.filter(company=company).select_related("user").order_by("user__email"):
        people.setdefault(dm.department_id, []).append(dm)
    for department in departments:
        department.people = people.get(department.pk, [])
    return {
        "settings_form": forms.get("settings_form") or CompanySettingsForm.for_company(company),
        "memberships": [(m, MemberRoleForm(initial={"role": m.role}, prefix=f"m{m.pk}")) for m in memberships],
        "departments": departments,
        "department_form": forms.get("department_form") or DepartmentForm(company=company),
        "person_form": forms.get("person_form") or DepartmentPersonForm(company=company),
        "cycles": list(Cycle.objects.filter(company=company).order_by("-start_date")),
        "cycle_form": forms.get("cycle_form") or CycleForm(),
    }


@company_view
def settings_page(request: HttpRequest) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    if request.method == "POST":
        form = CompanySettingsForm.for_company(request.company, request.POST)
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if getattr(request.company, k) != v}
            try:
                if changes:
                    company_services.company_settings_update(company=request.company, actor=request.actor, **changes)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Settings saved.")
                return redirect(_settings_url(request))
        return render(request, "companies/settings.html", _settings_context(request, settings_form=form), status=422)
    return render(request, "companies/settings.html", _settings_context(request))


@require_POST
@company_view
def member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    membership = Membership.objects.filter(company=request.company, pk=membership_id).select_related("user").first()
    if membership is None:
        raise not_found("member")
    form = MemberRoleForm(request.POST, prefix=f"m{membership.pk}")
    if form.is_valid():
        try:
            company_services.membership_update_role(
                company=request.company, actor=request.actor, membership=membership, role=form.cleaned_data["role"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, f"{membership.user.email}: {message}")
        else:
            messages.success(request, f"{membership.user.email} is now {form.cleaned_data['role']}.")
    else:
        messages.error(request, "Choose a role.")
    return redirect(_settings_url(request, "members"))


@require_POST
@company_view
def department_add(request: HttpRequest) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    form = DepartmentForm(request.POST, company=request.company)
    if form.is_valid():
        try:
            department = department_services.department_create(
                company=request.company, actor=request.actor, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Department “{department.name}” created.")
            return redirect(_settings_url(request, "departments"))
    return render(request, "companies/settings.html", _settings_context(request, department_form=form), status=422)


@require_POST
@company_view
def department_person(request: HttpRequest) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    form = DepartmentPersonForm(request.POST, company=request.company)
    if form.is_valid():
        department = form.cleaned_data["department"]
        try:
            department_services.department_member_set(
                company=request.company,
                actor=request.actor,
                department=department,
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"] or None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{department.name} updated.")
            return redirect(_settings_url(request, "departments"))
    return render(
        request,
        "companies/settings.html",
        _settings_context(request, person_form=form),
        status=422,
    )


@require_POST
@company_view
def cycle_add(request: HttpRequest) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    form = CycleForm(request.POST)
    if form.is_valid():
        try:
            cycle = okr.cycle_create(company=request.company, actor=request.actor, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Cycle “{cycle.name}” created in planning.")
            return redirect(_settings_url(request, "cycles"))
    return render(request, "companies/settings.html", _settings_context(request, cycle_form=form), status=422)


@require_POST
@company_view
def cycle_action(request: HttpRequest, cycle_id: int, action: str) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    cycle = Cycle.objects.filter(company=request.company, pk=cycle_id).first()
    services = {"activate": okr.cycle_activate, "close": okr.cycle_close}
    if cycle is None or action not in services:
        raise not_found("cycle")
    try:
        cycle = services[action](company=request.company, actor=request.actor, cycle=cycle)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        done = "activated" if action == "activate" else "closed; its final scores are stored"
        messages.success(request, f"Cycle “{cycle.name}” {done}.")
    return redirect(_settings_url(request, "cycles"))
