"""The one harness for tests that race threads against the database."""

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection


def run_concurrently(*workers: Callable[[], Any], timeout: float = 60) -> list[Any]:
    """Run each worker on its own thread, all released at once by a barrier; return their results in order.

    Every thread closes its database connection when it ends (Django opens
    one per thread; a leaked one keeps the test database from being dropped).
    A worker's exception is re-raised here, all of them in one group, and a
    thread still running after ``timeout`` seconds fails the test instead of
    being silently left behind.
    """
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)
    errors: list[BaseException] = []

    def run(index: int, worker: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = worker()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, worker), name=f"concurrent-{index}", daemon=True)
        for index, worker in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"still running after {timeout}s: {stuck}"
    if errors:
        raise BaseExceptionGroup(f"{len(errors)} of {len(workers)} concurrent workers failed", errors)
    return results
