"""The journal kept in this process's memory: bounded in bytes, entries expire, every write a compare-and-set."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from .store import Written

ENTRY_OVERHEAD = 200  # bytes per entry beyond its key and value: the dict slot, the tuple, the objects


class MemoryStore:
    """Entries by name, as bytes (the same bytes Redis would hold), for one process.

    Every entry lives ``ttl`` seconds from its last write. Past ``limit_bytes`` the entries closest to their
    expiry go first: those are the oldest, while the ones in flight are the newest.
    """

    shared = False
    description = "in memory"

    def __init__(self, *, ttl: float, limit_bytes: int, clock: Callable[[], float] = time.time) -> None:
        self.ttl = ttl
        self.limit_bytes = limit_bytes
        self._clock = clock
        self._lock = threading.Lock()
        # name -> (value, expires at). One ttl for all, and a write moves its entry to the end: the order is the
        # order of expiry, so expired and evicted entries are always at the front.
        self._entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._bytes = 0

    def get(self, name: str) -> bytes | None:
        with self._lock:
            found = self._entries.get(name)
            if found is None or found[1] <= self._clock():
                return None
            return found[0]

    def compare_and_set(self, name: str, expected: bytes | None, new: bytes | None, *, now: float = 0.0,
                        guard: float | None = None, durable: bool = False) -> Written:
        """Write ``new`` (None: delete) if the entry is ``expected`` (None: absent); say whether it was written.

        ``now``, ``guard`` and ``durable`` are the shared stores' (store.Store): this process's memory lives as
        long as the process, and the journal's policy already refuses what it cannot prove.
        """
        with self._lock:
            now = self._clock()
            found = self._entries.get(name)
            current = found[0] if found is not None and found[1] > now else None
            if current != expected:
                return Written(False)
            if found is not None:
                del self._entries[name]
                self._bytes -= _size(name, found[0])
            if new is not None:
                self._entries[name] = (new, now + self.ttl)
                self._bytes += _size(name, new)
            self._trim(now, keep=name)
            return Written(True)

    def dump(self) -> dict[str, bytes]:
        """Every live entry as stored, for audits and tests."""
        with self._lock:
            now = self._clock()
            return {name: value for name, (value, expires) in self._entries.items() if expires > now}

    @property
    def size_bytes(self) -> int:
        with self._lock:
            return self._bytes

    def close(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _trim(self, now: float, *, keep: str) -> None:
        while self._entries:
            name, (value, expires) = next(iter(self._entries.items()))
            if (expires > now and self._bytes <= self.limit_bytes) or name == keep:
                return
            del self._entries[name]
            self._bytes -= _size(name, value)


def _size(name: str, value: bytes) -> int:
    return len(name) + len(value) + ENTRY_OVERHEAD
