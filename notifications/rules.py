"""Who is told about an event, and why: one rule per verb.

A rule reads one committed event (``objectives.Event``, its objective, key
result and check-in loaded) and names candidates as (person, reason). The
fan-out (``notifications.fanout``) then keeps, for each person, the strongest
reason (``models.REASON_STRENGTH``: mention > reply > comment > reaction >
dependency off track > laddered), drops the actor themself, drops anyone who
is not an active member or may not read the event's objective
(``objectives.selectors.can_read_objective``), and applies each person's
preferences (``notifications.selectors.preference_for``).

The rules, by verb (payload keys are read defensively: a missing key is no
candidate, never an error):

``comment.created`` (payload of the discussion app: ``comment_id``,
``parent_id``, ``parent_author_id``, ``mentioned_user_ids``, ``target_kind``,
``target_id``, ``target_owner_id``, ``body_excerpt``, ``objective_title``,
``key_result_title``)
    every mentioned person: **mention** (emailed at once by default); the
    author of the parent comment, for a reply: **reply** (at once); the owner
    of what was commented on (objective or key result owner, check-in
    author): **comment** (daily digest).

``reaction.added`` (``kind``, ``target_kind``, ``target_id``, ``target_author_id``)
    the author of what was reacted to: **reaction** (digest).

``checkin.created`` / ``checkin.corrected`` (``objectives.services.checkins.checkin_payload``)
    only when the confidence becomes off track (``confidence`` is
    ``off_track``, ``previous_confidence`` is not, and the key result's
    confidence is off track when the fan-out runs: a backdated check-in or a
    correction of an older entry that leaves the latest reading standing
    changes nothing people depend on): the owners of the
    objectives that depend on the key result's objective
    (``Dependency.from_objective`` → ``to_objective``), drafts and active
    ones: **dependency_off_track** (digest).

``objective.created`` / ``objective.updated`` (``parent_id``, ``previous_parent_id``)
    when the objective is created under a parent, or an update moves it
    under a new one (``parent_id`` set and different from
    ``previous_parent_id``): the owner of the parent: **laddered** (digest).

``plan.submitted`` (``department_id``, ``department_name``, ``cycle_name``)
    everyone who reviews plans (leaders and admins, ``Action.REVIEW_PLAN``):
    **plan** (at once).

``plan.returned`` / ``plan.approved`` (the same, and ``comment``)
    the leads of the plan's department: **plan** (at once).

``cycle.grading_ended`` (``objectives.services._payloads.cycle``)
    the company's leaders and admins: **report** (at once), emailed with
    the cycle's scores as each of them reads them (``notifications.emails``).

Plan and cycle events are about no objective: every member may read them.

Every other verb tells no one.
"""

from collections.abc import Callable, Iterable
from typing import Any

from companies.models import Membership
from departments.models import DepartmentMembership
from notifications.models import REASON_STRENGTH, Reason
from objectives.models import Confidence, Dependency, Event, Objective, ObjectiveStatus, Verb
from okrhub.permissions import Action, is_allowed
from okrhub.roles import DepartmentRole, Role

Candidate = tuple[int, Reason]
Rule = Callable[[Event], list[Candidate]]


