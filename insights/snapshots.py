"""Taking the daily snapshots: the nightly one from the stored columns, earlier days replayed from check-ins.

**When.** A day is snapshotted once it is over in the company's time zone.
Beat runs :func:`due_snapshots_all_companies` every quarter of an hour (like
the reminders, ``notifications.reminders``): a company is due when its last
:class:`~insights.models.SnapshotRun` is older than its local yesterday, so
each company is snapshotted within 15 minutes of its own midnight, and a beat
that was down catches up on its next tick.

**The nightly snapshot** (:func:`snapshot_day`) copies the stored
``progress`` columns (a cache that equals the progress maths once the
roll-up queue drains, DESIGN §3) of every objective and key result of the
cycles running that day, one set-based ``INSERT … SELECT … ON CONFLICT DO
NOTHING`` per table, then adds the day's :class:`~insights.models.DailyTotal`
rows from those snapshots. Running it twice inserts nothing the second time.

**Earlier days** (:func:`backfill_days`) are replayed from the check-ins that
stand (``CheckIn.objects.effective()``, where corrections land): a key
result's value on day D is its latest check-in (by time, then id, as the
check-in service decides) recorded before the end of D; a key result that
was never checked in counts its creation value from the day it was created.
Key result and objective progress are then computed by the roll-up's own
pure function (``objectives.rollup.compute_company_progress``), so a replayed
day equals a snapshot of the columns taken that night. What the replay
cannot know it takes from today: key result definitions (start, target,
kind, weight), objective statuses, weights, laddering, departments and final
scores (from the day its cycle closed, a child counts in its parent with its
final score, as in the roll-up: ``objectives.grading.child_value``).

The nightly job of a company (:func:`snapshot_company`) first replays the
days since its last run (none the first time: then from the start of the
cycles running yesterday), then snapshots yesterday from the columns, and
records the run. ``manage.py snapshot_backfill`` replays any range by hand
(``--replace`` rewrites days already taken, after an import or a change of
key result definitions); the demo company replays its quarter when it is
loaded.

**History that changes.** A correction or an undo keeps the original
reading's time, and a check-in may be recorded back in time: either changes
days already snapshotted. After such a check-in event commits
(``insights.receivers``), :func:`replay_key_result` rewrites the key
result's snapshots and those of its objective and every objective above it,
from the reading's day to the last day taken, and those days' totals.

Pages never write: a dashboard shows the snapshots there are, and today's
point live from the columns.
"""

import datetime
import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Max

from companies.models import Company
from insights.models import DailyTotal, KeyResultSnapshot, ObjectiveSnapshot, SnapshotRun
from objectives.models import COUNTED_STATUSES, CheckIn, Cycle, Event, KeyResult, Objective, ObjectiveStatus, Verb
from objectives.rollup import compute_company_progress
from okrhub.ancestry import walk_up
from okrhub.logs import log_event

log = logging.getLogger(__name__)

#: The first run of a company replays at most this many days before yesterday.
MAX_BACKFILL_DAYS = 400
#: Rows per INSERT when replayed days are written.
BATCH_SIZE = 5000

DAY = datetime.timedelta(days=1)


def day_end(company: Company, day: datetime.date) -> datetime.datetime:
    """The moment local day ``day`` ends in the company's time zone (its next midnight), as an aware datetime."""
    return datetime.datetime.combine(day + DAY, datetime.time(), tzinfo=company.tzinfo)


def local_yesterday(company: Company, now: datetime.datetime) -> datetime.date:
    """The company's last complete local day at ``now``."""
    return now.astimezone(company.tzinfo).date() - DAY


# ---------------------------------------------------------------- when


def due_snapshots_all_companies(now: datetime.datetime) -> list[tuple[int, datetime.date]]:
    """(company id, day) for every company whose local yesterday has no snapshot run yet (crosses companies)."""
    last = dict(SnapshotRun.objects.values("company_id").annotate(last=Max("day")).values_list("company_id", "last"))
    due = []
    for company in Company.objects.order_by("id").only("id", "timezone"):
        yesterday = local_yesterday(company, now)
        previous = last.get(company.pk)
        if previous is None or previous < yesterday:
            due.append((company.pk, yesterday))
    return due


# ---------------------------------------------------------------- the nightly snapshot

_OBJECTIVE_SQL = """
INSERT INTO {snapshot} (company_id, day, objective_id, cycle_id, department_id, status, progress)
SELECT o.company_id, %s, o.id, o.cycle_id, o.department_id, o.status, o.progress
FROM {objective} o
JOIN {cycle} c ON c.company_id = o.company_id AND c.id = o.cycle_id
WHERE o.company_id = %s AND c.start_date <= %s AND c.end_date >= %s AND o.status <> %s
ON CONFLICT DO NOTHING
"""

