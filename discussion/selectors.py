"""Reads of the conversation: threads, reactions, comment counts and people to mention.

Who reads a thread is who reads its objective: every read here resolves the
objective first and asks :func:`objectives.selectors.can_read_objective` (or
filters with :func:`~objectives.selectors.visible_objectives_q`); another
company's object and one the actor may not read both answer 404. Every read
is a constant number of queries, whatever the size of the thread.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Lower

from companies.models import Company, Membership, User
from companies.tenancy import Actor, member_actors
from discussion.models import REACTION_EMOJI, Comment, Mention, Reaction, ReactionKind
from objectives.models import CheckIn, KeyResult, Objective
from objectives.selectors import can_read_objective
from okrhub.errors import not_found
from okrhub.permissions import Action

# ---------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """What a thread is about: an objective, one of its key results, or a check-in on one of those.

    ``objective`` is always the thread's objective (it decides who reads it).
    """

    objective: Objective
    key_result: KeyResult | None = None
    checkin: CheckIn | None = None

    @property
    def kind(self) -> str:
        if self.checkin is not None:
            return "checkin"
        return "key_result" if self.key_result is not None else "objective"

    @property
    def pk(self) -> int:
        return (self.checkin or self.key_result or self.objective).pk

    @property
    def owner_id(self) -> int | None:
        """Whose thing the thread is about: the objective's or key result's owner, a check-in's author.

        A check-in with no author (recorded by an integration) falls back to its key result's owner.
        """
        if self.checkin is not None:
            assert self.key_result is not None  # noqa: S101 - a check-in target always carries its key result
            return self.checkin.author_id or self.key_result.owner_id
        if self.key_result is not None:
            return self.key_result.owner_id
        return self.objective.owner_id

    def thread_filter(self) -> dict[str, Any]:
        """The lookups that select this thread's comments (exactly this target, not the ones below it)."""
        return {
            "objective_id": self.objective.pk,
            "key_result_id": self.key_result.pk if self.key_result is not None else None,
            "checkin_id": self.checkin.pk if self.checkin is not None else None,
        }


def _readable(actor: Actor, objective: Objective, what: str) -> None:
    if not can_read_objective(actor, objective):
        raise not_found(what)


def objective_target(*, company: Company, actor: Actor, objective_id: int) -> Target:
    objective = Objective.objects.filter(company=company, pk=objective_id).select_related("cycle", "department").first()
    if objective is None:
        raise not_found("objective")
    _readable(actor, objective, "objective")
    return Target(objective=objective)


def key_result_target(*, company: Company, actor: Actor, key_result_id: int) -> Target:
    kr = (
        KeyResult.objects.filter(company=company, pk=key_result_id)
        .select_related("objective__cycle", "objective__department")
        .first()
    )
    if kr is None:
        raise not_found("key result")
    _readable(actor, kr.objective, "key result")
    return Target(objective=kr.objective, key_result=kr)


def checkin_target(*, company: Company, actor: Actor, checkin_id: int) -> Target:
    # An undo is an entry that stands for no reading: there is nothing of it to discuss (the history hides it).
    checkin = (
        CheckIn.objects.filter(company=company, pk=checkin_id, retracted=False)
        .select_related("author", "key_result__objective__cycle", "key_result__objective__department")
        .first()
    )
    if checkin is None:
        raise not_found("check-in")
    _readable(actor, checkin.key_result.objective, "check-in")
    return Target(objective=checkin.key_result.objective, key_result=checkin.key_result, checkin=checkin)


def comment_for(*, company: Company, actor: Actor, comment_id: int) -> Comment:
    """A comment of ``company`` the actor may read (its objective's rule), with its thread's objects; else 404."""
    comment = (
        Comment.objects.filter(company=company, pk=comment_id)
        .select_related("objective__cycle", "objective__department", "key_result", "checkin", "author")
        .first()
    )
    if comment is None:
        raise not_found("comment")
    _readable(actor, comment.objective, "comment")
    return comment


def target_of(comment: Comment) -> Target:
    """The thread a comment (loaded by :func:`comment_for`) belongs to."""
    checkin, kr = comment.checkin, comment.key_result
    if checkin is not None and kr is not None:
        checkin.key_result = kr  # loaded with the comment: spare the query
    return Target(objective=comment.objective, key_result=kr, checkin=checkin)


