"""Outgoing webhooks (issue 18): events delivered to a local receiver by the run's one Celery worker.

- **Delivery**: ``EVENTS`` events (1,000 at scale >= 0.1; fewer below, for smoke runs)
  are committed at ``RATE`` per second in the bench process (``comment.created``
  on a public objective, written by ``objectives.events.record`` as the
  discussion service does); each commit publishes the fan-out, the worker
  (``--concurrency 1``) inserts the delivery, signs and POSTs it. The figure
  is enqueue (the commit) to delivered (the receiver's arrival), p50/p95/max;
  every request is verified with ``standardwebhooks``. Target: p95 <= 2 s.
- **Check-in latency**, webhooks off (no endpoint) and on (an endpoint that
  takes ``checkin.created``): API check-ins through gunicorn, in alternating
  rounds so drift hits both alike. Target: p95 on within 10 % of off.

The endpoint is deleted afterwards (its deliveries with it); the events stay
in the bench company, like every entry's writes.
"""

import json
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.db import transaction
from standardwebhooks import Webhook

from bench.http import Client, Sample
from companies.tenancy import Actor
from objectives import events
from objectives.models import Objective, Verb
from okrhub.roles import Role
from webhooks import services
from webhooks.models import Endpoint

FULL_EVENTS = 1_000
RATE = 25  # events per second, committed one per transaction
ROUNDS = 4


class _Receiver:
    def __init__(self, secret: str | None = None) -> None:
        self.secret = secret
        self.arrivals: dict[int, float] = {}
        self.unverified = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                now = time.monotonic()
                try:
                    payload = Webhook(receiver.secret or "").verify(body, dict(self.headers.items()))
                    receiver.arrivals.setdefault(payload["data"]["id"], now)
                except Exception:
                    receiver.unverified += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _admin(company: Any) -> Actor:
    return Actor(company=company, role=Role.ADMIN, user=None)


def _checkin_rounds(fixture: Any, base_url: str, endpoint: Endpoint, count: int) -> dict[str, Sample]:
    samples = {"off": Sample(), "on": Sample()}
    client = Client(
        base_url, headers={"Authorization": f"Api-Key {fixture.api_key}", "Content-Type": "application/json"}
    )
    key_results = fixture.checkin_key_results
    per_round = max(1, count // ROUNDS)
    n = 0
    for kr_id, _ in key_results[:2]:  # warm-up: a connection and each gunicorn worker's first request
        client.timed("POST", f"/api/v1/companies/{fixture.slug}/key-results/{kr_id}/check-ins/", Sample(),
                     body=b'{"value": "0", "confidence": "on_track"}')  # fmt: skip
    for round_ in range(ROUNDS * 2):
        state = "on" if round_ % 2 else "off"
        Endpoint.objects.filter(pk=endpoint.pk).update(enabled=state == "on")
        for _ in range(per_round):
            kr_id, target = key_results[n % len(key_results)]
            n += 1
            body = json.dumps({"value": str(n % max(1, int(float(target)))), "confidence": "on_track"}).encode()
            client.timed(
                "POST", f"/api/v1/companies/{fixture.slug}/key-results/{kr_id}/check-ins/", samples[state], body=body
            )
    return samples


def _deliver_events(company: Any, receiver: _Receiver, count: int) -> dict[str, Any]:
    objective = Objective.objects.filter(company=company, private=False).order_by("id").first()
    assert objective is not None  # noqa: S101 - the generated company has public objectives
    committed: dict[int, float] = {}
    started = time.monotonic()
    for i in range(count):
        due = started + i / RATE
        if (wait := due - time.monotonic()) > 0:
            time.sleep(wait)
        with transaction.atomic():
            event = events.record(
                Verb.COMMENT_CREATED,
                company_id=company.pk,
                actor=None,
                objective=objective,
                subject=("comment", 10_000_000 + i),
                payload={
                    "comment_id": 10_000_000 + i,
                    "body_excerpt": f"bench {i}",
                    "objective_title": objective.title,
                },
            )
        committed[event.pk] = time.monotonic()  # the fan-out was published on commit, just now
    deadline = time.monotonic() + 60 + count / 10
    while len(receiver.arrivals.keys() & committed.keys()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    lags = sorted(receiver.arrivals[pk] - at for pk, at in committed.items() if pk in receiver.arrivals)
    if not lags:
        raise RuntimeError("no webhook arrived")
    return {
        "events": count,
        "delivered": len(lags),
        "unverified": receiver.unverified,
        "rate_per_s": RATE,
        "p50_s": round(statistics.median(lags), 3),
        "p95_s": round(lags[min(len(lags) - 1, int(0.95 * len(lags)))], 3),
        "max_s": round(lags[-1], 3),
    }


def run(fixture: Any, small: Any, base_url: str, args: Any) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    company = fixture.built.company
    Endpoint.objects.filter(company=company).delete()
    count = FULL_EVENTS if args.scale >= 0.1 else max(20, int(FULL_EVENTS * args.scale * 10))
    receiver = _Receiver()
    try:
        endpoint = services.endpoint_create(
            company=company, actor=_admin(company), url=receiver.url, event_types=["comment.created", "checkin.created"]
        )
        receiver.secret = endpoint.secret
        samples = _checkin_rounds(fixture, base_url, endpoint, max(args.requests * 2, ROUNDS))
        Endpoint.objects.filter(pk=endpoint.pk).update(enabled=True, event_types=["comment.created"])
        delivery = _deliver_events(company, receiver, count)
    finally:
        receiver.stop()
        Endpoint.objects.filter(company=company).delete()
    off, on = samples["off"].summary(), samples["on"].summary()
    ratio = on["p95_ms"] / off["p95_ms"] if off["p95_ms"] else 0.0
    results = {"delivery": delivery, "checkin_off": off, "checkin_on": on, "checkin_p95_ratio": round(ratio, 3)}
    rows = [
        (
            f"webhooks: {delivery['delivered']:,}/{delivery['events']:,} events at {RATE}/s, enqueue-to-delivered "
            "p50 / p95 / max",
            f"{delivery['p50_s']:.2f} / {delivery['p95_s']:.2f} / {delivery['max_s']:.2f} s",
            "p95 <= 2 s",
        ),
        (
            "webhooks: check-in p95 off / on",
            f"{off['p95_ms']:.1f} / {on['p95_ms']:.1f} ms (x{ratio:.2f})",
            "on within 10 % of off",
        ),
    ]
    return results, rows
