from typing import Any, cast

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from companies import selectors, services
from companies.api import serializers as s
from companies.api.base import APIView, CompanyAPIView, CompanyListAPIView, only_given
from companies.api.defaults import api_key_of
from companies.models import Company, CompanyAPIKey, Invitation, Membership, User
from okrhub.errors import not_found
from okrhub.permissions import API_KEY_ROLES, Action


class MeView(APIView):
    """The caller: a person and their companies, or an API key and its company."""

    pagination_class = None
    filter_backends = []
    serializer_class = s.MeSerializer

    def get(self, request: Request) -> Response:
        key = api_key_of(request)
        data: dict[str, Any]
        if key is not None:
            company = key.company
            data = {
                "user": None,
                "api_key": {"prefix": key.prefix, "name": key.name, "scope": key.scope},
                "companies": [{"slug": company.slug, "name": company.name, "role": API_KEY_ROLES[key.scope]}],
            }
        else:
            user = cast(User, request.user)  # IsPrincipal: no key means a signed-in person
            memberships = Membership.objects.filter(user=user).select_related("company").order_by("company__name")
            data = {
                "user": {"id": user.pk, "email": user.email, "full_name": user.full_name},
                "api_key": None,
                "companies": [{"slug": m.company.slug, "name": m.company.name, "role": m.role} for m in memberships],
            }
        return Response(s.MeSerializer(data).data)


