"""The weekly loop at scale: the weekly check-in page and a batch of check-ins, through gunicorn.

One person of each generated company (``weekly@<slug>.bench.test``, a
member) is given 15 key results of active, non-private objectives (taken
over from their generated owners, idempotently: ``--reuse`` finds them
again). Measured, ``--requests`` times each after two warm-ups:

- the weekly check-in page (``/c/<slug>/check-in/``) as that person, 15 rows;
- ``POST …/check-ins/batch/`` of 10 of those key results with the run's
  write key, every request moving all ten to a new value (each a real
  check-in, its objective recomputed in the transaction);
- the SQL queries of each, in process, at both sizes: they must be equal.

Targets (2 cores): p95 <= 100 ms for both.
"""

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext

from bench.http import Client, Sample, repeat
from companies.models import Membership, Role, User
from companies.services import user_create
from objectives.models import CycleStatus, KeyResult, ObjectiveStatus

PAGE_ROWS = 15
BATCH_SIZE = 10


def _person(fixture: Any) -> tuple[User, list[KeyResult]]:
    """The company's weekly person and their 15 key results (created and handed over on the first run)."""
    company = fixture.built.company
    email = f"weekly@{fixture.slug}.bench.test"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(email=email, password=None, full_name="Wendy Weekly")
    Membership.objects.get_or_create(company=company, user=user, defaults={"role": Role.MEMBER})
    rows = KeyResult.objects.filter(
        company=company,
        objective__status=ObjectiveStatus.ACTIVE,
        objective__private=False,
        objective__cycle__status=CycleStatus.ACTIVE,
    )
    owned = list(rows.filter(owner=user).order_by("id").values_list("id", flat=True))
    if len(owned) < PAGE_ROWS:
        more = rows.exclude(owner=user).order_by("id").values_list("id", flat=True)[: PAGE_ROWS - len(owned)]
        KeyResult.objects.filter(company=company, pk__in=list(more)).update(owner=user)
    krs = list(rows.filter(owner=user).order_by("id")[:PAGE_ROWS])
    if len(krs) < PAGE_ROWS:
        raise RuntimeError(f"{fixture.slug}: only {len(krs)} key results for the weekly person")
    return user, krs


def _session(user: User) -> str:
    client = DjangoClient()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _batch(krs: list[KeyResult], n: int) -> bytes:
    """Ten check-ins, each moving its key result to a new value (alternating 40% and 45% of the way)."""
    share = Decimal("0.4") if n % 2 else Decimal("0.45")
    items = [
        {
            "key_result": kr.pk,
            "value": str((kr.start_value + (kr.target_value - kr.start_value) * share).quantize(Decimal("0.01"))),
            "confidence": "on_track",
        }
        for kr in krs[:BATCH_SIZE]
    ]
    return json.dumps({"items": items, "note": "bench"}).encode()


def _query_counts(fixture: Any, user: User, krs: list[KeyResult]) -> dict[str, int]:
    page, batch = f"/c/{fixture.slug}/check-in/", f"/api/v1/companies/{fixture.slug}/check-ins/batch/"
    person = DjangoClient(SERVER_NAME="127.0.0.1")
    person.force_login(user)
    key = DjangoClient(SERVER_NAME="127.0.0.1", headers={"Authorization": f"Api-Key {fixture.api_key}"})
    counts = {}
    person.get(page)
    with CaptureQueriesContext(connection) as captured:
        response = person.get(page)
    if response.status_code != 200:
        raise RuntimeError(f"weekly page: {response.status_code}")
    counts["weekly_page"] = len(captured)
    key.post(batch, _batch(krs, 0), content_type="application/json")
    with CaptureQueriesContext(connection) as captured:
        response = key.post(batch, _batch(krs, 1), content_type="application/json")
    if response.status_code != 201:
        raise RuntimeError(f"batch: {response.status_code} {response.content[:300]!r}")
    counts["checkin_batch"] = len(captured)
    return counts


def _timed_batches(fixture: Any, base_url: str, krs: list[KeyResult], *, count: int) -> Sample:
    client = Client(
        base_url, headers={"Authorization": f"Api-Key {fixture.api_key}", "Content-Type": "application/json"}
    )
    path = f"/api/v1/companies/{fixture.slug}/check-ins/batch/"
    for n in range(2):
        client.request("POST", path, body=_batch(krs, n))
    sample = Sample()
    for n in range(count):
        client.timed("POST", path, sample, body=_batch(krs, n))
    if set(sample.statuses) != {201}:
        raise RuntimeError(f"batch check-ins: statuses {sample.statuses}")
    return sample


def _ms(value: float) -> str:
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def run(fixture: Any, small: Any, base_url: str, args: Any) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """The ``weekly`` entry of ``bench.extras.ENTRIES``."""
    small_user, small_krs = _person(small)
    user, krs = _person(fixture)
    counts = {"small": _query_counts(small, small_user, small_krs), "large": _query_counts(fixture, user, krs)}

    page_client = Client(base_url)
    page_client.cookies[settings.SESSION_COOKIE_NAME] = _session(user)
    page_path = f"/c/{fixture.slug}/check-in/"
    status, body, _ = page_client.request("GET", page_path)
    shown = body.count(b'id="weekly-kr-')
    if status != 200 or shown != PAGE_ROWS:
        raise RuntimeError(f"weekly page: {status}, {shown} rows")
    page = repeat(page_client, page_path, count=args.requests)
    if set(page.statuses) != {200}:
        raise RuntimeError(f"weekly page: statuses {page.statuses}")
    batch = _timed_batches(fixture, base_url, krs, count=args.requests)

    results = {
        "weekly_page": {**page.summary(), "rows": PAGE_ROWS, "bytes": len(body)},
        "checkin_batch": {**batch.summary(), "items": BATCH_SIZE},
        "query_counts": counts,
        "query_counts_equal": counts["small"] == counts["large"],
    }
    rows = [
        (
            f"weekly page, {PAGE_ROWS} key results p50 / p95",
            f"{_ms(page.percentile(50))} / {_ms(page.percentile(95))}",
            "p95 <= 100 ms",
        ),
        (
            f"batch check-in of {BATCH_SIZE} p50 / p95",
            f"{_ms(batch.percentile(50))} / {_ms(batch.percentile(95))}",
            "p95 <= 100 ms",
        ),
    ]
    for name in ("weekly_page", "checkin_batch"):
        rows.append((f"queries: {name} (small / large)", f"{counts['small'][name]} / {counts['large'][name]}", "equal"))
    return results, rows
