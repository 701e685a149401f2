"""Check-in corrections (issue 14): the correction POST through gunicorn, and a corrected history read back.

- ``correction``: sequential ``POST …/check-ins/<id>/correction/`` with the
  bench's write key, each on a different standing check-in (a correction
  locks the key result, writes the entry, re-reads the latest standing
  check-in and recomputes its objective, like a check-in);
- ``corrected_history``: the key result's check-in list of a key result
  with a correction in it (every entry with its standing, one query);
- ``key_result_page``: the key result page of the same (history, chart, actions);
- query counts of the correction and the page at the two sizes (must be equal).
"""

import json
from typing import Any

from django.db import connection
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext

from bench.http import Client, Sample, repeat
from objectives.models import CheckIn


def _standing(fixture: Any, count: int) -> list[tuple[int, int]]:
    """(check-in id, key result id) of ``count`` standing check-ins on the fixture's readable key results."""
    kr_ids = [pk for pk, _ in fixture.checkin_key_results]
    return list(
        CheckIn.objects.effective()
        .filter(company=fixture.built.company, key_result_id__in=kr_ids)
        .order_by("-id")
        .values_list("id", "key_result_id")[:count]
    )


def _fmt(sample: dict[str, Any]) -> str:
    return f"{sample['p50_ms']:.1f} / {sample['p95_ms']:.1f} ms"


def _counts(fixture: Any) -> dict[str, int]:
    """The correction POST and the key result page, each once in process (after a warm-up request)."""
    (checkin_id, kr_id), (warm_id, _) = _standing(fixture, 2)
    slug = fixture.slug
    api = DjangoClient(SERVER_NAME="127.0.0.1", headers={"Authorization": f"Api-Key {fixture.api_key}"})
    body = {"value": "1", "confidence": "at_risk"}
    api.post(f"/api/v1/companies/{slug}/check-ins/{warm_id}/correction/", body, content_type="application/json")
    with CaptureQueriesContext(connection) as correction:
        response = api.post(
            f"/api/v1/companies/{slug}/check-ins/{checkin_id}/correction/", body, content_type="application/json"
        )
    if response.status_code != 201:
        raise RuntimeError(f"correction: {response.status_code} {response.content[:300]!r}")
    page = DjangoClient(SERVER_NAME="127.0.0.1")
    for name, value in fixture.cookies("leader").items():
        page.cookies[name] = value
    page.get(f"/c/{slug}/key-results/{kr_id}/")
    with CaptureQueriesContext(connection) as detail:
        response = page.get(f"/c/{slug}/key-results/{kr_id}/")
    if response.status_code != 200:
        raise RuntimeError(f"key result page: {response.status_code}")
    return {"correction": len(correction), "key_result_page": len(detail)}


def measure(fixture: Any, small: Any, base_url: str, args: Any) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    small_counts, counts = _counts(small), _counts(fixture)
    slug = fixture.slug
    client = Client(base_url, headers={"Authorization": f"Api-Key {fixture.api_key}"})
    targets = _standing(fixture, args.requests)
    sample = Sample()
    for n, (checkin_id, _) in enumerate(targets):
        body = json.dumps({"value": str(n), "confidence": "at_risk", "note": "bench correction"}).encode()
        status, data = client.timed(
            "POST",
            f"/api/v1/companies/{slug}/check-ins/{checkin_id}/correction/",
            sample,
            body=body,
            headers={"Content-Type": "application/json"},
        )
        if status != 201:
            raise RuntimeError(f"correction: {status} {data[:300]!r}")
    kr_id = targets[0][1]
    history = repeat(
        client, f"/api/v1/companies/{slug}/key-results/{kr_id}/check-ins/?page_size=200", count=args.requests
    )
    page_client = Client(base_url)
    page_client.cookies.update(fixture.cookies("leader"))
    page = repeat(page_client, f"/c/{slug}/key-results/{kr_id}/", count=args.requests)
    for name, measured in (("history", history), ("page", page)):
        if set(measured.statuses) != {200}:
            raise RuntimeError(f"{name}: statuses {measured.statuses}")
    results = {
        "correction": sample.summary(),
        "corrected_history": history.summary(),
        "key_result_page": page.summary(),
        "query_counts": {"small": small_counts, "large": counts},
    }
    rows = [
        ("correction p50 / p95", _fmt(results["correction"]), "like a check-in"),
        ("corrected history (API) p50 / p95", _fmt(results["corrected_history"]), ""),
        ("key result page p50 / p95", _fmt(results["key_result_page"]), ""),
    ]
    for name in counts:
        rows.append((f"queries: {name} (small / large)", f"{small_counts[name]} / {counts[name]}", "equal"))
    return results, rows
