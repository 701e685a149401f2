"""A person's profile, and the company settings page for admins.

Settings is one page with a section per concern (general settings, members,
departments, cycles); each section's form posts to its own URL and comes back
to the page, with errors shown next to the fields of the form that failed.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from companies import services as company_services
from companies.forms import (
    APIKeyForm,
    CompanySettingsForm,
    CycleForm,
    InvitationForm,
    MemberRoleForm,
    ProfileForm,
)
from companies.models import CompanyAPIKey, Invitation, Membership
from companies.selectors import api_key_list, invitation_list
from companies.tenancy import AuthenticatedRequest, TenantRequest, company_view
from departments.forms import DepartmentForm, DepartmentPersonForm
from departments.models import Department, DepartmentMembership
from objectives import services as okr
from objectives.models import Cycle
from okrhub.errors import not_found
from okrhub.permissions import Action
from okrhub.web import add_service_errors


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    """A person's name and reminder choice; their companies (each with a way to leave) come from the header's list."""
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


def _settings_url(request: TenantRequest, anchor: str = "") -> str:
    url = reverse("companies:settings", args=[request.company.slug])
    return f"{url}#{anchor}" if anchor else url


def _settings_context(request: TenantRequest, **forms) -> dict:
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
    people: dict[int, list[DepartmentMembership]] = {}
    for dm in DepartmentMembership.objects.filter(company=company).select_related("user").order_by("user__email"):
        people.setdefault(dm.department_id, []).append(dm)
    for department in departments:
        department.people = people.get(department.pk, [])
    return {
        "invitation_form": forms.get("invitation_form") or InvitationForm(company=company, departments=departments),
        "invitations": list(invitation_list(company=company)),
        "api_keys": list(api_key_list(company=company)),
        "api_key_form": forms.get("api_key_form") or APIKeyForm(),
        "settings_form": forms.get("settings_form") or CompanySettingsForm.for_company(company),
        "memberships": [(m, MemberRoleForm(initial={"role": m.role}, prefix=f"m{m.pk}")) for m in memberships],
        "departments": departments,
        "department_form": forms.get("department_form") or DepartmentForm(company=company),
        "person_form": forms.get("person_form") or DepartmentPersonForm(company=company),
        "cycles": list(Cycle.objects.filter(company=company).order_by("-start_date")),
        "cycle_form": forms.get("cycle_form") or CycleForm(),
    }


@company_view
def settings_page(request: TenantRequest) -> HttpResponse:
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
def member_role(request: TenantRequest, membership_id: int) -> HttpResponse:
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


def _settings_form_post(
    request: TenantRequest,
    form: Any,
    form_name: str,
    write: Callable[..., Any],
    done: Callable[[Any], HttpResponse],
) -> HttpResponse:
    """One settings form's POST: validate, call its service, then ``done`` or the page again with errors (422)."""
    if form.is_valid():
        try:
            result = write(company=request.company, actor=request.actor, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return done(result)
    return render(request, "companies/settings.html", _settings_context(request, **{form_name: form}), status=422)


def _created(request: TenantRequest, section: str, message: Callable[[Any], str]) -> Callable[[Any], HttpResponse]:
    def done(result: Any) -> HttpResponse:
        messages.success(request, message(result))
        return redirect(_settings_url(request, section))

    return done


def _settings_action(
    request: TenantRequest,
    kind: str,
    target: Any,
    action: str,
    actions: dict[str, tuple[Callable[..., Any], str]],
    section: str,
    label: str,
) -> HttpResponse:
    """A settings row's button (activate a cycle, revoke an invitation…): call its service, flash, go back.

    A missing row (or one of another company) and an unknown action are the same 404.
    """
    if target is None or action not in actions:
        raise not_found(kind)
    service, done = actions[action]
    try:
        service(company=request.company, actor=request.actor, **{kind: target})
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{label} {done}.")
    return redirect(_settings_url(request, section))


@require_POST
@company_view
def cycle_add(request: TenantRequest) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    return _settings_form_post(
        request,
        CycleForm(request.POST),
        "cycle_form",
        okr.cycle_create,
        _created(request, "cycles", lambda cycle: f"Cycle “{cycle.name}” created in planning."),
    )


@require_POST
@company_view
def cycle_action(request: TenantRequest, cycle_id: int, action: str) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    cycle = Cycle.objects.filter(company=request.company, pk=cycle_id).first()
    actions = {
        "activate": (okr.cycle_activate, "activated"),
        "close": (okr.cycle_close, "closed; its final scores are stored"),
    }
    return _settings_action(request, "cycle", cycle, action, actions, "cycles", f"Cycle “{getattr(cycle, 'name', '')}”")


# ---------------------------------------------------------------- invitations


@require_POST
@company_view
def invitation_add(request: TenantRequest) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    return _settings_form_post(
        request,
        InvitationForm(request.POST, company=request.company),
        "invitation_form",
        company_services.invitation_create,
        _created(request, "invitations", lambda invitation: f"Invitation sent to {invitation.email}."),
    )


@require_POST
@company_view
def invitation_action(request: TenantRequest, invitation_id: int, action: str) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    invitation = Invitation.objects.filter(company=request.company, pk=invitation_id).first()
    actions = {
        "resend": (company_services.invitation_resend, "sent again with a new link"),
        "revoke": (company_services.invitation_revoke, "withdrawn"),
    }
    label = f"Invitation of {getattr(invitation, 'email', '')}"
    return _settings_action(request, "invitation", invitation, action, actions, "invitations", label)


# ---------------------------------------------------------------- API keys


@require_POST
@company_view
def api_key_add(request: TenantRequest) -> HttpResponse:
    """Create a key and show its secret on this response only: it is stored hashed, never shown again."""
    request.actor.require(Action.MANAGE_COMPANY)

    def show_secret_once(created: tuple[CompanyAPIKey, str]) -> HttpResponse:
        key, secret = created
        response = render(request, "companies/api_key_created.html", {"key": key, "secret": secret}, status=201)
        response["Cache-Control"] = "no-store"
        return response

    return _settings_form_post(
        request, APIKeyForm(request.POST), "api_key_form", company_services.api_key_create, show_secret_once
    )


@require_POST
@company_view
def api_key_revoke(request: TenantRequest, prefix: str) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    key = CompanyAPIKey.objects.filter(company=request.company, prefix=prefix).first()
    if key is None:
        raise not_found("API key")
    company_services.api_key_revoke(company=request.company, actor=request.actor, key=key)
    messages.success(request, f"Key “{key.name}” ({key.prefix}) revoked: requests with it are refused from now on.")
    return redirect(_settings_url(request, "api-keys"))
