"""The dashboards' figures: one function per figure, shared by the pages, the API and the export.

A dashboard has a *scope*: the whole company, or a department with its
sub-departments. Every figure is over the cycle's counted objectives
(active or closed) in scope that the reader may read, or their key results:
exactly the rows of the list each tile links to (``insights.filters``), so
a tile's number is that list's length. The reader's visibility goes through
``visible_objectives_q`` everywhere; a company-wide figure for someone who
may not read a private objective (a write key) is computed over the
objectives they may read, so neither a title nor a number of a private
objective reaches them. Leaders and admins, the company dashboard's readers,
read every objective.

- :func:`dashboard`: the headline, the department heatmap, the at-risk,
  off-track and behind-pace lists, check-in compliance and this week's
  changes, from a constant number of queries (grouped in SQL, never a row per
  objective in Python): the page's p95 stays flat at 10,000 objectives;
- :func:`final_scores`: a closed cycle's view instead of pace (DESIGN §3: a
  closed cycle has final scores, no pace, ``objectives.progress.pace``): the
  objectives' score distribution (the cycle report's bands), each heatmap
  row's, and the lowest-scored objectives;
- :func:`progress_series`: the scope's progress per day from the snapshots'
  daily totals, against the expected pace (none once the cycle closed);
- :func:`history_rows`: the progress history of a filtered list, for the export.
"""

import datetime
import functools
import operator
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, cast

from django.db import connections
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from companies.models import Company
from companies.tenancy import Actor
from departments.ancestry import walk_up
from departments.models import Department
from explore.params import Search
from insights.filters import ListFilter, Scope
from insights.models import DailyTotal, KeyResultSnapshot, ObjectiveSnapshot
from objectives import feed
from objectives.grading import ScoreDistribution, score_distribution
from objectives.models import COUNTED_STATUSES, Confidence, Cycle, Event, KeyResult, Objective, ObjectiveStatus
from objectives.progress import Status, mean_of_sums, pace, status_or_none
from objectives.selectors import pace_of, status_q, visible_objectives_q
from okrhub.permissions import Action

#: How many rows each list tile shows (its link shows them all).
LIST_SIZE = 6
#: "This week": the activity page's week, which the tile links to.
WEEK_PERIOD = "week"
WEEK = feed.PERIODS[WEEK_PERIOD][1] or datetime.timedelta(days=7)

STATUSES = (Status.ON_TRACK, Status.BEHIND_PACE, Status.DONE, Status.UNKNOWN)
CONFIDENCES = tuple(Confidence)

#: What changed, by family of event verbs: the activity page's families (``objectives.feed.VERB_FAMILIES``),
#: so that each count is exactly the list its link opens.
CHANGE_FAMILIES = feed.VERB_FAMILIES


# ---------------------------------------------------------------- tallies


@dataclass
class Tally:
    """The counts of one scope or heatmap row. ``progress`` is the plain mean of the known objectives."""

    objectives: int = 0
    known: int = 0
    progress_sum: float = 0.0
    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    key_results: int = 0
    by_confidence: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CONFIDENCES, 0))
    active_key_results: int = 0
    stale: int = 0

    @property
    def progress(self) -> float | None:
        return mean_of_sums(self.progress_sum, self.known)

    @property
    def checked_in_share(self) -> float | None:
        """Share of the key results of active objectives checked in within the cadence (None: none to check)."""
        if not self.active_key_results:
            return None
        return (self.active_key_results - self.stale) / self.active_key_results

    def add(self, other: "Tally") -> None:
        self.objectives += other.objectives
        self.known += other.known
        self.progress_sum += other.progress_sum
        for key, value in other.by_status.items():
            self.by_status[key] += value
        self.key_results += other.key_results
        for key, value in other.by_confidence.items():
            self.by_confidence[key] += value
        self.active_key_results += other.active_key_results
        self.stale += other.stale


def objective_tallies(scope: Scope, *, department: int | None) -> dict[int | None, Tally]:
    """Objective counts by department (None: company level), grouped in SQL (one query)."""
    rows = (
        scope.rows(ListFilter(kind="objective", cycle=scope.cycle.pk, department=department))
        .values("department_id")
        .annotate(
            count=Count("id"),
            known=Count("progress"),
            total=Sum("progress"),
            **{
                s.value: Count("id", filter=status_q(s, company=scope.company, today=scope.today, cycles=[scope.cycle]))
                for s in STATUSES
            },
        )
        .order_by()
    )
    tallies: dict[int | None, Tally] = {}
    for row in cast(Iterable[dict[str, Any]], rows):
        tally = tallies[row["department_id"]] = Tally(
            objectives=row["count"], known=row["known"], progress_sum=row["total"] or 0.0
        )
        tally.by_status = {s: row[s.value] for s in STATUSES}
    return tallies


