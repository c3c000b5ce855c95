"""The consuming side: connect, consume with the prefetch, run each delivery in a thread, reconnect, stop cleanly.

- Up to ``ELASTICIO_RABBITMQ_PREFETCH_SAILOR`` messages run at once, each in its own worker thread; the event
  loop owns the connections and never runs component code, so heartbeats flow during a slow send.
- The broker lost: reconnect with back-off (0.5 s doubling to 15 s) for up to ``ALLMYSMS_WORKER_RECONNECT_TIMEOUT``
  seconds, then give up and exit 1 (the platform restarts the container). Runs in progress go on; their
  outcomes settle the redeliveries (module ``redeliveries``).
- SIGTERM or SIGINT: cancel the consumer, let the runs in progress finish for up to
  ``ALLMYSMS_WORKER_GRACE_PERIOD`` seconds (their outcomes published, then acked or rejected), put back
  untouched what was received but not started, close, exit 0. Runs still going after the grace period are
  abandoned (their inputs return to the queue when the connection closes) and the exit code is 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import aiormq
from aiormq.abc import AbstractChannel, AbstractConnection, DeliveredMessage
from pamqp.commands import Basic

from .handler import Delivery, Handler
from .publisher import RETRYABLE, Publisher, connect, safe_url
from .redeliveries import Attached, Redeliveries, Settle, Verdict, key_of
from .settings import WorkerSettings

log = logging.getLogger(__name__)

FIRST_RETRY = 0.5  # s
MAX_RETRY = 15.0   # s


class GaveUpError(Exception):
    """The broker stayed out of reach for the whole reconnect timeout."""


class StartupError(Exception):
    """The step cannot start consuming (e.g. its queue does not exist)."""


class Consumer:
    def __init__(self, settings: WorkerSettings, publisher: Publisher, handler: Handler,
                 abort: asyncio.Event) -> None:
        self._settings = settings
        self._publisher = publisher
        self._handler = handler
        self._abort = abort
        self._stop = asyncio.Event()
        self._stopping = False
        self._redeliveries: Redeliveries[DeliveredMessage] = Redeliveries()
        self._slots = asyncio.Semaphore(settings.prefetch)
        self._runs: set[asyncio.Task[None]] = set()
        self._pool = ThreadPoolExecutor(max_workers=settings.prefetch, thread_name_prefix="process")
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._consumer_tag: str | None = None
        self.abandoned = 0

    def request_stop(self, signum: int | None = None) -> None:
        if not self._stopping:
            log.info("%s received: stopping", signal.Signals(signum).name if signum else "Stop")
        self._stopping = True
        self._stop.set()

    async def run(self) -> int:
        """Consume until stopped (exit code 0), or until the broker is gone for good (1)."""
        code = 0
        try:
            await self._consume()
        except GaveUpError as exc:
            log.critical("%s", exc)
            code = 1
            self._abort.set()  # nothing can be published any more: stop retrying
        finally:
            if not await self._finish_runs():
                code = 1
            await self._close()
        return code

    # -- connecting -------------------------------------------------------------------------------------------

    async def _consume(self) -> None:
        s = self._settings
        first = True
        out_since: float | None = None
        delay = FIRST_RETRY
        while not self._stopping:
            try:
                await self._open()
            except aiormq.exceptions.ChannelNotFoundEntity as exc:
                if first:
                    raise StartupError(f"cannot consume from queue {s.listen_messages_on!r}: {exc}") from None
                problem = str(exc)
            except RETRYABLE as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                log.info("Fully initialized and waiting for messages" if first else "Reconnected to the broker")
                first, out_since, delay = False, None, FIRST_RETRY
                problem = await self._until_closed()
                if self._stopping:
                    return
                log.warning("Lost the consume connection to the broker (%s); reconnecting", problem)
                continue
            now = time.monotonic()
            out_since = now if out_since is None else out_since
            left = out_since + s.reconnect_timeout - now
            if left <= 0:
                raise GaveUpError(f"The broker at {safe_url(s.amqp_uri)} could not be reached for "
                                  f"{s.reconnect_timeout:g} s ({problem}); giving up")
            log.warning("Cannot consume from the broker at %s (%s); next try in %.1f s", safe_url(s.amqp_uri),
                        problem, min(delay, left))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), min(delay, left))
            delay = min(delay * 2, MAX_RETRY)

    async def _open(self) -> None:
        await self._drop_connection()
        self._connection = await connect(self._settings.amqp_uri, "read")
        self._channel = await self._connection.channel(publisher_confirms=False)
        await self._channel.basic_qos(prefetch_count=self._settings.prefetch, global_=False)
        ok = await self._channel.basic_consume(self._settings.listen_messages_on, self._on_delivery, no_ack=False)
        self._consumer_tag = ok.consumer_tag

    async def _until_closed(self) -> str:
        """Wait until the channel closes or a stop is asked; what closed it."""
        assert self._channel is not None
        closing = self._channel.closing
        stop = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait([closing, stop], return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if not closing.done():
            closing.cancel()  # an observer only
            return "stopping"
        exc = closing.exception() if not closing.cancelled() else None
        return f"{type(exc).__name__}: {exc}" if exc else "closed"

    async def _drop_connection(self) -> None:
        connection, self._connection, self._channel, self._consumer_tag = self._connection, None, None, None
        if connection is not None and not connection.is_closed:
            with contextlib.suppress(*RETRYABLE):
                await connection.close()

    # -- deliveries -------------------------------------------------------------------------------------------

    async def _on_delivery(self, message: DeliveredMessage) -> None:
        # aiormq runs this callback in a task of the channel, cancelled when the channel closes; a run must
        # outlive its channel (to publish its outcome and settle the redelivery), so it gets a task of its own.
        task = asyncio.get_running_loop().create_task(self._handle(message))
        self._runs.add(task)
        task.add_done_callback(self._runs.discard)

    async def _handle(self, message: DeliveredMessage) -> None:
        if self._stopping:
            await self._requeue(message)
            return
        properties = message.header.properties
        incoming = dict(properties.headers or {})
        key = key_of(incoming.get("messageId"), message.body)
        redelivered = bool(_deliver(message).redelivered)
        claim = self._redeliveries.claim(key, message, redelivered=redelivered)
        if isinstance(claim, Attached):
            log.warning("Redelivery of a message running here: it will be settled by that run, not run again")
            return
        if isinstance(claim, Settle):
            log.warning("Redelivery of a message already settled here: %s without running it", claim.verdict)
            await self._settle(message, claim.verdict)
            return
        async with self._slots:
            if self._stopping:  # received but not started: back to the queue untouched
                verdict: Verdict | None = None
            else:
                delivery = Delivery(message.body, properties, incoming, redelivered)
                loop = asyncio.get_running_loop()
                run = await loop.run_in_executor(self._pool, self._handler.handle, delivery)
                verdict = run if isinstance(run, str) else await self._handler.complete(run)
        if verdict is None:
            attached = self._redeliveries.release(key)
            for waiting in (message, attached):
                if waiting is not None:
                    await self._requeue(waiting)
            return
        attached = self._redeliveries.finish(key)
        if not await self._settle(attached or message, verdict):
            self._redeliveries.unsettled(key, verdict)
            log.warning("Could not %s a message (the consume connection was lost): its redelivery will be "
                        "settled the same way without running", verdict)

    async def _settle(self, message: DeliveredMessage, verdict: Verdict) -> bool:
        tag = _deliver(message).delivery_tag
        if message.channel.is_closed or tag is None:
            return False
        try:
            if verdict == "ack":
                await message.channel.basic_ack(tag)
            else:
                await message.channel.basic_reject(tag, requeue=False)
        except RETRYABLE as exc:
            log.debug("Settling failed: %s", exc)
            return False
        return True

    async def _requeue(self, message: DeliveredMessage) -> None:
        tag = _deliver(message).delivery_tag
        if message.channel.is_closed or tag is None:
            return  # the broker requeued it with the channel
        with contextlib.suppress(*RETRYABLE):
            await message.channel.basic_nack(tag, requeue=True)

    # -- stopping ---------------------------------------------------------------------------------------------

    async def _finish_runs(self) -> bool:
        """Cancel the consumer and let the runs finish within the grace period; whether they all did."""
        self._stopping = True
        channel, tag = self._channel, self._consumer_tag
        if channel is not None and tag is not None and not channel.is_closed:
            with contextlib.suppress(*RETRYABLE):
                await asyncio.wait_for(channel.basic_cancel(tag), 5)
        runs = set(self._runs)
        if runs:
            log.info("Finishing %d message(s) in progress (grace period %g s)", len(runs),
                     self._settings.grace_period)
            _, pending = await asyncio.wait(runs, timeout=self._settings.grace_period)
            if pending:
                self.abandoned = len(pending)
                log.error("%d message(s) still running after the grace period of %g s: abandoned; their inputs go "
                          "back to the queue, and their SMS may have been sent", len(pending),
                          self._settings.grace_period)
                self._abort.set()
                return False
        return True

    async def _close(self) -> None:
        await self._drop_connection()
        await self._publisher.close()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _deliver(message: DeliveredMessage) -> Basic.Deliver:
    delivery = message.delivery
    assert isinstance(delivery, Basic.Deliver)  # a consumer only gets basic.deliver
    return delivery