_KEY_RESULT_SQL = """
INSERT INTO {snapshot} (company_id, day, key_result_id, value, confidence, progress)
SELECT k.company_id, %s, k.id, k.current_value, k.confidence, k.progress
FROM {key_result} k
JOIN {objective} o ON o.company_id = k.company_id AND o.id = k.objective_id
JOIN {cycle} c ON c.company_id = o.company_id AND c.id = o.cycle_id
WHERE k.company_id = %s AND c.start_date <= %s AND c.end_date >= %s AND o.status <> %s
ON CONFLICT DO NOTHING
"""

#: A day's totals, from that day's objective snapshots (counted statuses only): the one place they are summed.
_TOTALS_SQL = """
INSERT INTO {total} (company_id, cycle_id, day, department_key, objectives, known, progress_sum)
SELECT company_id, cycle_id, day, COALESCE(department_id, 0), COUNT(*), COUNT(progress), COALESCE(SUM(progress), 0)
FROM {snapshot}
WHERE company_id = %s AND day = %s AND status IN (%s, %s)
GROUP BY company_id, cycle_id, day, COALESCE(department_id, 0)
ON CONFLICT DO NOTHING
"""


def _tables() -> dict[str, str]:
    return {
        "objective": Objective._meta.db_table,
        "key_result": KeyResult._meta.db_table,
        "cycle": Cycle._meta.db_table,
        "total": DailyTotal._meta.db_table,
    }


def _insert_totals(company: Company, day: datetime.date) -> None:
    sql = _TOTALS_SQL.format(snapshot=ObjectiveSnapshot._meta.db_table, **_tables())
    with connection.cursor() as cursor:
        cursor.execute(sql, [company.pk, day, *COUNTED_STATUSES])


def snapshot_day(*, company: Company, day: datetime.date) -> tuple[int, int]:
    """Snapshot the stored columns as the end of ``day``; return (objectives, key results) inserted.

    Three statements whatever the size; rows already there are kept (``ON
    CONFLICT DO NOTHING``), so a second run inserts nothing.
    """
    tables = _tables()
    params: list[Any] = [day, company.pk, day, day, ObjectiveStatus.ARCHIVED]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_OBJECTIVE_SQL.format(snapshot=ObjectiveSnapshot._meta.db_table, **tables), params)
        objectives = cursor.rowcount
        cursor.execute(_KEY_RESULT_SQL.format(snapshot=KeyResultSnapshot._meta.db_table, **tables), params)
        key_results = cursor.rowcount
        _insert_totals(company, day)
    return max(objectives, 0), max(key_results, 0)


# ---------------------------------------------------------------- earlier days, from check-ins


@dataclass
class ReplayedDay:
    """What :func:`replay` computes for one day: the rows a snapshot of that night would have held."""

    day: datetime.date
    objectives: list[ObjectiveSnapshot]
    key_results: list[KeyResultSnapshot]