def _id(value: Any) -> int | None:
    """A person's or object's id from a payload value, or None for anything that is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value) or None
    return None


def _ids(value: Any) -> list[int]:
    if not isinstance(value, list | tuple):
        return []
    return [found for item in value if (found := _id(item)) is not None]


def _owner_of_target(event: Event, kind: Any, owner: Any) -> int | None:
    """The payload's owner of a comment's or reaction's target, else the owner the event's objects name."""
    found = _id(owner)
    if found is not None:
        return found
    if kind == "objective" and event.objective is not None:
        return event.objective.owner_id
    if kind == "key_result" and event.key_result is not None:
        return event.key_result.owner_id
    if kind == "checkin" and event.checkin is not None:
        return event.checkin.author_id
    return None


def comment_created(event: Event) -> list[Candidate]:
    payload = event.payload
    candidates: list[Candidate] = [(user_id, Reason.MENTION) for user_id in _ids(payload.get("mentioned_user_ids"))]
    if _id(payload.get("parent_id")) is not None and (author := _id(payload.get("parent_author_id"))) is not None:
        candidates.append((author, Reason.REPLY))
    owner = _owner_of_target(event, payload.get("target_kind"), payload.get("target_owner_id"))
    if owner is not None:
        candidates.append((owner, Reason.COMMENT))
    return candidates


def reaction_added(event: Event) -> list[Candidate]:
    payload = event.payload
    author = _owner_of_target(event, payload.get("target_kind"), payload.get("target_author_id"))
    return [(author, Reason.REACTION)] if author is not None else []


def checkin_off_track(event: Event) -> list[Candidate]:
    payload = event.payload
    if payload.get("confidence") != Confidence.OFF_TRACK or payload.get("previous_confidence") == Confidence.OFF_TRACK:
        return []
    if event.key_result is not None and event.key_result.confidence != Confidence.OFF_TRACK:
        return []  # not the reading that stands (backdated, or a correction of an older entry)
    owners = (
        Dependency.objects.filter(company_id=event.company_id, to_objective_id=event.objective_id)
        .filter(from_objective__status__in=(ObjectiveStatus.DRAFT, ObjectiveStatus.ACTIVE))
        .exclude(from_objective__owner__isnull=True)
        .values_list("from_objective__owner_id", flat=True)
    )
    return [(owner_id, Reason.DEPENDENCY_OFF_TRACK) for owner_id in owners]


def objective_laddered(event: Event) -> list[Candidate]:
    payload = event.payload
    if "parent_id" in payload:
        parent_id = _id(payload.get("parent_id"))
    else:  # an older or partial payload: the objective's parent as it is now
        parent_id = event.objective.parent_id if event.objective is not None else None
    if parent_id is None:
        return []
    # An update counts only as a move under a new parent; an edit that leaves the parent alone tells no one.
    if event.verb == Verb.OBJECTIVE_UPDATED and (
        "previous_parent_id" not in payload or _id(payload.get("previous_parent_id")) == parent_id
    ):
        return []
    owner = (
        Objective.objects.filter(company_id=event.company_id, pk=parent_id).values_list("owner_id", flat=True).first()
    )
    return [(owner, Reason.LADDERED)] if owner is not None else []


def plan_submitted(event: Event) -> list[Candidate]:
    """Whoever may review the plan: the roles the matrix lets review any department's (one query)."""
    reviewers = [role for role in Role.values if is_allowed(role, Action.REVIEW_PLAN)]
    people = Membership.objects.filter(company_id=event.company_id, role__in=reviewers).values_list(
        "user_id", flat=True
    )
    return [(user_id, Reason.PLAN) for user_id in people]


def plan_decided(event: Event) -> list[Candidate]:
    """The leads of the plan's department, told it was approved or returned (one query)."""
    department_id = _id(event.payload.get("department_id")) or event.department_id
    if department_id is None:
        return []
    leads = DepartmentMembership.objects.filter(
        company_id=event.company_id, department_id=department_id, role=DepartmentRole.LEAD
    ).values_list("user_id", flat=True)
    return [(user_id, Reason.PLAN) for user_id in leads]


#: Who is told a cycle's report is final: those who lead the company (the weekly digest's readers too).
REPORT_ROLES = (Role.ADMIN, Role.LEADER)


def cycle_grading_ended(event: Event) -> list[Candidate]:
    """The company's leaders and admins, told the cycle's report is final (one query)."""
    people = Membership.objects.filter(company_id=event.company_id, role__in=REPORT_ROLES).values_list(
        "user_id", flat=True
    )
    return [(user_id, Reason.REPORT) for user_id in people]


#: Verbs whose events are about no objective, yet tell someone.
ABOUT_NO_OBJECTIVE = frozenset({Verb.PLAN_SUBMITTED, Verb.PLAN_APPROVED, Verb.PLAN_RETURNED, Verb.CYCLE_GRADING_ENDED})

#: The one rule of each verb; verbs not named here tell no one.
RULES: dict[str, Rule] = {
    Verb.COMMENT_CREATED: comment_created,
    Verb.REACTION_ADDED: reaction_added,
    Verb.CHECKIN_CREATED: checkin_off_track,
    Verb.CHECKIN_CORRECTED: checkin_off_track,
    Verb.OBJECTIVE_CREATED: objective_laddered,
    Verb.OBJECTIVE_UPDATED: objective_laddered,
    Verb.PLAN_SUBMITTED: plan_submitted,
    Verb.PLAN_APPROVED: plan_decided,
    Verb.PLAN_RETURNED: plan_decided,
    Verb.CYCLE_GRADING_ENDED: cycle_grading_ended,
}


def strongest(candidates: Iterable[Candidate], *, actor_id: int | None) -> dict[int, Reason]:
    """One reason per person, the strongest; never the actor themself."""
    chosen: dict[int, Reason] = {}
    for user_id, reason in candidates:
        if user_id == actor_id:
            continue
        current = chosen.get(user_id)
        if current is None or REASON_STRENGTH.index(reason) < REASON_STRENGTH.index(current):
            chosen[user_id] = reason
    return chosen


def recipients(event: Event) -> dict[int, Reason]:
    """Who the event's rule names, with the strongest reason each, the actor left out."""
    rule = RULES.get(event.verb)
    if rule is None or (event.objective_id is None and event.verb not in ABOUT_NO_OBJECTIVE):
        return {}
    return strongest(rule(event), actor_id=event.actor_id)
