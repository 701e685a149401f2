from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from discussion.models import BODY_MAX_LENGTH, Comment, ReactionKind
from discussion.selectors import ReactionCount

TARGET_KINDS = [("objective", "objective"), ("key_result", "key result"), ("checkin", "check-in")]


class ReactionCountSerializer(serializers.Serializer[ReactionCount]):
    kind = serializers.ChoiceField(choices=ReactionKind.choices)
    emoji = serializers.CharField()
    count = serializers.IntegerField(min_value=1)
    mine = serializers.BooleanField(help_text="Whether the caller gave this reaction (always false for an API key).")
    user_ids = serializers.ListField(child=serializers.IntegerField(), help_text="Who reacted, oldest first.")


class ReactionsSerializer(serializers.Serializer[Any]):
    results = ReactionCountSerializer(many=True, help_text="One entry per kind given at least once, in a fixed order.")


class MentionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class CommentSerializer(serializers.ModelSerializer[Comment]):
    target_kind = serializers.ChoiceField(
        choices=TARGET_KINDS, read_only=True, help_text="What the thread is about: the most specific of the ids."
    )
    author_name = serializers.SerializerMethodField()
    deleted = serializers.SerializerMethodField(help_text="A deleted comment keeps its place; its body is empty.")
    mentions = serializers.SerializerMethodField(help_text="The members the body mentions (`@address`).")
    reactions = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "target_kind",
            "objective",
            "key_result",
            "checkin",
            "parent",
            "author",
            "author_name",
            "body",
            "mentions",
            "reactions",
            "created_at",
            "deleted",
            "deleted_at",
        ]
        read_only_fields = fields

    def get_author_name(self, comment: Comment) -> str | None:
        return comment.author.display_name if comment.author is not None else None

    def get_deleted(self, comment: Comment) -> bool:
        return comment.is_deleted

    @extend_schema_field(MentionSerializer(many=True))
    def get_mentions(self, comment: Comment) -> list[dict[str, Any]]:
        return [{"id": user.pk, "display_name": user.display_name} for user in comment.mentioned.values()]

    @extend_schema_field(ReactionCountSerializer(many=True))
    def get_reactions(self, comment: Comment) -> list[dict[str, Any]]:
        return reactions_data(comment.reaction_counts)


def reactions_data(counts: list[ReactionCount]) -> list[dict[str, Any]]:
    return [ReactionCountSerializer(count).data for count in counts if count.count]


class CommentInputSerializer(serializers.Serializer[Any]):
    body = serializers.CharField(
        max_length=BODY_MAX_LENGTH,
        help_text="1 to 5,000 characters; line breaks allowed, other control characters not. Mention a member with"
        " `@` and their email address (`@ana@acme.example`); on a private objective only people who may read it.",
    )


class ReactionInputSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ReactionKind.choices)