# ---------------------------------------------------------------- reactions


@dataclass
class ReactionCount:
    """One kind of reaction on one comment or check-in: how many, whether the actor is among them, and who."""

    kind: str
    label: str
    emoji: str
    count: int = 0
    mine: bool = False
    names: list[str] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)

    @property
    def who(self) -> str:
        """ "Ana", "Ana and Ben", "Ana, Ben and Cy", "Ana, Ben, Cy and 2 others": for the button's tooltip."""
        names = self.names
        if len(names) <= 1:
            return "".join(names)
        if len(names) <= 3:
            return f"{', '.join(names[:-1])} and {names[-1]}"
        others = len(names) - 3
        return f"{', '.join(names[:3])} and {others} other{'s' if others > 1 else ''}"


def summarize_reactions(reactions: Iterable[Reaction], actor: Actor) -> list[ReactionCount]:
    """Every kind of the fixed set, in its order, with the reactions given counted (reactions carry ``user``)."""
    counts = {
        kind: ReactionCount(kind=kind, label=label, emoji=REACTION_EMOJI[kind]) for kind, label in ReactionKind.choices
    }
    for reaction in reactions:
        entry = counts[reaction.kind]
        entry.count += 1
        entry.mine = entry.mine or (actor.user_id is not None and reaction.user_id == actor.user_id)
        entry.names.append(reaction.user.display_name)
        entry.user_ids.append(reaction.user_id)
    return list(counts.values())


def _reactions(company: Company, **lookup: Any) -> QuerySet[Reaction]:
    return Reaction.objects.filter(company=company, **lookup).select_related("user").order_by("created_at", "id")


def checkin_reactions(*, company: Company, actor: Actor, checkin: CheckIn) -> list[ReactionCount]:
    """The reactions on one check-in (one query); the caller has resolved the check-in as readable."""
    return summarize_reactions(_reactions(company, checkin=checkin), actor)


def comment_reactions(*, company: Company, actor: Actor, comment: Comment) -> list[ReactionCount]:
    return summarize_reactions(_reactions(company, comment=comment), actor)


# ---------------------------------------------------------------- threads


