"""The activity feed: what happened in a company, read from the event table for one reader.

The one home for reading events, for every surface (the activity pages, the
REST API, and later emails, chat and webhooks):

- :func:`feed` pages through a company's events, newest first, keeping only
  those the reader may read: an event is exactly as private as the objective
  it is about (``selectors.visible_objectives_q``, the same rule as every
  list), and an event about no objective (a cycle started or closed) is read
  by every member. Filters: one objective, one department with the teams
  inside it, verbs, a start time; paging by an opaque cursor.
- :func:`describe` turns an event into the sentence people read ("Ana
  checked in 42 leads on “Qualified leads” (was 30)") with a link to what it
  is about; :func:`describe_events` does it for a list, with the names the
  sentences need, in a constant number of queries.
- :func:`event_representation` is an event as JSON: the REST API's shape,
  and the webhook body the integrations will send.

Titles of *other* objectives an event names (the objective a dependency
points at, a new parent) are shown only to readers of that objective; for
anyone else they read "a private objective" and are null in the payload.
"""

import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from companies.models import Company, User
from companies.tenancy import Actor
from departments.ancestry import department_and_descendants
from departments.models import Department
from objectives import formatting
from objectives.models import Confidence, Cycle, Event, KeyResult, KeyResultKind, Objective, ObjectiveStatus, Verb
from objectives.selectors import can_read_objective, reads_objective, visible_objectives_q
from okrhub.errors import invalid, not_found

#: Events on one page of the activity page and of the API (unless ``page_size`` says otherwise).
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

#: The periods of the activity page: name -> (label, how far back; None for everything).
PERIODS: dict[str, tuple[str, datetime.timedelta | None]] = {
    "week": ("This week (7 days)", datetime.timedelta(days=7)),
    "month": ("Last 30 days", datetime.timedelta(days=30)),
    "all": ("All time", None),
}


def _verbs_starting(*prefixes: str) -> tuple[str, ...]:
    return tuple(verb.value for verb in Verb if verb.value.startswith(prefixes))


#: What the activity page filters by: name -> (label, verbs).
VERB_FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "checkins": ("Check-ins", _verbs_starting("checkin.")),
    "objectives": ("Objectives", _verbs_starting("objective.")),
    "key_results": ("Key results", _verbs_starting("key_result.")),
    "dependencies": ("Dependencies", _verbs_starting("dependency.")),
    "cycles": ("Cycles", _verbs_starting("cycle.", "plan.")),
    "discussion": ("Comments", _verbs_starting("comment.", "reaction.")),
}


