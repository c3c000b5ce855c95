"""Recognising a redelivery of a message this process is running or has just settled (section 13, fixed).

When the consume connection drops, the broker requeues the unacked messages and later redelivers them, with
``redelivered`` set, to this process (after it reconnects) or to another replica. Meanwhile the first run may
still be going in this process. Running the redelivery too would send the SMS twice, so:

- a redelivery of a message that is running here is *attached* to that run and not run again; the run's
  outcome settles it (ack or reject) instead of the dead original delivery;
- a redelivery of a message settled here recently (its outcome published, but the ack lost with the
  connection) is settled at once the same way, without running, once.

Only an ack or reject that could not be sent is remembered: once the broker has a delivery's ack it never hands
that delivery out again, so a later ``redelivered`` copy with the same key is another delivery (a rebound's
copy that another replica lost, say), and it runs; the send journal then decides whether it sends, replays or
ends "may have been sent". Remembering every verdict would settle such a copy unrun: a message acked with no
outcome at all.

Unlike the sailor's ``messagesDB``, nothing waits for a redelivery that may never come (it may have gone to
another replica), nothing counts deliveries that are not run, and a message without a ``messageId`` header
is handled like any other: the key is the ``messageId`` (if any) and a digest of the content, and only a
delivery the broker marks ``redelivered`` is ever matched, so two different messages that share a
``messageId`` (the sailor gives all the outputs of one input the same) are never taken for each other. What
is remembered is bounded in time and count. Pure bookkeeping: the worker does the acks.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .broker import Settlement

D = TypeVar("D")  # a delivery, whatever the worker uses to ack or reject it
Key = tuple[str, str]

REMEMBER_FOR = 600.0    # s a settled message is remembered: well over a reconnect and the broker's requeue
MAX_SETTLED = 10_000    # settled messages remembered at most (about 1 MiB)


def key_of(message_id: str | None, digest: str) -> Key:
    """A delivery's key: its platform message id and the digest of its content (``messages``)."""
    return (message_id or "", digest)


@dataclass
class _Running(Generic[D]):
    runs: int = 1            # two identical messages (not redeliveries) may run at once
    latest: D | None = None  # the newest redelivery attached to the run(s), if any


@dataclass(frozen=True)
class Proceed:
    """Process this delivery."""


@dataclass(frozen=True)
class Attached:
    """A redelivery of a message running here: do not run it; the run will settle it."""


@dataclass(frozen=True)
class Settle:
    """A redelivery of a message settled here: ack or reject it now, without running."""

    verdict: Settlement


Claim = Proceed | Attached | Settle


class Redeliveries(Generic[D]):
    """Used from the event loop only (no locking)."""

    def __init__(self, *, remember_for: float = REMEMBER_FOR, max_settled: int = MAX_SETTLED,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._running: dict[Key, _Running[D]] = {}
        self._settled: OrderedDict[Key, tuple[Settlement, float]] = OrderedDict()
        self._remember_for = remember_for
        self._max_settled = max_settled
        self._clock = clock

    def claim(self, key: Key, delivery: D, *, redelivered: bool) -> Claim:
        """What to do with a new delivery. A Proceed must be followed by ``finish(key)`` when it ends."""
        self._forget_old()
        if redelivered:
            running = self._running.get(key)
            if running is not None:
                running.latest = delivery
                return Attached()
            settled = self._settled.pop(key, None)
            if settled is not None:
                return Settle(settled[0])
        running = self._running.get(key)
        if running is None:
            self._running[key] = _Running()
        else:
            running.runs += 1
        return Proceed()

    def finish(self, key: Key) -> D | None:
        """The run of ``key`` ended: the redelivery attached meanwhile, if any (settle it rather than the run's)."""
        running = self._running.get(key)
        if running is None:
            return None
        running.runs -= 1
        if running.runs <= 0:
            del self._running[key]
        latest, running.latest = running.latest, None
        return latest

    def unsettled(self, key: Key, verdict: Settlement) -> None:
        """The run's ``verdict`` could not reach the broker: settle the redelivery that will come the same way."""
        self._settled[key] = (verdict, self._clock() + self._remember_for)
        self._settled.move_to_end(key)
        while len(self._settled) > self._max_settled:
            self._settled.popitem(last=False)

    def release(self, key: Key) -> D | None:
        """A Proceed that was not started after all (the worker is stopping); the redelivery attached, if any."""
        return self.finish(key)

    def __len__(self) -> int:
        return len(self._running) + len(self._settled)

    def _forget_old(self) -> None:
        now = self._clock()
        while self._settled:
            key, (_, until) = next(iter(self._settled.items()))
            if until > now:
                break
            del self._settled[key]
