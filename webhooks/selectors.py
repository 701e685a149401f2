"""Reads of the webhooks: a company's endpoints and an endpoint's delivery log."""

from django.db.models import QuerySet

from companies.models import Company
from webhooks.models import Delivery, Endpoint


def endpoint_list(*, company: Company) -> QuerySet[Endpoint]:
    return Endpoint.objects.filter(company=company).order_by("created_at", "id")


def delivery_list(*, company: Company, endpoint_id: int | None = None) -> QuerySet[Delivery]:
    """Newest first; the log of one endpoint when ``endpoint_id`` is given."""
    deliveries = Delivery.objects.filter(company=company).defer("payload")
    if endpoint_id is not None:
        deliveries = deliveries.filter(endpoint_id=endpoint_id)
    return deliveries.order_by("-created_at", "-id")
