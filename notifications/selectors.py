"""Reading notifications and preferences: the one home of each rule the pages, API, emails and fan-out share.

- :func:`preference_for` (and :func:`preferences_for`, the same rule for many
  people at once): a person's choice for a reason, or the defaults (mentions
  and replies emailed at once, everything else in the daily digest; all shown
  in the app).
- :func:`notification_list`: a person's notifications *that they may still
  read*: the event's objective is checked against the reader with
  ``objectives.selectors.visible_objectives`` on every read, so someone who
  lost access to a private objective (left its department) stops seeing
  its titles at once. The bell's count (:func:`unread_count`), the page, the
  API and the emails all read through it.
- :func:`describe_all`: what notifications say, in words, and where they link.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from companies.models import Company, Membership
from companies.tenancy import Actor
from departments.models import DepartmentMembership
from notifications.models import EmailMode, Notification, NotificationPreference, Reason
from objectives import feed
from objectives.models import Event, Objective, Verb
from objectives.selectors import reads_objective
from okrhub.errors import PermissionDenied

#: The bell counts up to this many unread notifications and shows more as "99+".
UNREAD_CAP = 99

#: How each reason is delivered when the person has not chosen.
DEFAULT_EMAIL: dict[str, str] = {
    Reason.MENTION: EmailMode.IMMEDIATE,
    Reason.REPLY: EmailMode.IMMEDIATE,
    Reason.COMMENT: EmailMode.DIGEST,
    Reason.REACTION: EmailMode.DIGEST,
    Reason.DEPENDENCY_OFF_TRACK: EmailMode.DIGEST,
    Reason.LADDERED: EmailMode.DIGEST,
    # A review waits on the reviewer, and a returned plan on its lead: both act on it, so at once.
    Reason.PLAN: EmailMode.IMMEDIATE,
    # Once per cycle, and the email carries the scores: at once.
    Reason.REPORT: EmailMode.IMMEDIATE,
}

# ---------------------------------------------------------------- preferences


@dataclass(frozen=True)
class Preference:
    """How one person hears about one reason: in the app or not, and by email at once, in the digest or never."""

    in_app: bool
    email: str

    @property
    def silent(self) -> bool:
        """Neither shown nor emailed: no notification is made at all."""
        return not self.in_app and self.email == EmailMode.OFF


def _preference(row: NotificationPreference | None, reason: str) -> Preference:
    if row is None:
        return Preference(in_app=True, email=DEFAULT_EMAIL[reason])
    return Preference(in_app=row.in_app, email=row.email)


def preferences_for(*, company: Company, user_ids: Iterable[int]) -> dict[tuple[int, str], Preference]:
    """Every reason's preference of each person, keyed by (person, reason): one query."""
    ids = sorted(set(user_ids))
    rows = {
        (row.user_id, row.reason): row
        for row in NotificationPreference.objects.filter(company=company, user_id__in=ids)
    }
    return {(user_id, reason): _preference(rows.get((user_id, reason)), reason) for user_id in ids for reason in Reason}


def preference_for(user_id: int, company: Company, reason: str) -> Preference:
    """The person's preference for one reason in this company (their choice, else the default)."""
    return preferences_for(company=company, user_ids=[user_id])[(user_id, reason)]


# ---------------------------------------------------------------- who reads


def require_person(actor: Actor) -> int:
    """The actor's user id; notifications belong to people, so an API key acting for the company is refused."""
    if actor.user_id is None:
        raise PermissionDenied("Notifications belong to a person; an API key has none. Sign in as the person.")
    return actor.user_id


def readers(*, company: Company, user_ids: Iterable[int]) -> dict[int, Actor]:
    """The actor of each of these people who is an active member of the company (three queries at most).

    Built the way ``Actor.for_membership`` builds one, for many people at
    once: their role and their department roles, sharing one map of the
    company's departments.
    """
    ids = sorted(set(user_ids))
    memberships = list(
        Membership.objects.filter(company=company, user_id__in=ids, user__is_active=True).select_related("user")
    )
    if not memberships:
        return {}
    roles: dict[int, dict[int, str]] = {}
    for user_id, department_id, role in DepartmentMembership.objects.filter(
        company=company, user_id__in=[m.user_id for m in memberships]
    ).values_list("user_id", "department_id", "role"):
        roles.setdefault(user_id, {})[department_id] = role
    parents: dict[int, int | None] = dict(company.department_set.values_list("id", "parent_id")) if roles else {}
    return {
        m.user_id: Actor(
            company=company,
            role=m.role,
            user=m.user,
            department_roles=roles.get(m.user_id, {}),
            _department_parents=parents,
        )
        for m in memberships
    }


