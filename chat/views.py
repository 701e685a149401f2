"""The chat settings pages (company admins) and the endpoints Slack calls.

Settings pages live under ``/c/<slug>/settings/slack/`` and ``…/teams/``
(:func:`~companies.tenancy.company_view`: another company's admin gets 404).
Slack's endpoints name no company in the URL: every request is verified with
the app's signing secret (slack-sdk's ``SignatureVerifier``: a stale or
tampered request answers 401), the company is the one that connected the
request's workspace, and the person is the member whose email Slack shows.
"""

import json
import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from chat import blocks, services
from chat.forms import SlackForm, TeamsWebhookForm
from chat.models import SlackInstallation, TeamsWebhook
from companies.tenancy import Actor, AuthenticatedRequest, TenantRequest, company_view
from okrhub.links import site_url
from okrhub.logs import log_event
from okrhub.permissions import Action
from okrhub.web import UNPROCESSABLE, add_service_errors

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- settings pages


def _slack_page(request: TenantRequest, *, form: SlackForm | None = None, status: int = 200) -> HttpResponse:
    context = {
        "installation": SlackInstallation.objects.filter(company=request.company)
        .select_related("installed_by")
        .first(),
        "missing": services.slack_missing_settings(),
        "form": form or SlackForm(),
        "urls": {
            "redirect": services.slack_redirect_uri(),
            "interactions": site_url(reverse("slack_interactions")),
            "commands": site_url(reverse("slack_commands")),
        },
        "scopes": services.SLACK_SCOPES,
    }
    return render(request, "chat/slack_settings.html", context, status=status)


def _slack_error(request: TenantRequest, error: ValidationError, status: int = UNPROCESSABLE) -> HttpResponse:
    form = SlackForm({})
    form.is_valid()
    add_service_errors(form, error)
    return _slack_page(request, form=form, status=status)


@require_GET
@company_view
def slack_settings(request: TenantRequest) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    return _slack_page(request)


@require_GET
@company_view
def slack_install(request: TenantRequest) -> HttpResponse:
    """ "Add to Slack": off to Slack's consent page with a state bound to this company and admin."""
    request.actor.require(Action.MANAGE_COMPANY)
    try:
        return redirect(services.slack_install_url(company=request.company, actor=request.actor))
    except services.ChatNotConfigured as error:
        return _slack_error(request, ValidationError({"slack": str(error)}), status=409)


@require_POST
@company_view
def slack_disconnect(request: TenantRequest) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    if services.slack_disconnect(company=request.company, actor=request.actor):
        messages.success(request, "Slack disconnected.")
    return redirect("chat:slack_settings", company_slug=request.company.slug)


@require_POST
@company_view
def slack_test(request: TenantRequest) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    try:
        services.slack_send_test(company=request.company, actor=request.actor)
    except ValidationError as error:
        return _slack_error(request, error)
    messages.success(request, "Test message sent to you in Slack.")
    return redirect("chat:slack_settings", company_slug=request.company.slug)


def _teams_page(request: TenantRequest, *, form: TeamsWebhookForm | None = None, status: int = 200) -> HttpResponse:
    context = {
        "webhook": TeamsWebhook.objects.filter(company=request.company).first(),
        "form": form or TeamsWebhookForm(),
    }
    return render(request, "chat/teams_settings.html", context, status=status)


