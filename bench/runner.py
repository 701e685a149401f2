"""The benchmark run: data, servers, measurements, table."""

import contextlib
import datetime
import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import orjson
import psycopg

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent


def ensure_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def machine() -> dict:
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        pg = (conn.execute("SHOW server_version").fetchone() or ("unknown",))[0]
    cpu = "unknown"
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "postgresql": pg,
    }


class Servers:
    """gunicorn and a Celery worker on loopback, each in its own process group, stopped on exit.

    Stopping signals the whole group (gunicorn's and Celery's worker processes
    too), waits, then kills what is left: nothing outlives the run, whatever
    ended it.
    """

    def __init__(self, *, port: int, threads: int = 1) -> None:
        self.port = port
        self.threads = threads
        self.base_url = f"http://127.0.0.1:{port}"
        self.env = dict(os.environ)  # bench/__main__.py set the shared configuration
        self.processes: list[subprocess.Popen] = []

    def _start(self, command: list[str]) -> subprocess.Popen:
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True)
        self.processes.append(process)
        return process

    def __enter__(self) -> "Servers":
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn: TIME_WAIT is no listener
            try:
                probe.bind(("127.0.0.1", self.port))
            except OSError:
                raise RuntimeError(f"port {self.port} is taken; pass --port or BENCH_PORT") from None
        bin_dir = Path(sys.executable).parent
        try:
            gunicorn = self._start(
                [str(bin_dir / "gunicorn"), "okrhub.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", "2", "--threads", str(self.threads), "--timeout", "120", "--log-level", "warning"]
            )  # fmt: skip
            self._start(
                [str(bin_dir / "celery"), "-A", "okrhub", "--quiet", "worker", "--concurrency", "1",
                 "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]
            )  # fmt: skip
            self._wait_until_ready(gunicorn)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self, gunicorn: subprocess.Popen) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if gunicorn.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {gunicorn.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/accounts/login/")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not start within 60 s")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
            # Whatever is left in the group (a worker's pool process), by its group id.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self.processes = []

    def __exit__(self, *exc) -> None:
        self.stop()


def write_results(results: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"bench-{stamp}-scale{results['scale']:g}.json"
    path.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
    return path


def print_table(rows: list[tuple[str, str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print(f"{'measure':{width}}  {'result':>{value_width}}  target")
    print(f"{'-' * width}  {'-' * value_width}  ------")
    for name, value, target in rows:
        print(f"{name:{width}}  {value:>{value_width}}  {target}")


def run(args) -> int:
    ensure_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # Debug is off, as in production: pages name their static files through the manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    from bench import measure

    # A SIGTERM (CI timeout, kill) unwinds like Ctrl-C, so the servers are stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results = measure.run_all(args, servers_factory=lambda: Servers(port=args.port, threads=args.threads))
    results["machine"] = machine()
    path = write_results(results)
    print()
    print_table(results.pop("table"))
    print(f"\nmachine: {json.dumps(results['machine'])}")
    print(f"results: {path}")
    return 0
