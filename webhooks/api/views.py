"""Webhook endpoints over the API: admins only (``Action.MANAGE_WEBHOOKS``), never a key."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from companies.api.base import CompanyAPIView, CompanyListAPIView, only_given
from okrhub.errors import not_found
from okrhub.permissions import Action
from webhooks import selectors, services
from webhooks.api import serializers as s
from webhooks.models import Delivery, Endpoint

NO_STORE = {"Cache-Control": "no-store"}


class EndpointListView(CompanyListAPIView):
    """The company's webhook endpoints; creating one answers with its signing secret, once."""

    model = Endpoint
    serializer_class = s.EndpointSerializer
    ordering_fields = ["created_at"]
    ordering = ["created_at"]

    def company_queryset(self):
        return selectors.endpoint_list(company=self.company)

    def get(self, request: Request, slug: str) -> Response:
        self.actor.require(Action.MANAGE_WEBHOOKS)
        return self.list(request)

    @extend_schema(
        request=s.EndpointWriteSerializer,
        responses={201: s.EndpointWithSecretSerializer},
        examples=[
            OpenApiExample(
                "Check-ins to a receiver",
                request_only=True,
                value={"url": "https://hooks.example.com/okrhub", "event_types": ["checkin.created"]},
            )
        ],
    )
    def post(self, request: Request, slug: str) -> Response:
        self.actor.require(Action.MANAGE_WEBHOOKS)
        serializer = s.EndpointWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "enabled"}
        endpoint = services.endpoint_create(company=self.company, actor=self.actor, **data)
        return Response(s.EndpointWithSecretSerializer(endpoint).data, status=201, headers=NO_STORE)


class EndpointDetailView(CompanyAPIView):
    object_name = "webhook endpoint"
    model = Endpoint
    serializer_class = s.EndpointSerializer

    def company_queryset(self):
        return selectors.endpoint_list(company=self.company)

    def get(self, request: Request, slug: str, pk: int) -> Response:
        self.actor.require(Action.MANAGE_WEBHOOKS)
        return self.retrieve(request)

    @extend_schema(request=s.EndpointWriteSerializer, responses=s.EndpointSerializer)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        self.actor.require(Action.MANAGE_WEBHOOKS)
        serializer = s.EndpointWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = only_given(
            serializer.validated_data, ["url", "description", "event_types", "include_private", "enabled"]
        )
        changes = {k: v for k, v in changes.items() if k in request.data}
        return self.guarded_write(
            request,
            lambda endpoint: services.endpoint_update(
                company=self.company, actor=self.actor, endpoint=endpoint, **changes
            ),
        )

    def delete(self, request: Request, slug: str, pk: int) -> Response:
        """Delete the endpoint with its delivery log."""
        self.actor.require(Action.MANAGE_WEBHOOKS)

        def delete(endpoint: Endpoint) -> None:
            services.endpoint_delete(company=self.company, actor=self.actor, endpoint=endpoint)

        return self.guarded_write(request, delete)


class EndpointRotateSecretView(CompanyAPIView):
    object_name = "webhook endpoint"
    model = Endpoint
    serializer_class = s.EndpointWithSecretSerializer

    def company_queryset(self):
        return selectors.endpoint_list(company=self.company)

    @extend_schema(request=None, responses=s.EndpointWithSecretSerializer)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """A new signing secret (shown this once); the previous one signs too for 24 hours."""
        self.actor.require(Action.MANAGE_WEBHOOKS)
        response = self.guarded_write(
            request,
            lambda endpoint: services.endpoint_rotate_secret(company=self.company, actor=self.actor, endpoint=endpoint),
        )
        response["Cache-Control"] = "no-store"
        return response


class EndpointTestView(CompanyAPIView):
    object_name = "webhook endpoint"
    model = Endpoint
    serializer_class = s.DeliverySerializer

    def company_queryset(self):
        return selectors.endpoint_list(company=self.company)

    @extend_schema(request=None, responses={201: s.DeliverySerializer})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Send a `webhook.test` message now; the answer is its delivery, after the first attempt."""
        self.actor.require(Action.MANAGE_WEBHOOKS)
        delivery = services.send_test(company=self.company, actor=self.actor, endpoint=self.get_object())
        services.attempt(delivery.pk)
        delivery.refresh_from_db()
        return self.render_one(delivery, status_code=201)


class DeliveryListView(CompanyListAPIView):
    """An endpoint's delivery log, newest first."""

    model = Delivery
    serializer_class = s.DeliverySerializer
    ordering_fields: list[str] = []
    ordering = ["-created_at", "-id"]

    def company_queryset(self):
        return selectors.delivery_list(company=self.company, endpoint_id=self.endpoint_id)

    def get(self, request: Request, slug: str, pk: int) -> Response:
        self.actor.require(Action.MANAGE_WEBHOOKS)
        if not selectors.endpoint_list(company=self.company).filter(pk=pk).exists():
            raise not_found("webhook endpoint")
        self.endpoint_id = pk
        return self.list(request)


class RedeliverView(CompanyAPIView):
    object_name = "webhook delivery"
    model = Delivery
    serializer_class = s.DeliverySerializer

    def company_queryset(self):
        return selectors.delivery_list(company=self.company).select_related("endpoint")

    @extend_schema(request=None, responses=s.DeliverySerializer)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Send the delivery again now (same `webhook-id`); the answer is the delivery after that attempt."""
        self.actor.require(Action.MANAGE_WEBHOOKS)
        delivery = services.redeliver(company=self.company, actor=self.actor, delivery=self.get_object())
        services.attempt(delivery.pk)
        delivery.refresh_from_db()
        return self.render_one(delivery)
