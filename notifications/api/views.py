"""The signed-in person's notifications over HTTP: list, unread count, mark read, preferences.

Notifications belong to a person, so an API key (which acts for the whole
company) is refused with 403; another person's notification, like one of
another company, answers 404. Reads go through the same selectors as the
pages (``notifications.selectors``): only notifications about objectives
the person may read right now.
"""

from typing import Any

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from companies.api.base import CompanyAPIView, CompanyListAPIView, PreconditionFailed, _etags, etag_for
from companies.api.defaults import Pagination
from notifications import selectors, services
from notifications.api import serializers as s
from notifications.models import Notification, Reason
from okrhub.links import site_url

NOTIFICATION_EXAMPLE = {
    "id": 5012,
    "reason": "mention",
    "verb": "comment.created",
    "text": "Maria Lopez mentioned you in a comment on \u201cGenerate 1,000 qualified leads\u201d",
    "excerpt": "@sam can we count the Lyon fair leads?",
    "url": "https://okr.example.com/c/acme/key-results/12/#comment-88",
    "objective": 41,
    "key_result": 12,
    "actor": 7,
    "created_at": "2026-11-25T09:00:00Z",
    "read_at": None,
    "unread": True,
}


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="Only unread (true) or read (false)."
    )

    class Meta:
        model = Notification
        fields = ["unread"]


class NotificationPagination(Pagination):
    """Newest first; the cursor stays stable as new notifications arrive."""

    ordering = ("-created_at", "-id")  # type: ignore[assignment]  # DRF takes a tuple too; the stubs say str


class _PersonsOwn(CompanyAPIView):
    """A view of the signed-in person's own notifications: API keys are refused (403)."""

    model = Notification
    object_name = "notification"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        selectors.require_person(self.actor)

    def company_queryset(self) -> Any:
        return selectors.with_event(selectors.notification_list(company=self.company, actor=self.actor))

    def described(self, notifications: list[Notification]) -> list[Notification]:
        for notification, words in zip(
            notifications, selectors.describe_all(notifications, actor=self.actor), strict=True
        ):
            notification.described = {"text": words.text, "excerpt": words.excerpt, "url": site_url(words.path)}  # type: ignore[attr-defined]
        return notifications


class NotificationListView(CompanyListAPIView, _PersonsOwn):
    """Your notifications in this company, newest first: only those about objectives you may read."""

    serializer_class = s.NotificationSerializer
    filterset_class = NotificationFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = NotificationPagination

    @extend_schema(
        examples=[
            OpenApiExample(
                "A mention",
                response_only=True,
                value={"next": None, "previous": None, "results": [NOTIFICATION_EXAMPLE]},
            )
        ]
    )
    def get(self, request: Request, slug: str) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(self.described(list(page or [])), many=True)
        return self.get_paginated_response(serializer.data)


class UnreadCountView(_PersonsOwn):
    """How many of your notifications are unread, as the bell shows it (counted up to 100)."""

    serializer_class = s.UnreadCountSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        examples=[
            OpenApiExample("Three unread", response_only=True, value={"unread": 3, "capped": False, "label": "3"})
        ]
    )
    def get(self, request: Request, slug: str) -> Response:
        count = selectors.unread_count(company=self.company, actor=self.actor)
        data = {"unread": count, "capped": count > selectors.UNREAD_CAP, "label": selectors.unread_label(count)}
        return Response(s.UnreadCountSerializer(data).data)


class MarkReadView(_PersonsOwn):
    """Mark one of your notifications read (again is harmless)."""

    serializer_class = s.NotificationSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        request=None,
        responses=s.NotificationSerializer,
        examples=[
            OpenApiExample(
                "Read",
                response_only=True,
                value={**NOTIFICATION_EXAMPLE, "read_at": "2026-11-25T09:30:00Z", "unread": False},
            )
        ],
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        services.notification_mark_read(company=self.company, actor=self.actor, notification_id=pk)
        notification = self.get_object()
        return Response(s.NotificationSerializer(self.described([notification])[0]).data)


class MarkAllReadView(_PersonsOwn):
    """Mark every unread notification of yours in this company read."""

    serializer_class = s.MarkedSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(request=None, examples=[OpenApiExample("Marked", response_only=True, value={"marked": 12})])
    def post(self, request: Request, slug: str) -> Response:
        marked = services.notification_mark_all_read(company=self.company, actor=self.actor)
        return Response({"marked": marked})


class PreferencesView(_PersonsOwn):
    """How you hear about each reason in this company: in the app, and by email at once, daily or never."""

    serializer_class = s.PreferencesSerializer
    pagination_class = None
    filter_backends = []

    def current(self) -> dict[str, dict[str, Any]]:
        user_id = selectors.require_person(self.actor)
        found = selectors.preferences_for(company=self.company, user_ids=[user_id])
        return {
            reason.value: {
                "label": reason.label,
                "in_app": found[(user_id, reason.value)].in_app,
                "email": found[(user_id, reason.value)].email,
            }
            for reason in Reason
        }

    def render_current(self) -> Response:
        data = s.PreferencesSerializer(self.current()).data
        return Response(data, headers={"ETag": etag_for(data)})

    @extend_schema(
        examples=[
            OpenApiExample(
                "Defaults",
                response_only=True,
                value={
                    reason.value: {"label": reason.label, "in_app": True, "email": selectors.DEFAULT_EMAIL[reason]}
                    for reason in Reason
                },
            )
        ]
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.render_current()

    @extend_schema(
        request=s.PreferencesUpdateSerializer,
        responses=s.PreferencesSerializer,
        examples=[
            OpenApiExample(
                "Mentions in the digest, no reaction emails",
                request_only=True,
                value={"mention": {"email": "digest"}, "reaction": {"email": "off", "in_app": True}},
            )
        ],
    )
    def patch(self, request: Request, slug: str) -> Response:
        serializer = s.PreferencesUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if_match = request.headers.get("If-Match")
        if if_match and if_match.strip() != "*":
            current = s.PreferencesSerializer(self.current()).data
            if etag_for(current) not in _etags(if_match, weak=False):
                raise PreconditionFailed()
        services.preferences_update(company=self.company, actor=self.actor, changes=serializer.validated_data)
        return self.render_current()