def replay(company: Company, days: Iterable[datetime.date]) -> Iterator[ReplayedDay]:
    """Each of ``days`` (ascending) as a snapshot of that night would have held it, from the check-ins.

    Four queries whatever the number of days. Progress is computed only on
    days whose inputs changed (a check-in, a key result's creation value
    starting to count); the rows of a day cover the objectives (not archived)
    of the cycles running that day, and their key results.
    """
    days = sorted(set(days))
    if not days:
        return
    cycles = list(Cycle.objects.filter(company=company).values_list("id", "start_date", "end_date", "closed_at"))
    # A child of a cycle closed by a day's end counts in its parent with its final score (taken from today).
    closed_at = {cycle_id: at for cycle_id, _, _, at in cycles if at is not None}
    objectives = list(
        Objective.objects.filter(company=company).values(
            "id", "parent_id", "status", "weight", "cycle_id", "department_id", "final_score"
        )
    )
    key_results = list(
        KeyResult.objects.filter(company=company).values(
            "id", "objective_id", "kind", "direction", "start_value", "target_value", "current_value", "weight",
            "created_at",
        )
    )  # fmt: skip
    standing = CheckIn.objects.effective().filter(company=company)
    checked_in = set(standing.order_by().values_list("key_result_id", flat=True).distinct())
    checkins: Sequence[tuple[int, Decimal, str, datetime.datetime]] = list(
        standing.filter(created_at__lt=day_end(company, days[-1]))
        .order_by("created_at", "id")
        .values_list("key_result_id", "value", "confidence", "created_at")
    )
    latest: dict[int, tuple[Decimal, str]] = {}
    position = 0
    values: dict[int, Decimal | None] | None = None
    closed: frozenset[int] = frozenset()
    kr_progress: dict[int, float | None] = {}
    objective_progress: dict[int, float | None] = {}
    for day in days:
        end = day_end(company, day)
        while position < len(checkins) and checkins[position][3] < end:
            key_result_id, value, confidence, _ = checkins[position]
            latest[key_result_id] = (value, confidence)
            position += 1
        today_values = {kr["id"]: _value_on(kr, latest, checked_in, end) for kr in key_results}
        closed_by_then = frozenset(cycle_id for cycle_id, at in closed_at.items() if at < end)
        if today_values != values or closed_by_then != closed:
            values, closed = today_values, closed_by_then
            kr_progress, objective_progress = compute_company_progress(
                objectives=[{**o, "cycle_closed": o["cycle_id"] in closed} for o in objectives],
                key_results=[{**kr, "current_value": values[kr["id"]]} for kr in key_results],
                rollup_children=company.rollup_child_objectives,
            )
        running = {cycle_id for cycle_id, start, finish, _ in cycles if start <= day <= finish}
        shown = {o["id"]: o for o in objectives if o["cycle_id"] in running and o["status"] != ObjectiveStatus.ARCHIVED}
        yield ReplayedDay(
            day=day,
            objectives=[
                ObjectiveSnapshot(
                    company_id=company.pk,
                    day=day,
                    objective_id=o["id"],
                    cycle_id=o["cycle_id"],
                    department_id=o["department_id"],
                    status=o["status"],
                    progress=objective_progress[o["id"]],
                )
                for o in shown.values()
            ],
            key_results=[
                KeyResultSnapshot(
                    company_id=company.pk,
                    day=day,
                    key_result_id=kr["id"],
                    value=values[kr["id"]],
                    confidence=latest[kr["id"]][1] if kr["id"] in latest else "",
                    progress=kr_progress[kr["id"]],
                )
                for kr in key_results
                if kr["objective_id"] in shown
            ],
        )


def _value_on(
    kr: Mapping[str, Any],
    latest: dict[int, tuple[Decimal, str]],
    checked_in: set[int],
    end: datetime.datetime,
) -> Decimal | None:
    """A key result's value at ``end``: its latest standing check-in, else (never checked in) its creation value."""
    if kr["id"] in latest:
        return latest[kr["id"]][0]
    if kr["id"] not in checked_in and kr["current_value"] is not None and kr["created_at"] < end:
        value: Decimal = kr["current_value"]
        return value
    return None


def backfill_days(*, company: Company, days: Iterable[datetime.date], replace: bool = False) -> int:
    """Write :func:`replay`'s rows for ``days``; return how many days were written.

    Days already snapshotted are kept as they are unless ``replace`` (then
    their snapshots and totals are deleted and written again, in the same
    transaction).
    """
    days = sorted(set(days))
    if not days:
        return 0
    with transaction.atomic():
        if replace:
            for model in (ObjectiveSnapshot, KeyResultSnapshot, DailyTotal):
                model.objects.filter(company=company, day__in=days).delete()
        for replayed in replay(company, days):
            ObjectiveSnapshot.objects.bulk_create(replayed.objectives, batch_size=BATCH_SIZE, ignore_conflicts=True)
            KeyResultSnapshot.objects.bulk_create(replayed.key_results, batch_size=BATCH_SIZE, ignore_conflicts=True)
            _insert_totals(company, replayed.day)
    return len(days)


def replay_key_result(*, company: Company, key_result_id: int, since: datetime.date) -> int:
    """Rewrite a key result's history from ``since`` to the last day snapshotted; return the days rewritten.

    The key result's snapshots, its objective's and every ancestor's (whose
    progress it moves) are replayed (:func:`replay`) and replaced, and the
    totals of those days recomputed from the snapshots, in one transaction.
    Nothing happens for a day not snapshotted yet (the nightly snapshot will
    read the columns, which the check-in services keep right).
    """
    last: datetime.date | None = SnapshotRun.objects.filter(company=company).aggregate(last=Max("day"))["last"]
    objective_id = (
        KeyResult.objects.filter(company=company, pk=key_result_id).values_list("objective_id", flat=True).first()
    )
    if last is None or since > last or objective_id is None:
        return 0
    parents = dict(Objective.objects.filter(company=company).values_list("id", "parent_id"))
    chain = set(walk_up(parents, objective_id))  # the same loop-guarded walk as departments', over objectives
    days = [since + n * DAY for n in range((last - since).days + 1)]
    with transaction.atomic():
        ObjectiveSnapshot.objects.filter(company=company, day__in=days, objective_id__in=chain).delete()
        KeyResultSnapshot.objects.filter(company=company, day__in=days, key_result_id=key_result_id).delete()
        DailyTotal.objects.filter(company=company, day__in=days).delete()
        for replayed in replay(company, days):
            ObjectiveSnapshot.objects.bulk_create(
                [row for row in replayed.objectives if row.objective_id in chain], ignore_conflicts=True
            )
            KeyResultSnapshot.objects.bulk_create(
                [row for row in replayed.key_results if row.key_result_id == key_result_id], ignore_conflicts=True
            )
            _insert_totals(company, replayed.day)
    log_event(
        log, "snapshot.replay", company=company.pk, key_result=key_result_id, since=since.isoformat(), days=len(days)
    )
    return len(days)


