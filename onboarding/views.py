"""Joining and leaving: sign-up, email confirmation, accepting an invitation (pages outside any
company), removing a member or leaving a company, and loading the first-run example cascade.

The sign-up answers the same whether or not the address already has an
account (the known address gets an email instead of a second account), so
the page never tells a stranger who uses OKRHub.
"""

import datetime
from typing import TypeGuard

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from companies import services as company_services
from companies.models import Membership, User
from companies.tenancy import AuthenticatedRequest, TenantRequest, company_view
from companies.views import _settings_url
from objectives import services as okr
from objectives.formatting import count
from okrhub.errors import PermissionDenied, not_found
from okrhub.links import site_url
from okrhub.permissions import Action
from okrhub.ratelimits import by_email, by_user, rate_limited
from okrhub.web import add_service_errors
from onboarding import first_cycle as first_cycles
from onboarding import services
from onboarding.demo import load_example_cascade
from onboarding.forms import AcceptInvitationForm, ReassignForm, SignupForm

#: Refused links: gone for good (expired, used, revoked) or never valid.
REFUSAL_STATUS = {"invalid": 404, "expired": 410, "used": 410, "revoked": 410}
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@never_cache
@rate_limited("signup", rate_setting="OKRHUB_RATE_SIGNUP")
def signup(request: HttpRequest) -> HttpResponse:
    if not settings.OKRHUB_OPEN_SIGNUP:
        return render(request, "onboarding/signup_closed.html", status=403)
    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "POST":
        form = SignupForm(request.POST, today=_signup_today())
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.signup(
                    full_name=data["full_name"],
                    email=data["email"],
                    password=data["password"],
                    company_name=data["company_name"],
                    company_slug=data["company_slug"],
                    timezone=data["timezone"],
                    first_cycle=data["first_cycle"],
                    cycle_length=data["cycle_length"] or first_cycles.QUARTERLY,
                    cycle_start=data["cycle_start"],
                    cycle_end=data["cycle_end"],
                    confirm_half_over=data["confirm_half_over"],
                )
            except PermissionDenied:
                return render(request, "onboarding/signup_closed.html", status=403)
            except ValidationError as error:
                error_dict = getattr(error, "error_dict", None)
                if error_dict and "slug" in error_dict:
                    error = ValidationError({"company_slug": error_dict.pop("slug"), **error_dict})
                if error_dict and "name" in error_dict:
                    error = ValidationError({"company_name": error_dict.pop("name"), **error_dict})
                add_service_errors(form, error)
            else:
                request.session["signup_email"] = data["email"]
                return redirect("signup_sent")
        return render(request, "onboarding/signup.html", {"form": form}, status=422)
    return render(request, "onboarding/signup.html", {"form": SignupForm(today=_signup_today())})


def _signup_today() -> datetime.date:
    """The day the sign-up form describes its cycles for (UTC: the company's time zone is not chosen yet).

    The service decides in the company's own zone; a day's difference at most moves a label.
    """
    return timezone.now().astimezone(datetime.UTC).date()


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "onboarding/signup_sent.html", {"email": request.session.get("signup_email", "")})


@never_cache
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.email_verify(token=token)
    except ValidationError as error:
        return render(request, "onboarding/verify_failed.html", {"message": error.messages[0]}, status=400)
    messages.success(request, f"Thank you: {user.email} is confirmed. You can now invite your colleagues.")
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("home")
    messages.info(request, "Sign in to continue.")
    return redirect(f"{reverse('login')}?next={reverse('home')}")


