"""Reads of objectives, key results, check-ins and cycles, for the pages and the REST API alike.

Each returns a queryset or list built from a constant number of queries
whatever the size: private objectives are filtered in SQL, and "behind pace"
is turned into one condition per cycle (a company has few cycles) from one
small query. Both surfaces read the same models the same company-scoped way.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.db.models import Count, Min, Model, Prefetch, Q, QuerySet
from django.utils import timezone

from companies.models import Company
from companies.tenancy import Actor, TenantRequest
from departments.models import Department
from objectives.models import (
    COUNTED_STATUSES,
    CheckIn,
    Cycle,
    CycleStatus,
    Dependency,
    KeyResult,
    Objective,
    ObjectiveStatus,
    Retrospective,
    SharedKeyResult,
    authors_latest_checkins,
    carry_target_refusal,
    checkin_correction_refusal,
    checkin_undo_refusal,
    grading_refusal,
    is_unfinished,
    retrospective_refusal,
)
from objectives.progress import (
    Status,
    Weighted,
    behind_pace_threshold,
    is_behind_pace,
    key_result_progress,
    mean_progress,
    pace,
    weighted_progress,
)
from okrhub.errors import not_found
from okrhub.permissions import Action
from okrhub.web import int_or_none


def reads_objective(actor: Actor, *, private: bool, department_id: int | None, owner_id: int | None) -> bool:
    """Whether the actor may read an objective with these facts: the one row rule of visibility (no query).

    Non-private objectives are read by everyone in the company; a private one
    per the permission matrix (``Action.READ_PRIVATE``). Raw rows (the tree,
    the gaps) call this; model instances call :func:`can_read_objective`;
    querysets filter with :func:`visible_objectives_q`, the same rule in SQL.
    """
    return not private or actor.can(Action.READ_PRIVATE, department_id=department_id, owner_id=owner_id)


def can_read_objective(actor: Actor, objective: Objective) -> bool:
    """Whether the actor may read this objective (see :func:`reads_objective`)."""
    return reads_objective(
        actor, private=objective.private, department_id=objective.department_id, owner_id=objective.owner_id
    )


@dataclass(frozen=True)
class PrivateReach:
    """Which private objectives an actor reads: all of them, or those they own and those of some departments.

    :func:`reads_objective` (one row) and :func:`visible_objectives_q` (SQL)
    decide with the same permission matrix; this is its summary per actor,
    so that two readers with the same reach are known to see the same rows.
    """

    everything: bool
    owner_id: int | None = None
    department_ids: tuple[int, ...] = ()


def private_reach(actor: Actor) -> PrivateReach:
    """The actor's :class:`PrivateReach`, from ``Action.READ_PRIVATE`` (no query beyond the department map).

    Kept on the actor (one per request) under what it depends on: asking the
    matrix about each of a company's departments costs a few hundred checks,
    and a page asks for the reach once per list it reads.
    """
    memo_key = (actor.role, actor.user_id, tuple(sorted(actor.department_roles.items())))
    memo = vars(actor).get("_private_reach_memo")
    if memo is not None and memo[0] == memo_key:
        cached: PrivateReach = memo[1]
        return cached
    reach = _private_reach(actor)
    vars(actor)["_private_reach_memo"] = (memo_key, reach)
    return reach


def _private_reach(actor: Actor) -> PrivateReach:
    if actor.can(Action.READ_PRIVATE):
        return PrivateReach(everything=True)
    owner_id = (
        actor.user_id if actor.user_id is not None and actor.can(Action.READ_PRIVATE, owner_id=actor.user_id) else None
    )
    departments: tuple[int, ...] = ()
    if actor.department_roles:
        departments = tuple(
            sorted(
                department_id
                for department_id in actor._parents()
                if actor.can(Action.READ_PRIVATE, department_id=department_id)
            )
        )
    return PrivateReach(everything=False, owner_id=owner_id, department_ids=departments)


def visible_objectives_q(*, actor: Actor, prefix: str = "") -> Q:
    """Objectives the actor may read, as a condition (:func:`reads_objective` in SQL).

    ``prefix`` reaches the objective through a relation (``"objective__"``).
    """
    reach = private_reach(actor)
    if reach.everything:
        return Q()
    visible = Q(**{f"{prefix}private": False})
    if reach.owner_id is not None:
        visible |= Q(**{f"{prefix}owner_id": reach.owner_id})
    if reach.department_ids:
        visible |= Q(**{f"{prefix}department_id__in": list(reach.department_ids)})
    return visible


def visibility_class(*, company: Company, actor: Actor) -> str:
    """A name shared by exactly the readers who see the same objectives of the company.

    Readers of every private objective share ``"all"``; others are named by
    the departments whose private objectives they read, and by themselves only
    when they own a private objective (one query): the owner rule then sets
    them apart. Caches of what a reader sees (the alignment tree) key on it.
    """
    reach = private_reach(actor)
    if reach.everything:
        return "all"
    owner = ""
    if (
        reach.owner_id is not None
        and Objective.objects.filter(company=company, owner_id=reach.owner_id, private=True).exists()
    ):
        owner = f"owner={reach.owner_id}"
    return f"some:{owner}:departments={','.join(map(str, reach.department_ids))}"


def visible_objectives[M: Model](objectives: QuerySet[M], *, actor: Actor, prefix: str = "") -> QuerySet[M]:
    """``objectives`` (or rows reaching an objective through ``prefix``) narrowed to what the actor may read."""
    return objectives.filter(visible_objectives_q(actor=actor, prefix=prefix))


def focus_count(*, company: Company, cycle_id: int, department_id: int | None, exclude_id: int | None = None) -> int:
    """How many objectives count against the focus limit of a department (or company level) in a cycle.

    The one home of focus counting (the service's check, the live hint and
    the department page): committed objectives only, active or closed.
    Drafts are proposals and archived ones are gone. Private objectives count
    too: the limit is the department's, whoever reads them.
    """
    counted = _focus_counted(company, cycle_id).filter(
        department_id=department_id  # type: ignore[misc]  # None is company level: Django reads it as IS NULL
    )
    if exclude_id is not None:
        counted = counted.exclude(pk=exclude_id)
    return counted.count()


def _focus_counted(company: Company, cycle_id: int) -> QuerySet[Objective]:
    return Objective.objects.filter(company=company, cycle_id=cycle_id, status__in=COUNTED_STATUSES)


def focus_counts(*, company: Company, cycle_id: int) -> dict[int | None, int]:
    """:func:`focus_count` of every department (None: company level) of a cycle at once, in one query."""
    rows = _focus_counted(company, cycle_id).values("department_id").annotate(n=Count("id")).order_by()
    return {row["department_id"]: row["n"] for row in rows}


def behind_pace_q(
    *,
    company: Company,
    today: date,
    cycle_field: str = "cycle_id",
    progress_field: str = "progress",
    cycles: Iterable[Cycle] | None = None,
) -> Q:
    """Rows whose known progress is more than the margin below their cycle's expected pace.

    A closed cycle has no pace (``progress.pace``): its rows are never behind.
    The company's cycles are read (one query) unless ``cycles`` names the
    only ones the rows can be in (a page about one cycle: no query).
    """
    condition = Q(pk__in=[])
    found = (
        [(cycle.pk, cycle.start_date, cycle.end_date, cycle.status) for cycle in cycles]
        if cycles is not None
        else Cycle.objects.filter(company=company).values_list("id", "start_date", "end_date", "status")
    )
    for cycle_id, start, end, cycle_status in found:
        expected = pace(today=today, start=start, end=end, closed=cycle_status == CycleStatus.CLOSED)
        if expected is None:
            continue
        threshold = behind_pace_threshold(expected)
        if threshold > 0:
            condition |= Q(**{cycle_field: cycle_id, f"{progress_field}__lt": threshold})
    return condition


def status_q(
    status: Status,
    *,
    company: Company,
    today: date,
    cycle_field: str = "cycle_id",
    progress_field: str = "progress",
    cycles: Iterable[Cycle] | None = None,
) -> Q:
    """Rows whose computed status (:func:`objectives.progress.status`) is ``status``, as a condition.

    The status rule in SQL, in the same order as the function: unknown
    without progress, done at 100%, behind pace past the margin
    (:func:`behind_pace_q`, which ``cycles`` spares its query), else on
    track. Lists filter with it, so a filter by status shows exactly the rows
    whose badge says so.
    """
    progress = progress_field
    if status == Status.UNKNOWN:
        return Q(**{f"{progress}__isnull": True})
    if status == Status.DONE:
        return Q(**{f"{progress}__gte": 1})
    measured = Q(**{f"{progress}__isnull": False, f"{progress}__lt": 1})
    behind = behind_pace_q(
        company=company, today=today, cycle_field=cycle_field, progress_field=progress, cycles=cycles
    )
    return measured & (behind if status == Status.BEHIND_PACE else ~behind)


def objective_list(*, company: Company, actor: Actor) -> QuerySet[Objective]:
    return (
        Objective.objects.filter(company=company)
        .filter(visible_objectives_q(actor=actor))
        .select_related("cycle")
        .order_by("id")
    )


def key_result_list(*, company: Company, actor: Actor) -> QuerySet[KeyResult]:
    return (
        KeyResult.objects.filter(company=company)
        .filter(visible_objectives_q(actor=actor, prefix="objective__"))
        .select_related("objective__cycle")
        .order_by("id")
    )


def checkin_list(*, company: Company, actor: Actor, key_result_id: int) -> QuerySet[CheckIn]:
    """Every entry of a key result's history (corrected ones, corrections and undos too), each with its standing.

    The caller checks that the actor reads the key result (the API answers
    404 first). Effective values are ``CheckIn.objects.effective()``.
    """
    return CheckIn.objects.with_standing().filter(company=company, key_result_id=key_result_id).order_by("id")


def readable_checkins(*, company: Company, actor: Actor) -> QuerySet[CheckIn]:
    """Every entry the actor may read (its objective visible), with its standing (``with_standing``)."""
    return (
        CheckIn.objects.with_standing()
        .filter(company=company)
        .filter(visible_objectives_q(actor=actor, prefix="key_result__objective__"))
    )


def checkin_for(*, company: Company, actor: Actor, checkin_id: int) -> CheckIn | None:
    """One check-in the actor may read, with its standing, key result, objective and cycle; else None."""
    return (
        readable_checkins(company=company, actor=actor)
        .filter(pk=checkin_id)
        .select_related("key_result__objective__cycle", "key_result__objective__department", "author")
        .first()
    )


def dependency_list(*, company: Company, actor: Actor) -> QuerySet[Dependency]:
    """Dependencies whose both ends the actor may read."""
    return (
        Dependency.objects.filter(company=company)
        .filter(visible_objectives_q(actor=actor, prefix="from_objective__"))
        .filter(visible_objectives_q(actor=actor, prefix="to_objective__"))
        .order_by("id")
    )


def shared_key_result_of(*, company: Company, objective: Objective, key_result_id: int) -> SharedKeyResult:
    """The share of ``key_result_id`` into ``objective`` (with both objectives, for the permission); 404 if none."""
    link = (
        SharedKeyResult.objects.filter(company=company, objective=objective, key_result_id=key_result_id)
        .select_related("key_result__objective", "objective")
        .first()
    )
    if link is None:
        raise not_found("shared key result")
    return link


@dataclass(frozen=True)
class Shares:
    """An objective's shared key results as the reader may see them (:func:`objective_shares`)."""

    #: Key results of other objectives shared into this one, each with ``expected`` (its cycle's pace).
    into: list[SharedKeyResult]
    #: Per key result of this objective, the objectives it is shared with.
    shared_with: dict[int, list[Objective]]