def may_read_event(actor: Actor, event: Event) -> bool:
    """Whether the person may read what the event is about (its objective; events with none are for everyone)."""
    objective = event.objective
    if objective is None:
        return True
    return reads_objective(
        actor, private=objective.private, department_id=objective.department_id, owner_id=objective.owner_id
    )


# ---------------------------------------------------------------- lists


def notification_list(
    *, company: Company, actor: Actor, unread: bool | None = None, shown_in_app: bool = True
) -> QuerySet[Notification]:
    """The person's notifications, newest first, only those about objectives they may read.

    The app (bell, page, API) shows those made to be shown in it; emails
    (``shown_in_app=False``) read email-only ones too.
    """
    user_id = require_person(actor)
    notifications = Notification.objects.filter(company=company, user_id=user_id)
    if shown_in_app:
        notifications = notifications.filter(in_app=True)
    if unread is True:
        notifications = notifications.filter(read_at__isnull=True)
    elif unread is False:
        notifications = notifications.filter(read_at__isnull=False)
    # The feed's rule: events about an objective the person may read, and company-wide ones (a plan).
    return notifications.filter(feed.readable_events_q(actor, prefix="event__")).order_by("-created_at", "-id")


def with_event(notifications: QuerySet[Notification]) -> QuerySet[Notification]:
    """What :func:`describe_all` reads, joined in the same query.

    Only these: each more relation (the objective's parent, the company)
    costs PostgreSQL more to plan than the whole page costs to run.
    """
    return notifications.select_related("event__actor", "event__objective", "event__key_result")


def unread_count(*, company: Company, actor: Actor) -> int:
    """Unread notifications the person may read, counted up to ``UNREAD_CAP + 1`` (one indexed query)."""
    return notification_list(company=company, actor=actor, unread=True)[: UNREAD_CAP + 1].count()


def unread_label(count: int) -> str:
    """The bell's figure: "" for none, the number, or "99+" past the cap."""
    if count <= 0:
        return ""
    return f"{UNREAD_CAP}+" if count > UNREAD_CAP else str(count)


# ---------------------------------------------------------------- keyset pages


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


def cursor_of(notification: Notification) -> str:
    """An opaque position after which the next page starts (time in whole microseconds, exact; then id)."""
    return f"{(notification.created_at - _EPOCH) // _MICROSECOND}-{notification.pk}"


def parse_cursor(value: str) -> tuple[datetime.datetime, int]:
    """The position a :func:`cursor_of` names; ValueError for anything else."""
    micros, _, pk = value.partition("-")
    if not (micros.isascii() and micros.isdigit() and pk.isascii() and pk.isdigit()) or len(value) > 40:
        raise ValueError("not a page cursor")
    return _EPOCH + int(micros) * _MICROSECOND, int(pk)


