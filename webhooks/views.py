"""The webhooks settings pages (company admins): endpoints, their delivery logs, tests and redeliveries."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from companies.tenancy import TenantRequest, company_view
from okrhub.errors import not_found
from okrhub.permissions import Action
from okrhub.web import add_service_errors, redirect_after_post
from webhooks import selectors, services
from webhooks.forms import EndpointForm
from webhooks.models import Endpoint

LOG_SIZE = 50


def _endpoint(request: TenantRequest, endpoint_id: int) -> Endpoint:
    endpoint = selectors.endpoint_list(company=request.company).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise not_found("webhook endpoint")
    return endpoint


def _list_url(request: TenantRequest) -> str:
    return reverse("webhooks:list", args=[request.company.slug])


def _detail_url(request: TenantRequest, endpoint: Endpoint) -> str:
    return reverse("webhooks:detail", args=[request.company.slug, endpoint.pk])


def _secret_page(request: TenantRequest, endpoint: Endpoint, *, created: bool) -> HttpResponse:
    response = render(
        request, "webhooks/secret.html", {"endpoint": endpoint, "created": created}, status=201 if created else 200
    )
    response["Cache-Control"] = "no-store"
    return response


@company_view
def endpoint_list(request: TenantRequest) -> HttpResponse:
    """Every endpoint, and the form to add one (its secret is shown once, on the next page)."""
    request.actor.require(Action.MANAGE_WEBHOOKS)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.endpoint_create(company=request.company, actor=request.actor, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _secret_page(request, endpoint, created=True)
    context = {"endpoints": list(selectors.endpoint_list(company=request.company)), "form": form}
    return render(request, "webhooks/list.html", context, status=422 if form.errors else 200)


@company_view
def endpoint_detail(request: TenantRequest, endpoint_id: int) -> HttpResponse:
    """One endpoint: its settings form (POST saves) and its delivery log."""
    request.actor.require(Action.MANAGE_WEBHOOKS)
    endpoint = _endpoint(request, endpoint_id)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
        "include_private": endpoint.include_private,
    }
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        if "enabled" in request.POST:
            changes["enabled"] = request.POST["enabled"] == "1"
        try:
            services.endpoint_update(company=request.company, actor=request.actor, endpoint=endpoint, **changes)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect_after_post(request, _detail_url(request, endpoint))
    context = {
        "endpoint": endpoint,
        "form": form,
        "deliveries": list(selectors.delivery_list(company=request.company, endpoint_id=endpoint.pk)[:LOG_SIZE]),
    }
    return render(request, "webhooks/detail.html", context, status=422 if form.errors else 200)


@require_POST
@company_view
def endpoint_delete(request: TenantRequest, endpoint_id: int) -> HttpResponse:
    request.actor.require(Action.MANAGE_WEBHOOKS)
    endpoint = _endpoint(request, endpoint_id)
    services.endpoint_delete(company=request.company, actor=request.actor, endpoint=endpoint)
    messages.success(request, f"Endpoint {endpoint.url} deleted.")
    return redirect_after_post(request, _list_url(request))


@require_POST
@company_view
def endpoint_rotate(request: TenantRequest, endpoint_id: int) -> HttpResponse:
    """A new secret, shown on this response only; the old one signs too for 24 hours."""
    request.actor.require(Action.MANAGE_WEBHOOKS)
    endpoint = services.endpoint_rotate_secret(
        company=request.company, actor=request.actor, endpoint=_endpoint(request, endpoint_id)
    )
    return _secret_page(request, endpoint, created=False)


@require_POST
@company_view
def endpoint_test(request: TenantRequest, endpoint_id: int) -> HttpResponse:
    """Send a ``webhook.test`` message now and show the log with its outcome."""
    request.actor.require(Action.MANAGE_WEBHOOKS)
    endpoint = _endpoint(request, endpoint_id)
    delivery = services.send_test(company=request.company, actor=request.actor, endpoint=endpoint)
    services.attempt(delivery.pk)
    delivery.refresh_from_db()
    messages.info(request, f"Test message: {delivery.get_status_display().lower()}.")
    return redirect_after_post(request, _detail_url(request, endpoint))


@require_POST
@company_view
def delivery_redeliver(request: TenantRequest, delivery_id: int) -> HttpResponse:
    request.actor.require(Action.MANAGE_WEBHOOKS)
    delivery = (
        selectors.delivery_list(company=request.company).select_related("endpoint").filter(pk=delivery_id).first()
    )
    if delivery is None:
        raise not_found("webhook delivery")
    try:
        services.redeliver(company=request.company, actor=request.actor, delivery=delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        services.attempt(delivery.pk)
        delivery.refresh_from_db()
        messages.info(request, f"Redelivered: {delivery.get_status_display().lower()}.")
    return redirect_after_post(request, _detail_url(request, delivery.endpoint))
