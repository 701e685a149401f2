"""Conversation on OKRs: comments with one level of replies, mentions and reactions.

Every comment belongs to one thread, named by its most specific target: a
check-in, else a key result, else an objective. ``objective`` is always set
(the check-in's or key result's objective): it decides who reads the thread,
so a comment on a private objective is exactly as private as the objective.

Every row carries ``company``; indexes and unique constraints are led by it,
and the migration adds composite keys so every reference stays inside one
company (okrhub/tenant_keys.py).
"""

from typing import Any

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from okrhub.text import validate_multi_line

#: The longest comment (characters); longer bodies are refused, never cut.
BODY_MAX_LENGTH = 5000


class Comment(models.Model):
    """A comment, or a reply to a top-level comment of the same thread (one level only).

    Deleting a comment blanks its body and stamps ``deleted_at``: a reply
    keeps its place under a deleted comment, and nothing of what was said
    survives (mentions and reactions go with the text).
    """

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    objective = models.ForeignKey("objectives.Objective", on_delete=models.CASCADE, related_name="+")
    key_result = models.ForeignKey(
        "objectives.KeyResult", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    checkin = models.ForeignKey("objectives.CheckIn", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for an integration (API key), or once the person's account is gone.",
    )
    body = models.TextField(
        max_length=BODY_MAX_LENGTH, blank=True, validators=[validate_multi_line, MaxLengthValidator(BODY_MAX_LENGTH)]
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    # Not columns: what the selectors attach for a page or the API (discussion.selectors.annotate_comment).
    mentioned: dict[str, Any]  # lowercased email -> the mentioned user
    reaction_counts: list[Any]  # discussion.selectors.ReactionCount, one per kind
    can_delete: bool
    thread_replies: list["Comment"]

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # A check-in's thread also names its key result (and, through it, the objective).
            models.CheckConstraint(
                condition=Q(checkin__isnull=True) | Q(key_result__isnull=False), name="comment_checkin_has_key_result"
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("id")), name="comment_not_own_parent"
            ),
            # Said and standing, or deleted and blank: never a deleted comment that still says something.
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True, body__gt="") | Q(deleted_at__isnull=False, body=""),
                name="comment_body_or_deleted",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "objective", "created_at"], name="comment_company_objective"),
            models.Index(fields=["company", "key_result"], name="comment_company_key_result"),
            models.Index(fields=["company", "checkin"], name="comment_company_checkin"),
            models.Index(fields=["company", "parent"], name="comment_company_parent"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on objective {self.objective_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def thread_key(self) -> dict[str, int | None]:
        """The thread this comment belongs to, as ``discussion.selectors.Target.thread_filter`` names it."""
        return {"objective_id": self.objective_id, "key_result_id": self.key_result_id, "checkin_id": self.checkin_id}

    @property
    def target_kind(self) -> str:
        """``checkin``, ``key_result`` or ``objective``: what the thread is about."""
        if self.checkin_id is not None:
            return "checkin"
        return "key_result" if self.key_result_id is not None else "objective"


class Mention(models.Model):
    """A company member a comment mentions (parsed from its body when it is written)."""

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "comment", "user"], name="mention_unique"),
        ]
        indexes = [models.Index(fields=["company", "user"], name="mention_company_user")]

    def __str__(self) -> str:
        return f"user {self.user_id} in comment {self.comment_id}"


class ReactionKind(models.TextChoices):
    """The small fixed set of reactions; the label is the accessible name, the emoji what shows."""

    THUMBS_UP = "thumbs_up", "Thumbs up"
    CELEBRATE = "celebrate", "Celebrate"
    HEART = "heart", "Heart"
    EYES = "eyes", "Eyes"
    ROCKET = "rocket", "Rocket"


REACTION_EMOJI: dict[str, str] = {
    ReactionKind.THUMBS_UP: "👍",
    ReactionKind.CELEBRATE: "🎉",
    ReactionKind.HEART: "❤️",
    ReactionKind.EYES: "👀",
    ReactionKind.ROCKET: "🚀",
}


class Reaction(models.Model):
    """One person's reaction of one kind to a comment or a check-in (exactly one of the two)."""

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reactions")
    checkin = models.ForeignKey("objectives.CheckIn", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ReactionKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(comment__isnull=False, checkin__isnull=True)
                | Q(comment__isnull=True, checkin__isnull=False),
                name="reaction_one_target",
            ),
            models.CheckConstraint(condition=Q(kind__in=ReactionKind.values), name="reaction_kind_valid"),
            models.UniqueConstraint(
                fields=["company", "comment", "user", "kind"],
                condition=Q(comment__isnull=False),
                name="reaction_unique_on_comment",
            ),
            models.UniqueConstraint(
                fields=["company", "checkin", "user", "kind"],
                condition=Q(checkin__isnull=False),
                name="reaction_unique_on_checkin",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.user_id}"

    @property
    def emoji(self) -> str:
        return REACTION_EMOJI[self.kind]
