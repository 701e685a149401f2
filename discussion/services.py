"""Writes of the conversation: comments, replies, deletions and reactions.

Rules enforced here, for every surface alike:

- Reading a thread is reading its objective (``objectives.selectors``): a
  target or comment the actor may not read is 404, like one of another company.
- Who takes part is the permission matrix: ``Action.COMMENT`` to comment,
  reply and react (viewers read only); ``Action.DELETE_COMMENT`` to delete
  (the author; admins moderate). Reactions are a person's: an API key may
  comment but not react.
- One level of replies: a reply to a reply joins the thread of the top-level
  comment it sits under (as chat threads do), so every reply answers a
  top-level comment of the same target. A deleted comment takes no new replies.
- Bodies: 1 to 5,000 characters, no control characters (``okrhub.text``).
  Mentions (``discussion.mentions``) must name members of the company; on a
  private objective, only members who may read it: mentioning anyone else is
  refused with a message naming them, never silently dropped, so the writer
  knows who will not hear of it, and the objective never reaches anyone who
  may not read it.
- Every write that adds something records its event in the same transaction
  (``objectives.events``): ``comment.created`` and ``reaction.added``. The
  notifications fan-out reads exactly the payload keys written here.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from companies.models import Company, Membership, User
from companies.tenancy import Actor, member_actors
from discussion.mentions import MAX_MENTIONS, mentioned_emails, plain_body
from discussion.models import BODY_MAX_LENGTH, Comment, Mention, Reaction, ReactionKind
from discussion.selectors import Target, target_of
from objectives import events
from objectives.models import CheckIn, Objective, Verb
from objectives.selectors import can_read_objective
from okrhub.errors import PermissionDenied, invalid, not_found
from okrhub.permissions import Action
from okrhub.text import validate_multi_line

#: How much of a comment an event carries (notifications and feeds show it as a preview).
EXCERPT_LENGTH = 200


def _require_reader(actor: Actor, objective: Objective, what: str) -> None:
    if not can_read_objective(actor, objective):
        raise not_found(what)


def clean_body(body: str) -> str:
    """The body as stored (surrounding whitespace trimmed), or a ValidationError naming ``body``."""
    body = body.strip()
    if not body:
        raise invalid("body", "Write something first.", code="blank")
    if len(body) > BODY_MAX_LENGTH:
        raise invalid(
            "body",
            f"Keep a comment to {BODY_MAX_LENGTH:,} characters (this one has {len(body):,}).",
            code="max_length",
        )
    try:
        validate_multi_line(body)
    except ValidationError as error:
        raise ValidationError({"body": error.error_list}) from None
    return body


def mentioned_members(*, company: Company, objective: Objective, body: str) -> list[User]:
    """The people ``body`` mentions, in order, or a ValidationError naming ``body`` and whoever may not be.

    Each must be a member of ``company`` and, for a private objective, may
    read it. Addresses of people outside the company get the same answer
    whether or not such a person exists anywhere.
    """
    emails = mentioned_emails(body)
    if not emails:
        return []
    if len(emails) > MAX_MENTIONS:
        raise invalid("body", f"Mention at most {MAX_MENTIONS} people in one comment.", code="too_many_mentions")
    found = dict(
        Membership.objects.filter(company=company)
        .annotate(email_lower=Lower("user__email"))
        .filter(email_lower__in=emails)
        .values_list("email_lower", "user_id")
    )
    outsiders = [email for email in emails if email not in found]
    if outsiders:
        listed = ", ".join(f"@{email}" for email in outsiders)
        raise invalid(
            "body",
            f"{listed} {'is' if len(outsiders) == 1 else 'are'} not a member of {company.name}: mention members only"
            " (without the leading @ an address is plain text).",
            code="mention_outsider",
        )
    actors = member_actors(company=company, user_ids=found.values())
    blind = [actors[found[email]] for email in emails if not can_read_objective(actors[found[email]], objective)]
    if blind:
        names = ", ".join(a.user.display_name for a in blind)
        raise invalid(
            "body",
            f"{names} cannot read this private objective: mention only people who can.",
            code="mention_no_access",
        )
    return [actors[found[email]].user for email in emails]


def _thread_parent(*, company: Company, target: Target, parent: Comment) -> Comment:
    """The top-level comment a reply to ``parent`` goes under, or a ValidationError naming ``parent``."""
    if parent.company_id != company.pk or parent.thread_key() != target.thread_filter():
        raise invalid("parent", "Reply to a comment of this thread.", code="other_thread")
    if parent.parent_id is not None:
        top = Comment.objects.filter(company=company, pk=parent.parent_id).first()
        if top is None:  # pragma: no cover - replies go with their parent
            raise invalid("parent", "Reply to a comment of this thread.", code="other_thread")
        parent = top
    if parent.is_deleted:
        raise invalid("parent", "This comment was deleted; start a new comment instead.", code="deleted")
    return parent


def comment_create(
    *, company: Company, actor: Actor, target: Target, body: str, parent: Comment | None = None
) -> Comment:
    """Comment on ``target`` (or reply to ``parent`` in its thread), record its mentions and its event.

    The permission comes first, so a refused person learns nothing from validation.
    """
    _require_reader(actor, target.objective, target.kind.replace("_", " "))
    actor.require(Action.COMMENT)
    if parent is not None:
        parent = _thread_parent(company=company, target=target, parent=parent)
    body = clean_body(body)
    mentioned = mentioned_members(company=company, objective=target.objective, body=body)
    comment = Comment(
        company=company,
        objective=target.objective,
        key_result=target.key_result,
        checkin=target.checkin,
        parent=parent,
        author=actor.user,
        body=body,
    )
    with transaction.atomic():
        comment.save(force_insert=True)
        Mention.objects.bulk_create(Mention(company=company, comment=comment, user=user) for user in mentioned)
        events.record(
            Verb.COMMENT_CREATED,
            company_id=company.pk,
            actor=actor,
            objective=target.objective,
            key_result=target.key_result,
            checkin=target.checkin,
            subject=("comment", comment.pk),
            payload=comment_payload(comment, target=target, parent=parent, mentioned=mentioned),
        )
    return comment


def comment_payload(
    comment: Comment, *, target: Target, parent: Comment | None, mentioned: list[User]
) -> dict[str, Any]:
    """What a ``comment.created`` event carries, in JSON types (the notifications fan-out reads these keys).

    ``body_excerpt`` is plain text with mentions shown as ``@Name``;
    ``target_owner_id`` is the objective's or key result's owner, or the
    check-in's author (see :attr:`Target.owner_id`).
    """
    people = {user.email.lower(): user for user in mentioned}
    return {
        "comment_id": comment.pk,
        "parent_id": parent.pk if parent is not None else None,
        "parent_author_id": parent.author_id if parent is not None else None,
        "mentioned_user_ids": [user.pk for user in mentioned],
        "target_kind": target.kind,
        "target_id": target.pk,
        "target_owner_id": target.owner_id,
        "body_excerpt": plain_body(comment.body, people)[:EXCERPT_LENGTH],
        "objective_title": target.objective.title,
        "key_result_title": target.key_result.title if target.key_result is not None else None,
    }


def comment_delete(*, company: Company, actor: Actor, comment: Comment) -> Comment:
    """Blank a comment's body and drop its mentions and reactions; its place in the thread stays.

    The author may delete their own comment, admins any (``Action.DELETE_COMMENT``).
    Deleting a deleted comment changes nothing.
    """
    _require_reader(actor, comment.objective, "comment")
    actor.require(Action.DELETE_COMMENT, author_id=comment.author_id)
    if comment.is_deleted:
        return comment
    with transaction.atomic():
        comment.body = ""
        comment.deleted_at = timezone.now()
        Comment.objects.filter(company=company, pk=comment.pk).update(body="", deleted_at=comment.deleted_at)
        Mention.objects.filter(company=company, comment=comment).delete()
        Reaction.objects.filter(company=company, comment=comment).delete()
        events.withdraw(
            company_id=company.pk, objective=comment.objective, subject=("comment", comment.pk), keys=("body_excerpt",)
        )
    return comment


def _reaction_target(
    *, company: Company, actor: Actor, target: Comment | CheckIn, kind: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check a reaction may be given or taken back; the lookup of the reaction row and the event's objects."""
    if kind not in ReactionKind.values:
        raise invalid("kind", f"Choose one of: {', '.join(ReactionKind.values)}.", code="invalid_choice")
    if isinstance(target, Comment):
        thread = target_of(target)
        _require_reader(actor, target.objective, "comment")
        row: dict[str, Any] = {"comment": target}
        about: dict[str, Any] = {
            "objective": thread.objective,
            "key_result": thread.key_result,
            "checkin": thread.checkin,
            "subject": ("comment", target.pk),
            "payload": {"target_kind": "comment", "target_id": target.pk, "target_author_id": target.author_id},
        }
    else:
        kr = target.key_result
        _require_reader(actor, kr.objective, "check-in")
        row = {"checkin": target}
        about = {
            "objective": kr.objective,
            "key_result": kr,
            "checkin": target,
            "payload": {"target_kind": "checkin", "target_id": target.pk, "target_author_id": target.author_id},
        }
    actor.require(Action.COMMENT)
    if actor.user is None:
        raise PermissionDenied("Reactions are people's: an API key may comment but cannot react.")
    if isinstance(target, Comment) and target.is_deleted:
        raise invalid("comment", "This comment was deleted.", code="deleted")
    return row, about