def objective_shares(*, company: Company, actor: Actor, objective: Objective) -> Shares:
    """Both directions of an objective's shared key results, readable ones only (one query).

    A share whose other objective the reader may not read is left out: a
    private key result never shows under another objective, and "Shared with"
    names only objectives the reader may read. ``objective`` is one the reader
    reads (the caller checked). Progress is each key result's own, with its
    own cycle's pace (``pace_of``): a share counts for display only.
    """
    links = (
        SharedKeyResult.objects.filter(company=company)
        .filter(Q(objective=objective) | Q(key_result__objective=objective))
        .select_related(
            "key_result__owner",
            "key_result__objective__cycle",
            "key_result__objective__department",
            "objective__department",
        )
        .order_by("id")
    )
    into: list[SharedKeyResult] = []
    shared_with: dict[int, list[Objective]] = defaultdict(list)
    paces: dict[int, float | None] = {}
    for link in links:
        kr = link.key_result
        if link.objective_id == objective.pk:
            owner = kr.objective
            if not can_read_objective(actor, owner):
                continue
            if owner.cycle_id not in paces:
                paces[owner.cycle_id] = pace_of(company, owner.cycle)
            annotate_key_result(actor, kr, owner, paces[owner.cycle_id])
            into.append(link)
        elif can_read_objective(actor, link.objective):
            shared_with[link.key_result_id].append(link.objective)
    return Shares(into=into, shared_with=dict(shared_with))


