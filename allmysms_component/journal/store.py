"""What the journal needs of a store: entries as bytes by name, and compare-and-set writes that say what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Written:
    """The outcome of a compare-and-set: ``ok`` if written. ``remembers_since`` (shared stores): when the store
    began remembering (its generation marker, created by the first write after it started empty); set whenever
    the store knows it, and the reason for a refusal when the write was guarded and the store forgot since."""

    ok: bool
    remembers_since: float | None = None
    forgot: bool = False  # refused by the guard: the store began remembering after ``guard``

    def __bool__(self) -> bool:
        return self.ok


class Store(Protocol):
    """Where entries live: bytes by name, with atomic compare-and-set writes."""

    shared: bool
    description: str

    def get(self, name: str) -> bytes | None: ...

    def compare_and_set(self, name: str, expected: bytes | None, new: bytes | None, *, now: float = 0.0,
                        guard: float | None = None, durable: bool = False) -> Written:
        """Write ``new`` (None: delete) if the entry is ``expected`` (None: absent).

        ``guard``: refuse (``forgot``) if the store began remembering after this time, atomically with the
        comparison: the write relies on the absence of an entry meaning "never written". ``durable``: the write
        must be replicated (or on disk) before this returns, else JournalUnavailableError. ``now`` dates a new
        generation marker.
        """
        ...

    def close(self) -> None: ...