def key_result_tallies(scope: Scope, *, department: int | None) -> dict[int | None, Tally]:
    """Key result counts (confidence, compliance) by their objective's department (one query).

    Grouped by department, confidence and objective status (a few hundred
    groups at most) so the database counts each row once, with one condition.
    """
    f = ListFilter(kind="key_result", cycle=scope.cycle.pk, department=department)
    rows = (
        scope.rows(f)
        .values("objective__department_id", "confidence", "objective__status")
        .annotate(count=Count("id"), stale=Count("id", filter=scope.stale()))
        .order_by()
    )
    tallies: dict[int | None, Tally] = defaultdict(Tally)
    for row in cast(Iterable[dict[str, Any]], rows):
        tally = tallies[row["objective__department_id"]]
        tally.key_results += row["count"]
        if row["confidence"] in Confidence.values:
            tally.by_confidence[Confidence(row["confidence"])] += row["count"]
        if row["objective__status"] == ObjectiveStatus.ACTIVE:
            tally.active_key_results += row["count"]
        tally.stale += row["stale"]
    return dict(tallies)


def _merge(*parts: Mapping[int | None, Tally]) -> dict[int | None, Tally]:
    merged: dict[int | None, Tally] = defaultdict(Tally)
    for part in parts:
        for key, tally in part.items():
            merged[key].add(tally)
    return dict(merged)


# ---------------------------------------------------------------- the progress series


class Point(TypedDict):
    day: datetime.date
    progress: float | None
    expected: float | None  # None: the cycle is closed (``progress.pace``)
    objectives: int


def progress_series(
    scope: Scope, *, department: int | None, today_progress: float | None, today_objectives: int
) -> list[Point]:
    """The scope's progress at the end of each day of the cycle so far, then today's (live), with the pace.

    A closed cycle has no pace (``progress.pace``): every point's ``expected`` is None.

    Past days come from the snapshots' daily totals (one query); for a
    reader who may not read every private objective, the snapshots of the
    private objectives they may not read (visibility as it is today) are taken
    out again (one more query), so no number of theirs reaches the chart.
    """
    cycle, company = scope.cycle, scope.company
    last = min(cycle.end_date, scope.today - datetime.timedelta(days=1))
    buckets = _buckets(scope, department)
    totals = DailyTotal.objects.filter(company=company, cycle=cycle, day__gte=cycle.start_date, day__lte=last)
    if buckets is not None:
        totals = totals.filter(department_key__in=buckets)
    sums: dict[datetime.date, list[float]] = {}
    for day, objectives, known, total in (
        totals.values("day")
        .annotate(o=Sum("objectives"), k=Sum("known"), t=Sum("progress_sum"))
        .values_list("day", "o", "k", "t")
    ):
        sums[day] = [objectives or 0, known or 0, total or 0.0]
    if not scope.actor.can(Action.READ_PRIVATE):
        hidden = ObjectiveSnapshot.objects.filter(
            company=company,
            cycle=cycle,
            day__gte=cycle.start_date,
            day__lte=last,
            status__in=COUNTED_STATUSES,
            objective__in=Objective.objects.filter(company=company, cycle=cycle, private=True).exclude(
                visible_objectives_q(actor=scope.actor)
            ),
        )
        if buckets is not None:
            hidden = hidden.filter(_bucket_q(buckets))
        for day, objectives, known, total in (
            hidden.values("day")
            .annotate(o=Count("id"), k=Count("progress"), t=Sum("progress"))
            .order_by()
            .values_list("day", "o", "k", "t")
        ):
            if day in sums:
                sums[day][0] -= objectives
                sums[day][1] -= known
                sums[day][2] -= total or 0.0
    points: list[Point] = [
        {
            "day": day,
            "progress": mean_of_sums(total, int(known)) if objectives else None,
            "expected": pace(today=day, start=cycle.start_date, end=cycle.end_date, closed=cycle.is_closed),
            "objectives": int(objectives),
        }
        for day, (objectives, known, total) in sorted(sums.items())
    ]
    if cycle.start_date <= scope.today <= cycle.end_date:
        points.append(
            {
                "day": scope.today,
                "progress": today_progress,
                "expected": pace_of(company, cycle, scope.today),
                "objectives": today_objectives,
            }
        )
    return points


