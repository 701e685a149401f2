"""What the benchmark measures, on one generated company, in one run.

1. the alignment tree API through gunicorn, against its floor (``bench.floor``);
2. the tree page: initial render and one lazy expand;
3. check-in POSTs from 4 concurrent clients, and the roll-up lag with a real worker;
4. a full roll-up recompute of the whole company;
5. the objective list endpoint and the "my key results" page;
6. the SQL query count of each measured request at two sizes (they must be equal).
"""

import os
import random
import statistics
import time
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.db import connection
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext

from bench import extras, floor
from bench.generate import Built, Sizes, build_company
from bench.http import Client, Sample, concurrent, repeat
from companies import revision
from companies.models import APIKeyScope, Company, Membership, User
from companies.services import api_key_create
from companies.tenancy import Actor
from objectives import coalesce
from objectives.models import KeyResult, Objective, ObjectiveStatus
from objectives.progress import weighted_progress
from objectives.rollup import company_full_recompute, objective_inputs

CONCURRENT_CLIENTS = 4


@dataclass
class Fixture:
    """A generated company and the credentials and ids the requests need."""

    built: Built
    api_key: str
    leader_session: str
    member_session: str
    expand_id: int
    checkin_key_results: list[tuple[int, str]]

    @property
    def slug(self) -> str:
        return self.built.company.slug

    def requests(self) -> dict[str, tuple[str, str, str]]:
        """name -> (method, path, who) of every measured request."""
        slug, cycle = self.slug, self.built.cycle_id
        kr_id = self.checkin_key_results[0][0]
        return {
            "tree_api": ("GET", f"/api/v1/companies/{slug}/alignment/tree/?cycle={cycle}", "key"),
            "tree_page": ("GET", f"/c/{slug}/alignment/?cycle={cycle}", "leader"),
            "tree_expand": ("GET", f"/c/{slug}/alignment/nodes/{self.expand_id}/children/?cycle={cycle}", "leader"),
            "checkin": ("POST", f"/api/v1/companies/{slug}/key-results/{kr_id}/check-ins/", "key"),
            "objective_list": ("GET", f"/api/v1/companies/{slug}/objectives/?cycle={cycle}", "key"),
            "my_key_results": ("GET", f"/c/{slug}/?cycle={cycle}", "member"),
        }

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Api-Key {self.api_key}"} if who == "key" else {}

    def cookies(self, who: str) -> dict[str, str]:
        if who == "key":
            return {}
        return {settings.SESSION_COOKIE_NAME: self.leader_session if who == "leader" else self.member_session}


def _session_for(user: User) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    # The first backend that can load a user back (the lockout backend only refuses sign-ins).
    store[BACKEND_SESSION_KEY] = next(
        path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
    )
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


def _reuse(scale: float, slug: str) -> Built | None:
    company = Company.objects.filter(slug=slug).first()
    sizes = Sizes.at(scale)
    if company is None or Objective.objects.filter(company=company).count() != sizes.objectives:
        return None
    cycle_id = company.cycle_set.values_list("id", flat=True).get()
    return Built(
        company=company,
        sizes=sizes,
        cycle_id=cycle_id,
        leader_email=f"user0@{slug}.bench.test",
        member_email=f"user2@{slug}.bench.test",
        seconds=0.0,
    )


def prepare(*, scale: float, slug: str, reuse: bool) -> Fixture:
    built = (_reuse(scale, slug) if reuse else None) or build_company(scale=scale, slug=slug)
    company = built.company
    admin = Membership.objects.select_related("company", "user").get(company=company, role="admin")
    _, secret = api_key_create(
        company=company, actor=Actor.for_membership(admin), name="bench", scope=APIKeyScope.WRITE
    )
    leader = User.objects.get(email=built.leader_email)
    member = User.objects.get(email=built.member_email)
    # Expand the company objective with the most active children: the widest first expand.
    expand_id = max(
        Objective.objects.filter(company=company, cycle_id=built.cycle_id, department__isnull=True).values_list(
            "id", flat=True
        ),
        key=lambda pk: Objective.objects.filter(company=company, parent_id=pk, status="active").count(),
    )
    krs = list(
        KeyResult.objects.filter(company=company, objective__status=ObjectiveStatus.ACTIVE, objective__private=False)
        .order_by("id")
        .values_list("id", "target_value")[:400]
    )
    return Fixture(
        built=built,
        api_key=secret,
        leader_session=_session_for(leader),
        member_session=_session_for(member),
        expand_id=expand_id,
        checkin_key_results=[(pk, str(target)) for pk, target in krs],
    )


