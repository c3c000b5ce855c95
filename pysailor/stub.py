"""A broker in memory, for tests of a pipeline or a component without RabbitMQ (dramatiq's StubBroker is the model).

``enqueue`` a delivery, ``run`` the consumer until every delivery is settled, then read ``published`` and
``settled``. It fails a test the way a real broker would fail a step: settling a delivery twice raises, and a
publish can be made to fail (``fail_next``) as a nack or a lost connection would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pamqp.commands import Basic

from .broker import Broker, Incoming, OnDelivery, Outgoing, PublishError, Settlement


class DoubleSettlementError(AssertionError):
    """A delivery was settled twice: a real broker closes the channel for that (PRECONDITION_FAILED)."""


@dataclass
class StubBroker(Broker):
    published: list[Outgoing] = field(default_factory=list)
    settled: dict[int, Settlement] = field(default_factory=dict)  # by delivery tag
    failures: list[PublishError] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._queue: asyncio.Queue[Incoming] = asyncio.Queue()
        self._cancelled = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._tag = 0
        self.handed_out = 0

    def enqueue(self, body: bytes, headers: Mapping[str, Any] | None = None, *, redelivered: bool = False,
                properties: Basic.Properties | None = None, routing_key: str = "") -> Incoming:
        """A delivery on the step's queue; its ``tag`` is its number."""
        self._tag += 1
        properties = properties or Basic.Properties(headers=dict(headers or {}))
        delivery = Incoming(body, properties, dict(headers or {}), redelivered, self._tag, routing_key)
        self._queue.put_nowait(delivery)
        return delivery

    def fail_next(self, error: PublishError) -> None:
        """The next publish fails with ``error`` (after the broker refused or lost it)."""
        self.failures.append(error)

    def kinds(self) -> list[str]:
        return [publish.kind for publish in self.published]

    async def consume(self, on_delivery: OnDelivery) -> None:
        while not self._cancelled.is_set():
            getting = asyncio.ensure_future(self._queue.get())
            cancelled = asyncio.ensure_future(self._cancelled.wait())
            done, _ = await asyncio.wait([getting, cancelled], return_when=asyncio.FIRST_COMPLETED)
            cancelled.cancel()
            if getting not in done:
                getting.cancel()
                return
            self.handed_out += 1
            task = asyncio.get_running_loop().create_task(on_delivery(getting.result()))
            self._tasks.add(task)
            task.add_done_callback(self._handled)

    def _handled(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._queue.task_done()

    async def join(self) -> None:
        """Until every delivery enqueued so far has been handed out and its handling has ended."""
        # The queue counts a delivery until its handling ends: between the consumer's get and its task's start
        # the delivery is in neither the queue nor the tasks, and a poll of both would return early there.
        await self._queue.join()

    async def cancel(self) -> None:
        self._cancelled.set()

    async def publish(self, message: Outgoing) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.published.append(message)

    async def settle(self, delivery: Incoming, how: Settlement) -> bool:
        if delivery.tag in self.settled:
            raise DoubleSettlementError(f"delivery {delivery.tag} settled twice: {self.settled[delivery.tag]}, "
                                        f"then {how}")
        self.settled[delivery.tag] = how
        return True

    async def close(self) -> None:
        self._cancelled.set()
