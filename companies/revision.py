"""The company revision: one number that moves whenever what a reader of the company sees may have changed.

It is the basis of the ETag of the alignment tree, the tree pages and the
objective and key result lists (``If-None-Match`` answers 304 without
building anything), and part of the key of the cached tree bytes
(``alignment/cache.py``). So it must be *exact*: every committed write that
changes what a reader sees moves it before anyone can read that write.

Where it lives
    In the shared cache (Redis in production and tests; process memory in
    the embedded SQLite default, which serves from one process): ``INCR``
    costs a tenth of a millisecond and takes no lock, where a column on the
    company row would be a hot row every check-in of the company updates.
    A lost key (a Redis flush, an eviction) is re-seeded with the current
    time in microseconds, which is larger than every value handed out
    before (each was a seed plus one per write since), so a flush never
    brings an old revision back and never answers a stale 304. The ETag
    also names the company's "today", so even a bump lost to a crash ends
    at the company's midnight.

When it moves (:func:`bump`)
    - every model save or delete that a reader sees: companies, memberships,
      people's names, departments and their memberships, cycles, objectives,
      key results, check-ins, dependencies, events (``objectives/receivers.py``
      keeps that table, the one list);
    - every bulk write that bypasses model signals: the roll-up when a stored
      progress changed (``objectives/rollup.py``), reassigning owners, closing
      a cycle;
    - every event written (``objectives/events.py``: every service writes one).
    ``tests/alignment/test_revision.py`` walks every write and fails when the
    tree's bytes changed but its ETag did not.

Ordering
    Readers call :func:`current` *before* reading any data. A bump runs at
    once (so an open transaction, and a test inside one, already sees the
    change) and again after the commit: a reader that saw the first bump but
    read the data before the commit caches the old data under a revision the
    second bump retires at once. Within a transaction, a bump moves the
    revision at once only when nobody on this connection has read it since
    the last one (a batch of ten check-ins writes some twenty rows a reader
    sees, and would otherwise pay twenty round trips to Redis): whoever
    reads calls :func:`current` first, which marks the company read, so the
    next write moves it again. After the commit, one ``INCR`` per company.
"""

import hashlib
import hmac
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

log = logging.getLogger(__name__)

_PENDING_ATTR = "_okrhub_pending_revisions"


def _key(company_id: int) -> str:
    return f"company-revision:{company_id}"


def _seed() -> int:
    """A revision larger than any handed out before: microseconds since the epoch."""
    return time.time_ns() // 1000


def _pending() -> dict[int, bool] | None:
    """This transaction's bumped companies (True: read since its last bump); None outside one or when stale."""
    pending: dict[int, bool] | None = getattr(connection, _PENDING_ATTR, None)
    # Companies left by a transaction that rolled back (its callbacks are gone) are stale.
    if pending is None or not any(entry[1] is _flush for entry in connection.run_on_commit):
        return None
    return pending


def current(company_id: int) -> int | None:
    """The company's revision now; None when the cache cannot be reached (then nothing may be cached)."""
    pending = _pending() if connection.in_atomic_block else None
    if pending is not None and company_id in pending:
        pending[company_id] = True  # the next write in this transaction must move it again
    key = _key(company_id)
    try:
        value = cache.get(key)
        if value is None:
            cache.add(key, _seed(), timeout=None)
            value = cache.get(key)
    except Exception:
        log.warning("company revision unavailable for company %s", company_id, exc_info=True)
        return None
    return int(value) if value is not None else None


def _incr(company_id: int) -> None:
    key = _key(company_id)
    try:
        try:
            cache.incr(key)
        except ValueError:  # no key yet (or flushed): any fresh seed is newer than every value handed out
            if not cache.add(key, _seed(), timeout=None):
                cache.incr(key)
    except Exception:
        log.warning("company revision not bumped for company %s", company_id, exc_info=True)


def _flush() -> None:
    """After commit: bump every company this transaction bumped, once each."""
    pending: dict[int, bool] | None = getattr(connection, _PENDING_ATTR, None)
    if not pending:
        return
    setattr(connection, _PENDING_ATTR, None)
    for company_id in sorted(pending):
        _incr(company_id)


def bump(company_id: int) -> None:
    """Move the company's revision now and, inside a transaction, once more after it commits.

    The bump now lets the transaction itself (and a test, which never
    commits) read its own writes afresh; the one after the commit is what
    makes the revision exact for everyone else. A second bump before
    anyone on this connection read the revision skips the immediate move
    (the module's docstring). Callbacks registered inside
    a savepoint that rolled back are dropped by Django, so every bump
    registers the after-commit flush and the first one to run does the work.
    """
    if not connection.in_atomic_block:
        _incr(company_id)
        return
    pending = _pending()
    if pending is None:
        pending = {}
        setattr(connection, _PENDING_ATTR, pending)
    if pending.get(company_id, True):  # first bump of this transaction, or read since the last one
        _incr(company_id)
    pending[company_id] = False
    transaction.on_commit(_flush, robust=True)


def etag(company_id: int, revision: int, *parts: object) -> str:
    """A strong ETag naming the company's revision and everything else a representation depends on.

    Keyed with the secret key: a client can neither forge the tag of a
    request it never got a 200 for nor read the revision (how often the
    company writes) from it.
    """
    message = repr((company_id, revision, parts)).encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
    return f'"r{digest[:40]}"'


def none_match(header: str | None, tag: str) -> bool:
    """Whether ``If-None-Match`` names ``tag`` (RFC 9110 13.1.2: weak comparison; ``*`` matches)."""
    if not header:
        return False
    tags = {value.strip().removeprefix("W/") for value in header.split(",")}
    return "*" in tags or tag in tags