def _buckets(scope: Scope, department: int | None) -> list[int] | None:
    """The daily totals' department keys of the scope (None: every key, the whole company)."""
    return None if department is None else scope.subtree(department)


def _bucket_q(buckets: list[int]) -> Q:
    return Q(department_id__in=buckets)


# ---------------------------------------------------------------- lists


def _objective_items(scope: Scope, f: ListFilter) -> list[dict[str, Any]]:
    """The first rows of an objective list (lowest progress first): picked narrow, then joined (one query)."""
    first = scope.rows(f).order_by("progress", "id").values("pk")[:LIST_SIZE]
    rows = (
        Objective.objects.filter(pk__in=first)
        .order_by("progress", "id")
        .values("id", "title", "progress", "department__name", "owner__full_name", "owner__email")
    )
    return [_item(row, scope) for row in rows]


def _key_result_items(scope: Scope, lists: Mapping[str, ListFilter]) -> dict[str, list[dict[str, Any]]]:
    """The first rows of key result lists that differ only in ``confidence``, by name, from one query.

    Each list's first ids (lowest progress first) are picked narrow, the
    picks joined by ``UNION ALL`` (on SQLite, which refuses a limit inside
    a compound select, by ``OR``-ed ``IN`` subqueries), and only those few
    rows are read with their titles and owners.
    """
    picks = [scope.rows(f).order_by("progress", "id").values("pk")[:LIST_SIZE] for f in lists.values()]
    if connections[picks[0].db].features.supports_slicing_ordering_in_compound:
        chosen = Q(pk__in=picks[0].union(*picks[1:], all=True))
    else:
        chosen = functools.reduce(operator.or_, (Q(pk__in=pick) for pick in picks))
    rows = (
        KeyResult.objects.filter(chosen, company=scope.company)
        .order_by("progress", "id")
        .values(
            "id", "title", "progress", "confidence", "objective_id", "objective__title",
            "objective__department__name", "owner__full_name", "owner__email",
        )
    )  # fmt: skip
    by_confidence: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_confidence[row["confidence"]].append(_item(row, scope))
    return {name: by_confidence.get(str(f.confidence), []) for name, f in lists.items()}


def _item(row: Mapping[str, Any], scope: Scope) -> dict[str, Any]:
    """A list tile's row; its ``status`` is None on a closed cycle (no pace), where ``final_score`` is its score."""
    status = status_or_none(row["progress"], pace_of(scope.company, scope.cycle, scope.today))
    return {
        "id": row["id"],
        "title": row["title"],
        "progress": row["progress"],
        "final_score": row.get("final_score"),
        "status": status.value if status is not None else None,
        "objective_id": row.get("objective_id"),
        "objective_title": row.get("objective__title"),
        "department_name": row.get("department__name") or row.get("objective__department__name"),
        "owner_name": row["owner__full_name"] or row["owner__email"],
    }


def stale_by_person(scope: Scope, *, department: int | None) -> list[dict[str, Any]]:
    """Owners of stale key results in scope, most stale first (one query)."""
    f = ListFilter(kind="key_result", cycle=scope.cycle.pk, department=department, stale=True)
    rows = (
        scope.rows(f)
        .values("owner_id", "owner__full_name", "owner__email")
        .annotate(stale=Count("id"))
        .order_by("-stale", "owner__full_name", "owner__email", "owner_id")
    )
    return [
        {
            "owner_id": row["owner_id"],
            "name": row["owner__full_name"] or row["owner__email"] or None,
            "stale": row["stale"],
        }
        for row in rows
    ]


# ---------------------------------------------------------------- what changed


def changes_this_week(scope: Scope, *, department: int | None, now: datetime.datetime) -> dict[str, int]:
    """Events of the cycle in the last seven days, by family (one query), through the visibility rule.

    An event is as private as its objective (``Event``'s docstring); events
    with no objective (a cycle started) are everyone's.
    """
    events = Event.objects.filter(
        feed.readable_events_q(scope.actor),
        company=scope.company,
        cycle=scope.cycle,
        created_at__gte=feed.period_start(WEEK_PERIOD, now=now),
    )
    if department is not None:
        events = events.filter(department_id__in=scope.subtree(department))
    counts = dict(events.values("verb").annotate(n=Count("id")).order_by().values_list("verb", "n"))
    return {key: sum(counts.get(verb, 0) for verb in verbs) for key, (_, verbs) in CHANGE_FAMILIES.items()}


# ---------------------------------------------------------------- a closed cycle's final scores


