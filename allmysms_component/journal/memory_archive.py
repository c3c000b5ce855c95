"""The in-memory journal's old entries, 8 bytes each: which message, in what state, in which hour; no output.

An entry that leaves the in-memory store's recent part (its byte budget) is folded in here, so the process
still knows for a day (the journal's TTL) that the message was sent, ended in doubt, or began sending, at a
small fraction of an entry's cost. Each hour's entries are one sorted ``array('Q')`` of 64-bit values: a
56-bit digest of the entry's name, the state in the low bits; the current hour is a dict until it closes (early,
if it would take more than a quarter of the budget).
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from collections import deque

ABSENT, SENDING, SENT, IN_DOUBT = 0, 1, 2, 3
STATE_BITS = 8
SLICE = 3600.0  # seconds: one sorted array per hour
DICT_ENTRY_BYTES = 100  # the current hour's dict: its slot and int key (70-90 bytes measured with tracemalloc)


def digest(name: str) -> int:
    """The name's 56-bit digest, shifted to leave room for the state: one in 2**56, a collision is a false
    record of a message that was never seen, and at most one a day at a million a day for 2**36 days."""
    raw = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=7).digest()
    return int.from_bytes(raw, "big") << STATE_BITS


class Archive:
    """Which state each old entry had, by hour; expires hours past ``ttl``, and the oldest past ``limit_bytes``."""

    def __init__(self, *, ttl: float, limit_bytes: int) -> None:
        self.ttl = ttl
        self.limit_bytes = limit_bytes
        self._closed: deque[tuple[float, array[int]]] = deque()  # (hour's start, sorted values), oldest first
        self._start = 0.0
        self._current: dict[int, int] = {}
        self._closed_bytes = 0

    def add(self, name: str, state: int, now: float) -> None:
        self._roll(now)
        self._current[digest(name)] = state
        if len(self._current) * DICT_ENTRY_BYTES * 4 > self.limit_bytes:  # a busy hour: close it early
            self._roll(now, early=True)
        self._trim(now)

    def find(self, name: str, now: float) -> tuple[int, float] | None:
        """(state, the start of the hour it was archived in) of the newest record of ``name``, or None."""
        self._roll(now)
        key = digest(name)
        if key in self._current:
            return self._current[key], self._start
        for start, values in reversed(self._closed):
            at = bisect_left(values, key)
            if at < len(values) and values[at] >> STATE_BITS == key >> STATE_BITS:
                return values[at] & ((1 << STATE_BITS) - 1), start
        return None

    @property
    def size_bytes(self) -> int:
        return self._closed_bytes + len(self._current) * DICT_ENTRY_BYTES

    @property
    def count(self) -> int:
        return sum(len(values) for _, values in self._closed) + len(self._current)

    def clear(self) -> None:
        self._closed.clear()
        self._current.clear()
        self._closed_bytes = 0

    def _roll(self, now: float, *, early: bool = False) -> None:
        if now - self._start < SLICE and not early:
            return
        if self._current:
            values = array("Q", sorted(key | state for key, state in self._current.items()))
            self._closed.append((self._start, values))
            self._closed_bytes += values.itemsize * len(values)
            self._current = {}
        self._start = now
        self._trim(now)

    def _trim(self, now: float) -> None:
        while self._closed and (self._closed[0][0] + SLICE + self.ttl <= now or self.size_bytes > self.limit_bytes):
            _, values = self._closed.popleft()
            self._closed_bytes -= values.itemsize * len(values)
