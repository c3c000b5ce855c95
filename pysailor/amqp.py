"""RabbitMQ through aiormq: consume with the prefetch, publish with confirms and ``mandatory``, settle, reconnect.

Why aiormq and not aio-pika's robust connection: a step must give up on a broker that stays lost (exit 1, so
the platform restarts it) and must know which acks were lost with a connection (the pipeline settles their
redeliveries without running them again); aio-pika's robust connection reconnects forever and hides which
channel a delivery came on. aiormq gives the channel, the delivery tag and the connection's end directly.

- Consuming: one connection (``<hostname>-read``), ``basic.qos`` = the prefetch, each delivery handed on in a
  task of its own (aiormq cancels a channel's tasks when the channel closes; a run must outlive it). The broker
  lost: reconnect with back-off (0.5 s doubling to 15 s) for up to the reconnect time, then GaveUpError.
- Publishing (section 11): a separate connection (``<hostname>-write``), so that the broker blocking a publisher
  (memory alarm) never blocks the acks; done when the broker confirms. A nack (a full queue with
  ``reject-publish``), a closed channel or a lost connection is retried after ``min(delay x 2^i, max)`` ms with
  the same bytes and a ``retry: i`` header, up to the attempts (no limit by default) or until ``abort()``. A
  message the broker returns as unroutable fails at once with UnroutableError (the sailor dropped those).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import socket
import time
from dataclasses import dataclass
from typing import Any

import aiormq
from aiormq.abc import AbstractChannel, AbstractConnection, DeliveredMessage
from pamqp.commands import Basic
from pamqp.common import FieldTable

from .broker import (
    Broker,
    GaveUpError,
    Incoming,
    OnDelivery,
    Outgoing,
    PublishError,
    Settlement,
    StartupError,
    UnroutableError,
)
from .urls import redact

log = logging.getLogger(__name__)

# What a retry can cure: the broker said no (nack), or the channel or the connection went away.
RETRYABLE = (aiormq.exceptions.AMQPError, ConnectionError, OSError, asyncio.TimeoutError, RuntimeError)
FIRST_RETRY = 0.5  # s
MAX_RETRY = 15.0   # s


@dataclass(frozen=True)
class PublishPolicy:
    retry_delay: float = 0.1       # s
    max_retry_delay: float = 300.0  # s
    attempts: float = math.inf


class AmqpBroker(Broker):
    def __init__(self, url: str, queue: str, exchange: str, *, prefetch: int, reconnect_timeout: float,
                 publishing: PublishPolicy = PublishPolicy()) -> None:
        self._url = url
        self._queue = queue
        self._exchange = exchange
        self._prefetch = prefetch
        self._reconnect_timeout = reconnect_timeout
        self._publishing = publishing
        self._aborted = asyncio.Event()
        self._cancelled = asyncio.Event()
        self._read: AbstractConnection | None = None
        self._read_channel: AbstractChannel | None = None
        self._consumer_tag: str | None = None
        self._write: AbstractConnection | None = None
        self._write_channel: AbstractChannel | None = None
        self._write_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    def abort(self) -> None:
        """Stop retrying publishes: nothing more can be published (the worker gives up or abandons runs)."""
        self._aborted.set()

    # -- consuming --------------------------------------------------------------------------------------------

    async def consume(self, on_delivery: OnDelivery) -> None:
        first = True
        out_since: float | None = None
        delay = FIRST_RETRY
        while not self._cancelled.is_set():
            try:
                await self._open(on_delivery)
            except aiormq.exceptions.ChannelNotFoundEntity as exc:
                if first:
                    raise StartupError(f"cannot consume from queue {self._queue!r}: {exc}") from None
                problem = str(exc)
            except RETRYABLE as exc:
                problem = _describe(exc)
            else:
                log.info("Fully initialized and waiting for messages" if first else "Reconnected to the broker")
                first, out_since, delay = False, None, FIRST_RETRY
                problem = await self._until_closed()
                if self._cancelled.is_set():
                    return
                log.warning("Lost the consume connection to the broker (%s); reconnecting", problem)
                continue
            now = time.monotonic()
            out_since = now if out_since is None else out_since
            left = out_since + self._reconnect_timeout - now
            if left <= 0:
                raise GaveUpError(f"The broker at {redact(self._url)} could not be reached for "
                                  f"{self._reconnect_timeout:g} s ({problem}); giving up")
            log.warning("Cannot consume from the broker at %s (%s); next try in %.1f s", redact(self._url),
                        problem, min(delay, left))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._cancelled.wait(), min(delay, left))
            delay = min(delay * 2, MAX_RETRY)

    async def _open(self, on_delivery: OnDelivery) -> None:
        await self._drop_read()
        self._read = await _connect(self._url, "read")
        self._read_channel = channel = await self._read.channel(publisher_confirms=False)
        await channel.basic_qos(prefetch_count=self._prefetch, global_=False)

        async def deliver(message: DeliveredMessage) -> None:
            incoming = Incoming(message.body, message.header.properties,
                                dict(message.header.properties.headers or {}),
                                bool(_deliver(message).redelivered), message)
            task = asyncio.get_running_loop().create_task(on_delivery(incoming))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        ok = await channel.basic_consume(self._queue, deliver, no_ack=False)
        self._consumer_tag = ok.consumer_tag

    async def _until_closed(self) -> str:
        """Wait until the channel closes or consuming is cancelled; what closed it."""
        assert self._read_channel is not None
        closing = self._read_channel.closing
        cancelled = asyncio.ensure_future(self._cancelled.wait())
        try:
            await asyncio.wait([closing, cancelled], return_when=asyncio.FIRST_COMPLETED)
        finally:
            cancelled.cancel()
        if not closing.done():
            closing.cancel()  # an observer only
            return "stopping"
        exc = closing.exception() if not closing.cancelled() else None
        return _describe(exc) if exc else "closed"

    async def cancel(self) -> None:
        self._cancelled.set()
        channel, tag = self._read_channel, self._consumer_tag
        if channel is not None and tag is not None and not channel.is_closed:
            with contextlib.suppress(*RETRYABLE):
                await asyncio.wait_for(channel.basic_cancel(tag), 5)

    async def settle(self, delivery: Incoming, how: Settlement) -> bool:
        message: DeliveredMessage = delivery.tag
        tag = _deliver(message).delivery_tag
        if message.channel.is_closed or tag is None:
            return False
        try:
            if how == "ack":
                await message.channel.basic_ack(tag)
            else:
                await message.channel.basic_reject(tag, requeue=how == "requeue")
        except RETRYABLE as exc:
            log.debug("Settling failed: %s", _describe(exc))
            return False
        return True

    # -- publishing -------------------------------------------------------------------------------------------

    async def publish(self, message: Outgoing) -> None:
        exchange = self._exchange if message.exchange is None else message.exchange
        policy, properties, retry = self._publishing, message.properties, 0
        while True:
            try:
                channel = await self._write_channel_open()
                await channel.basic_publish(message.body, exchange=exchange, routing_key=message.routing_key,
                                            properties=properties, mandatory=True)
                return
            except aiormq.exceptions.PublishError as exc:
                frame: Any = exc.frame
                raise UnroutableError(f"the broker returned the message as unroutable ({frame.reply_text}): no "
                                      f"queue is bound to routing key {message.routing_key!r} of exchange "
                                      f"{exchange!r}") from None
            except RETRYABLE as exc:
                problem = _describe(exc)
            if self._aborted.is_set():
                raise PublishError(f"not published, the worker is stopping; last problem: {problem}")
            if retry >= policy.attempts:
                raise PublishError(f"not published after {retry + 1} tries: {problem}")
            delay = min(policy.retry_delay * 2**retry, policy.max_retry_delay)
            retry += 1
            log.warning("Publish to %r failed (%s); try %d in %.1f s", message.routing_key, problem, retry + 1,
                        delay)
            properties = _with_retry(properties, retry)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._aborted.wait(), delay)
            if self._aborted.is_set():
                raise PublishError(f"not published, the worker is stopping; last problem: {problem}")

    async def _write_channel_open(self) -> AbstractChannel:
        async with self._write_lock:
            if self._write_channel is not None and not self._write_channel.is_closed:
                return self._write_channel
            if self._write is None or self._write.is_closed:
                self._write = await _connect(self._url, "write")
            self._write_channel = await self._write.channel(publisher_confirms=True, on_return_raises=True)
            return self._write_channel

    # -- closing ----------------------------------------------------------------------------------------------

    async def close(self) -> None:
        await self._drop_read()
        connection, self._write, self._write_channel = self._write, None, None
        await _close(connection)

    async def _drop_read(self) -> None:
        connection, self._read, self._read_channel, self._consumer_tag = self._read, None, None, None
        await _close(connection)


async def _connect(url: str, role: str) -> AbstractConnection:
    """A connection named like the sailor's (``<hostname>-read`` / ``-write``), seen in the broker's UI."""
    properties: FieldTable = {"connection_name": f"{socket.gethostname()}-{role}"}
    connection: AbstractConnection = await aiormq.connect(url, client_properties=properties)
    return connection


async def _close(connection: AbstractConnection | None) -> None:
    if connection is not None and not connection.is_closed:
        try:
            await connection.close()
        except RETRYABLE as exc:
            log.debug("Closing a connection: %s", _describe(exc))


def _with_retry(properties: Basic.Properties, retry: int) -> Basic.Properties:
    headers = dict(properties.headers or {})
    headers["retry"] = retry
    copy = Basic.Properties(**{name: getattr(properties, name) for name in properties.__slots__})
    copy.headers = headers
    return copy


def _deliver(message: DeliveredMessage) -> Basic.Deliver:
    delivery = message.delivery
    assert isinstance(delivery, Basic.Deliver)  # a consumer only gets basic.deliver
    return delivery


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