def replay_changed_history(*, company: Company, event_ids: Iterable[int]) -> int:
    """Replay the key results whose history these events changed (see the module docstring); return how many.

    A check-in, correction or undo whose reading falls on a day already
    snapshotted changed that day and the days after it. One query for the
    events; an ordinary check-in (read today) costs nothing more.
    """
    earliest: dict[int, datetime.date] = {}
    for key_result_id, moment in Event.objects.filter(
        company=company,
        pk__in=list(event_ids),
        verb__in=[Verb.CHECKIN_CREATED, Verb.CHECKIN_CORRECTED, Verb.CHECKIN_UNDONE],
        key_result__isnull=False,
        checkin__isnull=False,
    ).values_list("key_result_id", "checkin__created_at"):
        day = moment.astimezone(company.tzinfo).date()
        earliest[key_result_id] = min(day, earliest.get(key_result_id, day))
    yesterday = local_yesterday(company, datetime.datetime.now(datetime.UTC))
    changed = {key_result_id: day for key_result_id, day in earliest.items() if day <= yesterday}
    for key_result_id, day in sorted(changed.items()):
        replay_key_result(company=company, key_result_id=key_result_id, since=day)
    return len(changed)


def running_cycles_start(company: Company, day: datetime.date) -> datetime.date | None:
    """The first day of the earliest cycle running on ``day`` (where a first backfill starts), or None."""
    start: datetime.date | None = (
        Cycle.objects.filter(company=company, start_date__lte=day, end_date__gte=day)
        .order_by("start_date")
        .values_list("start_date", flat=True)
        .first()
    )
    return start


# ---------------------------------------------------------------- one company's nightly job


def snapshot_company(*, company: Company, day: datetime.date) -> SnapshotRun | None:
    """Snapshot ``day`` (the company's yesterday) and replay the days since the last run; record the run.

    Returns the run, or None when ``day`` was done already. Idempotent: two
    runs at once insert each row once (the unique constraints decide) and
    record one run.
    """
    if SnapshotRun.objects.filter(company=company, day=day).exists():
        return None
    started = time.monotonic()
    last: datetime.date | None = SnapshotRun.objects.filter(company=company, day__lt=day).aggregate(last=Max("day"))[
        "last"
    ]
    first = last + DAY if last is not None else running_cycles_start(company, day)
    if first is not None:
        first = max(first, day - MAX_BACKFILL_DAYS * DAY)
    missed = [first + n * DAY for n in range((day - first).days)] if first is not None and first < day else []
    with transaction.atomic():
        backfilled = backfill_days(company=company, days=missed)
        objectives, key_results = snapshot_day(company=company, day=day)
        run = SnapshotRun(
            company=company,
            day=day,
            objectives=objectives,
            key_results=key_results,
            backfilled_days=backfilled,
            seconds=round(time.monotonic() - started, 3),
        )
        created = SnapshotRun.objects.bulk_create([run], ignore_conflicts=True)
    log_event(
        log,
        "snapshot.company",
        company=company.pk,
        day=day.isoformat(),
        objectives=objectives,
        key_results=key_results,
        backfilled_days=backfilled,
        ms=round((time.monotonic() - started) * 1000),
    )
    return created[0] if created else run


def backfill_company(
    *,
    company: Company,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    replace: bool = False,
) -> int:
    """Replay ``since``..``until`` (default: the running cycles' start to yesterday) and record the last day.

    What ``manage.py snapshot_backfill`` and the demo run. Recording the run
    for ``until`` keeps the nightly job from replaying these days again.
    """
    yesterday = local_yesterday(company, datetime.datetime.now(datetime.UTC))
    until = min(until or yesterday, yesterday)  # a day not over yet is the nightly snapshot's, from the columns
    since = since or running_cycles_start(company, until) or until
    days = [since + n * DAY for n in range((until - since).days + 1)]
    with transaction.atomic():
        written = backfill_days(company=company, days=days, replace=replace)
        if written:
            SnapshotRun.objects.bulk_create(
                [SnapshotRun(company=company, day=until, backfilled_days=written)], ignore_conflicts=True
            )
    return written