@require_http_methods(["GET", "POST"])
@company_view
def teams_settings(request: TenantRequest) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    if request.method == "GET":
        return _teams_page(request)
    form = TeamsWebhookForm(request.POST)
    if form.is_valid():
        try:
            services.teams_webhook_save(company=request.company, actor=request.actor, url=form.cleaned_data["url"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Teams webhook saved.")
            return redirect("chat:teams_settings", company_slug=request.company.slug)
    return _teams_page(request, form=form, status=UNPROCESSABLE)


@require_POST
@company_view
def teams_remove(request: TenantRequest) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    if services.teams_webhook_remove(company=request.company, actor=request.actor):
        messages.success(request, "Teams webhook removed.")
    return redirect("chat:teams_settings", company_slug=request.company.slug)


@require_POST
@company_view
def teams_test(request: TenantRequest) -> HttpResponse:
    request.actor.require(Action.MANAGE_COMPANY)
    try:
        services.teams_send_test(company=request.company, actor=request.actor)
    except ValidationError as error:
        form = TeamsWebhookForm({})
        form.errors.clear()
        add_service_errors(form, error)
        return _teams_page(request, form=form, status=UNPROCESSABLE)
    messages.success(request, "Test card posted to the Teams channel.")
    return redirect("chat:teams_settings", company_slug=request.company.slug)


# ---------------------------------------------------------------- Slack OAuth callback


@require_GET
@login_required
def slack_oauth_callback(request: AuthenticatedRequest) -> HttpResponse:
    """Slack sends the admin back here: the state names the company, the code becomes the bot token."""
    try:
        installation = services.slack_install_complete(
            user=request.user, state=request.GET.get("state", ""), code=request.GET.get("code", "")
        )
    except ValidationError as error:
        return render(request, "chat/slack_callback_error.html", {"errors": error.message_dict}, status=400)
    messages.success(request, f"Slack workspace {installation.team_name or installation.team_id} connected.")
    return redirect("chat:slack_settings", company_slug=installation.company.slug)


# ---------------------------------------------------------------- Slack requests


def _verified(request: HttpRequest) -> bool:
    secret = settings.OKRHUB_SLACK_SIGNING_SECRET
    if not secret:
        return False
    try:
        return SignatureVerifier(secret).is_valid(
            body=request.body,
            timestamp=request.headers.get("X-Slack-Request-Timestamp"),
            signature=request.headers.get("X-Slack-Signature"),
        )
    except ValueError:  # a timestamp that is no number, a body that is no UTF-8
        return False


def _refused() -> HttpResponse:
    return HttpResponse(
        "The request's Slack signature is missing, stale or wrong.", status=401, content_type="text/plain"
    )


def _ephemeral(text: str) -> JsonResponse:
    return JsonResponse({"response_type": "ephemeral", "text": text})


NOT_CONNECTED = "This Slack workspace is not connected to OKRHub. A company admin connects it in OKRHub's settings."
UNREADABLE = "OKRHub cannot read this workspace's Slack token: a company admin must connect Slack again."
HELP = "Use `/okr checkin` (or just `/okr`) to check in on your key results."


@csrf_exempt
@require_POST
def slack_commands(request: HttpRequest) -> HttpResponse:
    """The slash command (``/okr checkin``): opens the check-in modal, or says why not (only to the caller)."""
    if not _verified(request):
        return _refused()
    installation = services.installation_for_team_all_companies(request.POST.get("team_id", ""))
    if installation is None:
        return _ephemeral(NOT_CONNECTED)
    text = " ".join(request.POST.get("text", "").lower().split())
    if text not in ("", "checkin", "check-in", "check in"):
        return _ephemeral(HELP)
    client = services.bot_client(installation)
    if client is None:
        return _ephemeral(UNREADABLE)
    try:
        person = services.member_for_slack_user(
            installation=installation, client=client, slack_user_id=request.POST.get("user_id", "")
        )
        if person.membership is None:
            return _ephemeral(person.unmatched_message(installation.company))
        _open_checkin(client, person.membership, request.POST.get("trigger_id", ""))
    except SlackApiError as error:
        log_event(log, "slack.command_failed", level=logging.WARNING, error=str(error.response.get("error")))
        return _ephemeral("Slack did not let OKRHub open the check-in; try again.")
    return HttpResponse(status=200)


def _open_checkin(client: Any, membership: Any, trigger_id: str) -> None:
    actor = Actor.for_membership(membership)
    rows = services.slack_checkin_rows(company=membership.company, actor=actor)
    client.views_open(
        trigger_id=trigger_id, view=blocks.checkin_modal(company_name=membership.company.name, objectives=rows)
    )


@csrf_exempt
@require_POST
def slack_interactions(request: HttpRequest) -> HttpResponse:
    """Buttons (the reminder's "Check in") and modal submissions (the check-in itself)."""
    if not _verified(request):
        return _refused()
    try:
        payload = json.loads(request.POST.get("payload", ""))
    except ValueError:
        return JsonResponse({"error": "payload: not JSON"}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"error": "payload: not an object"}, status=400)
    team_id = str((payload.get("team") or {}).get("id") or (payload.get("view") or {}).get("team_id") or "")
    installation = services.installation_for_team_all_companies(team_id)
    if installation is None:
        return JsonResponse({"error": "team: " + NOT_CONNECTED}, status=404)
    company = installation.company
    client = services.bot_client(installation)
    if client is None:
        return JsonResponse({"error": "team: " + UNREADABLE}, status=503)
    slack_user_id = str((payload.get("user") or {}).get("id") or "")
    kind = payload.get("type")
    try:
        if kind == "block_actions":
            if not any(a.get("action_id") == blocks.CHECKIN_ACTION for a in payload.get("actions") or []):
                return HttpResponse(status=200)  # link buttons: Slack opens the URL itself
            person = services.member_for_slack_user(
                installation=installation, client=client, slack_user_id=slack_user_id
            )
            if person.membership is None:
                channel = str((payload.get("channel") or {}).get("id") or "")
                client.chat_postEphemeral(channel=channel, user=slack_user_id, text=person.unmatched_message(company))
                return HttpResponse(status=200)
            _open_checkin(client, person.membership, str(payload.get("trigger_id") or ""))
            return HttpResponse(status=200)
        view = payload.get("view") or {}
        if kind == "view_submission" and view.get("callback_id") == blocks.CHECKIN_CALLBACK:
            person = services.member_for_slack_user(
                installation=installation, client=client, slack_user_id=slack_user_id
            )
            if person.membership is None:
                return JsonResponse(
                    {"response_action": "update", "view": blocks.notice_modal(person.unmatched_message(company))}
                )
            values = (view.get("state") or {}).get("values") or {}
            try:
                saved = services.slack_checkin_submit(
                    company=company, actor=Actor.for_membership(person.membership), values=values
                )
            except services.SlackFormErrors as error:
                return JsonResponse({"response_action": "errors", "errors": error.errors})
            return JsonResponse(
                {
                    "response_action": "update",
                    "view": blocks.confirmation_modal(saved=saved, url=services.weekly_url(company)),
                }
            )
    except SlackApiError as error:
        log_event(
            log,
            "slack.interaction_failed",
            level=logging.WARNING,
            company=company.pk,
            error=str(error.response.get("error")),
        )
    return HttpResponse(status=200)
