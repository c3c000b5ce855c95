"""Rebound arithmetic (sailor-protocol.md section 8): which iteration this is, and how long the broker holds it.

The n-th rebound of a message waits ``2^(n-1) x REBOUND_INITIAL_EXPIRATION`` ms (15 s, 30 s, 1 min, ... by
default) in the rebounds queue, which dead-letters it back to the step's queue. The iteration travels in the
``reboundIteration`` header and counts only when it is a number (a string ``"2"`` starts again at 1, as in the
sailor). Past ``REBOUND_LIMIT`` the message ends with the error "Rebound limit exceeded" instead, and is acked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LIMIT_EXCEEDED = "Rebound limit exceeded"


@dataclass(frozen=True)
class Rebound:
    iteration: int
    expiration: int | None  # ms; None when the limit is exceeded

    @property
    def over_limit(self) -> bool:
        return self.expiration is None


def next_rebound(headers: Mapping[str, Any], *, initial_expiration: int, limit: int) -> Rebound:
    """The rebound that follows a message carrying ``headers``."""
    previous = headers.get("reboundIteration")
    iteration = 1
    # bool is an int in Python, not a number in JavaScript; 0 is falsy there, so it starts again too
    if isinstance(previous, int | float) and not isinstance(previous, bool) and previous:
        iteration = int(previous) + 1
    if iteration > limit:
        return Rebound(iteration, None)
    return Rebound(iteration, 2 ** (iteration - 1) * initial_expiration)