# ---------------------------------------------------------------- query counts


def query_counts(fixture: Fixture) -> dict[str, int]:
    """Each measured request once, in process, after one warm-up request (steady state)."""
    counts = {}
    for name, (method, path, who) in fixture.requests().items():
        client = DjangoClient(SERVER_NAME="127.0.0.1")
        headers = fixture.headers(who)
        for name_, value in fixture.cookies(who).items():
            client.cookies[name_] = value
        if method == "GET":
            client.get(path, headers=headers)
            revision.bump(fixture.built.company.pk)  # count the build, not a cache hit
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path, headers={**headers, "HX-Request": "true"} if "nodes" in path else headers)
        else:
            body = {"value": "1", "confidence": "on_track"}
            client.post(path, body, content_type="application/json", headers=headers)
            with CaptureQueriesContext(connection) as captured:
                response = client.post(path, body, content_type="application/json", headers=headers)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{name}: {response.status_code} {response.content[:300]!r}")
        counts[name] = len(captured)
    return counts


# ---------------------------------------------------------------- latency


def _ms(sample: Sample) -> dict[str, Any]:
    return sample.summary()


def measure_floor(fixture: Fixture, *, count: int) -> tuple[Sample, int]:
    cycle = fixture.built.company.cycle_set.get(pk=fixture.built.cycle_id)
    company = fixture.built.company
    with floor.connect(os.environ["DATABASE_URL"]) as conn:
        kwargs: dict[str, Any] = {
            "company_id": company.pk,
            "cycle_id": cycle.pk,
            "start": cycle.start_date,
            "end": cycle.end_date,
            "today": company.local_today(),
        }
        for _ in range(2):
            body = floor.floor_tree(conn, **kwargs)
        sample = Sample()
        started = time.perf_counter()
        for _ in range(count):
            t0 = time.perf_counter()
            body = floor.floor_tree(conn, **kwargs)
            sample.add((time.perf_counter() - t0) * 1000, 200)
        sample.seconds = time.perf_counter() - started
    return sample, len(body)


#: Requests whose built bytes are cached by company revision (alignment/cache.py): measured cold, each after
#: a revision bump, so the figure is the build (the cached figures are bench/tree_cache.py's).
COLD = {"tree_api", "tree_page", "tree_expand"}


def measure_get(fixture: Fixture, base_url: str, name: str, *, count: int) -> tuple[Sample, int]:
    _, path, who = fixture.requests()[name]
    headers = fixture.headers(who)
    if "nodes" in path:
        headers["HX-Request"] = "true"
    client = Client(base_url, headers=headers)
    client.cookies.update(fixture.cookies(who))
    status, body, _ = client.request("GET", path)
    if status != 200:
        raise RuntimeError(f"{name}: {status} {body[:300]!r}")
    company_id = fixture.built.company.pk
    sample = repeat(client, path, count=count, before=(lambda: revision.bump(company_id)) if name in COLD else None)
    if set(sample.statuses) != {200}:
        raise RuntimeError(f"{name}: statuses {sample.statuses}")
    return sample, len(body)


def measure_checkins(fixture: Fixture, base_url: str, *, seconds: float) -> Sample:
    """4 clients post check-ins on distinct key results for ``seconds``."""
    slug = fixture.slug
    key_results = fixture.checkin_key_results
    rng = random.Random(7)
    clients = [
        Client(base_url, headers={"Authorization": f"Api-Key {fixture.api_key}", "Content-Type": "application/json"})
        for _ in range(CONCURRENT_CLIENTS)
    ]

    def post(client: Client, n: int, sample: Sample) -> None:
        worker, i = divmod(n, 1_000_000)
        kr_id, target = key_results[(worker + i * CONCURRENT_CLIENTS) % len(key_results)]
        value = f"{rng.randint(0, 100) * float(target) / 100:.0f}"
        body = f'{{"value": "{value}", "confidence": "on_track"}}'.encode()
        client.timed("POST", f"/api/v1/companies/{slug}/key-results/{kr_id}/check-ins/", sample, body=body)

    return concurrent(post, clients, seconds)


def wait_for_idle_rollups(company_id: int, *, timeout: float = 120.0) -> float:
    """Seconds until no roll-up is pending for the company (dirty set empty, no drain scheduled or running)."""
    client = coalesce.redis_client()
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        busy = client.exists(coalesce.dirty_key(company_id), coalesce.scheduled_key(company_id)) or client.keys(
            coalesce.inflight_key(company_id, "*")
        )
        if not busy:
            return time.perf_counter() - started
        time.sleep(0.02)
    raise RuntimeError("roll-ups did not drain")