# ---------------------------------------------------------------- check-in cadence

#: The company checks in weekly (on its check-in weekday and hour, companies.models.Company).
CHECKIN_CADENCE = datetime.timedelta(days=7)
#: How late a check-in may be before its key result counts as stale.
CHECKIN_GRACE = datetime.timedelta(days=1)


def stale_key_results_q(*, company: Company, cycle: Cycle, now: datetime.datetime | None = None) -> Q:
    """Key results with no check-in within the company's cadence (one period plus grace), as a condition.

    A key result that has never been checked in counts once it is older than
    that, and nothing is stale before the cycle has run that long or in a
    cycle that is not active (closed cycles take no check-ins). The one home
    of the rule: the gaps page and its API read it.
    """
    now = now or datetime.datetime.now(datetime.UTC)
    cutoff = now - CHECKIN_CADENCE - CHECKIN_GRACE
    cycle_start = datetime.datetime.combine(cycle.start_date, datetime.time(), tzinfo=company.tzinfo)
    if cycle.status != CycleStatus.ACTIVE or cycle_start > cutoff:
        return Q(pk__in=[])
    return Q(last_checkin_at__lt=cutoff) | Q(last_checkin_at__isnull=True, created_at__lt=cutoff)


# ---------------------------------------------------------------- pages


