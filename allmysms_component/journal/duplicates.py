"""The duplicate window: the same SMS under another message id (a flow fired twice) is not sent again.

Beside the entries, the journal keeps one pointer per step and SMS digest (recipients, sender, text, Send at):
the entry name of the message that claimed it, and when. A message that is about to send claims the digest;
if another message claimed it inside the window, that message's entry decides (``judge``): sent, its output is
replayed; still sending, this copy rebounds and asks again later; in doubt, "may have been sent"; gone (not sent
after all, or expired), the claim passes to this message. Each write is a compare-and-set on one key, like the entries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .decisions import Decision, Doubt, Entry, State, Verdict
from .store import Store

POINTER_VERSION = 1
MAX_TRIES = 32


@dataclass(frozen=True)
class Claim:
    """Who claimed an SMS digest: the entry name of its message, at what time."""

    name: str
    at: float

    def encode(self) -> bytes:
        return json.dumps({"v": POINTER_VERSION, "name": self.name, "at": round(self.at, 3)},
                          separators=(",", ":")).encode()

    @classmethod
    def decode(cls, raw: bytes) -> Claim | None:
        try:
            record = json.loads(raw)
            return cls(str(record["name"]), float(record["at"])) if record["v"] == POINTER_VERSION else None
        except (ValueError, KeyError, TypeError):
            return None


def pointer_name(step: str, digest: str) -> str:
    return f"{step}:duplicate:{digest}"


def judge(first: Entry | None, claim: Claim) -> Verdict | None:
    """What the message that claimed the digest means for this one: None (it is gone: this one may send)."""
    if first is None:
        return None
    if first.state is State.SENT:
        return Verdict(Decision.REPLAY, outputs=first.outputs, withheld=first.withheld, since=first.at)
    if first.state is State.SENDING:  # its answer will come: this copy waits for it (a rebound)
        return Verdict(Decision.MAY_HAVE_BEEN_SENT, doubt=Doubt.IN_PROGRESS, since=claim.at)
    return Verdict(Decision.MAY_HAVE_BEEN_SENT, doubt=Doubt.DUPLICATE, since=claim.at)


def claim(store: Store, *, step: str, digest: str, name: str, now: float, window: float) -> Verdict | None:
    """Claim ``digest`` for the message whose entry is ``name``; None if claimed (send), else the verdict.

    Raises JournalUnavailableError (a rebound) when the store cannot be reached.
    """
    pointer = pointer_name(step, digest)
    mine = Claim(name, now).encode()
    raw = store.get(pointer)
    for _ in range(MAX_TRIES):
        held = Claim.decode(raw) if raw is not None else None
        if held is not None and held.name != name and now - held.at < window:
            first_raw = store.get(held.name)
            try:
                first = Entry.decode(first_raw) if first_raw is not None else None
            except ValueError:
                return Verdict(Decision.MAY_HAVE_BEEN_SENT, doubt=Doubt.UNREADABLE)
            verdict = judge(first, held)
            if verdict is not None:
                return verdict
        if store.compare_and_set(pointer, raw, mine, now=now):
            return None
        raw = store.get(pointer)
    return Verdict(Decision.MAY_HAVE_BEEN_SENT, doubt=Doubt.DUPLICATE, since=now)
