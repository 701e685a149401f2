"""Pages outside any company: sign-up, email confirmation, accepting an invitation.

The sign-up answers the same whether or not the address already has an
account (the known address gets an email instead of a second account), so
the page never tells a stranger who uses OKRHub.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from companies import services
from companies.forms import AcceptInvitationForm, SignupForm
from okrhub.errors import PermissionDenied
from okrhub.links import site_url
from okrhub.ratelimits import by_email, by_user, rate_limited
from okrhub.web import add_service_errors

#: Refused links: gone for good (expired, used, revoked) or never valid.
REFUSAL_STATUS = {"invalid": 404, "expired": 410, "used": 410, "revoked": 410}
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@never_cache
@rate_limited("signup", rate_setting="OKRHUB_RATE_SIGNUP")
def signup(request: HttpRequest) -> HttpResponse:
    if not settings.OKRHUB_OPEN_SIGNUP:
        return render(request, "companies/signup_closed.html", status=403)
    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "POST":
        form = SignupForm(request.POST)
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
                )
            except PermissionDenied:
                return render(request, "companies/signup_closed.html", status=403)
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
        return render(request, "companies/signup.html", {"form": form}, status=422)
    return render(request, "companies/signup.html", {"form": SignupForm()})


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "companies/signup_sent.html", {"email": request.session.get("signup_email", "")})


@never_cache
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.email_verify(token=token)
    except ValidationError as error:
        return render(request, "companies/verify_failed.html", {"message": error.messages[0]}, status=400)
    messages.success(request, f"Thank you: {user.email} is confirmed. You can now invite your colleagues.")
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("home")
    messages.info(request, "Sign in to continue.")
    return redirect(f"{reverse('login')}?next={reverse('home')}")


@require_POST
@login_required
@rate_limited("verify-resend", rate_setting="OKRHUB_RATE_VERIFY_RESEND", key=by_user)
def verify_email_resend(request: HttpRequest) -> HttpResponse:
    services.email_verification_resend(user=request.user)
    messages.success(request, f"We sent a new confirmation link to {request.user.email}.")
    return redirect(request.POST.get("next") if _local(request.POST.get("next")) else "home")


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


def _local(url: str | None) -> bool:
    return bool(url) and url.startswith("/") and not url.startswith("//")


@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Show an invitation and accept it: set a password, or join with the signed-in account."""
    try:
        invitation = services.invitation_from_token(token)
    except services.InvitationRefused as refused:
        return _refused(request, refused)
    user = request.user if request.user.is_authenticated else None
    has_account = user is not None or services.User.objects.filter(email=invitation.email).exists()
    data = request.POST if request.method == "POST" else None
    form = AcceptInvitationForm(data) if user is None and not has_account else None
    context = {"invitation": invitation, "form": form, "has_account": has_account, "token": token}
    if request.method != "POST":
        return render(request, "companies/invitation.html", context)
    if user is not None and user.email != invitation.email:
        return render(request, "companies/invitation.html", context, status=403)
    if has_account and user is None:
        return redirect(f"{reverse('login')}?next={request.path}")
    if form is not None and not form.is_valid():
        return render(request, "companies/invitation.html", context, status=422)
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
        return render(request, "companies/invitation.html", {**context, "form": form}, status=422)
    if user is None:
        login(request, membership.user, backend=MODEL_BACKEND)
    messages.success(request, f"Welcome to {invitation.company.name}.")
    return redirect("objectives:my_key_results", company_slug=invitation.company.slug)


def _refused(request: HttpRequest, refused: "services.InvitationRefused") -> HttpResponse:
    return render(
        request,
        "companies/invitation_refused.html",
        {"message": str(refused), "reason": refused.reason},
        status=REFUSAL_STATUS[refused.reason],
    )
