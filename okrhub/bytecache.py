"""Built response bytes, kept in process memory in front of the shared cache.

Keys name everything the bytes depend on (for the alignment tree: company,
revision, day, visibility class, parameters and representation version), so
an entry is never invalidated, only replaced by entries under newer keys, and
the least recently used ones make room. The process-local layer makes a hit
cost what sending the bytes costs; the shared layer (Redis in production)
lets every web process reuse what one built.
"""

import logging
import threading
from collections import OrderedDict

from django.core.cache import cache

log = logging.getLogger(__name__)


class ByteCache:
    """A least-recently-used map of ``bytes`` bounded by their total size, backed by Django's cache."""

    def __init__(self, *, prefix: str, max_bytes: int, timeout: int) -> None:
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.timeout = timeout
        self._local: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._local.get(key)
            if value is not None:
                self._local.move_to_end(key)
                return value
        try:
            shared = cache.get(f"{self.prefix}:{key}")
        except Exception:
            log.warning("byte cache %s unavailable", self.prefix, exc_info=True)
            return None
        if isinstance(shared, bytes):
            self._remember(key, shared)
            return shared
        return None

    def set(self, key: str, value: bytes) -> None:
        self._remember(key, value)
        try:
            cache.set(f"{self.prefix}:{key}", value, timeout=self.timeout)
        except Exception:
            log.warning("byte cache %s unavailable", self.prefix, exc_info=True)

    def _remember(self, key: str, value: bytes) -> None:
        if len(value) > self.max_bytes:
            return
        with self._lock:
            old = self._local.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._local[key] = value
            self._size += len(value)
            while self._size > self.max_bytes:
                _, evicted = self._local.popitem(last=False)
                self._size -= len(evicted)

    def clear_local(self) -> None:
        """Forget this process's copies (tests measure the shared layer with it)."""
        with self._lock:
            self._local.clear()
            self._size = 0
