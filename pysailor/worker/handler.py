"""One message, start to verdict: decode it, run ``process``, publish each event it emits, decide ack or reject.

``handle`` runs in a worker thread and does the CPU work of each event (JSON, encryption) there. A publish is
held back until the next event or the end of the run: the next event first hands it to the event loop and
waits for the broker's confirm, so a generator resumes only once its previous output is safely with the broker
(like ``await this.emit`` in the sailor), and the last publish is made by ``complete`` on the loop, which saves
the common one-output message a round trip between the threads.

Verdicts (section 7.3): reject when an error event was emitted, ack otherwise; a rebound acks (the message lives
on in the rebounds queue); past the rebound limit, the "Rebound limit exceeded" error and an ack. A delivery that
cannot be decoded is rejected without an event. An error or rebound that cannot be published rejects the input,
so it dead-letters instead of vanishing.

The send gate: ``process`` runs with the delivery's gate current (``sending``), so an action that sends asks the
component's gatekeeper (the SMS component's send journal) first. Its verdicts arrive as ordinary events: a replay
returns the recorded output (the same ``id``, hence the same ``messageId``), "may have been sent" is an error
(reject), an unreachable journal a rebound. A message without an ``id`` gets its ``messageId`` header as ``id``, so
that an action that passes the id on (Send SMS sends it as ``CLIMSGID``) passes the same one on every redelivery.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

from pamqp.commands import Basic

from .. import Event, error_payload, execute, sending
from ..sending import Delivery as SendDelivery
from ..sending import Gatekeeper
from . import codec, headers
from .cipher import Cipher
from .component import Function
from .publisher import Publisher, PublishError
from .rebound import LIMIT_EXCEEDED, next_rebound
from .redeliveries import Verdict
from .settings import WorkerSettings
from .stepdata import StepData
from .throttle import Throttle

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """What the handler needs of an AMQP delivery."""

    content: bytes
    properties: Basic.Properties
    headers: Mapping[str, Any]
    redelivered: bool = False  # the broker's flag: handed out before, to a consumer that did not settle it


@dataclass(frozen=True)
class _Publish:
    kind: str
    routing_key: str
    body: bytes
    properties: Basic.Properties
    throttle: str | None


@dataclass
class Run:
    """One message between ``handle`` (in a thread) and ``complete`` (on the loop)."""

    delivery: Delivery
    msg: dict[str, Any]
    base: dict[str, Any]
    passthrough: dict[str, Any] = field(default_factory=dict)
    errors: int = 0
    held: _Publish | None = None  # the latest publish, made by the next event or by complete()
    failed: bool = False          # an error or a rebound could not be published


class Handler:
    def __init__(self, settings: WorkerSettings, cipher: Cipher, function: Function, step: StepData,
                 publisher: Publisher, loop: asyncio.AbstractEventLoop, gatekeeper: Gatekeeper) -> None:
        self._settings = settings
        self._gatekeeper = gatekeeper
        self._step_key = f"{settings.ids.flow_id}/{settings.ids.step_id}"
        self._cipher = cipher
        self._process = function.process
        self._step = step
        self._publisher = publisher
        self._loop = loop
        self._snapshot: dict[str, Any] = copy.deepcopy(dict(step.snapshot))
        self._snapshot_lock = threading.Lock()
        self._throttles = {
            "data": Throttle(settings.data_rate_limit, settings.rate_interval),
            "error": Throttle(settings.error_rate_limit, settings.rate_interval),
            "snapshot": Throttle(settings.snapshot_rate_limit, settings.rate_interval),
        }

    @property
    def snapshot(self) -> dict[str, Any]:
        with self._snapshot_lock:
            return copy.deepcopy(self._snapshot)

    def handle(self, delivery: Delivery) -> Run | Verdict:
        """Run one delivery, in a worker thread; then ``complete`` the Run on the event loop."""
        start = headers.now_ms()
        try:
            msg = codec.decode(delivery.content, delivery.headers, self._cipher,
                               error_input=self._settings.input_format == "error")
        except codec.DecodeError as exc:
            log.error("Rejected a message that cannot be decoded: %s", exc)
            return "reject"
        s = self._settings
        run = Run(delivery, msg, headers.base_headers(delivery.headers, s.ids, s.additional_headers,
                                                       message_id=headers.new_id(), start=start))
        if self._step.is_passthrough:
            incoming = msg.get("passthrough")
            run.passthrough = copy.deepcopy(incoming) if isinstance(incoming, dict) else {}
            if s.no_self_passthrough:
                run.msg = copy.deepcopy(msg)  # the sailor adds the input as the process received it
        message_id = headers.message_id(delivery.headers)
        if message_id and not msg.get("id"):
            msg["id"] = message_id
        gate = self._gatekeeper.gate(SendDelivery(self._step_key, message_id, delivery.content,
                                                  delivery.redelivered))
        try:
            with sending.use(gate):
                execute(self._process, msg, copy.deepcopy(dict(self._step.config)), self.snapshot,
                        emit=lambda event: self._emit(run, event))
        except Exception as exc:  # an error or rebound event could not be published
            log.error("The outcome of a message could not be published (%s); rejecting it", exc)
            run.failed = True
        finally:
            gate.finish()  # a send the action left open is recorded in doubt, never left "sending"
        return run

    async def complete(self, run: Run) -> Verdict:
        """Make the publish held back at the end of the run, and give the verdict."""
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

    async def _late_error(self, run: Run, exc: PublishError) -> None:
        s = self._settings
        error_input = codec.error_input(run.delivery.content, run.delivery.headers)
        body, _ = codec.error_body(self._cipher, error_payload(exc), error_input)
        properties = headers.properties(headers.error_headers(run.base), persistent=s.persistent_messages)
        try:
            await self._send(_Publish("error", s.error_routing_key, body, properties, "error"))
        except PublishError as problem:
            log.error("Publishing the error failed too (%s)", problem)

    # -- events -----------------------------------------------------------------------------------------------

    def _emit(self, run: Run, event: Event) -> None:
        if event.name == "data":
            self._data(run, event.payload)
        elif event.name == "error":
            self._error(run, event.payload, counted=True)
        elif event.name == "rebound":
            self._rebound(run, event.payload)
        elif event.name in ("snapshot", "updateSnapshot"):
            self._snapshot_event(run, event.name, event.payload)

    def _data(self, run: Run, data: object) -> None:
        if not isinstance(data, Mapping):
            raise TypeError(f"a data message must be an object, not {type(data).__name__}")
        s = self._settings
        message = dict(data)
        override, message["headers"] = headers.routing_key_override(message.get("headers"))
        if self._step.is_passthrough:
            if s.no_self_passthrough:
                step_id = run.delivery.headers.get("stepId")
                message["passthrough"] = dict(run.passthrough)
                if step_id:
                    message["passthrough"][step_id] = {k: v for k, v in run.msg.items() if k != "passthrough"}
            else:
                own = {k: v for k, v in message.items() if k != "passthrough"}
                message["passthrough"] = {**run.passthrough, s.ids.step_id: own}
        body = codec.data_body(self._cipher, message, s.protocol_version, s.outgoing_message_size_limit)
        out = headers.data_headers(run.base, message.get("id"), s.protocol_version)
        self._publish(run, "data", override or s.data_routing_key, body, out, throttle="data")

    def _error(self, run: Run, error: object, *, counted: bool) -> None:
        s = self._settings
        if counted:
            run.errors += 1
        payload = error if isinstance(error, Mapping) else error_payload(Exception(str(error)))
        error_input = codec.error_input(run.delivery.content, run.delivery.headers)
        body, encrypted = codec.error_body(self._cipher, payload, error_input)
        out = headers.error_headers(run.base)
        self._publish(run, "error", s.error_routing_key, body, out, throttle="error" if counted else None)
        reply_to = run.base.get("reply_to")
        if reply_to and not s.no_error_replies:
            self._publish(run, "error reply", str(reply_to), encrypted, headers.error_reply_headers(out))

    def _rebound(self, run: Run, error: object) -> None:
        s = self._settings
        original = run.delivery
        rebound = next_rebound(original.headers, initial_expiration=s.rebound_initial_expiration,
                               limit=s.rebound_limit)
        if rebound.expiration is None:
            log.warning("Rebound limit of %d exceeded", s.rebound_limit)
            self._error(run, error_payload(Exception(LIMIT_EXCEEDED)), counted=False)
            return
        reason = str(error.get("message", "")) if isinstance(error, Mapping) else str(error)
        out = headers.rebound_headers(original.headers, reason, rebound.iteration)
        properties = headers.rebound_properties(original.properties, out, rebound.expiration)
        log.info("Rebound %d: back in %d ms", rebound.iteration, rebound.expiration)
        try:
            self._flush(run)
            self._call(self._publisher.publish(s.rebound_routing_key, original.content, properties))
        except PublishError as exc:
            # Acked, the message would be lost: say so in an error event, and reject it (dead-letter).
            self._error(run, error_payload(PublishError(f"The rebound could not be published: {exc}")),
                        counted=True)

    def _snapshot_event(self, run: Run, name: str, value: object) -> None:
        if name == "updateSnapshot":
            if not isinstance(value, Mapping):
                log.error("updateSnapshot needs an object, not %s: nothing sent", type(value).__name__)
                return
            if "$set" in value:
                log.warning("$set is not supported in updateSnapshot: nothing sent")
                return
        with self._snapshot_lock:
            if name == "snapshot":
                self._snapshot = copy.deepcopy(value) if isinstance(value, dict) else {}
            else:
                assert isinstance(value, Mapping)
                self._snapshot.update(copy.deepcopy(dict(value)))
        self._publish(run, name, self._settings.snapshot_routing_key, codec.snapshot_body(value),
                      headers.snapshot_headers(run.base, name), throttle="snapshot" if name == "snapshot" else None)

    # -- the hop to the event loop ----------------------------------------------------------------------------

    def _publish(self, run: Run, kind: str, routing_key: str, body: bytes, out: Mapping[str, Any], *,
                 throttle: str | None = None) -> None:
        self._flush(run)  # first: a failure there is this event's failure, and this one is dropped
        properties = headers.properties(out, persistent=self._settings.persistent_messages)
        run.held = _Publish(kind, routing_key, body, properties, throttle)

    def _flush(self, run: Run) -> None:
        held, run.held = run.held, None
        if held is not None:
            self._call(self._send(held))

    async def _send(self, publish: _Publish) -> None:
        if publish.throttle is not None:
            await self._throttles[publish.throttle].wait()
        await self._publisher.publish(publish.routing_key, publish.body, publish.properties)

    def _call(self, coroutine: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()
