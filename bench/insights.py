"""The dashboards and the daily snapshots at scale (issue 16).

On both generated companies:

1. 90 days of snapshots are bulk-inserted (one ``INSERT … SELECT`` per table
   over ``generate_series``, in the unique index's order; progress ramps up
   to today's value), so the
   tables hold a quarter of history: at scale 1, 900,000 objective and
   3,600,000 key result snapshots. Kept with ``--reuse``.
2. The nightly snapshot of the whole company (``insights.snapshots.snapshot_day``,
   yesterday's rows deleted first so it writes them all) is timed: target 10 s.
3. The company dashboard (as the leader), a division's dashboard (as a
   member, who reads private objectives only in their own department) and the
   company API (as the write key) are timed through gunicorn: p95 target 200 ms.
4. The SQL query count of each of those requests, at both sizes: they must be equal.
"""

import datetime
import statistics
import time
from typing import Any

from django.db import connection, transaction
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext

from bench.http import Client, repeat
from departments.models import Department
from insights import snapshots
from insights.models import DailyTotal, KeyResultSnapshot, ObjectiveSnapshot

HISTORY_DAYS = 90
NIGHTLY_RUNS = 3

_OBJECTIVE_HISTORY = """
INSERT INTO insights_objectivesnapshot (company_id, day, objective_id, cycle_id, department_id, status, progress)
SELECT o.company_id, d.day::date, o.id, o.cycle_id, o.department_id, o.status,
       CASE WHEN o.progress IS NULL THEN NULL ELSE LEAST(1.0, o.progress * d.n / %(days)s) END
FROM objectives_objective o
CROSS JOIN (SELECT %(first)s::date + s AS day, s + 1 AS n FROM generate_series(0, %(days)s - 1) s) d
WHERE o.company_id = %(company)s AND o.status <> 'archived'
ORDER BY d.day, o.id
ON CONFLICT DO NOTHING
"""

_KEY_RESULT_HISTORY = """
INSERT INTO insights_keyresultsnapshot (company_id, day, key_result_id, value, confidence, progress)
SELECT k.company_id, d.day::date, k.id, k.current_value * d.n / %(days)s, k.confidence,
       CASE WHEN k.progress IS NULL THEN NULL ELSE LEAST(1.0, k.progress * d.n / %(days)s) END
FROM objectives_keyresult k
JOIN objectives_objective o ON o.company_id = k.company_id AND o.id = k.objective_id AND o.status <> 'archived'
CROSS JOIN (SELECT %(first)s::date + s AS day, s + 1 AS n FROM generate_series(0, %(days)s - 1) s) d
WHERE k.company_id = %(company)s
ORDER BY d.day, k.id
ON CONFLICT DO NOTHING
"""

_TOTALS_HISTORY = """
INSERT INTO insights_dailytotal (company_id, cycle_id, day, department_key, objectives, known, progress_sum)
SELECT company_id, cycle_id, day, COALESCE(department_id, 0), COUNT(*), COUNT(progress), COALESCE(SUM(progress), 0)
FROM insights_objectivesnapshot
WHERE company_id = %(company)s AND day >= %(first)s AND status IN ('active', 'closed')
GROUP BY company_id, cycle_id, day, COALESCE(department_id, 0)
ON CONFLICT DO NOTHING
"""


def fill_history(company: Any) -> dict[str, Any]:
    """Insert :data:`HISTORY_DAYS` days of snapshots up to the day before yesterday (idempotent)."""
    yesterday = snapshots.local_yesterday(company, datetime.datetime.now(datetime.UTC))
    first = yesterday - datetime.timedelta(days=HISTORY_DAYS)
    started = time.perf_counter()
    if not DailyTotal.objects.filter(company=company, day=first).exists():
        params = {"company": company.pk, "first": first, "days": HISTORY_DAYS}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_OBJECTIVE_HISTORY, params)
            cursor.execute(_KEY_RESULT_HISTORY, params)
            cursor.execute(_TOTALS_HISTORY, params)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE insights_objectivesnapshot, insights_keyresultsnapshot, insights_dailytotal")
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "objective_snapshots": ObjectiveSnapshot.objects.filter(company=company).count(),
        "key_result_snapshots": KeyResultSnapshot.objects.filter(company=company).count(),
    }