#: Every verb: what its subject is and what its payload holds (the API's description, the webhooks' contract).
VERB_CATALOGUE: dict[str, tuple[str, str]] = {
    Verb.CHECKIN_CREATED: (
        "checkin",
        "key_result_title, objective_title, value, confidence, note, progress, previous_value, "
        "previous_confidence, previous_progress, recorded_at",
    ),
    Verb.CHECKIN_CORRECTED: (
        "checkin",
        "the new entry's checkin.created keys, and corrects_id, retracted (false), old_value, old_confidence, "
        "old_note (the entry it replaces), current_value (the key result's value now)",
    ),
    Verb.CHECKIN_UNDONE: (
        "checkin",
        "as checkin.corrected, with retracted true and value and confidence null: the entry stands for nothing",
    ),
    Verb.OBJECTIVE_CREATED: (
        "objective",
        "title, description, owner_id, parent_id, weight, private, department_id, status, cycle_id",
    ),
    Verb.OBJECTIVE_UPDATED: (
        "objective",
        "title; changes `{field: [old, new]}` of title, description, owner_id, parent_id, weight, private, "
        "department_id; parent_id and previous_parent_id when the parent changed",
    ),
    Verb.OBJECTIVE_ACTIVATED: ("objective", "title, from, to (`active`: a draft activated, or a closed one reopened)"),
    Verb.OBJECTIVE_STATUS_CHANGED: ("objective", "title, from, to (closed, archived, back to draft)"),
    Verb.OBJECTIVE_RETROSPECTIVE_WRITTEN: (
        "objective",
        "title, went_well, learned, change (the three parts as saved, each possibly empty), created (true for "
        "the first version)",
    ),
    Verb.OBJECTIVE_CARRIED_OVER: (
        "objective",
        "title, to_objective_id (the draft copy), to_cycle_id, to_cycle_name, key_result_ids (the key results "
        "carried), copied_key_result_ids (their copies, in the same order); the copy has its own objective.created",
    ),
    Verb.KEY_RESULT_CREATED: (
        "key_result",
        "key_result_id, objective_title, title, kind, direction, start_value, target_value, current_value, "
        "unit, currency, weight, owner_id",
    ),
    Verb.KEY_RESULT_UPDATED: (
        "key_result",
        "key_result_id, title, objective_title; changes `{field: [old, new]}` of title, kind, direction, "
        "start_value, target_value, unit, currency, weight, owner_id",
    ),
    Verb.KEY_RESULT_DELETED: ("key_result", "key_result_id, title, objective_title"),
    Verb.DEPENDENCY_CREATED: (
        "dependency",
        "dependency_id, objective_title, to_objective_id, to_objective_title, note",
    ),
    Verb.DEPENDENCY_DELETED: (
        "dependency",
        "dependency_id, objective_title, to_objective_id, to_objective_title, note",
    ),
    Verb.KEY_RESULT_SHARED: (
        "key_result",
        "shared_key_result_id, key_result_id, title, objective_title (the key result's own objective, which the "
        "event is under), to_objective_id, to_objective_title (the objective it is shared into)",
    ),
    Verb.KEY_RESULT_UNSHARED: (
        "key_result",
        "shared_key_result_id, key_result_id, title, objective_title, to_objective_id, to_objective_title",
    ),
    Verb.CYCLE_ACTIVATED: ("cycle", "name, start_date, end_date, status (no objective: every member reads it)"),
    Verb.CYCLE_CLOSED: ("cycle", "name, start_date, end_date, status (one event; its objectives get none)"),
    Verb.KEY_RESULT_GRADED: (
        "key_result",
        "key_result_id, title, objective_title, score (0-1, null when not scored), not_scored, reason, "
        "previous_score, previous_not_scored, objective_score (the objective's score after the grade)",
    ),
    Verb.CYCLE_GRADING_ENDED: (
        "cycle",
        "name, start_date, end_date, status, grading_ends_at (no objective: every member reads it; scores froze)",
    ),
    Verb.PLAN_SUBMITTED: (
        "plan",
        "plan_id, department_id, department_name, cycle_id, cycle_name, objective_count (no objective: every "
        "member reads it)",
    ),
    Verb.PLAN_APPROVED: (
        "plan",
        "plan_id, department_id, department_name, cycle_id, cycle_name, objective_count (the drafts activated), "
        "comment (empty)",
    ),
    Verb.PLAN_RETURNED: (
        "plan",
        "plan_id, department_id, department_name, cycle_id, cycle_name, objective_count, comment (the reviewer's)",
    ),
    Verb.COMMENT_CREATED: (
        "comment",
        "comment_id, parent_id, parent_author_id, mentioned_user_ids, target_kind (objective, key_result, "
        "checkin), target_id, target_owner_id, body_excerpt (plain text; null, with withdrawn true, once the "
        "comment is deleted), objective_title, key_result_title",
    ),
    Verb.REACTION_ADDED: (
        "comment or checkin",
        "kind (thumbs_up, celebrate, heart, eyes, rocket), target_kind (comment or checkin), target_id, "
        "target_author_id",
    ),
}


def verb_catalogue_markdown() -> str:
    """:data:`VERB_CATALOGUE` as a Markdown table (the events endpoint's description)."""
    rows = [f"| `{verb}` | {subject} | {payload} |" for verb, (subject, payload) in VERB_CATALOGUE.items()]
    return "\n".join(["| verb | subject | payload |", "|---|---|---|", *rows])