def can_edit_objective(actor: Actor, objective: Objective) -> bool:
    """Whether the actor may edit this objective and its key results (drafts by their rules, others by manage)."""
    draft = objective.status == ObjectiveStatus.DRAFT
    return actor.can(
        Action.EDIT_DRAFT if draft else Action.MANAGE_OBJECTIVE,
        department_id=objective.department_id,
        owner_id=objective.owner_id,
        is_draft=draft,
    )


def annotate_key_result(actor: Actor, kr: KeyResult, objective: Objective, expected: float | None) -> KeyResult:
    """Attach what a row shows: pace, and whether this person may check in (no query).

    ``expected`` is None for a closed cycle (:func:`pace_of`): no pace mark and no check-in.
    """
    kr.expected = expected
    kr.behind_pace = expected is not None and is_behind_pace(kr.progress, expected)
    kr.can_check_in = (
        expected is not None
        and objective.status not in (ObjectiveStatus.CLOSED, ObjectiveStatus.ARCHIVED)
        and actor.can(Action.CHECK_IN, department_id=objective.department_id, owner_id=kr.owner_id)
    )
    return kr


def pace_of(company: Company, cycle: Cycle, today: datetime.date | None = None) -> float | None:
    """The expected progress a cycle's pages and API compare with: None once the cycle closed (``progress.pace``).

    A closed cycle's pages show final scores, not pace: no pace mark, no
    "expected today" line, no status badge and no check-in.
    """
    return pace(
        today=today or company.local_today(), start=cycle.start_date, end=cycle.end_date, closed=cycle.is_closed
    )


def my_key_results(*, company: Company, actor: Actor, cycle: Cycle) -> list[Objective]:
    """The actor's key results in ``cycle``, grouped under their objectives (one query)."""
    key_results = (
        KeyResult.objects.filter(company=company, owner_id=actor.user_id, objective__cycle=cycle)
        .filter(visible_objectives_q(actor=actor, prefix="objective__"))
        .exclude(objective__status=ObjectiveStatus.ARCHIVED)
        .select_related("objective__department", "objective__cycle")
        .order_by("objective_id", "id")
    )
    return _under_objectives(company, actor, key_results)


def weekly_key_results(*, company: Company, actor: Actor) -> list[Objective]:
    """The weekly check-in's rows: every key result the actor owns in an active cycle, under its objective.

    Active objectives only (drafts are not under way yet, closed and archived
    ones take no check-ins), of every active cycle (a quarter and the year it
    sits in may run together), readable by the actor; ordered by cycle, then
    objective, then key result. One query whatever the size.
    """
    if actor.user_id is None:
        return []
    key_results = (
        KeyResult.objects.filter(
            company=company,
            owner_id=actor.user_id,
            objective__status=ObjectiveStatus.ACTIVE,
            objective__cycle__status=CycleStatus.ACTIVE,
        )
        .filter(visible_objectives_q(actor=actor, prefix="objective__"))
        .select_related("objective__department", "objective__cycle")
        .order_by("objective__cycle__start_date", "objective__cycle_id", "objective_id", "id")
    )
    return _under_objectives(company, actor, key_results)