class CompanySettingsView(CompanyAPIView):
    """The company and its settings: everyone reads, admins change."""

    object_name = "company"
    model = Company
    serializer_class = s.CompanySettingsSerializer
    pagination_class = None
    filter_backends = []

    def company_queryset(self):
        return Company.objects.filter(pk=self.company.pk)

    def get_object(self, *, lock: bool = False) -> Company:
        self.kwargs["pk"] = self.company.pk
        return super().get_object(lock=lock)

    def get(self, request: Request, slug: str) -> Response:
        return self.retrieve(request)

    def patch(self, request: Request, slug: str) -> Response:
        self.actor.require(Action.MANAGE_COMPANY)
        serializer = s.CompanySettingsSerializer(self.company, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return self.guarded_write(
            request,
            lambda company: services.company_settings_update(
                company=company, actor=self.actor, **only_given(serializer.validated_data, services.SETTINGS_FIELDS)
            ),
        )


class MemberListView(CompanyListAPIView):
    """Members of the company; admins invite people by email (they join when they accept)."""

    idempotent_post = True
    model = Membership
    serializer_class = s.MembershipSerializer
    ordering_fields = ["id", "created_at"]

    def company_queryset(self):
        return selectors.member_list(company=self.company)

    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)

    @extend_schema(
        request=s.MemberInviteSerializer,
        responses={201: s.InvitationSerializer},
        description="Invite a person by email: creates a pending invitation and emails its link. "
        "They become a member (with the role and departments given) when they accept it.",
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = s.MemberInviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def create() -> Response:
            invitation = services.invitation_create(company=self.company, actor=self.actor, **serializer.validated_data)
            return self.render_one(invitation, status_code=201, serializer_class=s.InvitationSerializer)

        return self.idempotent(request, create)


class MemberDetailView(CompanyAPIView):
    object_name = "member"
    model = Membership
    serializer_class = s.MembershipSerializer

    def company_queryset(self):
        return selectors.member_list(company=self.company)

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.retrieve(request)

    @extend_schema(request=s.MemberRoleSerializer, responses=s.MembershipSerializer)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        serializer = s.MemberRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.guarded_write(
            request,
            lambda m: services.membership_update_role(
                company=self.company, actor=self.actor, membership=m, role=serializer.validated_data["role"]
            ),
        )


class InvitationListView(CompanyListAPIView):
    """Pending invitations (admins): neither accepted nor revoked; expired ones until replaced. Invite via members/."""

    model = Invitation
    serializer_class = s.InvitationSerializer
    ordering_fields = ["id", "created_at"]
    ordering = ["-created_at"]

    def company_queryset(self):
        return selectors.invitation_list(company=self.company)

    def get(self, request: Request, slug: str) -> Response:
        self.actor.require(Action.MANAGE_COMPANY)
        return self.list(request)


class InvitationDetailView(CompanyAPIView):
    object_name = "invitation"
    model = Invitation
    serializer_class = s.InvitationSerializer

    def company_queryset(self):
        return selectors.invitation_list(company=self.company)

    def get(self, request: Request, slug: str, pk: int) -> Response:
        self.actor.require(Action.MANAGE_COMPANY)
        return self.retrieve(request)

    def delete(self, request: Request, slug: str, pk: int) -> Response:
        """Revoke the invitation: its link is refused from now on."""
        self.actor.require(Action.MANAGE_COMPANY)

        def revoke(invitation: Invitation) -> None:
            services.invitation_revoke(company=self.company, actor=self.actor, invitation=invitation)

        return self.guarded_write(request, revoke)


class InvitationResendView(CompanyAPIView):
    object_name = "invitation"
    model = Invitation
    serializer_class = s.InvitationSerializer

    def company_queryset(self):
        return selectors.invitation_list(company=self.company)

    @extend_schema(request=None, responses=s.InvitationSerializer)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Email the invitation again with a new link valid for 7 more days; earlier links stop working."""
        self.actor.require(Action.MANAGE_COMPANY)
        invitation = services.invitation_resend(company=self.company, actor=self.actor, invitation=self.get_object())
        return self.render_one(invitation)


class APIKeyListView(CompanyListAPIView):
    """The company's API keys (admins): prefix, scope, last use; never the secret."""

    model = CompanyAPIKey
    serializer_class = s.APIKeySerializer
    ordering_fields = ["created"]
    ordering = ["-created"]

    def company_queryset(self):
        return selectors.api_key_list(company=self.company)

    def get(self, request: Request, slug: str) -> Response:
        self.actor.require(Action.MANAGE_COMPANY)
        return self.list(request)

    @extend_schema(
        request=s.APIKeyCreateSerializer,
        responses={201: s.APIKeyCreatedSerializer},
        examples=[
            OpenApiExample("CRM sync", request_only=True, value={"name": "CRM sync", "scope": "write"}),
            OpenApiExample(
                "Created (the secret, once)",
                response_only=True,
                status_codes=["201"],
                value={
                    "prefix": "Xk3P9aQe",
                    "name": "CRM sync",
                    "scope": "write",
                    "created": "2026-11-25T09:00:00Z",
                    "created_by": 1,
                    "last_used_at": None,
                    "revoked": False,
                    "revoked_at": None,
                    "key": "Xk3P9aQe.9fJ2mV0rLq8sT1uW4yZ6bC3dE5gH7jK2",
                },
            ),
        ],
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = s.APIKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, secret = services.api_key_create(company=self.company, actor=self.actor, **serializer.validated_data)
        data = s.APIKeyCreatedSerializer(key, context={"secret": secret}).data
        return Response(data, status=201, headers={"Cache-Control": "no-store"})


class APIKeyDetailView(CompanyAPIView):
    object_name = "API key"
    model = CompanyAPIKey
    serializer_class = s.APIKeySerializer

    def company_queryset(self):
        return selectors.api_key_list(company=self.company)

    def get_object(self, *, lock: bool = False) -> CompanyAPIKey:
        queryset = self.get_queryset()
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        key = queryset.filter(prefix=self.kwargs["prefix"]).first()
        if key is None:
            raise not_found(self.object_name)
        return key

    def get(self, request: Request, slug: str, prefix: str) -> Response:
        self.actor.require(Action.MANAGE_COMPANY)
        return self.retrieve(request)

    def delete(self, request: Request, slug: str, prefix: str) -> Response:
        """Revoke the key for good; requests with it answer 401 from now on."""
        self.actor.require(Action.MANAGE_COMPANY)

        def revoke(key: CompanyAPIKey) -> None:
            services.api_key_revoke(company=self.company, actor=self.actor, key=key)

        return self.guarded_write(request, revoke)