# ---------------------------------------------------------------- paging


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)
_CURSOR = re.compile(r"([0-9]{1,17})-([0-9]{1,18})")
INVALID_CURSOR = "Invalid cursor: send the one a page's `next` link carries."


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last event's time and id (events are ordered by both, newest first)."""

    at: datetime.datetime
    id: int

    @classmethod
    def after(cls, event: Event) -> "Cursor":
        return cls(at=event.created_at, id=event.pk)

    def encode(self) -> str:
        return f"{(self.at - _EPOCH) // _MICROSECOND}-{self.id}"

    @classmethod
    def parse(cls, text: str) -> "Cursor | None":
        """The cursor a page's ``next`` link carries, or None for anything else."""
        match = _CURSOR.fullmatch(text)
        if match is None:
            return None
        try:
            return cls(at=_EPOCH + int(match.group(1)) * _MICROSECOND, id=int(match.group(2)))
        except OverflowError:
            return None

    @classmethod
    def decode(cls, text: str, *, field: str = "cursor") -> "Cursor":
        """:meth:`parse`, with anything but a cursor a 400 naming ``field``."""
        cursor = cls.parse(text)
        if cursor is None:
            raise invalid(field, INVALID_CURSOR, "invalid")
        return cursor


# ---------------------------------------------------------------- reading


def readable_events_q(actor: Actor, *, prefix: str = "") -> Q:
    """Events the actor may read, as a condition: those about an objective they may read, and company-wide ones.

    ``prefix`` reaches the event through a relation (``"event__"`` from a notification).
    """
    visible = visible_objectives_q(actor=actor, prefix=f"{prefix}objective__")
    if not visible:  # reads every objective (an empty condition would swallow the OR below)
        return Q()
    return Q(**{f"{prefix}objective__isnull": True}) | visible


@dataclass
class FeedItem:
    """One event as a reader sees it: the sentence, and the payload with what they may not read blanked."""

    event: Event
    description: "Description"
    payload: dict[str, Any]


@dataclass
class FeedPage:
    items: list[FeedItem]
    #: The cursor of the next (older) page, None on the last page.
    next_cursor: str | None