def final_scores(scope: Scope, base: ListFilter, rows: Mapping[int, "Row"], *, heads: set[int]) -> dict[str, Any]:
    """A closed cycle's final-score view: the objectives' score distribution, each row's, and the lowest scores.

    The objectives are the dashboard's own (``base``: counted, in scope, readable), so the distribution
    counts exactly the objectives the headline does; the bands are the cycle report's
    (``objectives.grading.score_distribution``). Two queries: every objective's department and score
    (numbers only), then the few lowest-scored objectives with their titles (not scored ones last).
    """
    scores: list[float | None] = []
    for department_id, score in scope.rows(base).values_list("department_id", "final_score"):
        scores.append(score)
        head = _head_of(department_id, heads=heads, parents=scope.departments)
        if head is not None:
            rows[head].scores.append(score)
    first = scope.rows(base).order_by(F("final_score").asc(nulls_last=True), "id").values("pk")[:LIST_SIZE]
    lowest = (
        Objective.objects.filter(pk__in=first)
        .order_by(F("final_score").asc(nulls_last=True), "id")
        .values("id", "title", "progress", "final_score", "department__name", "owner__full_name", "owner__email")
    )
    return {"distribution": score_distribution(scores), "items": [_item(row, scope) for row in lowest]}


# ---------------------------------------------------------------- the dashboard


@dataclass
class Row:
    """A heatmap row: a department with everything inside it."""

    department_id: int
    name: str
    tally: Tally
    expected: float | None  # None: a closed cycle (``progress.pace``)
    links: dict[str, Any] = field(default_factory=dict)  # the page's: the row's dashboard
    cells: dict[str, Any] = field(default_factory=dict)  # the page's: each cell's count and list
    scores: list[float | None] = field(default_factory=list)  # a closed cycle's objective final scores

    @property
    def progress(self) -> float | None:
        return self.tally.progress

    @property
    def status(self) -> Status | None:
        return status_or_none(self.tally.progress, self.expected)

    @property
    def distribution(self) -> ScoreDistribution:
        """The row's final scores in :data:`~objectives.grading.SCORE_BANDS` (a closed cycle's)."""
        return score_distribution(self.scores)


def scope_for(
    *, company: Company, actor: Actor, cycle: Cycle, today: datetime.date | None = None
) -> tuple[Scope, list[dict[str, Any]]]:
    """The :class:`~insights.filters.Scope` of a dashboard, and the company's departments (two queries more)."""
    departments = cast(
        list[dict[str, Any]],
        list(Department.objects.filter(company=company).order_by("name").values("id", "name", "parent_id")),
    )
    scope = Scope.build(
        company=company,
        actor=actor,
        cycle=cycle,
        today=today or company.local_today(),
        departments={d["id"]: d["parent_id"] for d in departments},
    )
    return scope, departments


