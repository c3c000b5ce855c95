"""What AllMySMS credits buy: an estimate of SMS parts to France, the one rate the reference documents."""

from __future__ import annotations

import math

CREDITS_PER_PART_FRANCE = 15  # reference, section 2.6: 15 credits = 1 SMS part to France


def estimated_parts_to_france(credits: float | None) -> int | None:
    """The SMS parts to French numbers ``credits`` pay for, rounded down; None when the credits are unknown.
    An estimate: other countries cost differently, and prices may change."""
    if credits is None:
        return None
    return max(0, math.floor(credits / CREDITS_PER_PART_FRANCE))