def feed(
    *,
    company: Company,
    actor: Actor,
    objective: Objective | None = None,
    department: Department | None = None,
    cycle: Cycle | None = None,
    verbs: Iterable[str] | None = None,
    since: datetime.datetime | None = None,
    cursor: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> FeedPage:
    """One page of the company's events the actor may read, newest first.

    ``objective``: the events about that objective (its key results and
    check-ins included); ``department``: those of the department and every
    team inside it (the department the objective had when it happened);
    ``cycle``: the events of that cycle's objectives and of the cycle itself.
    Events cascade with their objective, so a deleted objective leaves none.
    Queries: the events with their actor, objective and key result (one), the
    department tree when filtering by department or when the actor's
    department roles decide visibility, and the names the sentences need
    (:func:`describe_events`).
    """
    events = Event.objects.filter(company=company).filter(readable_events_q(actor))
    if objective is not None:
        events = events.filter(objective_id=objective.pk)
    if department is not None:
        # The actor's map of the company's departments (the visibility rule reads it too): one query for both.
        events = events.filter(department_id__in=department_and_descendants(actor._parents(), department.pk))
    if cycle is not None:
        events = events.filter(cycle_id=cycle.pk)
    if verbs is not None:
        events = events.filter(verb__in=list(verbs))
    if since is not None:
        events = events.filter(created_at__gte=since)
    if cursor is not None:
        events = events.filter(Q(created_at__lt=cursor.at) | Q(created_at=cursor.at, id__lt=cursor.id))
    rows = list(events.select_related("actor", "objective", "key_result").order_by("-created_at", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    items = describe_events(company=company, actor=actor, events=rows)
    return FeedPage(items=items, next_cursor=Cursor.after(rows[-1]).encode() if more and rows else None)


@dataclass(frozen=True)
class Scope:
    """What a feed is narrowed to: the objects its ``objective``, ``department`` and ``cycle`` parameters name."""

    objective: Objective | None = None
    department: Department | None = None
    cycle: Cycle | None = None


def scope_of(
    *,
    company: Company,
    actor: Actor,
    objective_id: int | None = None,
    department_id: int | None = None,
    cycle_id: int | None = None,
) -> Scope:
    """The objects a feed request names by id (the activity page and the API): one rule for both.

    Each is a 404 naming its parameter when it is not the company's, or (an
    objective) when the actor may not read it, exactly like a missing one.
    """
    objective = department = cycle = None
    if objective_id is not None:
        objective = Objective.objects.filter(company=company, pk=objective_id).select_related("department").first()
        if objective is None or not can_read_objective(actor, objective):
            raise not_found("objective")
    if department_id is not None:
        department = Department.objects.filter(company=company, pk=department_id).first()
        if department is None:
            raise not_found("department")
    if cycle_id is not None:
        cycle = Cycle.objects.filter(company=company, pk=cycle_id).first()
        if cycle is None:
            raise not_found("cycle")
    return Scope(objective=objective, department=department, cycle=cycle)


def period_start(period: str, *, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """When a period of :data:`PERIODS` starts (None: all time)."""
    span = PERIODS[period][1]
    return None if span is None else (now or timezone.now()) - span


# ---------------------------------------------------------------- the names a sentence needs


@dataclass
class References:
    """What the sentences of a list of events name beyond the events themselves, loaded at once.

    ``objectives`` holds the other objectives the events name (id -> title,
    None when the reader may not read it); an id missing from it names an
    objective that no longer exists.
    """

    company_slug: str
    objectives: dict[int, str | None] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)
    departments: dict[int, str] = field(default_factory=dict)

    def objective(self, objective_id: Any) -> str:
        """“Title”, or what stands in for one the reader may not read or that is gone."""
        if objective_id is None:
            return "nothing"
        if objective_id not in self.objectives:
            return "a deleted objective"
        title = self.objectives[objective_id]
        return "a private objective" if title is None else f"“{title}”"

    def user(self, user_id: Any) -> str:
        return "nobody" if user_id is None else self.users.get(user_id, "a former member")

    def department(self, department_id: Any) -> str:
        return "company level" if department_id is None else self.departments.get(department_id, "another department")


def _ids(values: Iterable[Any]) -> Iterator[int]:
    return (value for value in values if isinstance(value, int))


def _referenced(events: list[Event], kind: str) -> set[int]:
    """The ids of ``kind`` (objective, user, department) the events' payloads name."""
    names = {"objective": "parent_id", "user": "owner_id", "department": "department_id"}[kind]
    found: set[int] = set()
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        changed = payload.get("changes")
        if isinstance(changed, dict) and isinstance(changed.get(names), list):
            found.update(_ids(changed[names]))
        if kind == "objective":
            found.update(_ids([payload.get("to_objective_id"), payload.get("parent_id")]))
    return found


def references(*, company: Company, actor: Actor, events: list[Event]) -> References:
    """The titles, names and departments ``events`` mention (a query for each kind mentioned, at most three)."""
    refs = References(company_slug=company.slug)
    if objective_ids := _referenced(events, "objective"):
        for row in Objective.objects.filter(company=company, pk__in=objective_ids).values(
            "id", "title", "private", "department_id", "owner_id"
        ):
            readable = reads_objective(
                actor, private=row["private"], department_id=row["department_id"], owner_id=row["owner_id"]
            )
            refs.objectives[row["id"]] = row["title"] if readable else None
    if user_ids := _referenced(events, "user"):
        refs.users = {
            user.pk: user.display_name for user in User.objects.filter(pk__in=user_ids).only("full_name", "email")
        }
    if department_ids := _referenced(events, "department"):
        refs.departments = dict(
            Department.objects.filter(company=company, pk__in=department_ids).values_list("id", "name")
        )
    return refs


def reader_payload(event: Event, refs: References) -> dict[str, Any]:
    """The event's payload with the titles of other objectives the reader may not read set to null."""
    payload = dict(event.payload) if isinstance(event.payload, dict) else {}
    target = payload.get("to_objective_id")
    if "to_objective_title" in payload and (not isinstance(target, int) or refs.objectives.get(target) is None):
        payload["to_objective_title"] = None
    return payload


def describe_events(*, company: Company, actor: Actor, events: list[Event]) -> list[FeedItem]:
    """Each event with its sentence and its payload as ``actor`` may read them (see :func:`references`).

    The events must already be ones the actor may read (:func:`feed`,
    :func:`readable_events_q`), with ``actor``, ``objective`` and
    ``key_result`` loaded.
    """
    refs = references(company=company, actor=actor, events=events)
    return [
        FeedItem(event=event, description=describe(event, refs), payload=reader_payload(event, refs))
        for event in events
    ]


# ---------------------------------------------------------------- sentences


@dataclass(frozen=True)
class Description:
    """An event as a sentence: who, did what, to what (linked), and how.

    Pages set ``subject`` as a link to ``url`` and show ``status`` and
    ``confidence`` with the status and confidence badges; :attr:`text` is the
    whole sentence in words, for emails and chat (``okrhub.links.site_url``
    makes ``url`` absolute).
    """

    actor: str
    action: str
    subject: str = ""
    #: What follows the subject, with its own leading space or punctuation.
    detail: str = ""
    url: str | None = None
    #: The objective status the event left it in (``ObjectiveStatus``), for the status badge (pages only:
    #: the action already says it in words).
    status: str = ""
    #: The owner's confidence a check-in gave (``Confidence``), for the confidence badge.
    confidence: str = ""

    @property
    def text(self) -> str:
        subject = f" “{self.subject}”" if self.subject else ""
        sentence = f"{self.actor} {self.action}{subject}{self.detail}"
        if self.confidence in Confidence.values:
            sentence += f" — {Confidence(self.confidence).label.lower()}"
        return sentence


def _plain(value: Any) -> str:
    return "—" if value is None or value == "" else formatting.plain_decimal(value)


def _kr_value(kr: KeyResult | None, value: Any) -> str:
    """A check-in value as the key result reads it (€2,300,000 · 620 leads · Done), or the plain number."""
    if value is None:
        return "—"
    return formatting.kr_value(kr, value) if kr is not None else _plain(value)


def _dated(event: Event, recorded_at: Any) -> str:
    """ ", dated 12 Nov" for a check-in recorded for another moment than it was entered (a backdated import)."""
    try:
        moment = datetime.datetime.fromisoformat(recorded_at) if isinstance(recorded_at, str) else None
    except ValueError:
        return ""
    if moment is None or moment.tzinfo is None or abs(moment - event.created_at) < datetime.timedelta(hours=1):
        return ""
    year = "" if moment.year == event.created_at.year else f" {moment.year}"
    return f", dated {moment.day} {moment:%b}{year}"


def _id_or_none(value: Any) -> int | None:
    """An id from a payload value (events outlive the code that wrote them: read defensively)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _objective_url(refs: References, objective_id: int | None) -> str | None:
    if objective_id is None:
        return None
    return reverse("objectives:objective", kwargs={"company_slug": refs.company_slug, "objective_id": objective_id})


def _key_result_url(refs: References, event: Event) -> str | None:
    if event.key_result_id is None:
        return _objective_url(refs, event.objective_id)
    return reverse(
        "objectives:key_result", kwargs={"company_slug": refs.company_slug, "key_result_id": event.key_result_id}
    )


def _objective_title(event: Event, payload: dict[str, Any]) -> str:
    if event.objective is not None:
        return event.objective.title
    return str(payload.get("title") or payload.get("objective_title") or "an objective")


def _key_result_title(event: Event, payload: dict[str, Any]) -> str:
    if event.key_result is not None:
        return event.key_result.title
    return str(payload.get("key_result_title") or payload.get("title") or "a key result")


_OBJECTIVE_CHANGES = {
    "title": lambda old, new, refs: f"renamed from “{old}”",
    "description": lambda old, new, refs: "description edited",
    "owner_id": lambda old, new, refs: f"owner now {refs.user(new)}",
    "parent_id": lambda old, new, refs: (
        "no longer ladders up to anything" if new is None else f"now ladders up to {refs.objective(new)}"
    ),
    "weight": lambda old, new, refs: f"weight {_plain(old)} → {_plain(new)}",
    "private": lambda old, new, refs: "made private" if new else "made visible to everyone",
    "department_id": lambda old, new, refs: f"moved to {refs.department(new)}",
}
_KEY_RESULT_CHANGES = {
    "title": lambda old, new, refs: f"renamed from “{old}”",
    "kind": lambda old, new, refs: f"now a {new} key result",
    "direction": lambda old, new, refs: f"direction now {str(new).replace('_', ' ')}",
    "start_value": lambda old, new, refs: f"start {_plain(old)} → {_plain(new)}",
    "target_value": lambda old, new, refs: f"target {_plain(old)} → {_plain(new)}",
    "unit": lambda old, new, refs: f"unit “{new}”" if new else "unit removed",
    "currency": lambda old, new, refs: f"currency {new}" if new else "currency removed",
    "weight": lambda old, new, refs: f"weight {_plain(old)} → {_plain(new)}",
    "owner_id": lambda old, new, refs: f"owner now {refs.user(new)}",
}


def _changes(payload: dict[str, Any], phrases: dict[str, Any], refs: References) -> str:
    changed = payload.get("changes")
    if not isinstance(changed, dict) or not changed:
        return ""
    parts = []
    for name, values in changed.items():
        old, new = values if isinstance(values, list) and len(values) == 2 else (None, None)
        phrase = phrases.get(name)
        parts.append(phrase(old, new, refs) if phrase else f"{name.replace('_', ' ')} changed")
    return ": " + "; ".join(parts)


def describe(event: Event, refs: References) -> Description:
    """The sentence for one event (``refs``: :func:`references` of a list holding it)."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    who = event.actor.display_name if event.actor is not None else "Someone"
    verb = event.verb
    objective_url = _objective_url(refs, event.objective_id)
    if verb == Verb.CHECKIN_CREATED:
        kr, value, previous = event.key_result, payload.get("value"), payload.get("previous_value")
        if kr is not None and kr.kind == KeyResultKind.MILESTONE:
            action, detail = "marked", " done" if _kr_value(kr, value) == "Done" else " not done"
        else:
            action = f"checked in {_kr_value(kr, value)} on"
            detail = f" (was {_kr_value(kr, previous)})" if previous is not None else ""
        return Description(
            actor=who,
            action=action,
            subject=_key_result_title(event, payload),
            detail=detail + _dated(event, payload.get("recorded_at")),
            url=_key_result_url(refs, event),
            confidence=str(payload.get("confidence") or ""),
        )
    if verb in (Verb.CHECKIN_CORRECTED, Verb.CHECKIN_UNDONE):
        kr, old = event.key_result, payload.get("old_value")
        corrected = verb == Verb.CHECKIN_CORRECTED
        if corrected:
            change = f"{_kr_value(kr, old)} → {_kr_value(kr, payload.get('value'))}"
            detail = f": {change}" if old is not None else f": now {_kr_value(kr, payload.get('value'))}"
        else:
            detail = f" ({_kr_value(kr, old)})" if old is not None else ""
        return Description(
            actor=who,
            action="corrected a check-in on" if corrected else "undid a check-in on",
            subject=_key_result_title(event, payload),
            detail=detail + _dated(event, payload.get("recorded_at")),
            url=_key_result_url(refs, event),
            confidence=str(payload.get("confidence") or "") if corrected else "",
        )
    if verb == Verb.OBJECTIVE_CREATED:
        draft = payload.get("status") == ObjectiveStatus.DRAFT
        parent = payload.get("parent_id")
        return Description(
            actor=who,
            action="drafted" if draft else "created",
            subject=_objective_title(event, payload),
            detail=f", laddering up to {refs.objective(parent)}" if parent is not None else "",
            url=objective_url,
            status=str(payload.get("status") or ""),
        )
    if verb == Verb.OBJECTIVE_UPDATED:
        return Description(
            actor=who,
            action="changed",
            subject=_objective_title(event, payload),
            detail=_changes(payload, _OBJECTIVE_CHANGES, refs),
            url=objective_url,
        )
    if verb in (Verb.OBJECTIVE_ACTIVATED, Verb.OBJECTIVE_STATUS_CHANGED):
        before, after = payload.get("from"), str(payload.get("to") or "")
        actions: dict[str, tuple[str, str]] = {
            ObjectiveStatus.ACTIVE: ("activated" if before == ObjectiveStatus.DRAFT else "reopened", ""),
            ObjectiveStatus.CLOSED: ("closed", ""),
            ObjectiveStatus.ARCHIVED: ("archived", ""),
            ObjectiveStatus.DRAFT: ("moved", " back to draft"),
        }
        action, detail = actions.get(after, ("changed the status of", ""))
        return Description(
            actor=who,
            action=action,
            subject=_objective_title(event, payload),
            detail=detail,
            url=objective_url,
            status=after,
        )
    if verb == Verb.KEY_RESULT_CREATED:
        return Description(
            actor=who,
            action="added the key result",
            subject=_key_result_title(event, payload),
            detail=f" to “{_objective_title(event, payload)}”",
            url=_key_result_url(refs, event),
        )
    if verb == Verb.KEY_RESULT_UPDATED:
        return Description(
            actor=who,
            action="changed the key result",
            subject=_key_result_title(event, payload),
            detail=_changes(payload, _KEY_RESULT_CHANGES, refs),
            url=_key_result_url(refs, event),
        )
    if verb == Verb.KEY_RESULT_DELETED:
        return Description(
            actor=who,
            action="deleted the key result",
            subject=str(payload.get("title") or "a key result"),
            detail=f" from “{_objective_title(event, payload)}”",
            url=objective_url,
        )
    if verb in (Verb.DEPENDENCY_CREATED, Verb.DEPENDENCY_DELETED):
        created = verb == Verb.DEPENDENCY_CREATED
        target = refs.objective(payload.get("to_objective_id"))
        return Description(
            actor=who,
            action="noted that" if created else "removed the dependency of",
            subject=_objective_title(event, payload),
            detail=f" depends on {target}" if created else f" on {target}",
            url=objective_url,
        )
    if verb in (Verb.KEY_RESULT_SHARED, Verb.KEY_RESULT_UNSHARED):
        shared = verb == Verb.KEY_RESULT_SHARED
        target = refs.objective(payload.get("to_objective_id"))
        return Description(
            actor=who,
            action="shared the key result" if shared else "stopped sharing the key result",
            subject=_key_result_title(event, payload),
            detail=f" with {target}",
            url=_key_result_url(refs, event),
        )
    if verb in (Verb.CYCLE_ACTIVATED, Verb.CYCLE_CLOSED):
        closed = verb == Verb.CYCLE_CLOSED
        return Description(
            actor=who,
            action="closed the cycle" if closed else "started the cycle",
            subject=str(payload.get("name") or ""),
            detail="; its final scores are stored" if closed else "",
        )
    if verb == Verb.KEY_RESULT_GRADED:
        if payload.get("not_scored"):
            detail = " as not scored"
        else:
            score = payload.get("score")
            detail = f" {round(float(score) * 100)}%" if isinstance(score, int | float) else ""
        reason = str(payload.get("reason") or "")
        return Description(
            actor=who,
            action="graded",
            subject=_key_result_title(event, payload),
            detail=f"{detail}: {reason}" if reason else detail,
            url=_key_result_url(refs, event),
        )
    if verb == Verb.CYCLE_GRADING_ENDED:
        # The window ends by the clock (a beat task), so nobody did it: the sentence names no person.
        return Description(
            actor="Grading",
            action="ended for the cycle",
            subject=str(payload.get("name") or ""),
            detail="; its final scores are frozen",
        )
    if verb == Verb.OBJECTIVE_RETROSPECTIVE_WRITTEN:
        return Description(
            actor=who,
            action="wrote the retrospective of" if payload.get("created") else "revised the retrospective of",
            subject=_objective_title(event, payload),
            url=objective_url,
        )
    if verb == Verb.OBJECTIVE_CARRIED_OVER:
        count = len(payload.get("key_result_ids") or [])
        with_krs = f" with {count} key result{'s' if count != 1 else ''}" if count else ""
        return Description(
            actor=who,
            action="carried over",
            subject=_objective_title(event, payload),
            detail=f" into {payload.get('to_cycle_name') or 'another cycle'}{with_krs}",
            url=objective_url,
        )
    if verb in (Verb.PLAN_SUBMITTED, Verb.PLAN_APPROVED, Verb.PLAN_RETURNED):
        comment = str(payload.get("comment") or "")
        cycle_id = _id_or_none(payload.get("cycle_id"))
        return Description(
            actor=who,
            action={
                Verb.PLAN_SUBMITTED: "submitted for review the plan of",
                Verb.PLAN_APPROVED: "approved the plan of",
                Verb.PLAN_RETURNED: "returned the plan of",
            }[Verb(verb)],
            subject=str(payload.get("department_name") or "a department"),
            detail=f" for {payload.get('cycle_name') or 'the cycle'}" + (f": {comment}" if comment else ""),
            url=reverse("objectives:planning", kwargs={"company_slug": refs.company_slug, "cycle_id": cycle_id})
            if cycle_id is not None
            else None,
        )
    if verb in (Verb.COMMENT_CREATED, Verb.REACTION_ADDED):
        on_key_result = event.key_result is not None
        return Description(
            actor=who,
            action="commented on" if verb == Verb.COMMENT_CREATED else "reacted to a comment on",
            subject=_key_result_title(event, payload) if on_key_result else _objective_title(event, payload),
            url=_key_result_url(refs, event) if on_key_result else objective_url,
        )
    label = Verb(verb).label if verb in Verb.values else verb
    return Description(
        actor=who,
        action=str(label),
        subject=_objective_title(event, payload) if event.objective else "",
        url=objective_url,
    )


# ---------------------------------------------------------------- as JSON


def _iso(moment: datetime.datetime) -> str:
    """An instant as the REST API writes it: ISO 8601 in UTC with ``Z``."""
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def event_representation(event: Event, *, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """An event as JSON: the REST API's ``events/`` items and the body of the webhooks.

    ``payload`` replaces the stored one (:func:`describe_events` gives each
    reader theirs); ``actor`` is null for an API key or the system. Needs
    ``event.actor`` loaded (``select_related``) to name the actor.
    """
    actor = event.actor
    return {
        "id": event.pk,
        "verb": event.verb,
        "created_at": _iso(event.created_at),
        "actor": {"id": actor.pk, "name": actor.display_name} if actor is not None else None,
        "subject": {"kind": event.subject_kind, "id": event.subject_id},
        "objective": event.objective_id,
        "key_result": event.key_result_id,
        "checkin": event.checkin_id,
        "cycle": event.cycle_id,
        "department": event.department_id,
        "payload": event.payload if payload is None else payload,
    }