def dashboard(
    *,
    company: Company,
    actor: Actor,
    cycle: Cycle,
    department: Department | None = None,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Everything a dashboard shows, for the company (``department=None``) or a department and its teams.

    Twelve queries whatever the size (see the module docstring); a closed cycle's
    no more: it has no pace, so no behind-pace list (``behind_pace`` is None, as
    are ``expected`` and ``status``), and ``final`` holds its final scores
    (:func:`final_scores`, two queries). Heatmap rows
    are the top-level departments (company) or the department's teams (or the
    department itself when it has none), each with its sub-departments.
    """
    scope, departments = scope_for(company=company, actor=actor, cycle=cycle, today=today)
    now = now or timezone.now()
    department_id = department.pk if department is not None else None
    expected = pace_of(company, cycle, scope.today)  # None once the cycle closed: final scores, no pace
    by_department = _merge(
        objective_tallies(scope, department=department_id), key_result_tallies(scope, department=department_id)
    )
    total = Tally()
    for tally in by_department.values():
        total.add(tally)

    names = {d["id"]: d["name"] for d in departments}
    if department_id is None:
        heads = [d["id"] for d in departments if d["parent_id"] is None]
    else:
        heads = [d["id"] for d in departments if d["parent_id"] == department_id] or [department_id]
    rows = {head: Row(department_id=head, name=names[head], tally=Tally(), expected=expected) for head in heads}
    for key, tally in by_department.items():
        head = _head_of(key, heads=set(heads), parents=scope.departments)
        if head is not None:
            rows[head].tally.add(tally)

    base = ListFilter(kind="objective", cycle=cycle.pk, department=department_id)
    krs = base.but(kind="key_result")
    confidence_lists = {
        "at_risk": krs.but(confidence=Confidence.AT_RISK),
        "off_track": krs.but(confidence=Confidence.OFF_TRACK),
    }
    confidence_items = _key_result_items(scope, confidence_lists)
    people = stale_by_person(scope, department=department_id)
    series = progress_series(
        scope, department=department_id, today_progress=total.progress, today_objectives=total.objectives
    )
    week_ago = _point_on(series, scope.today - WEEK)
    return {
        "company": company,
        "cycle": cycle,
        "department": department,
        "today": scope.today,
        "expected": expected,
        "total": total,
        "by_department": by_department,  # each department's own figures (None: company level)
        "status": status_or_none(total.progress, expected),
        "rows": sorted(rows.values(), key=lambda row: row.name.lower()),
        "filters": {"objectives": base, "key_results": krs},
        "at_risk": {
            "count": total.by_confidence[Confidence.AT_RISK],
            "items": confidence_items["at_risk"],
            "filter": confidence_lists["at_risk"],
        },
        "off_track": {
            "count": total.by_confidence[Confidence.OFF_TRACK],
            "items": confidence_items["off_track"],
            "filter": confidence_lists["off_track"],
        },
        # A closed cycle has no pace, so nothing is behind it: no count and no list (None), its final scores instead.
        "behind_pace": None
        if expected is None
        else {
            "count": total.by_status[Status.BEHIND_PACE],
            "items": _objective_items(scope, base.but(pace="behind")),
            "filter": base.but(pace="behind"),
        },
        "final": None if expected is not None else final_scores(scope, base, rows, heads=set(heads)),
        "compliance": {
            "stale": total.stale,
            "key_results": total.active_key_results,
            "checked_in_share": total.checked_in_share,
            "people": people,
            "filter": krs.but(stale=True),
        },
        "series": series,
        "changes": {
            "since": feed.period_start(WEEK_PERIOD, now=now),
            "counts": changes_this_week(scope, department=department_id, now=now),
            "progress_then": week_ago["progress"] if week_ago else None,
            "progress_now": total.progress,
        },
    }


def _head_of(department_id: int | None, *, heads: set[int], parents: Mapping[int, int | None]) -> int | None:
    """The heatmap row a department's figures fall in: the nearest of ``heads`` at or above it."""
    for current in walk_up(parents, department_id):
        if current in heads:
            return current
    return None


def _point_on(series: Sequence[Point], day: datetime.date) -> Point | None:
    return next((point for point in series if point["day"] == day), None)


# ---------------------------------------------------------------- export


def history_rows(scope: Scope, search: Search) -> tuple[list[datetime.date], list[tuple[Any, ...]]]:
    """The progress history of a list (a parsed search of objectives or key results of the scope's cycle).

    The days, and per row its facts then its progress each day. Two queries
    (the rows, their snapshots), nothing per row. A day with no snapshot of a
    row (before it existed) is empty, as is unknown progress.
    """
    cycle = scope.cycle
    last = min(cycle.end_date, scope.today - datetime.timedelta(days=1))
    listed = scope.rows_of(search)
    if search.kind == "objective":
        rows: QuerySet[Any] = listed.order_by("id").values_list(
            "id", "title", "department__name", "owner__full_name", "owner__email", "progress"
        )
        snapshots: QuerySet[Any] = ObjectiveSnapshot.objects.filter(
            company=scope.company, objective__in=listed.values("id")
        ).values_list("objective_id", "day", "progress")
    else:
        rows = listed.order_by("id").values_list(
            "id", "title", "objective__department__name", "owner__full_name", "owner__email", "progress"
        )
        snapshots = KeyResultSnapshot.objects.filter(
            company=scope.company, key_result__in=listed.values("id")
        ).values_list("key_result_id", "day", "progress")
    by_row: dict[int, dict[datetime.date, float | None]] = defaultdict(dict)
    for row_id, day, progress in snapshots.filter(day__gte=cycle.start_date, day__lte=last):
        by_row[row_id][day] = progress
    days = sorted({day for history in by_row.values() for day in history})
    live = cycle.start_date <= scope.today <= cycle.end_date
    table: list[tuple[Any, ...]] = []
    for row_id, title, department_name, owner_name, owner_email, progress in rows:
        history = by_row.get(row_id, {})
        cells: Iterable[float | None] = [history.get(day) for day in days]
        if live:
            cells = [*cells, progress]
        table.append((row_id, title, department_name or "", owner_name or owner_email or "", *map(_percent, cells)))
    return ([*days, scope.today] if live else days), table


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)