def reaction_set(*, company: Company, actor: Actor, target: Comment | CheckIn, kind: str, present: bool) -> bool:
    """Give (``present``) or take back the actor's reaction of ``kind``; whether anything changed.

    Idempotent: giving a reaction twice keeps one, taking back one never given
    changes nothing. Only a new reaction records an event (``reaction.added``).
    """
    row, about = _reaction_target(company=company, actor=actor, target=target, kind=kind)
    lookup = {"company": company, "user": actor.user, "kind": kind, **row}
    if not present:
        deleted, _ = Reaction.objects.filter(**lookup).delete()
        return deleted > 0
    with transaction.atomic():
        try:
            with transaction.atomic():
                Reaction.objects.create(**lookup)
        except IntegrityError:
            return False  # already there (perhaps from a concurrent click): one is enough
        payload = {"kind": kind, **about.pop("payload")}
        events.record(Verb.REACTION_ADDED, company_id=company.pk, actor=actor, payload=payload, **about)
    return True


def reaction_toggle(*, company: Company, actor: Actor, target: Comment | CheckIn, kind: str) -> bool:
    """Give the reaction if the actor has not, else take it back; whether the actor's reaction now stands."""
    row, _ = _reaction_target(company=company, actor=actor, target=target, kind=kind)
    given = Reaction.objects.filter(company=company, user=actor.user, kind=kind, **row).exists()
    reaction_set(company=company, actor=actor, target=target, kind=kind, present=not given)
    return not given