def _chain(company: Company, objective_id: int) -> list[int]:
    chain: list[int] = []
    current: int | None = objective_id
    while current is not None and len(chain) < 100:
        chain.append(current)
        current = Objective.objects.filter(company=company, pk=current).values_list("parent_id", flat=True).get()
    return chain


def _chain_up_to_date(company: Company, chain: list[int]) -> bool:
    stored = dict(Objective.objects.filter(company=company, pk__in=chain).values_list("id", "progress"))
    return all(weighted_progress(objective_inputs(company=company, objective_id=pk)) == stored[pk] for pk in chain)


def measure_rollup_lag(fixture: Fixture, base_url: str, *, repeats: int = 3) -> list[float]:
    """Seconds from a check-in's 201 until its objective and every ancestor are up to date."""
    company = fixture.built.company
    client = Client(base_url, headers={"Authorization": f"Api-Key {fixture.api_key}"})
    lags = []
    for n in range(repeats):
        wait_for_idle_rollups(company.pk)
        # A leaf key result (its objective sits at the bottom of the ladder), set to a new value.
        kr = (
            KeyResult.objects.filter(
                company=company,
                objective__status=ObjectiveStatus.ACTIVE,
                objective__private=False,
                objective__parent__parent__isnull=False,
            )
            .order_by("-id")
            .values("id", "objective_id", "target_value", "current_value")[n]
        )
        value = "0" if kr["current_value"] == kr["target_value"] else str(kr["target_value"])
        chain = _chain(company, kr["objective_id"])
        started = time.perf_counter()
        status, body, _ = client.json(
            "POST",
            f"/api/v1/companies/{fixture.slug}/key-results/{kr['id']}/check-ins/",
            {"value": value, "confidence": "at_risk"},
        )
        if status != 201:
            raise RuntimeError(f"check-in: {status} {body}")
        while not _chain_up_to_date(company, chain):
            if time.perf_counter() - started > 60:
                raise RuntimeError("roll-up did not reach the top of the chain within 60 s")
            time.sleep(0.01)
        lags.append(time.perf_counter() - started)
    return lags


def measure_full_recompute(company: Company, *, repeats: int = 3) -> tuple[list[float], list[int]]:
    seconds, changed = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        changed.append(company_full_recompute(company=company))
        seconds.append(time.perf_counter() - started)
    return seconds, changed


# ---------------------------------------------------------------- the run