def page(
    notifications: QuerySet[Notification], *, before: tuple[datetime.datetime, int] | None, size: int
) -> tuple[list[Notification], str | None]:
    """One page of ``notifications`` (newest first) after ``before``, and the cursor of the next page, if any."""
    if before is not None:
        moment, pk = before
        notifications = notifications.filter(created_at__lte=moment).exclude(created_at=moment, id__gte=pk)
    rows = list(notifications[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, cursor_of(rows[-1]) if more and rows else None


# ---------------------------------------------------------------- words


KIND_WORDS = {"objective": "objective", "key_result": "key result", "checkin": "check-in", "comment": "comment"}


@dataclass(frozen=True)
class Described:
    """A notification as people read it."""

    text: str
    path: str
    excerpt: str


def _quoted(title: str) -> str:
    return f"\u201c{title}\u201d"


def _subject_title(event: Event) -> str:
    """The key result's title when there is one, else the objective's (as it reads now, else as recorded)."""
    payload = event.payload
    if event.key_result is not None:
        return _quoted(event.key_result.title)
    if (
        event.key_result_id is None
        and isinstance(payload.get("key_result_title"), str)
        and event.verb.startswith("checkin")
    ):
        return _quoted(payload["key_result_title"])
    if event.objective is not None:
        return _quoted(event.objective.title)
    title = payload.get("objective_title")
    return _quoted(title) if isinstance(title, str) else "an OKR"


def _laddered_parent_id(event: Event) -> int | None:
    """The objective a laddering event put the objective under (the payload's, else its parent now)."""
    parent_id = event.payload.get("parent_id")
    if isinstance(parent_id, int) and not isinstance(parent_id, bool):
        return parent_id
    return event.objective.parent_id if event.objective is not None else None


def describe_all(notifications: Sequence[Notification], *, actor: Actor) -> list[Described]:
    """Each notification in words with its link (joined by :func:`with_event`; laddering parents in one query)."""
    wanted = {
        parent_id
        for n in notifications
        if n.reason == Reason.LADDERED and (parent_id := _laddered_parent_id(n.event)) is not None
    }
    parents = {o.pk: o for o in Objective.objects.filter(company=actor.company, pk__in=wanted)} if wanted else {}
    return [describe(n, actor=actor, parents=parents) for n in notifications]


def _target_path(event: Event, slug: str) -> str:
    payload = event.payload
    if event.objective_id is None and event.cycle_id is not None and event.verb == Verb.CYCLE_GRADING_ENDED:
        return reverse("objectives:cycle_report", kwargs={"company_slug": slug, "cycle_id": event.cycle_id})
    if event.objective_id is None and event.cycle_id is not None and event.subject_kind == "plan":
        path = reverse("objectives:planning", kwargs={"company_slug": slug, "cycle_id": event.cycle_id})
        return f"{path}#plan-{event.department_id}" if event.department_id is not None else path
    if event.key_result_id is not None:
        path = reverse("objectives:key_result", kwargs={"company_slug": slug, "key_result_id": event.key_result_id})
    else:
        path = reverse("objectives:objective", kwargs={"company_slug": slug, "objective_id": event.objective_id})
    comment_id: Any = payload.get("comment_id")
    if payload.get("target_kind") == "comment" and comment_id is None:
        comment_id = payload.get("target_id")
    if isinstance(comment_id, int) and not isinstance(comment_id, bool):
        path += f"#comment-{comment_id}"
    return path


def describe(notification: Notification, *, actor: Actor, parents: Mapping[int, Objective]) -> Described:
    """What the notification says in words and where it links (call :func:`describe_all`).

    Only names what the reader may read: the event's objective was checked
    by :func:`notification_list`; the parent of a laddered objective is named
    only if the reader may read it too.
    """
    event = notification.event
    payload = event.payload
    who = event.actor.display_name if event.actor is not None else "Someone"
    subject = _subject_title(event)
    kind = KIND_WORDS.get(str(payload.get("target_kind")), "OKR")
    excerpt = payload.get("body_excerpt") if isinstance(payload.get("body_excerpt"), str) else ""
    reason = notification.reason
    if reason == Reason.MENTION:
        text = f"{who} mentioned you in a comment on {subject}"
    elif reason == Reason.REPLY:
        text = f"{who} replied to your comment on {subject}"
    elif reason == Reason.COMMENT:
        text = f"{who} commented on your {kind} {subject}"
    elif reason == Reason.REACTION:
        reaction = payload.get("kind")
        how = f" ({reaction})" if isinstance(reaction, str) and reaction else ""
        text = f"{who} reacted{how} to your {kind} on {subject}"
        excerpt = ""
    elif reason == Reason.DEPENDENCY_OFF_TRACK:
        objective = _quoted(event.objective.title) if event.objective is not None else "its objective"
        text = f"{who} checked in {subject} with confidence: off track. Your objective depends on {objective}."
        excerpt = payload.get("note") if isinstance(payload.get("note"), str) else ""
    elif reason == Reason.LADDERED:
        child = _quoted(event.objective.title) if event.objective is not None else "an objective"
        parent_id = _laddered_parent_id(event)
        parent = parents.get(parent_id) if parent_id is not None else None
        if parent is not None and reads_objective(
            actor, private=parent.private, department_id=parent.department_id, owner_id=parent.owner_id
        ):
            text = f"{who} laddered {child} under your objective {_quoted(parent.title)}"
        else:
            text = f"{who} laddered {child} under your objective"
        excerpt = ""
    elif reason == Reason.PLAN:
        department = payload.get("department_name") if isinstance(payload.get("department_name"), str) else ""
        cycle = payload.get("cycle_name") if isinstance(payload.get("cycle_name"), str) else ""
        did = {
            "plan.submitted": "submitted for your review",
            "plan.approved": "approved",
            "plan.returned": "returned",
        }.get(event.verb, "reviewed")
        text = f"{who} {did} {department or 'a department'}'s plan for {cycle or 'the cycle'}"
        comment = payload.get("comment")
        excerpt = comment if isinstance(comment, str) else ""
    elif reason == Reason.REPORT:
        cycle = payload.get("name") if isinstance(payload.get("name"), str) else ""
        text = f"Grading of {cycle or 'a cycle'} ended: its report is ready"
    else:  # a reason added later without words yet
        text = f"{who} {event.get_verb_display()} {subject}"
    return Described(text=text, path=_target_path(event, actor.company.slug), excerpt=excerpt or "")
