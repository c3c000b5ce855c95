"""Delivery reports: what each AllMySMS report status means, in words, and the totals a flow branches on.

Statuses as the v9 delivery reports number them (reference, section 2.7): only 1 means the handset got the
SMS; 3 is still on its way. Any other value is counted as ``unknown`` rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

FIELD = "campaignId"


@dataclass(frozen=True)
class Meaning:
    key: str    # the key of its total, camelCase
    words: str  # what a person reads


MEANINGS = {
    1: Meaning("delivered", "delivered"),
    2: Meaning("notDelivered", "not delivered (reported by the operator)"),
    3: Meaning("transmitted", "transmitted to the operator, not yet delivered"),
    4: Meaning("messageRejected", "message rejected"),
    5: Meaning("smsRejected", "SMS rejected (unknown number or absent subscriber)"),
}
UNKNOWN = Meaning("unknown", "unknown status")
TOTAL_KEYS = (*(meaning.key for meaning in MEANINGS.values()), UNKNOWN.key)


def meaning(status: int | None) -> Meaning:
    return MEANINGS.get(status, UNKNOWN) if status is not None else UNKNOWN


def totals(statuses: Iterable[int | None]) -> dict[str, int]:
    """How many reports have each meaning; every key is present, zeros included."""
    counts = dict.fromkeys(TOTAL_KEYS, 0)
    for status in statuses:
        counts[meaning(status).key] += 1
    return counts