def _under_objectives(company: Company, actor: Actor, key_results: Iterable[KeyResult]) -> list[Objective]:
    """Key results grouped under their objectives (``my_key_results`` on each), annotated for a page (no query)."""
    expected_by_cycle: dict[int, float | None] = {}
    objectives: dict[int, Objective] = {}
    for kr in key_results:
        objective = objectives.get(kr.objective_id)
        if objective is None:
            objective = objectives[kr.objective_id] = kr.objective
            cycle = objective.cycle
            if cycle.pk not in expected_by_cycle:
                expected_by_cycle[cycle.pk] = pace_of(company, cycle)
            objective.expected = expected = expected_by_cycle[cycle.pk]
            objective.behind_pace = expected is not None and is_behind_pace(objective.progress, expected)
            objective.my_key_results = []
        objective.my_key_results.append(kr)
        annotate_key_result(actor, kr, objective, objective.expected)
    return list(objectives.values())


def company_objectives(*, company: Company, actor: Actor, cycle: Cycle) -> list[Objective]:
    """The cycle's active company-level objectives, so everyone sees what their work ladders up to (one query)."""
    expected = pace_of(company, cycle)
    objectives = [
        o
        for o in Objective.objects.filter(
            company=company, cycle=cycle, department__isnull=True, status__in=COUNTED_STATUSES
        ).order_by("id")
        if can_read_objective(actor, o)
    ]
    for objective in objectives:
        objective.expected = expected
        objective.behind_pace = expected is not None and is_behind_pace(objective.progress, expected)
    return objectives


def department_objectives(*, company: Company, actor: Actor, cycle: Cycle, department: Department) -> list[Objective]:
    """A department's objectives in a cycle (drafts included, archived not) with their key results: two queries.

    On a closed cycle there is no pace (``pace_of``): the page shows final scores.
    """
    expected = pace_of(company, cycle)
    objectives = [
        o
        for o in Objective.objects.filter(company=company, cycle=cycle, department=department)
        .exclude(status=ObjectiveStatus.ARCHIVED)
        .select_related("parent__department", "owner")
        .prefetch_related(
            Prefetch("key_results", queryset=KeyResult.objects.filter(company=company).select_related("owner"))
        )
        .order_by("status", "id")
        if can_read_objective(actor, o)
    ]
    for objective in objectives:
        objective.expected = expected
        objective.behind_pace = expected is not None and is_behind_pace(objective.progress, expected)
        for kr in objective.key_results.all():
            annotate_key_result(actor, kr, objective, expected)
    return objectives


def objective_detail(*, company: Company, actor: Actor, objective_id: int) -> dict[str, Any] | None:
    """An objective with its key results, children, dependencies, shared key results and history (seven queries)."""
    objective = (
        Objective.objects.filter(company=company, pk=objective_id)
        .select_related("cycle", "department", "owner", "parent__department", "carried_from__cycle")
        .first()
    )
    if objective is None or not can_read_objective(actor, objective):
        return None
    carried_from = objective.carried_from
    if carried_from is not None and not can_read_objective(actor, carried_from):
        carried_from = None
    # Copies are only ever made of a closed cycle's objectives: an open one's page reads nothing more.
    carried_to = (
        [
            copy
            for copy in Objective.objects.filter(company=company, carried_from=objective).select_related("cycle")
            if can_read_objective(actor, copy)
        ]
        if objective.cycle.is_closed
        else []
    )
    expected = pace_of(company, objective.cycle)
    key_results = list(KeyResult.objects.filter(company=company, objective=objective).select_related("owner"))
    for kr in key_results:
        annotate_key_result(actor, kr, objective, expected)
    children = [
        child
        for child in Objective.objects.filter(company=company, parent=objective)
        .exclude(status=ObjectiveStatus.ARCHIVED)
        .select_related("department", "cycle")  # a quarterly child of an annual objective names its quarter
        if can_read_objective(actor, child)
    ]
    dependencies = list(
        Dependency.objects.filter(company=company, from_objective=objective).select_related("to_objective__department")
    )
    dependents = list(
        Dependency.objects.filter(company=company, to_objective=objective).select_related("from_objective__department")
    )
    checkins = list(
        CheckIn.objects.with_standing()
        .filter(company=company, key_result__objective=objective)
        .select_related("author")
        .order_by("created_at", "id")
    )
    objective.behind_pace = expected is not None and is_behind_pace(objective.progress, expected)
    checkin_actions = annotate_checkins(actor, checkins, objective, key_results)
    shares = objective_shares(company=company, actor=actor, objective=objective)
    for kr in key_results:
        kr.shared_with = shares.shared_with.get(kr.pk, [])
    return {
        "objective": objective,
        "key_results": key_results,
        "children": children,
        "dependencies": [d for d in dependencies if can_read_objective(actor, d.to_objective)],
        "dependents": [d for d in dependents if can_read_objective(actor, d.from_objective)],
        "checkins": checkins,
        "checkin_actions": checkin_actions,
        "history": objective_history(key_results, [c for c in checkins if c.stands]),
        "expected": expected,
        "carried_from": carried_from,
        "carried_to": carried_to,
        "shared_key_results": shares.into,
    }


