"""The Celery application.

With no broker configured (the embedded default) tasks run in-process: the
settings turn on ``task_always_eager`` so a demo needs no Redis. With Redis,
run a worker and a beat next to the web processes (README, "Workers"); both
write heartbeats that ``/healthz`` reads (``okrhub.heartbeat``).

Logging follows Django's ``LOGGING`` in workers too (Celery does not replace
it), and every task execution leaves one structured line:
``event=task.done task=… id=… state=… ms=…``.
"""

import logging
import logging.config
import os
import time
from typing import Any

from celery import Celery, bootsteps, signals
from celery.beat import PersistentScheduler
from django.conf import settings

from okrhub import heartbeat
from okrhub.logs import log_event

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okrhub.settings.local")


class HeartbeatStep(bootsteps.StartStopStep):
    """Writes this worker's heartbeat from its main process (``okrhub.heartbeat``)."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.timer_ref: Any = None

    def start(self, worker: Any) -> None:
        heartbeat.worker_alive(worker.hostname)
        self.timer_ref = worker.timer.call_repeatedly(
            settings.OKRHUB_HEARTBEAT_SECONDS, heartbeat.worker_alive, (worker.hostname,), priority=10
        )

    def stop(self, worker: Any) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()
        heartbeat.worker_stopped(worker.hostname)


class HeartbeatScheduler(PersistentScheduler):
    """Beat's scheduler, writing beat's heartbeat on every tick."""

    def tick(self, *args: Any, **kwargs: Any) -> Any:
        heartbeat.beat_alive()
        return super().tick(*args, **kwargs)


app = Celery("okrhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.steps["worker"].add(HeartbeatStep)

log = logging.getLogger("okrhub.tasks")
_started: dict[str, float] = {}


@signals.setup_logging.connect
def _keep_django_logging(**_: object) -> None:
    """Django has configured logging from settings.LOGGING; Celery leaves it alone."""
    logging.config.dictConfig(settings.LOGGING)


@signals.worker_ready.connect
def _worker_ready(sender: Any = None, **_: object) -> None:
    log_event(log, "worker.ready", hostname=getattr(sender, "hostname", ""), pid=os.getpid())


@signals.task_prerun.connect
def _task_started(task_id: str | None = None, **_: object) -> None:
    if task_id:
        _started[task_id] = time.monotonic()


@signals.task_postrun.connect
def _task_done(task_id: Any = None, task: Any = None, state: str | None = None, **_: object) -> None:
    started = _started.pop(task_id, None)
    if task is None or task.request.is_eager:
        return
    log_event(
        log,
        "task.done",
        level=logging.INFO if state == "SUCCESS" else logging.WARNING,
        task=task.name,
        id=task_id,
        state=state,
        retries=task.request.retries,
        ms=round((time.monotonic() - started) * 1000) if started is not None else "",
    )