def with_people(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    """``comments`` with authors, mentioned people and reactions (two more queries), for :func:`annotate_comment`."""
    return comments.select_related("author").prefetch_related(
        Prefetch("mentions", queryset=Mention.objects.select_related("user").order_by("id"), to_attr="mention_rows"),
        Prefetch(
            "reactions",
            queryset=Reaction.objects.select_related("user").order_by("created_at", "id"),
            to_attr="reaction_rows",
        ),
    )


def annotate_comment(comment: Comment, actor: Actor) -> Comment:
    """Attach what a page or the API shows of a comment loaded by :func:`thread_comments` (no query)."""
    mention_rows: list[Mention] = getattr(comment, "mention_rows", [])  # prefetched by with_people
    comment.mentioned = {m.user.email.lower(): m.user for m in mention_rows}
    comment.reaction_counts = summarize_reactions(getattr(comment, "reaction_rows", []), actor)
    comment.can_delete = not comment.is_deleted and actor.can(Action.DELETE_COMMENT, author_id=comment.author_id)
    return comment


def thread_comments(*, company: Company, target: Target) -> QuerySet[Comment]:
    """Every comment of the thread, replies and deleted ones included, oldest first (with people attached).

    Three queries when evaluated: comments with authors, mentions, reactions.
    The caller has resolved ``target`` as readable by the actor.
    """
    return with_people(Comment.objects.filter(company=company, **target.thread_filter())).order_by("created_at", "id")


#: Top-level comments a page shows at once (with all their replies); earlier ones come a page at a time.
THREAD_PAGE = 20


@dataclass
class ThreadPage:
    """A page of a thread: top-level comments oldest first, each with ``thread_replies``.

    ``earlier`` is the ``before`` cursor of the page above when there is one;
    ``count`` the comments standing in the whole thread.
    """

    comments: list[Comment]
    earlier: int | None
    count: int


def thread(
    *, company: Company, actor: Actor, target: Target, before: int | None = None, limit: int = THREAD_PAGE
) -> ThreadPage:
    """The latest ``limit`` top-level comments (older than ``before``) with their replies: four queries.

    A deleted comment keeps its place only while a reply stands under it;
    deleted replies, and deleted comments nobody answered, are left out.
    """
    comments = Comment.objects.filter(company=company, **target.thread_filter())
    answered = Exists(Comment.objects.filter(company=company, parent=OuterRef("pk"), deleted_at=None))
    tops = comments.filter(Q(deleted_at=None) | answered, parent=None)
    if before is not None:
        tops = tops.filter(pk__lt=before)
    shown = tops.order_by("-id").values("pk")[: limit + 1]
    rows = [
        annotate_comment(c, actor)
        for c in with_people(
            comments.filter(Q(pk__in=shown) | Q(parent__in=shown, deleted_at=None)).order_by("created_at", "id")
        )
    ]
    top = sorted((c for c in rows if c.parent_id is None), key=lambda c: c.pk)
    earlier = None
    if len(top) > limit:  # one more than a page: there is a page above; leave its comment out
        top = top[1:]
        earlier = top[0].pk
    replies: dict[int, list[Comment]] = defaultdict(list)
    for comment in rows:
        if comment.parent_id is not None:
            replies[comment.parent_id].append(comment)
    for comment in top:
        comment.thread_replies = replies.get(comment.pk, [])
    top.sort(key=lambda c: (c.created_at, c.pk))
    return ThreadPage(comments=top, earlier=earlier, count=comments.filter(deleted_at=None).count())


@dataclass
class CheckInTalk:
    """What the check-in history shows beside a check-in: its comment count and reactions."""

    checkin_id: int
    comment_count: int
    reactions: list[ReactionCount]


def checkin_talk(*, company: Company, actor: Actor, target: Target) -> list[CheckInTalk]:
    """Comment counts and reactions for every check-in the history shows under an objective or a key result
    (three queries): corrected entries too, undo entries not.

    ``target`` is an objective or key result the actor may read.
    """
    under = (
        Q(key_result=target.key_result) if target.key_result is not None else Q(key_result__objective=target.objective)
    )
    checkin_ids = list(
        CheckIn.objects.filter(under, company=company, retracted=False).order_by("id").values_list("id", flat=True)
    )
    counts = dict(
        Comment.objects.filter(company=company, objective=target.objective, checkin_id__in=checkin_ids, deleted_at=None)
        .values_list("checkin_id")
        .annotate(n=Count("id"))
        .values_list("checkin_id", "n")
    )
    reactions: dict[int, list[Reaction]] = defaultdict(list)
    for reaction in _reactions(company, checkin_id__in=checkin_ids):
        assert reaction.checkin_id is not None  # noqa: S101 - filtered on it
        reactions[reaction.checkin_id].append(reaction)
    return [
        CheckInTalk(
            checkin_id=checkin_id,
            comment_count=counts.get(checkin_id, 0),
            reactions=summarize_reactions(reactions.get(checkin_id, []), actor),
        )
        for checkin_id in checkin_ids
    ]


# ---------------------------------------------------------------- mentions

#: At most this many people in the autocomplete.
MENTION_CHOICES = 8
#: Matching members read before those who may not read a private objective are dropped.
MENTION_SCAN = 200


def mention_candidates(
    *, company: Company, actor: Actor, query: str, objective: Objective | None = None, limit: int = MENTION_CHOICES
) -> list[User]:
    """Members of ``company`` whose name (any word of it) or email starts with ``query``, the actor left out.

    For a thread on a private objective only those who may read it are
    offered (asked of :func:`can_read_objective`, person by person), since
    mentioning anyone else is refused. Never anyone of another company.
    """
    query = query.strip().lstrip("@")
    members = Membership.objects.filter(company=company).select_related("user")
    if actor.user_id is not None:
        members = members.exclude(user_id=actor.user_id)
    if query:
        members = members.filter(
            Q(user__full_name__istartswith=query)
            | Q(user__full_name__icontains=f" {query}")
            | Q(user__email__istartswith=query)
        )
    members = members.order_by(Lower("user__full_name"), "user__email")
    if objective is None or not objective.private:
        return [m.user for m in members[:limit]]
    scanned = list(members[:MENTION_SCAN])
    readers = member_actors(company=company, user_ids=[m.user_id for m in scanned])
    return [m.user for m in scanned if m.user_id in readers and can_read_objective(readers[m.user_id], objective)][
        :limit
    ]
