"""Search and the filtered lists at scale (issue 16): a bench entry (``bench.extras``).

Through gunicorn, as the leader:

- **search**: a few realistic searches as typing sends them (the htmx
  results of the search page), from a rare word to one matching every key
  result of the company (the generated titles repeat "Grow metric"), and the
  API; target p95 <= 100 ms over all of them;
- **the compact list of every objective of the cycle** on one page
  (``?kind=objective&page=all``: a line and a bar each); target p95 <= 1 s;
- the XLSX download of that list (no target: reported);
- the SQL queries of each request at both sizes: they must be equal.
"""

from typing import Any

from django.db import connection
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext

from bench.http import Client, Sample, repeat

#: name -> (path below /c/<slug>/ or /api/v1/companies/<slug>/, surface); {cycle} and {department} are filled in.
SEARCHES = {
    "rare word": ("search/?q=person+7", "live"),
    "word and number": ("search/?q=objective+12", "live"),
    "prefix, one kind": ("search/?q=obj&kind=objective", "live"),
    "every key result": ("search/?q=grow+metric", "live"),
    "department, filtered": ("search/?q=department+1&kind=all&cycle={cycle}", "live"),
    "API": ("search/?q=grow", "api"),
}
COMPACT = "search/?kind=objective&page=all"
XLSX = "search/export.xlsx?kind=objective"
EXPORT_REPEATS = 5


def _paths(fixture: Any) -> dict[str, tuple[str, str]]:
    slug, cycle = fixture.slug, fixture.built.cycle_id
    paths = {}
    for name, (path, surface) in {**SEARCHES, "compact list": (COMPACT, "page"), "xlsx": (XLSX, "page")}.items():
        prefix = f"/api/v1/companies/{slug}/" if surface == "api" else f"/c/{slug}/"
        paths[name] = (prefix + path.format(cycle=cycle), surface)
    return paths


def _headers(surface: str) -> dict[str, str]:
    # What the search box sends as one types: htmx asks for the results only.
    return {"HX-Request": "true", "HX-Target": "search-results"} if surface == "live" else {}


def query_counts(fixture: Any) -> dict[str, int]:
    """Each request once in process, after a warm-up, as the leader."""
    counts = {}
    for name, (path, surface) in _paths(fixture).items():
        client = DjangoClient(SERVER_NAME="127.0.0.1")
        for cookie, value in fixture.cookies("leader").items():
            client.cookies[cookie] = value
        client.get(path, headers=_headers(surface))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, headers=_headers(surface))
        if response.status_code != 200:
            raise RuntimeError(f"explore {name}: {response.status_code} {response.content[:300]!r}")
        counts[name] = len(captured)
    return counts


def _measure(base_url: str, fixture: Any, path: str, surface: str, count: int) -> tuple[Sample, int]:
    client = Client(base_url, headers=_headers(surface))
    client.cookies.update(fixture.cookies("leader"))
    status, body, _ = client.request("GET", path)
    if status != 200:
        raise RuntimeError(f"explore {path}: {status} {body[:300]!r}")
    sample = repeat(client, path, count=count)
    if set(sample.statuses) != {200}:
        raise RuntimeError(f"explore {path}: statuses {sample.statuses}")
    return sample, len(body)


def _ms(value: float) -> str:
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def run(fixture: Any, small: Any, base_url: str, args: Any) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    small_counts, counts = query_counts(small), query_counts(fixture)
    results: dict[str, Any] = {"query_counts": {"small": small_counts, "large": counts}}
    paths = _paths(fixture)
    every_search = Sample()
    for name in SEARCHES:
        path, surface = paths[name]
        sample, size = _measure(base_url, fixture, path, surface, args.requests)
        every_search.latencies_ms += sample.latencies_ms
        every_search.seconds += sample.seconds
        results[f"search: {name}"] = {**sample.summary(), "bytes": size, "path": path}
    results["search"] = every_search.summary()
    compact, compact_bytes = _measure(base_url, fixture, *paths["compact list"], args.requests)
    results["compact_list"] = {**compact.summary(), "bytes": compact_bytes}
    xlsx, xlsx_bytes = _measure(base_url, fixture, *paths["xlsx"], min(args.requests, EXPORT_REPEATS))
    results["xlsx_all_objectives"] = {**xlsx.summary(), "bytes": xlsx_bytes}
    equal = small_counts == counts
    results["query_counts_equal"] = equal
    search, objectives = results["search"], fixture.built.sizes.objectives
    rows = [
        (
            f"search p50 / p95 ({len(SEARCHES)} searches)",
            f"{_ms(search['p50_ms'])} / {_ms(search['p95_ms'])}",
            "p95 <= 100 ms",
        ),
        *(
            (f"  search: {name} p95", _ms(results[f"search: {name}"]["p95_ms"]), "")
            for name in SEARCHES
        ),
        (
            f"compact list of all {objectives} objectives p50 / p95",
            f"{_ms(compact.percentile(50))} / {_ms(compact.percentile(95))}",
            "p95 <= 1 s",
        ),
        ("  compact list response", f"{compact_bytes / 1e6:.2f} MB", ""),
        ("XLSX of all objectives p95", f"{_ms(xlsx.percentile(95))}, {xlsx_bytes / 1e6:.2f} MB", ""),
        ("queries: explore equal at both scales", "yes" if equal else f"NO {small_counts} / {counts}", "yes"),
    ]  # fmt: skip
    return results, rows