@require_POST
@login_required
@rate_limited("verify-resend", rate_setting="OKRHUB_RATE_VERIFY_RESEND", key=by_user)
def verify_email_resend(request: AuthenticatedRequest) -> HttpResponse:
    services.email_verification_resend(user=request.user)
    messages.success(request, f"We sent a new confirmation link to {request.user.email}.")
    next_url = request.POST.get("next")
    return redirect(next_url if _local(next_url) else "home")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, its link built from ``OKRHUB_BASE_URL`` (not the request's Host)."""

    @property
    def extra_email_context(self) -> dict[str, str]:  # type: ignore[override]
        return {"base_url": site_url()}


password_reset = rate_limited("password-reset", rate_setting="OKRHUB_RATE_PASSWORD_RESET")(
    rate_limited("password-reset-email", rate_setting="OKRHUB_RATE_PASSWORD_RESET_EMAIL", key=by_email)(
        PasswordResetView.as_view()
    )
)


def _local(url: str | None) -> TypeGuard[str]:
    return url is not None and url.startswith("/") and not url.startswith("//")


@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Show an invitation and accept it: set a password, or join with the signed-in account."""
    try:
        invitation = services.invitation_from_token(token)
    except services.InvitationRefused as refused:
        return _refused(request, refused)
    user = request.user if request.user.is_authenticated else None
    has_account = user is not None or User.objects.filter(email=invitation.email).exists()
    data = request.POST if request.method == "POST" else None
    form = AcceptInvitationForm(data) if user is None and not has_account else None
    context = {"invitation": invitation, "form": form, "has_account": has_account, "token": token}
    if request.method != "POST":
        return render(request, "onboarding/invitation.html", context)
    if user is not None and user.email != invitation.email:
        return render(request, "onboarding/invitation.html", context, status=403)
    if has_account and user is None:
        return redirect(f"{reverse('login')}?next={request.path}")
    if form is not None and not form.is_valid():
        return render(request, "onboarding/invitation.html", context, status=422)
    try:
        invitation, membership = services.invitation_accept(
            token=token,
            user=user,
            full_name=form.cleaned_data["full_name"] if form else "",
            password=form.cleaned_data["password"] if form else "",
        )
    except services.InvitationRefused as refused:
        return _refused(request, refused)
    except ValidationError as error:
        if form is None:
            form = AcceptInvitationForm(request.POST)
            form.is_valid()
        add_service_errors(form, error)
        return render(request, "onboarding/invitation.html", {**context, "form": form}, status=422)
    if user is None:
        login(request, membership.user, backend=MODEL_BACKEND)
    messages.success(request, f"Welcome to {invitation.company.name}.")
    return redirect("objectives:my_key_results", company_slug=invitation.company.slug)


def _refused(request: HttpRequest, refused: "services.InvitationRefused") -> HttpResponse:
    return render(
        request,
        "onboarding/invitation_refused.html",
        {"message": str(refused), "reason": refused.reason},
        status=REFUSAL_STATUS[refused.reason],
    )


# ---------------------------------------------------------------- removal and leaving


@company_view
def member_remove(request: TenantRequest, membership_id: int) -> HttpResponse:
    """Confirm a removal and choose who takes over the person's objectives and key results."""
    request.actor.require(Action.MANAGE_COMPANY)
    membership = Membership.objects.filter(company=request.company, pk=membership_id).select_related("user").first()
    if membership is None:
        raise not_found("member")
    form = ReassignForm(
        request.POST if request.method == "POST" else None,
        company=request.company,
        leaving=membership.user,
        initial={"reassign_to": request.user.pk},
    )
    context = {
        "membership": membership,
        "form": form,
        "owned": okr.owned_count(company=request.company, user_id=membership.user_id),
    }
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.membership_remove(
                company=request.company,
                actor=request.actor,
                membership=membership,
                reassign_to=form.cleaned_data["reassign_to"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            new_owner = form.cleaned_data["reassign_to"]
            messages.success(
                request,
                f"{membership.user.email} removed; "
                f"{count(moved, 'objective and key result', 'objectives and key results')} "
                f"now belong to {new_owner.display_name}.",
            )
            return redirect(_settings_url(request, "members"))
    status = 422 if request.method == "POST" else 200
    return render(request, "onboarding/member_remove.html", context, status=status)


@company_view
def leave(request: TenantRequest) -> HttpResponse:
    """A person leaves the company, handing what they own to a member they choose."""
    owned = okr.owned_count(company=request.company, user_id=request.user.pk)
    form = ReassignForm(
        request.POST if request.method == "POST" else None, company=request.company, leaving=request.user
    )
    form.fields["reassign_to"].required = bool(owned)
    is_last_admin = request.actor.is_admin and company_services.is_last_admin(request.company, request.user.pk)
    context = {"form": form, "owned": owned, "is_last_admin": is_last_admin}
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_leave(
                company=request.company, actor=request.actor, reassign_to=form.cleaned_data["reassign_to"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"You left {request.company.name}.")
            return redirect("home")
    status = 422 if request.method == "POST" else 200
    return render(request, "onboarding/leave.html", context, status=status)


# ---------------------------------------------------------------- first run


@require_POST
@company_view
def example_load(request: TenantRequest) -> HttpResponse:
    """Load DESIGN §1's cascade into this (empty) company, for its admin to edit or delete."""
    try:
        cycle = load_example_cascade(company=request.company, actor=request.actor)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("objectives:my_key_results", company_slug=request.company.slug)
    messages.success(
        request,
        f"The example cascade is loaded into {cycle.name}: you own all of it. "
        "Edit it, or archive what you do not need.",
    )
    return redirect("alignment:tree", company_slug=request.company.slug)