# ---------------------------------------------------------------- carry-over


def carry_over_choices(*, company: Company, actor: Actor, cycle: Cycle) -> list[Objective]:
    """The objectives of the closed ``cycle`` the actor may carry over, each with ``unfinished_key_results``.

    Only those the actor reads (a private one is never offered to who may
    not read it), that ran, are unfinished, and that the actor may carry.
    Two queries whatever their number.
    """
    if not cycle.is_closed:
        return []
    objectives = [
        o
        for o in Objective.objects.filter(company=company, cycle=cycle, status=ObjectiveStatus.CLOSED)
        .select_related("department", "owner")
        .order_by("department__name", "id")
        if is_unfinished(o.final_score)
        and can_read_objective(actor, o)
        and actor.can(Action.CARRY_OVER, department_id=o.department_id, owner_id=o.owner_id)
    ]
    by_objective: dict[int, list[KeyResult]] = {o.pk: [] for o in objectives}
    for kr in KeyResult.objects.filter(company=company, objective_id__in=list(by_objective)).order_by("id"):
        if is_unfinished(kr.final_score):
            by_objective[kr.objective_id].append(kr)
    for o in objectives:
        o.unfinished_key_results = by_objective[o.pk]
    return objectives


def carry_over_targets(*, company: Company, cycle: Cycle) -> list[Cycle]:
    """The open cycles the closed ``cycle``'s objectives may be carried into, earliest first."""
    candidates = Cycle.objects.filter(company=company).exclude(status=CycleStatus.CLOSED).order_by("start_date", "id")
    return [target for target in candidates if carry_target_refusal(cycle, target) is None]


def can_write_retrospective(actor: Actor, objective: Objective) -> bool:
    """Whether the actor may write this objective's retrospective now (role and cycle; reading is the caller's)."""
    return (
        actor.can(Action.WRITE_RETROSPECTIVE, department_id=objective.department_id, owner_id=objective.owner_id)
        and retrospective_refusal(objective.cycle, objective) is None
    )


def objective_retrospective(*, company: Company, actor: Actor, objective: Objective) -> dict[str, Any]:
    """The objective's retrospective as the page and the API show it (one query; empty parts when none yet).

    The caller has checked that the actor reads ``objective`` (with its
    cycle loaded): a retrospective is exactly as private as its objective.
    """
    retrospective = (
        Retrospective.objects.filter(company=company, objective_id=objective.pk).select_related("updated_by").first()
    )
    parts = {name: getattr(retrospective, name) if retrospective else "" for name in Retrospective.PARTS}
    return {
        "objective": objective.pk,
        **parts,
        "written": retrospective is not None,
        "updated_at": retrospective.updated_at if retrospective else None,
        "updated_by": retrospective.updated_by if retrospective else None,
        "can_write": can_write_retrospective(actor, objective),
    }


def objective_history(key_results: list[KeyResult], checkins: list[CheckIn]) -> list[tuple[datetime.datetime, float]]:
    """The objective's key-result progress after each check-in, replayed from the check-ins that stand.

    Child objectives are left out: their history is not stored, only their
    current progress.
    """
    krs = {kr.pk: kr for kr in key_results}
    latest: dict[int, float | None] = {}
    points: list[tuple[datetime.datetime, float]] = []
    for checkin in checkins:
        kr = krs.get(checkin.key_result_id)
        if kr is None:
            continue
        latest[kr.pk] = key_result_progress(
            kind=kr.kind, direction=kr.direction, start=kr.start_value, target=kr.target_value, current=checkin.value
        )
        value = weighted_progress(Weighted(latest.get(k.pk), float(k.weight)) for k in key_results)
        if value is not None:
            points.append((checkin.created_at, value))
    return points


