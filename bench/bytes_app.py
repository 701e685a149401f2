"""The floor of a cached response: gunicorn sending the same bytes from memory, with no Django at all.

``BENCH_BYTES_FILE`` names the bytes (read once at import); every request
gets them as ``application/json``. bench/tree_cache.py runs this app under the
same gunicorn, worker class and loopback as the site, so "a cached 200 costs
at most 1.5x sending the bytes" compares like with like.
"""

import os
from collections.abc import Callable, Iterable
from pathlib import Path

BODY = Path(os.environ["BENCH_BYTES_FILE"]).read_bytes()
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
    start_response("200 OK", HEADERS)
    return [BODY]
