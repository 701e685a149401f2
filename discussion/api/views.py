"""Comments, replies and reactions over HTTP.

Thin views on the services of ``discussion.services`` (the pages call the
same ones). A thread is read by whoever reads its objective; another
company's object, and one on a private objective the caller may not read,
answer 404 alike.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from companies.api.base import CompanyAPIView, CompanyListAPIView
from discussion import selectors, services
from discussion.api import serializers as s
from discussion.models import Comment, ReactionKind
from discussion.selectors import Target
from objectives.models import CheckIn
from objectives.selectors import visible_objectives_q
from okrhub.errors import not_found
from okrhub.permissions import Action

COMMENT_EXAMPLE = {
    "id": 311,
    "target_kind": "key_result",
    "objective": 42,
    "key_result": 12,
    "checkin": None,
    "parent": None,
    "author": 7,
    "author_name": "Mia Marketing",
    "body": "Leads from France doubled after the webinar. @max@demo.okrhub.test can you share the list?",
    "mentions": [{"id": 9, "display_name": "Max Member"}],
    "reactions": [{"kind": "thumbs_up", "emoji": "👍", "count": 2, "mine": False, "user_ids": [3, 9]}],
    "created_at": "2026-11-25T09:30:00Z",
    "deleted": False,
    "deleted_at": None,
}
COMMENT_REQUEST = OpenApiExample(
    "A comment with a mention",
    request_only=True,
    value={"body": "Leads from France doubled after the webinar. @max@demo.okrhub.test can you share the list?"},
)
COMMENT_RESPONSE = OpenApiExample("Posted", response_only=True, status_codes=["201"], value=COMMENT_EXAMPLE)
REACTIONS_EXAMPLE = OpenApiExample(
    "Reactions",
    response_only=True,
    value={"results": [{"kind": "celebrate", "emoji": "🎉", "count": 1, "mine": True, "user_ids": [7]}]},
)
KIND_PARAMETER = OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=ReactionKind.values)


class _Thread(CompanyListAPIView):
    """A thread's comments, replies included, oldest first; post a comment (idempotent with ``Idempotency-Key``).

    A reply (``parent`` set) answers a top-level comment: post it to
    ``comments/{id}/replies/``. Deleted comments keep their place with an empty body.
    """

    idempotent_post = True
    model = Comment
    serializer_class = s.CommentSerializer
    ordering_fields = ["id", "created_at"]
    filterset_fields: list[str] = []
    object_name = "comment"

    def target(self) -> Target:
        raise NotImplementedError

    def company_queryset(self) -> QuerySet[Comment]:
        return selectors.thread_comments(company=self.company, target=self._target)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self._target = self.target()

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        return [selectors.annotate_comment(c, self.actor) for c in page] if page is not None else None

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.list(request)

    @extend_schema(
        request=s.CommentInputSerializer,
        responses={201: s.CommentSerializer},
        examples=[COMMENT_REQUEST, COMMENT_RESPONSE],
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return create_comment(self, request, self._target, parent=None)


def create_comment(view: CompanyAPIView, request: Request, target: Target, *, parent: Comment | None) -> Response:
    view.actor.require(Action.COMMENT)  # before reading the body: a refused caller learns nothing from validation
    serializer = s.CommentInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)

    def create() -> Response:
        comment = services.comment_create(
            company=view.company, actor=view.actor, target=target, parent=parent, **serializer.validated_data
        )
        created = selectors.thread_comments(company=view.company, target=target).get(pk=comment.pk)
        return view.render_one(
            selectors.annotate_comment(created, view.actor),
            status_code=201,
            serializer_class=s.CommentSerializer,
        )

    return view.idempotent(request, create, serializer.validated_data)


class ObjectiveCommentsView(_Thread):
    def target(self) -> Target:
        return selectors.objective_target(company=self.company, actor=self.actor, objective_id=self.kwargs["pk"])


class KeyResultCommentsView(_Thread):
    def target(self) -> Target:
        return selectors.key_result_target(company=self.company, actor=self.actor, key_result_id=self.kwargs["pk"])


class CheckInCommentsView(_Thread):
    def target(self) -> Target:
        return selectors.checkin_target(company=self.company, actor=self.actor, checkin_id=self.kwargs["pk"])


class _OneComment(CompanyAPIView):
    model = Comment
    object_name = "comment"
    serializer_class = s.CommentSerializer

    def company_queryset(self) -> QuerySet[Comment]:
        return selectors.with_people(
            Comment.objects.filter(company=self.company).filter(
                visible_objectives_q(actor=self.actor, prefix="objective__")
            )
        ).select_related("objective__cycle", "objective__department", "key_result", "checkin")

    def get_object(self, *, lock: bool = False) -> Comment:
        return selectors.annotate_comment(super().get_object(lock=lock), self.actor)

    def comment(self) -> Comment:
        return selectors.comment_for(company=self.company, actor=self.actor, comment_id=self.kwargs["pk"])


class CommentDetailView(_OneComment):
    """One comment; the author (or an admin) deletes it: the body is blanked, replies keep their place."""

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.retrieve(request)

    def delete(self, request: Request, slug: str, pk: int) -> Response:
        def write(comment: Comment) -> None:
            services.comment_delete(company=self.company, actor=self.actor, comment=comment)

        return self.guarded_write(request, write)


class CommentRepliesView(_OneComment):
    idempotent_post = True

    @extend_schema(
        request=s.CommentInputSerializer,
        responses={201: s.CommentSerializer},
        examples=[
            OpenApiExample("A reply", request_only=True, value={"body": "Shared it in the Marketing channel."}),
            OpenApiExample(
                "Posted",
                response_only=True,
                status_codes=["201"],
                value={**COMMENT_EXAMPLE, "id": 312, "parent": 311, "body": "Shared it.", "mentions": []},
            ),
        ],
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Reply to a comment. A reply to a reply joins the thread of the top-level comment above it."""
        comment = self.comment()
        return create_comment(self, request, selectors.target_of(comment), parent=comment)