def measure_nightly(company: Any) -> dict[str, Any]:
    """The nightly snapshot of the whole company, :data:`NIGHTLY_RUNS` times, each on a day not taken yet.

    Yesterday and the days after it (a snapshot copies the columns whatever
    the day) are cleared first and the tables vacuumed, so each run inserts
    every row into tables that hold the 90 days of history, as a real night does.
    """
    yesterday = snapshots.local_yesterday(company, datetime.datetime.now(datetime.UTC))
    days = [yesterday + datetime.timedelta(days=n) for n in range(NIGHTLY_RUNS)]
    with transaction.atomic():
        for model in (ObjectiveSnapshot, KeyResultSnapshot, DailyTotal):
            model.objects.filter(company=company, day__in=days).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE insights_objectivesnapshot, insights_keyresultsnapshot, insights_dailytotal")
    runs, rows = [], (0, 0)
    for day in days:
        started = time.perf_counter()
        rows = snapshots.snapshot_day(company=company, day=day)
        runs.append(time.perf_counter() - started)
    with transaction.atomic():  # only yesterday stays: the days after it are not over
        for model in (ObjectiveSnapshot, KeyResultSnapshot, DailyTotal):
            model.objects.filter(company=company, day__in=days[1:]).delete()
    return {"runs_s": [round(s, 3) for s in runs], "median_s": round(statistics.median(runs), 3), "rows": rows}


def _division(fixture: Any) -> int:
    """The top-level department with the most teams: the widest department dashboard."""
    company = fixture.built.company
    divisions = Department.objects.filter(company=company, parent__isnull=True).values_list("id", flat=True)
    return max(divisions, key=lambda pk: Department.objects.filter(company=company, parent_id=pk).count())


def requests(fixture: Any) -> dict[str, tuple[str, str]]:
    """name -> (path, who) of every measured request."""
    slug, cycle = fixture.slug, fixture.built.cycle_id
    division = _division(fixture)
    return {
        "dashboard_company": (f"/c/{slug}/dashboard/?cycle={cycle}", "leader"),
        "dashboard_department": (f"/c/{slug}/dashboard/departments/{division}/?cycle={cycle}", "member"),
        "dashboard_api": (f"/api/v1/companies/{slug}/dashboard/?cycle={cycle}", "key"),
    }


def query_counts(fixture: Any) -> dict[str, int]:
    counts = {}
    for name, (path, who) in requests(fixture).items():
        client = DjangoClient(SERVER_NAME="127.0.0.1")
        for cookie, value in fixture.cookies(who).items():
            client.cookies[cookie] = value
        headers = fixture.headers(who)
        client.get(path, headers=headers)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{name}: {response.status_code} {response.content[:300]!r}")
        counts[name] = len(captured)
    return counts


def latency(fixture: Any, base_url: str, *, count: int) -> dict[str, dict[str, Any]]:
    results = {}
    for name, (path, who) in requests(fixture).items():
        client = Client(base_url, headers=fixture.headers(who))
        client.cookies.update(fixture.cookies(who))
        status, body, _ = client.request("GET", path)
        if status != 200:
            raise RuntimeError(f"{name}: {status} {body[:300]!r}")
        sample = repeat(client, path, count=count)
        if set(sample.statuses) != {200}:
            raise RuntimeError(f"{name}: statuses {sample.statuses}")
        results[name] = {**sample.summary(), "bytes": len(body)}
    return results


def _ms(value: float) -> str:
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def run(fixture: Any, small: Any, base_url: str, args: Any) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    results: dict[str, Any] = {
        "history": {"small": fill_history(small.built.company), "large": fill_history(fixture.built.company)}
    }
    small_counts, large_counts = query_counts(small), query_counts(fixture)
    results["query_counts"] = {"small": small_counts, "large": large_counts}
    results["nightly_snapshot"] = measure_nightly(fixture.built.company)
    results["latency"] = latency(fixture, base_url, count=args.requests)
    history, nightly = results["history"]["large"], results["nightly_snapshot"]
    rows = [
        (
            "snapshot history (objective / key result rows)",
            f"{history['objective_snapshots']:,} / {history['key_result_snapshots']:,}",
            f"{HISTORY_DAYS} days",
        ),
        ("nightly snapshot, whole company (median)", f"{nightly['median_s']:.2f} s", "<= 10 s"),
    ]
    for name, sample in results["latency"].items():
        rows.append((f"{name.replace('_', ' ')} p50 / p95", f"{_ms(sample['p50_ms'])} / {_ms(sample['p95_ms'])}",
                     "p95 <= 200 ms"))  # fmt: skip
    for name in large_counts:
        rows.append((f"queries: {name} (small / large)", f"{small_counts[name]} / {large_counts[name]}", "equal"))
    equal = small_counts == large_counts
    results["query_counts_equal"] = equal
    rows.append(("dashboard queries equal at both scales", "yes" if equal else "NO", "yes"))
    return results, rows
