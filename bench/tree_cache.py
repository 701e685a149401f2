"""The alignment tree when nothing changed, and the tree page's bounded loads (issue 16).

Measured through the run's gunicorn, on the large company:

- the tree API answering a matching ``If-None-Match`` (304, nothing built);
- the tree API's cached 200, against its floor: the same bytes sent by the
  same gunicorn from memory with no Django (``bench/bytes_app.py``);
- the tree API built cold (the revision bumped before each request);
- the tree page's first load and one expand, cold (bumped before each) and
  warm (cached), and the compact list and the map, cold;
- what the revision costs a check-in: one ``INCR`` per bump (timed in
  process) times the bumps one check-in makes (counted on a real one).
"""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from django.test import Client as DjangoClient

from bench.http import Client, Sample, repeat
from companies import revision

ROOT = Path(__file__).resolve().parent.parent
FLOOR_PORT_OFFSET = 100


def _summary(sample: Sample, *, expect: int) -> dict[str, Any]:
    if set(sample.statuses) != {expect}:
        raise RuntimeError(f"expected only {expect}, got {sample.statuses}")
    return sample.summary()


@contextlib.contextmanager
def _floor_server(body: bytes, port: int):
    """gunicorn serving ``body`` from memory on ``port``; stopped (its process group) on exit."""
    with tempfile.NamedTemporaryFile(suffix=".json") as file:
        file.write(body)
        file.flush()
        env = {**os.environ, "BENCH_BYTES_FILE": file.name}
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        process = subprocess.Popen(
            [gunicorn, "bench.bytes_app:application", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--log-level", "warning"],
            cwd=ROOT, env=env, start_new_session=True,
        )  # fmt: skip
        try:
            client = Client(f"http://127.0.0.1:{port}")
            deadline = time.monotonic() + 30
            while True:
                try:
                    if client.request("GET", "/")[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the floor server did not start")
                time.sleep(0.2)
            yield client
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _bumps_per_checkin(fixture) -> tuple[int, float]:
    """Revision increments one check-in makes (a real one, in process) and the microseconds one costs."""
    company_id = fixture.built.company.pk
    calls: list[int] = []
    original = revision._incr

    def counting(company_id: int) -> None:
        calls.append(company_id)
        original(company_id)

    revision._incr = counting
    try:
        kr_id, target = fixture.checkin_key_results[-1]
        client = DjangoClient(SERVER_NAME="127.0.0.1")
        response = client.post(
            f"/api/v1/companies/{fixture.slug}/key-results/{kr_id}/check-ins/",
            {"value": target, "confidence": "on_track"},
            content_type="application/json",
            headers=fixture.headers("key"),
        )
        if response.status_code != 201:
            raise RuntimeError(f"check-in: {response.status_code}")
    finally:
        revision._incr = original
    started = time.perf_counter()
    for _ in range(500):
        revision.bump(company_id)
    return len(calls), (time.perf_counter() - started) / 500 * 1e6


def run(fixture, small, base_url: str, args) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    n = args.requests
    company_id = fixture.built.company.pk
    slug, cycle = fixture.slug, fixture.built.cycle_id

    def bump() -> None:
        revision.bump(company_id)

    results: dict[str, Any] = {}
    api_path = f"/api/v1/companies/{slug}/alignment/tree/?cycle={cycle}"
    api = Client(base_url, headers=fixture.headers("key"))
    status, body, headers = api.request("GET", api_path)
    if status != 200 or "ETag" not in headers:
        raise RuntimeError(f"tree API: {status}")
    results["tree_bytes"] = len(body)
    results["api_304"] = _summary(
        repeat(api, api_path, count=n, headers={"If-None-Match": headers["ETag"]}), expect=304
    )
    results["api_cached_200"] = _summary(repeat(api, api_path, count=n), expect=200)
    results["api_cold_200"] = _summary(repeat(api, api_path, count=n, before=bump), expect=200)
    with _floor_server(body, args.port + FLOOR_PORT_OFFSET) as floor_client:
        results["bytes_floor"] = _summary(repeat(floor_client, "/", count=n), expect=200)

    leader = Client(base_url)
    leader.cookies.update(fixture.cookies("leader"))
    page = f"/c/{slug}/alignment/?cycle={cycle}"
    expand = f"/c/{slug}/alignment/nodes/{fixture.expand_id}/children/?cycle={cycle}"
    fragment = {"HX-Request": "true"}
    results["page_cold"] = _summary(repeat(leader, page, count=n, before=bump), expect=200)
    results["page_warm"] = _summary(repeat(leader, page, count=n), expect=200)
    status, _, page_headers = leader.request("GET", page)
    results["page_304"] = _summary(
        repeat(leader, page, count=n, headers={"If-None-Match": page_headers["ETag"]}), expect=304
    )
    results["expand_cold"] = _summary(repeat(leader, expand, count=n, before=bump, headers=fragment), expect=200)
    results["expand_warm"] = _summary(repeat(leader, expand, count=n, headers=fragment), expect=200)
    results["list_cold"] = _summary(repeat(leader, page + "&mode=list", count=n, before=bump), expect=200)
    results["map_cold"] = _summary(repeat(leader, page + "&mode=map", count=n, before=bump), expect=200)
    results["expand_all_cold"] = _summary(repeat(leader, page + "&expand=all", count=n, before=bump), expect=200)
    bumps, micros = _bumps_per_checkin(fixture)
    results["revision"] = {"bumps_per_checkin": bumps, "us_per_bump": round(micros, 1)}

    def ms(value: float) -> str:
        return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"

    ratio = results["api_cached_200"]["p50_ms"] / max(results["bytes_floor"]["p50_ms"], 0.01)
    results["cached_over_floor_p50"] = round(ratio, 2)
    r = results
    rows = [
        ("tree API 304 (If-None-Match) p50", ms(r["api_304"]["p50_ms"]), "<= 15 ms"),
        (f"tree API cached 200 / bytes floor p50 ({len(body) / 1e6:.1f} MB)",
         f"{ms(r['api_cached_200']['p50_ms'])} / {ms(r['bytes_floor']['p50_ms'])} = {ratio:.2f}x", "<= 1.5x"),
        ("tree API cold build p50 / p95", f"{ms(r['api_cold_200']['p50_ms'])} / {ms(r['api_cold_200']['p95_ms'])}", ""),
        ("tree page first load p95 cold / warm", f"{ms(r['page_cold']['p95_ms'])} / {ms(r['page_warm']['p95_ms'])}",
         "<= 200 ms"),
        ("tree page 304 p50", ms(r["page_304"]["p50_ms"]), ""),
        ("tree expand p95 cold / warm", f"{ms(r['expand_cold']['p95_ms'])} / {ms(r['expand_warm']['p95_ms'])}",
         "<= 100 ms"),
        ("tree compact list / map / expand all p95 (cold)",
         f"{ms(r['list_cold']['p95_ms'])} / {ms(r['map_cold']['p95_ms'])} / {ms(r['expand_all_cold']['p95_ms'])}",
         "<= 200 ms"),
        ("revision bumps per check-in x cost", f"{bumps} x {micros:.0f} us", ""),
    ]  # fmt: skip
    return results, rows
