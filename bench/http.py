"""Small, bounded HTTP measurement helpers against a server on loopback."""

import http.client
import json
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Sample:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, ms: float, status: int) -> None:
        self.latencies_ms.append(ms)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
        return ordered[index]

    def summary(self) -> dict:
        return {
            "requests": len(self.latencies_ms),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 1) if self.latencies_ms else None,
            "throughput_rps": round(len(self.latencies_ms) / self.seconds, 1) if self.seconds else None,
            "statuses": self.statuses,
        }


class Client:
    """A keep-alive HTTP/1.1 client for one thread, with cookies and default headers."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers = dict(headers or {})
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        all_headers = {**self.headers, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=all_headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.conn.request(method, path, body=body, headers=all_headers)
            response = self.conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, data, dict(response.getheaders())

    def timed(self, method: str, path: str, sample: Sample, **kwargs) -> tuple[int, bytes]:
        started = time.perf_counter()
        status, data, _ = self.request(method, path, **kwargs)
        sample.add((time.perf_counter() - started) * 1000, status)
        return status, data

    def json(self, method: str, path: str, payload=None, headers: dict | None = None):
        body = json.dumps(payload).encode() if payload is not None else None
        status, data, response_headers = self.request(
            method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})}
        )
        return status, (json.loads(data) if data else None), response_headers


def repeat(
    client: Client,
    path: str,
    *,
    count: int,
    warmup: int = 2,
    before: Callable[[], None] | None = None,
    headers: dict | None = None,
) -> Sample:
    """GET ``path`` ``count`` times in sequence (after a warm-up); ``before`` runs untimed before each."""
    for _ in range(warmup):
        if before is not None:
            before()
        client.request("GET", path, headers=headers)
    sample = Sample()
    started = time.perf_counter()
    for _ in range(count):
        if before is not None:
            before()
        client.timed("GET", path, sample, headers=headers)
    sample.seconds = time.perf_counter() - started
    return sample


def concurrent(make_request: Callable[[Client, int, Sample], None], clients: list[Client], seconds: float) -> Sample:
    """Run ``make_request`` in a loop on each client thread for a bounded time."""
    sample = Sample()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(client: Client, worker_id: int) -> None:
        local = Sample()
        n = 0
        while time.perf_counter() < deadline:
            make_request(client, worker_id * 1_000_000 + n, local)
            n += 1
        with lock:
            sample.latencies_ms.extend(local.latencies_ms)
            for status, count in local.statuses.items():
                sample.statuses[status] = sample.statuses.get(status, 0) + count

    threads = [threading.Thread(target=worker, args=(c, i)) for i, c in enumerate(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sample.seconds = time.perf_counter() - started
    return sample
