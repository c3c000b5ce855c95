"""Rebound arithmetic (sailor-protocol.md section 8): which iteration this is, and how long the broker holds it.

The n-th rebound of a message waits ``2^(n-1) x REBOUND_INITIAL_EXPIRATION`` ms (15 s, 30 s, 1 min, ... by
default) in the rebounds queue, which dead-letters it back to the step's queue. The iteration travels in the
``reboundIteration`` header and counts only when it is a number (a string ``"2"`` starts again at 1, as in the
sailor). Past ``REBOUND_LIMIT`` the message ends with the error "Rebound limit exceeded" instead, and is acked.
A count that is not a whole number of at least 1 (negative, fractional, NaN, infinite: another publisher's) starts
again at 1 too, where the sailor would compute an expiration RabbitMQ refuses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LIMIT_EXCEEDED = "Rebound limit exceeded"
MAX_LIMIT = 100  # rebounds: past that the wait (2^99 x the first) means nothing; a larger setting is refused


@dataclass(frozen=True)
class NextRebound:
    iteration: int
    expiration: int | None  # ms; None when the limit is exceeded

    @property
    def over_limit(self) -> bool:
        return self.expiration is None


def next_rebound(headers: Mapping[str, Any], *, initial_expiration: int, limit: int) -> NextRebound:
    """The rebound that follows a message carrying ``headers``."""
    previous = headers.get("reboundIteration")
    iteration = 1
    # bool is an int in Python, not a number in JavaScript; 0 is falsy there, so it starts again too
    if isinstance(previous, int | float) and not isinstance(previous, bool) and math.isfinite(previous) \
            and previous >= 1 and float(previous).is_integer():
        iteration = int(previous) + 1
    if iteration > limit:
        return NextRebound(iteration, None)
    return NextRebound(iteration, 2 ** (iteration - 1) * initial_expiration)