def annotate_checkins(
    actor: Actor,
    checkins: list[CheckIn],
    objective: Objective,
    key_results: list[KeyResult],
    now: datetime.datetime | None = None,
) -> bool:
    """Attach what a history row shows (no query): its key result, the entry that replaced it, and the actions.

    ``checkins`` is a whole history (``with_standing``) of key results of
    ``objective``. Each entry gets ``kr``, ``replaced_by`` (the correction or
    undo that superseded it, or None) and ``can_correct`` / ``can_undo``: the
    permission matrix plus ``checkin_correction_refusal`` /
    ``checkin_undo_refusal``, the functions the services refuse with.
    Returns whether any row offers an action (the table's Actions column).
    """
    now = now or timezone.now()
    by_kr = {kr.pk: kr for kr in key_results}
    by_id = {c.pk: c for c in checkins}
    latest: dict[int, dict[int, int]] = {
        kr_id: authors_latest_checkins(c for c in checkins if c.key_result_id == kr_id) for kr_id in by_kr
    }
    for checkin in checkins:
        kr = checkin.kr = by_kr.get(checkin.key_result_id)
        checkin.replaced_by = by_id.get(checkin.corrected_by_id) if checkin.corrected_by_id else None
        checkin.can_correct = checkin.can_undo = False
        if kr is None or not actor.can(
            Action.CORRECT_CHECKIN,
            department_id=objective.department_id,
            owner_id=kr.owner_id,
            author_id=checkin.author_id,
        ):
            continue
        checkin.can_correct = checkin_correction_refusal(checkin, objective) is None
        checkin.can_undo = (
            checkin_undo_refusal(
                checkin,
                objective,
                user_id=actor.user_id,
                latest_id=latest[kr.pk].get(actor.user_id) if actor.user_id else None,
                now=now,
            )
            is None
        )
    return any(c.can_correct or c.can_undo for c in checkins)


def key_result_detail(*, company: Company, actor: Actor, key_result_id: int) -> dict[str, Any] | None:
    """A key result with its objective, check-in history (corrected entries included) and shares (three queries)."""
    kr = (
        KeyResult.objects.filter(company=company, pk=key_result_id)
        .select_related("objective__cycle", "objective__department", "owner", "carried_from__objective__cycle")
        .first()
    )
    if kr is None or not can_read_objective(actor, kr.objective):
        return None
    carried_from = kr.carried_from
    if carried_from is not None and not can_read_objective(actor, carried_from.objective):
        carried_from = None
    # Copies are only ever made of a closed cycle's key results: an open one's page reads nothing more.
    carried_to = (
        [
            copy
            for copy in KeyResult.objects.filter(company=company, carried_from=kr).select_related("objective__cycle")
            if can_read_objective(actor, copy.objective)
        ]
        if kr.objective.cycle.is_closed
        else []
    )
    expected = pace_of(company, kr.objective.cycle)
    annotate_key_result(actor, kr, kr.objective, expected)
    shared_with = [
        link.objective
        for link in SharedKeyResult.objects.filter(company=company, key_result=kr)
        .select_related("objective__department")
        .order_by("id")
        if can_read_objective(actor, link.objective)
    ]
    checkins = list(CheckIn.objects.with_standing().filter(company=company, key_result=kr).select_related("author"))
    checkin_actions = annotate_checkins(actor, checkins, kr.objective, [kr])
    history = [
        (
            c.created_at,
            key_result_progress(
                kind=kr.kind, direction=kr.direction, start=kr.start_value, target=kr.target_value, current=c.value
            ),
        )
        for c in checkins
        if c.stands
    ]
    return {
        "key_result": kr,
        "objective": kr.objective,
        "checkins": checkins,
        "checkin_actions": checkin_actions,
        "history": history,
        "carried_from": carried_from,
        "carried_to": carried_to,
        "shared_with": shared_with,
    }


