"""Publishing to the flow's exchange: publisher confirms, ``mandatory``, retries with the sailor's back-off.

A publish is done when the broker confirms it (section 11). A nack (a full queue with ``reject-publish``: the
platform's flow control), a closed channel or a lost connection is retried after ``min(delay x 2^i, max)`` ms
with the same bytes and a ``retry: i`` header, over a fresh channel or connection, up to
``AMQP_PUBLISH_RETRY_ATTEMPTS`` (no limit by default). A message the broker returns as unroutable
(``mandatory``) fails at once with UnroutableError: the sailor confirmed those and dropped them silently.
The publish connection is separate from the consume one, as in the sailor, so that the broker blocking a
publisher (memory alarm) never blocks the acks. Runs on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import math
import socket
from typing import Any

import aiormq
from aiormq.abc import AbstractChannel, AbstractConnection
from pamqp.commands import Basic
from pamqp.common import FieldTable
from yarl import URL

log = logging.getLogger(__name__)

# What a retry can cure: the broker said no (nack), or the channel or the connection went away.
RETRYABLE = (aiormq.exceptions.AMQPError, ConnectionError, OSError, asyncio.TimeoutError, RuntimeError)


class PublishError(Exception):
    """The broker did not take a message; ``str()`` says why, without secrets."""


class UnroutableError(PublishError):
    """The broker returned the message: no queue is bound to its routing key."""


def safe_url(url: str) -> str:
    """The broker URL as it may be logged: without its password."""
    try:
        parsed = URL(url)
    except (TypeError, ValueError):
        return "(unparsable AMQP URI)"
    return str(parsed.with_password("******") if parsed.password is not None else parsed)


async def connect(url: str, role: str) -> AbstractConnection:
    """A connection named like the sailor's (``<hostname>-read`` / ``-write``), seen in the broker's UI."""
    properties: FieldTable = {"connection_name": f"{socket.gethostname()}-{role}"}
    connection: AbstractConnection = await aiormq.connect(url, client_properties=properties)
    return connection


class Publisher:
    def __init__(self, url: str, exchange: str, *, retry_delay_ms: int, max_retry_delay_ms: int,
                 attempts: float, abort: asyncio.Event) -> None:
        self._url = url
        self._exchange = exchange
        self._retry_delay = retry_delay_ms / 1000
        self._max_retry_delay = max_retry_delay_ms / 1000
        self._attempts = attempts
        self._abort = abort
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._lock = asyncio.Lock()

    async def publish(self, routing_key: str, body: bytes, properties: Basic.Properties, *,
                      mandatory: bool = True) -> None:
        """Publish and wait for the broker's confirm; PublishError when that cannot be had."""
        retry = 0
        while True:
            try:
                channel = await self._open_channel()
                await channel.basic_publish(body, exchange=self._exchange, routing_key=routing_key,
                                            properties=properties, mandatory=mandatory)
                return
            except aiormq.exceptions.PublishError as exc:
                frame: Any = exc.frame
                raise UnroutableError(f"the broker returned the message as unroutable ({frame.reply_text}): no "
                                      f"queue is bound to routing key {routing_key!r} of exchange "
                                      f"{self._exchange!r}") from None
            except RETRYABLE as exc:
                problem = _describe(exc)
            if self._abort.is_set():
                raise PublishError(f"not published, the worker is stopping; last problem: {problem}")
            if retry >= self._attempts:
                raise PublishError(f"not published after {retry + 1} tries: {problem}")
            delay = min(self._retry_delay * 2**retry, self._max_retry_delay)
            retry += 1
            log.warning("Publish to %r failed (%s); try %d in %.1f s", routing_key, problem, retry + 1, delay)
            properties = _with_retry(properties, retry)
            if await _wait(self._abort, delay):
                raise PublishError(f"not published, the worker is stopping; last problem: {problem}")

    async def _open_channel(self) -> AbstractChannel:
        async with self._lock:
            if self._channel is not None and not self._channel.is_closed:
                return self._channel
            if self._connection is None or self._connection.is_closed:
                self._connection = await connect(self._url, "write")
            self._channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
            return self._channel

    async def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and not connection.is_closed:
            try:
                await connection.close()
            except RETRYABLE as exc:
                log.debug("Closing the publish connection: %s", _describe(exc))


def _with_retry(properties: Basic.Properties, retry: int) -> Basic.Properties:
    headers = dict(properties.headers or {})
    headers["retry"] = retry
    copy = Basic.Properties(**{name: getattr(properties, name) for name in properties.__slots__})
    copy.headers = headers
    return copy


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    """Sleep ``seconds`` unless ``event`` is set first; whether it was."""
    if math.isinf(seconds):
        await event.wait()
        return True
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        return False
    return True


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
