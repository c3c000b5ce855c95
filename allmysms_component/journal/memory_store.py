"""The journal kept in this process's memory: bounded in bytes, entries expire, every write a compare-and-set.

Recent entries are kept whole (the bytes Redis would hold); past their byte budget the oldest are folded into
the archive (``memory_archive``: 8 bytes each, the state without the output) rather than forgotten.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from . import memory_archive
from .decisions import Entry, State
from .memory_archive import Archive
from .store import Written

ENTRY_OVERHEAD = 330  # bytes per entry beyond its key and value: the objects and the dict's slot (bench/journal.py)
ARCHIVED = "archived"  # the attempt of an entry read back from the archive
_CODES = {State.SENDING: memory_archive.SENDING, State.SENT: memory_archive.SENT,
          State.IN_DOUBT: memory_archive.IN_DOUBT}
_STATES = {code: state for state, code in _CODES.items()}


class MemoryStore:
    """Entries by name, as bytes (the same bytes Redis would hold), for one process.

    Every entry lives ``ttl`` seconds from its last write. Past ``limit_bytes`` the entries closest to their
    expiry go first: those are the oldest, while the ones in flight are the newest.
    """

    shared = False
    description = "in memory"

    def __init__(self, *, ttl: float, limit_bytes: int, archive_bytes: int = 0,
                 clock: Callable[[], float] = time.time) -> None:
        self.ttl = ttl
        self.limit_bytes = limit_bytes
        self.archive = Archive(ttl=ttl, limit_bytes=archive_bytes) if archive_bytes else None
        self._clock = clock
        self._lock = threading.Lock()
        # name -> (value, expires at). One ttl for all, and a write moves its entry to the end: the order is the
        # order of expiry, so expired and evicted entries are always at the front.
        self._entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._bytes = 0

    def get(self, name: str) -> bytes | None:
        with self._lock:
            return self._current(name, self._clock())

    def compare_and_set(self, name: str, expected: bytes | None, new: bytes | None, *, now: float = 0.0,
                        guard: float | None = None, durable: bool = False) -> Written:
        """Write ``new`` (None: delete) if the entry is ``expected`` (None: absent); say whether it was written.

        ``now``, ``guard`` and ``durable`` are the shared stores' (store.Store): this process's memory lives as
        long as the process, and the journal's policy already refuses what it cannot prove.
        """
        with self._lock:
            now = self._clock()
            if self._current(name, now) != expected:
                return Written(False)
            found = self._entries.pop(name, None)
            if found is not None:
                self._bytes -= _size(name, found[0])
            if new is None and self.archive is not None and self.archive.find(name, now) is not None:
                new = b""  # a tombstone: the archive's older record no longer holds
            if new is not None:
                self._entries[name] = (new, now + self.ttl)
                self._bytes += _size(name, new)
            self._trim(now, keep=name)
            return Written(True)

    def dump(self) -> dict[str, bytes]:
        """Every live entry as stored, for audits and tests."""
        with self._lock:
            now = self._clock()
            return {name: value for name, (value, expires) in self._entries.items() if expires > now and value}

    @property
    def size_bytes(self) -> int:
        """The recent entries' bytes, and the archive's."""
        with self._lock:
            return self._bytes + (self.archive.size_bytes if self.archive else 0)

    def close(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            if self.archive:
                self.archive.clear()

    def _current(self, name: str, now: float) -> bytes | None:
        found = self._entries.get(name)
        if found is not None:
            return (found[0] or None) if found[1] > now else None
        archived = self.archive.find(name, now) if self.archive else None
        if archived is None or archived[0] == memory_archive.ABSENT:
            return None
        return Entry(_STATES[archived[0]], ARCHIVED, archived[1]).encode()

    def _trim(self, now: float, *, keep: str) -> None:
        while self._entries:
            name, (value, expires) = next(iter(self._entries.items()))
            if (expires > now and self._bytes <= self.limit_bytes) or name == keep:
                return
            del self._entries[name]
            self._bytes -= _size(name, value)
            if self.archive is not None and expires > now:
                self.archive.add(name, _code(value), now)


def _code(value: bytes) -> int:
    """The archive's code for an entry's bytes (a tombstone, or one this version cannot read: absent)."""
    try:
        return _CODES[Entry.decode(value).state] if value else memory_archive.ABSENT
    except ValueError:
        return memory_archive.ABSENT


def _size(name: str, value: bytes) -> int:
    return len(name) + len(value) + ENTRY_OVERHEAD