def _run_extras(names, fixture, small, base: str, args, results: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for name in names:
        print(f"==> {name}", flush=True)
        results[name], rows_of_entry = extras.ENTRIES[name](fixture, small, base, args)
        rows.extend(rows_of_entry)
    return rows


def _run_only(args, servers_factory, results: dict[str, Any], fixture, small) -> dict[str, Any]:
    """``--only``: the named feature entries alone, on the same data and servers as a full run."""
    with servers_factory() as servers:
        rows = _run_extras(args.only, fixture, small, servers.base_url, args, results)
    results["load_after"] = os.getloadavg()
    results["table"] = rows
    return results


def _fmt_ms(value: float) -> str:
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def run_all(args, servers_factory) -> dict[str, Any]:
    unknown = sorted(set(args.only) - set(extras.ENTRIES))
    if unknown:
        raise SystemExit(f"--only: no entry {', '.join(unknown)}; the entries are {', '.join(extras.ENTRIES)}")
    results: dict[str, Any] = {"scale": args.scale, "small_scale": args.small_scale, "load_before": os.getloadavg()}
    coalesce.redis_client().flushdb()  # the bench's own Redis database: stale queues and marks from an old run

    print(f"==> building the small company (scale {args.small_scale:g})", flush=True)
    small = prepare(scale=args.small_scale, slug="bench-small", reuse=args.reuse)
    small_counts = query_counts(small)
    print(f"==> building the company (scale {args.scale:g})", flush=True)
    fixture = prepare(scale=args.scale, slug="bench", reuse=args.reuse)
    built = fixture.built
    results["build_seconds"] = round(built.seconds, 2)
    results["sizes"] = {
        "departments": built.sizes.departments,
        "objectives": Objective.objects.filter(company=built.company).count(),
        "key_results": KeyResult.objects.filter(company=built.company).count(),
        "checkins": built.company.checkin_set.count(),
    }
    if args.only:
        return _run_only(args, servers_factory, results, fixture, small)
    counts = query_counts(fixture)
    results["query_counts"] = {"small": small_counts, "large": counts}
    coalesce.redis_client().flushdb()  # roll-ups the in-process check-ins queued: the worker is not up yet
    company_full_recompute(company=built.company)

    print("==> measuring the floor", flush=True)
    floor_sample, floor_bytes = measure_floor(fixture, count=args.requests)
    results["tree_floor"] = {**_ms(floor_sample), "bytes": floor_bytes}

    with servers_factory() as servers:
        base = servers.base_url
        print("==> measuring through gunicorn", flush=True)
        for name in ("tree_api", "tree_page", "tree_expand", "objective_list", "my_key_results"):
            sample, size = measure_get(fixture, base, name, count=args.requests)
            results[name] = {**_ms(sample), "bytes": size}
        print(f"==> check-ins from {CONCURRENT_CLIENTS} clients for {args.seconds:g} s", flush=True)
        load = measure_checkins(fixture, base, seconds=args.seconds)
        results["checkin"] = _ms(load)
        if set(load.statuses) != {201}:
            raise RuntimeError(f"check-ins: statuses {load.statuses}")
        results["checkin"]["drain_after_load_s"] = round(wait_for_idle_rollups(built.company.pk), 3)
        lags = measure_rollup_lag(fixture, base)
        results["rollup_lag_s"] = {
            "runs": [round(x, 3) for x in lags],
            "median": round(statistics.median(lags), 3),
            "coalesce_countdown_s": settings.OKRHUB_ROLLUP_COALESCE_SECONDS,
        }
        extra_rows = _run_extras(list(extras.ENTRIES), fixture, small, base, args, results)
    seconds, changed = measure_full_recompute(built.company)
    results["full_recompute"] = {"runs_s": [round(s, 3) for s in seconds], "changed": changed}
    results["load_after"] = os.getloadavg()

    tree, fl = results["tree_api"], results["tree_floor"]
    results["tree_ratio"] = {
        "p50": round(tree["p50_ms"] / fl["p50_ms"], 2),
        "p95": round(tree["p95_ms"] / fl["p95_ms"], 2),
    }
    equal = small_counts == counts
    results["query_counts_equal"] = equal
    rows = [
        ("tree API p50 / p95", f"{_fmt_ms(tree['p50_ms'])} / {_fmt_ms(tree['p95_ms'])}", "p95 <= 300 ms"),
        ("tree floor p50 / p95", f"{_fmt_ms(fl['p50_ms'])} / {_fmt_ms(fl['p95_ms'])}", ""),
        ("tree API / floor (p50, p95)", f"{results['tree_ratio']['p50']}x, {results['tree_ratio']['p95']}x", "<= 2.5x"),
        ("tree API response", f"{tree['bytes'] / 1e6:.2f} MB", ""),
        ("tree page initial p50 / p95", f"{_fmt_ms(results['tree_page']['p50_ms'])} / "
         f"{_fmt_ms(results['tree_page']['p95_ms'])}", "<= 200 ms"),
        ("tree expand p50 / p95", f"{_fmt_ms(results['tree_expand']['p50_ms'])} / "
         f"{_fmt_ms(results['tree_expand']['p95_ms'])}", "<= 100 ms"),
        ("check-in p50 / p99", f"{_fmt_ms(results['checkin']['p50_ms'])} / {_fmt_ms(results['checkin']['p99_ms'])}",
         "p50 <= 30, p99 <= 100 ms"),
        (f"check-in throughput ({CONCURRENT_CLIENTS} clients)", f"{results['checkin']['throughput_rps']} /s", ""),
        ("roll-up drained after the load", f"{results['checkin']['drain_after_load_s']} s", ""),
        ("roll-up lag, check-in to top (median)", f"{results['rollup_lag_s']['median']} s",
         f"incl. {settings.OKRHUB_ROLLUP_COALESCE_SECONDS:g} s coalescing"),
        ("full recompute (median)", f"{statistics.median(seconds):.2f} s, changed {changed[0]}",
         "<= 3 s, 0 changed"),
        ("objective list p95", _fmt_ms(results["objective_list"]["p95_ms"]), "<= 100 ms"),
        ("my key results p95", _fmt_ms(results["my_key_results"]["p95_ms"]), "<= 100 ms"),
    ]  # fmt: skip
    for name in counts:
        target = "equal, <= 3" if name == "tree_api" else "equal"
        rows.append((f"queries: {name} (small / large)", f"{small_counts[name]} / {counts[name]}", target))
    rows.append(("queries equal at both scales", "yes" if equal else "NO", "yes"))
    rows.extend(extra_rows)
    results["table"] = rows
    return results
