"""The cycle report of a closed cycle at scale (issue 15): the page a leader reads and prints, p95 <= 300 ms.

The generated company's cycle is open, and the other entries (and
``--reuse``) need it so: its close runs in a transaction that is rolled
back after the measurements, as in ``bench/grading.py``. Uncommitted, the
closed cycle is invisible to gunicorn, so the report is requested in
process through Django's test client (the whole request: session,
tenancy, the report's queries, the template), the leader's session
cookie and the read key's header as in the other entries; loopback HTTP
adds about a millisecond. Measured: the report page (the summary of all
200 departments and page 2, the first page of a department's objectives:
page 1 holds the few company-level ones), one department's report, and
the API's page 2; and the SQL query count of each at both sizes, which
must be equal.
"""

import time
from typing import Any

from django.db import connection, transaction
from django.test import Client as DjangoClient

from bench.http import Sample
from objectives import services as okr
from objectives.models import Cycle, Objective


class _RollBack(Exception):
    """Raised inside the measured transaction to undo the close."""


def requests(fixture: Any) -> dict[str, tuple[str, str]]:
    """name -> (path, who) of every measured request."""
    slug, cycle = fixture.slug, fixture.built.cycle_id
    department = (
        Objective.objects.filter(company=fixture.built.company, cycle_id=cycle, department__isnull=False)
        .order_by("department__name")
        .values_list("department_id", flat=True)
        .first()
    )
    return {
        # Page 1 holds the company-level objectives; page 2 a department's: the fuller one is measured.
        "report_page": (f"/c/{slug}/cycles/{cycle}/report/?page=2", "leader"),
        "report_department": (f"/c/{slug}/cycles/{cycle}/report/?department={department}", "member"),
        "report_api": (f"/api/v1/companies/{slug}/cycles/{cycle}/report/?page=2", "key"),
    }


def _client(fixture: Any, who: str) -> tuple[DjangoClient, dict[str, str]]:
    client = DjangoClient(SERVER_NAME="127.0.0.1")
    for cookie, value in fixture.cookies(who).items():
        client.cookies[cookie] = value
    return client, fixture.headers(who)


def measure(fixture: Any, *, count: int) -> dict[str, Any]:
    """Close the cycle (rolled back afterwards), then time each request ``count`` times and count its queries."""
    cycle = Cycle.objects.get(pk=fixture.built.cycle_id, company=fixture.built.company)
    results: dict[str, Any] = {}
    try:
        with transaction.atomic():
            okr.cycle_close(company=fixture.built.company, actor=None, cycle=cycle)
            for name, (path, who) in requests(fixture).items():
                client, headers = _client(fixture, who)
                first = client.get(path, headers=headers)
                if first.status_code in (400, 404) and path.endswith("page=2"):
                    # A small company's report fits on one page: measure that one.
                    path = path.removesuffix("2") + "1"
                    first = client.get(path, headers=headers)
                if first.status_code != 200:
                    raise RuntimeError(f"{name}: {first.status_code} {first.content[:300]!r}")
                queries = 0

                def counted(execute: Any, *args: Any) -> Any:
                    nonlocal queries
                    queries += 1
                    return execute(*args)

                # Counted at the cursor: the debug log CaptureQueriesContext reads is capped and may be full here.
                with connection.execute_wrapper(counted):
                    client.get(path, headers=headers)
                sample = Sample()
                started = time.perf_counter()
                for _ in range(count):
                    begun = time.perf_counter()
                    response = client.get(path, headers=headers)
                    sample.add((time.perf_counter() - begun) * 1000, response.status_code)
                sample.seconds = time.perf_counter() - started
                results[name] = {**sample.summary(), "bytes": len(first.content), "queries": queries}
            raise _RollBack
    except _RollBack:
        pass
    return results


def _ms(value: float) -> str:
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def run(fixture: Any, small: Any, base_url: str, args: Any) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    large = measure(fixture, count=args.requests)
    tiny = measure(small, count=1)
    rows = []
    for name, sample in large.items():
        label = f"{name.replace('_', ' ')} p50 / p95 (in process)"
        rows.append((label, f"{_ms(sample['p50_ms'])} / {_ms(sample['p95_ms'])}", "p95 <= 300 ms at scale 1"))
    counts = {name: (tiny[name]["queries"], large[name]["queries"]) for name in large}
    for name, (few, many) in counts.items():
        rows.append((f"queries: {name} (small / large)", f"{few} / {many}", "equal"))
    equal = all(few == many for few, many in counts.values())
    rows.append(("report queries equal at both scales", "yes" if equal else "NO", "yes"))
    return {"latency": large, "small": tiny, "query_counts_equal": equal}, rows
