"""One delivery, start to settlement: claim, decode, gate, run the function, publish each event, settle once.

1. **Claim** (``redeliveries``): a redelivery of a message running here is attached to that run and not run
   again; one whose settlement was lost with a connection is settled the same way at once.
2. **Decode** (the dialect): a delivery that cannot be read is rejected, with no event (nothing to reply to).
3. **Gate**: the component's gatekeeper (the SMS component's send journal) gives the delivery its send gate,
   current while the function runs (``sending``).
4. **Run** ``process`` in a worker thread (``execution.execute``): the event loop owns the connections and never
   runs component code, so heartbeats flow during a slow send.
5. **Publish each event** as the dialect writes it, throttled (``throttle``), confirmed by the broker. A publish
   is held until the next event: a generator resumes only once its previous output is with the broker (like
   ``await this.emit`` in the sailor), and the last one is made on the loop after the thread returns, so the
   common one-output message crosses between thread and loop once each way.
6. **Verdict**, settled exactly once whatever happens: reject when an error was emitted or an outcome could not
   be published (it dead-letters instead of vanishing), ack otherwise (a rebound acks: the message lives on in
   the rebounds queue; past the rebound limit, an error and an ack); a failed data publish becomes the
   message's error, as in the sailor. Any unexpected exception rejects. Stopping: a delivery not started yet is
   requeued untouched.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from .broker import Broker, Incoming, Outgoing, PublishError, Settlement
from .dialect import DecodeError, Dialect, Opened
from .execution import Event, Process, error_payload, execute
from .messages import content_digest, message_id
from .redeliveries import Attached, Redeliveries, Settle, key_of
from .sending import Delivery as SendDelivery
from .sending import Gatekeeper, use
from .throttle import Throttle

log = logging.getLogger(__name__)


@dataclass
class _Run:
    """One delivery between the thread that runs the function and the loop that publishes."""

    delivery: Incoming
    opened: Opened
    errors: int = 0
    held: Outgoing | None = None  # the latest publish, made by the next event or by ``_finish``
    failed: bool = False          # an error or a rebound could not be published


@dataclass
class Pipeline:
    broker: Broker
    dialect: Dialect
    functions: Callable[[str | None], Process]  # the process of a function, by name (None: the step's own)
    config: Mapping[str, Any]
    gatekeeper: Gatekeeper
    executor: Executor
    loop: asyncio.AbstractEventLoop
    throttles: Mapping[str, Throttle] = field(default_factory=dict)  # by publish kind
    concurrency: int = 1
    snapshot: dict[str, Any] = field(default_factory=dict)
    stopping: bool = False

    def __post_init__(self) -> None:
        self._redeliveries: Redeliveries[Incoming] = Redeliveries()
        self._slots = asyncio.Semaphore(self.concurrency)
        self._snapshot_lock = threading.Lock()
        self.in_flight: set[asyncio.Task[Any]] = set()

    async def deliver(self, delivery: Incoming) -> None:
        """Everything that happens to one delivery; it is settled exactly once (or left to a run it joined)."""
        task = asyncio.current_task()
        if task is not None:
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)
        digest = content_digest(delivery.body)
        key = key_of(message_id(delivery.headers), digest)
        claim = self._redeliveries.claim(key, delivery, redelivered=delivery.redelivered)
        if isinstance(claim, Attached):
            log.warning("Redelivery of a message running here: it will be settled by that run, not run again")
            return
        if isinstance(claim, Settle):
            log.warning("Redelivery of a message already settled here: %s without running it", claim.verdict)
            await self.broker.settle(delivery, claim.verdict)
            return
        verdict: Settlement = "requeue"
        try:
            async with self._slots:
                if not self.stopping:  # else received but not started: back to the queue untouched
                    verdict = await self._run(delivery, digest)
        except Exception:  # a bug must not leave the message unsettled and the step blocked
            log.exception("Rejecting a message after an unexpected failure")
            verdict = "reject"
        attached = self._redeliveries.finish(key)
        if verdict == "requeue":
            for waiting in (delivery, attached):
                if waiting is not None:
                    await self.broker.settle(waiting, "requeue")
        elif not await self.broker.settle(attached or delivery, verdict):
            self._redeliveries.unsettled(key, verdict)
            log.warning("Could not %s a message (the consume connection was lost): its redelivery will be "
                        "settled the same way without running", verdict)

    async def _run(self, delivery: Incoming, digest: str) -> Settlement:
        run = await self.loop.run_in_executor(self.executor, self._process, delivery, digest)
        if run is None:
            return "reject"
        held, run.held = run.held, None
        if held is not None:
            try:
                await self._send(held)
            except PublishError as exc:
                log.error("Publishing the %s failed (%s)", held.kind, exc)
                if held.kind == "data":  # as the sailor does: the failed output is the message's error
                    await self._late_error(run, exc)
                return "reject"
        return "reject" if run.errors or run.failed else "ack"

    def _process(self, delivery: Incoming, digest: str) -> _Run | None:
        """In a worker thread: decode, then run the function with the delivery's gate current."""
        try:
            opened = self.dialect.open(delivery)
        except DecodeError as exc:
            log.error("Rejected a message that cannot be decoded: %s", exc)
            return None
        run = _Run(delivery, opened)
        gate = self.gatekeeper.gate(SendDelivery(opened.step, opened.message_id, digest, delivery.redelivered))
        config = self.config if opened.config is None else opened.config
        try:
            process = self.functions(opened.function)
            with use(gate):
                execute(process, opened.msg, copy.deepcopy(dict(config)), self.current_snapshot(),
                        emit=lambda event: self._emit(run, event))
        except Exception as exc:  # an error or rebound event could not be published
            log.error("The outcome of a message could not be published (%s); rejecting it", exc)
            run.failed = True
        finally:
            gate.finish()  # a send the function left open is recorded in doubt, never left "sending"
        return run

    def current_snapshot(self) -> dict[str, Any]:
        with self._snapshot_lock:
            return copy.deepcopy(self.snapshot)

    # -- events (in the thread) -------------------------------------------------------------------------------

    def _emit(self, run: _Run, event: Event) -> None:
        frame = run.opened.frame
        if event.name == "data":
            self._hold(run, self.dialect.data(frame, event.payload))
        elif event.name == "error":
            run.errors += 1
            self._hold(run, self.dialect.error(frame, _payload(event.payload)))
        elif event.name == "rebound":
            self._rebound(run, _payload(event.payload))
        elif event.name in ("snapshot", "updateSnapshot"):
            if self._keep_snapshot(event.name, event.payload):
                self._hold(run, self.dialect.snapshot(frame, event.name, event.payload))
        elif event.name == "end":
            self._hold(run, self.dialect.end(frame, failed=bool(run.errors)))

    def _rebound(self, run: _Run, payload: Mapping[str, Any]) -> None:
        rebounded = self.dialect.rebound(run.opened.frame, payload)
        if rebounded.over_limit:
            log.warning("Rebound limit exceeded")
            self._hold(run, rebounded.publishes)  # an error, but the message is acked: it is over
            return
        log.info("Rebound: %s", payload.get("message", ""))
        try:
            self._flush(run)
            for publish in rebounded.publishes:
                self._call(self.broker.publish(publish))
        except PublishError as exc:
            # Acked, the message would be lost: say so in an error event, and reject it (dead-letter).
            run.errors += 1
            self._hold(run, self.dialect.error(run.opened.frame, error_payload(
                PublishError(f"The rebound could not be published: {exc}"))))

    def _keep_snapshot(self, name: str, value: object) -> bool:
        if name == "updateSnapshot":
            if not isinstance(value, Mapping):
                log.error("updateSnapshot needs an object, not %s: nothing sent", type(value).__name__)
                return False
            if "$set" in value:
                log.warning("$set is not supported in updateSnapshot: nothing sent")
                return False
        with self._snapshot_lock:
            if name == "snapshot":
                self.snapshot = copy.deepcopy(value) if isinstance(value, dict) else {}
            else:
                assert isinstance(value, Mapping)
                self.snapshot.update(copy.deepcopy(dict(value)))
        return True

    # -- the hop to the event loop ----------------------------------------------------------------------------

    def _hold(self, run: _Run, publishes: list[Outgoing]) -> None:
        for publish in publishes:
            self._flush(run)  # first: a failure there is this event's failure, and this one is dropped
            run.held = publish

    def _flush(self, run: _Run) -> None:
        held, run.held = run.held, None
        if held is not None:
            self._call(self._send(held))

    async def _send(self, publish: Outgoing) -> None:
        throttle = self.throttles.get(publish.kind)
        if throttle is not None:
            await throttle.wait()
        await self.broker.publish(publish)

    async def _late_error(self, run: _Run, exc: PublishError) -> None:
        try:
            for publish in self.dialect.error(run.opened.frame, error_payload(exc)):
                await self._send(publish)
        except PublishError as problem:
            log.error("Publishing the error failed too (%s)", problem)

    def _call(self, coroutine: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()


def _payload(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else error_payload(Exception(str(value)))