class _ReactionBase(CompanyAPIView):
    """The reactions on a comment or a check-in, by kind; people add and remove their own (API keys cannot react)."""

    model = Comment
    serializer_class = s.ReactionsSerializer
    pagination_class = None
    filter_backends = []

    def company_queryset(self) -> QuerySet[Any]:
        return Comment.objects.none()

    def reaction_target(self) -> Comment | CheckIn:
        raise NotImplementedError

    def summary(self, target: Comment | CheckIn) -> Response:
        if isinstance(target, Comment):
            counts = selectors.comment_reactions(company=self.company, actor=self.actor, comment=target)
        else:
            counts = selectors.checkin_reactions(company=self.company, actor=self.actor, checkin=target)
        return Response({"results": s.reactions_data(counts)})


class _Reactions(_ReactionBase):
    @extend_schema(responses=s.ReactionsSerializer, examples=[REACTIONS_EXAMPLE])
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.summary(self.reaction_target())

    @extend_schema(
        request=s.ReactionInputSerializer,
        responses={201: s.ReactionsSerializer, 200: s.ReactionsSerializer},
        examples=[OpenApiExample("Celebrate", request_only=True, value={"kind": "celebrate"}), REACTIONS_EXAMPLE],
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Add the caller's reaction: 201 when added, 200 when it was already there (nothing changes)."""
        target = self.reaction_target()
        self.actor.require(Action.COMMENT)
        serializer = s.ReactionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        added = services.reaction_set(
            company=self.company, actor=self.actor, target=target, kind=serializer.validated_data["kind"], present=True
        )
        response = self.summary(target)
        response.status_code = 201 if added else 200
        return response


class _ReactionKind(_ReactionBase):
    @extend_schema(parameters=[KIND_PARAMETER], responses={204: None})
    def delete(self, request: Request, slug: str, pk: int, kind: str) -> Response:
        """Take back the caller's reaction of this kind (204 whether or not it was there)."""
        target = self.reaction_target()
        services.reaction_set(company=self.company, actor=self.actor, target=target, kind=kind, present=False)
        return Response(status=204)


class _OnComment:
    def reaction_target(self: Any) -> Comment:
        return selectors.comment_for(company=self.company, actor=self.actor, comment_id=self.kwargs["pk"])


class _OnCheckIn:
    def reaction_target(self: Any) -> CheckIn:
        target = selectors.checkin_target(company=self.company, actor=self.actor, checkin_id=self.kwargs["pk"])
        if target.checkin is None:  # pragma: no cover - a check-in target carries its check-in
            raise not_found("check-in")
        return target.checkin


class CommentReactionsView(_OnComment, _Reactions):
    pass


class CommentReactionView(_OnComment, _ReactionKind):
    pass


class CheckInReactionsView(_OnCheckIn, _Reactions):
    pass


class CheckInReactionView(_OnCheckIn, _ReactionKind):
    pass
