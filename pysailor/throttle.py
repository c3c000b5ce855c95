"""The sailor's per-process rate limits: at most ``limit`` publishes of a kind per ``interval`` (section 10).

The same windowing as p-throttle 2.1.0, which the sailor uses: a window opens at the first call; calls beyond
``limit`` in it are scheduled into the next window, and so on. A throttled publish simply waits. Shared by all
the messages in flight in the process; used from the event loop only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Throttle:
    def __init__(self, limit: int, interval_ms: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._interval = interval_ms / 1000
        self._clock = clock
        self._tick = -float("inf")
        self._count = 0

    def delay(self) -> float:
        """Book the next slot; the seconds to wait for it."""
        now = self._clock()
        if now - self._tick > self._interval:
            self._count = 1
            self._tick = now
        elif self._count < self._limit:
            self._count += 1
        else:
            self._tick += self._interval
            self._count = 1
        return max(0.0, self._tick - now)

    async def wait(self) -> None:
        delay = self.delay()
        if delay:
            await asyncio.sleep(delay)