def department_cards(*, company: Company, actor: Actor, cycle: Cycle | None) -> list[dict[str, Any]]:
    """Departments with their objective count and mean progress in the cycle (two queries).

    On a closed cycle: the mean of the objectives' final scores, with no pace (``pace_of``).
    """
    # Each row gets the counts below, beyond the columns values() reads.
    departments = cast(
        list[dict[str, Any]],
        list(Department.objects.filter(company=company).order_by("name").values("id", "name", "slug")),
    )
    expected = pace_of(company, cycle) if cycle is not None else None
    stats: dict[int, list[float | None]] = defaultdict(list)
    if cycle is not None:
        for department_id, progress in (
            Objective.objects.filter(company=company, cycle=cycle, department__isnull=False)
            .filter(visible_objectives_q(actor=actor))
            .exclude(status=ObjectiveStatus.ARCHIVED)
            .values_list("department_id", "final_score" if cycle.is_closed else "progress")
        ):
            stats[department_id].append(progress)
    for department in departments:
        values = stats.get(department["id"], [])
        department["objective_count"] = len(values)
        department["progress"] = mean_progress(values)
        department["expected"] = expected
    return departments


# ---------------------------------------------------------------- cycles and first run


def current_cycle(cycles: Iterable[Cycle], today: date) -> Cycle | None:
    """The cycle a page shows by default: the active one running today, else the latest active, else the latest."""
    cycles = list(cycles)
    active = [c for c in cycles if c.status == CycleStatus.ACTIVE]
    for cycle in active:
        if cycle.start_date <= today <= cycle.end_date:
            return cycle
    if active:
        return active[0]
    return cycles[0] if cycles else None


def choose_cycle(request: TenantRequest, cycles: list[Cycle]) -> Cycle | None:
    """The ``?cycle=`` of the request among the company's cycles (404 if foreign), or the current one."""
    cycle_id = int_or_none(request.GET.get("cycle"))
    if cycle_id is not None:
        cycle = next((c for c in cycles if c.pk == cycle_id), None)
        if cycle is None:
            raise not_found("cycle")
        return cycle
    return current_cycle(cycles, request.company.local_today())


def first_run_state(*, company: Company) -> dict[str, Any]:
    """How far an admin is in building the first cascade (two queries), for the empty company's home.

    ``objectives`` counts every objective; ``company_objective`` is the first
    company-level one; ``department`` the first department; ``laddered``
    whether a department objective already has a parent.
    """
    counts = Objective.objects.filter(company=company).aggregate(
        objectives=Count("id"),
        company_objective=Min("id", filter=Q(department__isnull=True)),
        laddered=Count("id", filter=Q(department__isnull=False, parent__isnull=False)),
    )
    department = Department.objects.filter(company=company).order_by("name").values("id", "name", "slug").first()
    return {**counts, "department": department}


# ---------------------------------------------------------------- grading


def grading_key_results(
    *, company: Company, actor: Actor, cycle: Cycle, only_gradable: bool = False, now: datetime.datetime | None = None
) -> list[Objective]:
    """The key results graded in ``cycle`` that the actor reads, under their objectives (``graded_key_results``).

    Only objectives that ran (closed with the cycle) are graded. Each key
    result gets ``can_grade`` (the matrix's ``Action.GRADE`` and the window,
    ``grading_refusal``) and ``needs_score`` (no score and not marked "not
    scored": a key result never checked in). With ``only_gradable`` the
    grading page keeps those the actor may grade now. One query, whatever
    the number of key results.
    """
    now = now or timezone.now()
    window_refusal = grading_refusal(cycle, None, now)
    key_results = (
        KeyResult.objects.filter(company=company, objective__cycle=cycle, objective__status=ObjectiveStatus.CLOSED)
        .filter(visible_objectives_q(actor=actor, prefix="objective__"))
        .select_related("objective__department", "owner")
        .order_by("objective__department__name", "objective_id", "id")
    )
    objectives: dict[int, Objective] = {}
    for kr in key_results:
        objective = kr.objective
        objective.cycle = cycle
        kr.needs_score = kr.final_score is None and not kr.not_scored
        kr.can_grade = window_refusal is None and actor.can(
            Action.GRADE, department_id=objective.department_id, owner_id=kr.owner_id
        )
        if only_gradable and not kr.can_grade:
            continue
        if objective.pk not in objectives:
            objectives[objective.pk] = objective
            objective.graded_key_results = []
        objectives[objective.pk].graded_key_results.append(kr)
    return list(objectives.values())
