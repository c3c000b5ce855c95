"""The broker as the delivery pipeline sees it: deliveries in, confirmed publishes out, each delivery settled once.

``amqp.AmqpBroker`` is RabbitMQ through aiormq; ``stub.StubBroker`` is the same contract in memory, for tests
(dramatiq's StubBroker is the model). All methods run on the event loop.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pamqp.commands import Basic

Settlement = Literal["ack", "reject", "requeue"]


class PublishError(Exception):
    """The broker did not take a message; ``str()`` says why, without secrets."""


class UnroutableError(PublishError):
    """The broker returned the message: no queue is bound to its routing key."""


class GaveUpError(Exception):
    """The broker stayed out of reach for the whole reconnect time."""


class StartupError(Exception):
    """The step cannot start consuming (e.g. its queue does not exist)."""


@dataclass(frozen=True, eq=False)
class Incoming:
    """One delivery: what the pipeline reads, and the handle (``tag``) the broker settles it by."""

    body: bytes
    properties: Basic.Properties
    headers: Mapping[str, Any]
    redelivered: bool = False  # handed out before, to a consumer that did not settle it
    tag: Any = None            # the broker's own: which channel and delivery tag


@dataclass(frozen=True)
class Outgoing:
    """One publish: ``kind`` names it in logs and picks its throttle; ``exchange`` None is the step's own."""

    kind: str
    routing_key: str
    body: bytes
    properties: Basic.Properties
    exchange: str | None = None


OnDelivery = Callable[[Incoming], Coroutine[Any, Any, None]]


class Broker(ABC):
    @abstractmethod
    async def consume(self, on_delivery: OnDelivery) -> None:
        """Hand each delivery to ``on_delivery`` (in a task of its own) until ``cancel``; reconnect on a lost
        connection; raise StartupError when consuming cannot begin, GaveUpError when the broker stays lost."""

    @abstractmethod
    async def cancel(self) -> None:
        """Stop consuming: no new delivery after this returns. Unsettled deliveries stay with us."""

    @abstractmethod
    async def publish(self, message: Outgoing) -> None:
        """Publish (mandatory) and wait for the broker's confirm; PublishError when that cannot be had."""

    @abstractmethod
    async def settle(self, delivery: Incoming, how: Settlement) -> bool:
        """Ack, reject (to the dead letters) or requeue; whether the broker got it (False: the channel that
        delivered it is gone, and the broker redelivers it)."""

    @abstractmethod
    async def close(self) -> None:
        """Close the connections; deliveries not settled go back to the queue."""
