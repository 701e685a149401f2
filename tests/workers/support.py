"""Real Celery workers, a real SMTP server and the web side switched off eager mode.

- :class:`Worker` starts ``celery -A okrhub worker`` as a subprocess against
  the test Redis (``settings.REDIS_URL``, from TEST_REDIS_URL) and the
  database pytest-django created, and reads its structured log.
- :func:`tasks_on_redis` makes the test process send tasks to that broker
  instead of running them in-process.
- :class:`SmtpServer` is an aiosmtpd server on a free local port.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from okrhub.celery import app

ROOT = Path(__file__).resolve().parent.parent.parent
#: A worker outlives a test run killed hard (SIGKILL, CI timeout) unless told to
#: stop with it: setpriv (util-linux) makes the kernel send it SIGTERM then.
ORPHAN_GUARD = ["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []


def test_database_url() -> str:
    """The URL of the database pytest-django created (call inside a django_db test or fixture)."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def broker_url() -> str:
    return settings.REDIS_URL


def reset_redis() -> None:
    """Forget queued tasks and roll-up state of earlier runs in the test Redis database."""
    client = redis.Redis.from_url(broker_url())
    keys = [*client.scan_iter("okrhub:*"), *client.scan_iter("_kombu.*"), *client.scan_iter("celery*")]
    keys += [k for k in (b"unacked", b"unacked_index", b"unacked_mutex") if client.exists(k)]
    if keys:
        client.delete(*keys)


def wait_for(predicate: Callable[[], object], *, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class CeleryProcess:
    """One ``celery`` subprocess (its own process group, so it can be killed whole)."""

    ready_marker = ""

    def __init__(self, name: str, arguments: list[str], *, env: dict[str, str] | None = None):
        self.name = name
        self.log_path = Path(tempfile.mkstemp(prefix=f"okrhub-celery-{name}-", suffix=".log")[1])
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "TEST_DATABASE_URL": test_database_url(),
            "TEST_REDIS_URL": broker_url(),
            "CELERY_BROKER_URL": broker_url(),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [*ORPHAN_GUARD, sys.executable, "-m", "celery", "-A", "okrhub", *arguments, "--loglevel=INFO"],
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for(lambda: self.ready_marker in self.log() or self.process.poll() is not None, timeout=60, what=name)
        except AssertionError:
            self.stop()
            raise
        if self.process.poll() is not None:
            raise RuntimeError(f"{name} exited at start-up:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def events(self, event: str, **fields: object) -> list[dict[str, str]]:
        """Structured log lines of ``event`` whose fields match ``fields``."""
        found = []
        for line in self.log().splitlines():
            if f"event={event} " not in line + " ":
                continue
            parsed = dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)', line[line.index("event=") :]))
            if parsed.get("event") == event and all(parsed.get(k) == str(v) for k, v in fields.items()):
                found.append(parsed)
        return found

    def kill(self) -> None:
        """SIGKILL the whole worker, main process and pool children: nothing is acknowledged."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        # Pool children left behind by a killed main process.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if not os.environ.get("OKRHUB_KEEP_WORKER_LOGS"):
            self.log_path.unlink(missing_ok=True)


class Worker(CeleryProcess):
    """``celery worker``: prefork pool, no gossip, mingle or heartbeat (nothing to wait for at start-up)."""

    ready_marker = "event=worker.ready"

    def __init__(self, name: str, *, concurrency: int = 2, env: dict[str, str] | None = None):
        arguments = [
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname={name}-{os.getpid()}@%h",
        ]
        super().__init__(name, arguments, env=env)


class Beat(CeleryProcess):
    """``celery beat`` with its schedule file in a scratch directory."""

    ready_marker = "beat: Starting"

    def __init__(self, name: str, *, schedule_dir: Path, env: dict[str, str] | None = None):
        super().__init__(name, ["beat", f"--schedule={schedule_dir / 'celerybeat-schedule'}"], env=env)


@contextlib.contextmanager
def tasks_on_redis(url: str | None = None) -> Iterator[None]:
    """Send tasks to the test Redis (or ``url``), as the web process does in production."""
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.task_always_eager = False
    app.conf.broker_url = url or broker_url()
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.update(saved)
        app._pool = None
        app.amqp._producer_pool = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NO_PERSISTENCE = ["--save", "", "--appendonly", "no", "--protected-mode", "no"]


class RedisServer:
    """A private ``redis-server`` on a free port, to stop and start again (never the shared one).

    No persistence: a restart comes back empty, as a Redis that lost its data.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary and arguments
            [*ORPHAN_GUARD, "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", *NO_PERSISTENCE],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        wait_for(lambda: self._answers(client), timeout=10, what=f"redis-server on {self.port}")
        return self

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """SIGKILL: the server vanishes as in a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


class _Collect:
    def __init__(self) -> None:
        self.envelopes: list = []
        self.refuse: set[str] = set()  # mailboxes answered with a permanent 550
        self.refused: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refuse:
            self.refused.append(address)
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server on 127.0.0.1 collecting what it receives."""

    def __init__(self) -> None:
        self.handler = _Collect()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(AssertionError):  # already stopped by the test
            self.controller.stop()

    @property
    def messages(self):
        import email
        from email import policy

        return [
            (env.rcpt_tos, email.message_from_bytes(env.original_content, policy=policy.default))
            for env in self.handler.envelopes
        ]

    def mailers_setting(self) -> dict:
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 10},
            }
        }
