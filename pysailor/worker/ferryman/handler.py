"""One OIH message, start to verdict: token, credentials, snapshot, ``process``, each event published, ack or reject.

The steps of Ferryman's ``processMessage`` (ferryman-protocol.md 6, 7, 9), in a worker thread; each publish is
handed to the event loop and confirmed by the broker before the run goes on. The verdicts are Ferryman's: ack
after data or a rebound (past the rebound limit: the "Rebound limit exceeded" error, then ack), reject after an
error, reject without an event when the content is not JSON. "function complete" follows every end, before the
ack or reject (Ferryman sends it after: a crash in between would lose it).

Where Ferryman fails the step, this handler answers the message instead, with an error event and a reject:
- no headers table (Ferryman crashes and the message kills every restart), no token or an unusable one
  (Ferryman holds the message unacked for ever, and with prefetch 1 the step takes no other);
- an unknown function (Ferryman also leaks its in-flight count, so SIGTERM then waits for ever);
- a secret that cannot be read (Ferryman runs the message with no credentials): an error, or a rebound when the
  secret service may answer later;
- a ``nodeSettings`` feature this worker does not implement (policies, transforms, id linking, governance, raw
  records, automatic snapshots): refused by name rather than silently skipped.
The send journal keys the message by the token's flow and step (a global component serves many flows) and the
token-derived message id (``Token.message_id``), which ``process`` also gets as ``msg["id"]``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ... import Event, error_payload, execute, sending
from ...sending import Delivery as SendDelivery
from ...sending import Gatekeeper
from .. import component
from ..codec import DecodeError, TooLargeError
from ..handler import Delivery
from ..headers import new_id, now_ms
from ..publisher import Publisher, PublishError
from ..rebound import LIMIT_EXCEEDED
from ..redeliveries import Verdict
from ..throttle import Throttle
from .services import PlatformServices, ServiceError
from .settings import FerrymanSettings
from .token import Token, TokenError, from_headers
from .wire import Publish, Wire

log = logging.getLogger(__name__)

UNSUPPORTED_NODE_SETTINGS = ("applyPolicy", "flowPolicy", "applyTransform", "idLinking", "governance",
                             "storeRawRecord", "autoSaveSnapshots")


class RefusedError(Exception):
    """The message cannot run here; the error event says why."""


@dataclass
class OihRun:
    """One message: what every publish for it needs, and how it went."""

    delivery: Delivery
    base: dict[str, Any]
    token: Token | None = None
    passthrough: Mapping[str, Any] | None = None
    errors: int = 0
    failed: bool = False  # an error or a rebound could not be published


class Functions:
    """The component's functions, loaded on first use: on OIH the token names the function per message."""

    def __init__(self, component_path: Path) -> None:
        self._path = component_path
        self._loaded: dict[str, component.Function] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> component.Function:
        with self._lock:
            if name not in self._loaded:
                self._loaded[name] = component.load(self._path, name)
            return self._loaded[name]


class FerrymanHandler:
    def __init__(self, settings: FerrymanSettings, services: PlatformServices, publisher: Publisher,
                 loop: asyncio.AbstractEventLoop, gatekeeper: Gatekeeper) -> None:
        self._settings = settings
        self._wire = Wire(settings)
        self._services = services
        self._publisher = publisher
        self._loop = loop
        self._gatekeeper = gatekeeper
        self._functions = Functions(settings.component_path)
        self._throttles = {
            "data": Throttle(settings.output_rate_limit, settings.rate_interval),
            "error": Throttle(settings.error_rate_limit, settings.rate_interval),
            "snapshot": Throttle(settings.snapshot_rate_limit, settings.rate_interval),
        }

    def handle(self, delivery: Delivery) -> Verdict:
        """Run one delivery in a worker thread, publishing as it goes; the verdict."""
        start = now_ms()
        try:
            decoded = self._wire.decode(delivery.content, delivery.headers)
        except DecodeError as exc:
            log.error("Rejected a message that cannot be decoded: %s", exc)
            return "reject"
        run = OihRun(delivery, self._wire.base_headers(delivery.headers, None, delivery.routing_key,
                                                       message_id=new_id(), start=start))
        try:
            run.token = from_headers(delivery.headers if delivery.properties.headers is not None else None)
        except TokenError as exc:
            log.error("Rejected a message: %s", exc)
            refused = error_payload(RefusedError(f"Rejected: {exc}; nothing was run"))
            self._safely(run, lambda: self._error(run, refused))
            return "reject"
        token = run.token
        run.base = self._wire.base_headers(delivery.headers, token, delivery.routing_key,
                                           message_id=run.base["messageId"], start=start)
        passthrough = decoded.get("passthrough")
        run.passthrough = passthrough if isinstance(passthrough, dict) else {}
        self._safely(run, lambda: self._run(run, token, decoded))
        self._safely(run, lambda: self._send(self._wire.state(run.base)))
        return "reject" if run.errors or run.failed else "ack"

    async def complete(self, run: object) -> Verdict:  # every verdict is given by handle()
        raise TypeError(f"nothing to complete: {run!r}")

    # -- the run ------------------------------------------------------------------------------------------------

    def _run(self, run: OihRun, token: Token, decoded: Mapping[str, Any]) -> None:
        try:
            function, cfg, snapshot = self._prepare(token)
        except ServiceError as exc:
            if exc.transient:
                self._rebound(run, error_payload(exc))
            else:
                self._error(run, error_payload(exc))
            return
        except (RefusedError, component.ComponentError) as exc:
            log.error("%s", exc)
            self._error(run, error_payload(exc))
            return
        msg = self._wire.message(decoded, run.delivery.headers)
        msg.setdefault("id", token.message_id)
        gate = self._gatekeeper.gate(SendDelivery(f"{token.flow_id}/{token.step_id}", token.message_id,
                                                  run.delivery.content, run.delivery.redelivered))
        try:
            with sending.use(gate):
                execute(function.process, msg, cfg, snapshot, emit=lambda event: self._emit(run, event))
        finally:
            gate.finish()  # a send the action left open is recorded in doubt, never left "sending"

    def _prepare(self, token: Token) -> tuple[component.Function, dict[str, Any], dict[str, Any]]:
        """The function, cfg = fields + nodeSettings + secret, and the snapshot, as Ferryman gathers them."""
        unsupported = [name for name in UNSUPPORTED_NODE_SETTINGS if token.node_settings.get(name)]
        if unsupported:
            raise RefusedError(f"The step's nodeSettings ask for {', '.join(unsupported)}, which this worker does "
                               f"not implement; nothing was run")
        function = self._functions.get(token.function)
        cfg = {**token.fields, "nodeSettings": token.node_settings}
        if token.secret_id:
            if not token.api_key:
                raise RefusedError(f"The step's credentials (secret {token.secret_id!r}) cannot be read: the "
                                   f"orchestratorToken carries no apiKey; nothing was run")
            cfg.update(self._services.secret(token.secret_id, token.api_key))
        snapshot = self._services.snapshot(token.flow_id, token.step_id, token.api_key) if token.api_key else {}
        return function, cfg, snapshot

    # -- events -------------------------------------------------------------------------------------------------

    def _emit(self, run: OihRun, event: Event) -> None:
        assert run.token is not None
        if event.name == "data":
            if not isinstance(event.payload, Mapping):
                raise TypeError(f"a data message must be an object, not {type(event.payload).__name__}")
            self._data(run, event.payload)
        elif event.name == "error":
            self._error(run, event.payload)
        elif event.name == "rebound":
            self._rebound(run, event.payload)
        elif event.name in ("snapshot", "updateSnapshot"):
            self._snapshot(run, event.name, event.payload)

    def _data(self, run: OihRun, output: Mapping[str, Any]) -> None:
        assert run.token is not None
        assert run.passthrough is not None
        try:
            self._send(self._wire.data(run.base, output, run.token, run.passthrough))
        except (TooLargeError, PublishError) as exc:
            log.error("The output could not be published: %s", exc)
            raise  # execute() makes it the message's error event

    def _error(self, run: OihRun, error: object, *, counted: bool = True) -> None:
        if counted:
            run.errors += 1
        payload = error if isinstance(error, Mapping) else error_payload(Exception(str(error)))
        self._send(self._wire.error(run.base, payload, run.delivery.content, run.delivery.headers,
                                    throttled=counted))

    def _rebound(self, run: OihRun, error: object) -> None:
        rebound = self._wire.next_rebound(run.delivery.headers)
        if rebound.over_limit:
            log.warning("Rebound limit of %d exceeded", self._settings.rebound_limit)
            self._error(run, error_payload(Exception(LIMIT_EXCEEDED)), counted=False)
            return
        reason = str(error.get("message", "")) if isinstance(error, Mapping) else str(error)
        log.info("Rebound %d: back in %s ms (%s)", rebound.iteration, rebound.expiration, reason)
        try:
            self._send(self._wire.rebound(run.base, run.delivery.content, rebound, reason))
        except PublishError as exc:  # acked, the message would be lost: an error, and a reject (dead-letter)
            self._error(run, error_payload(PublishError(f"The rebound could not be published: {exc}")))

    def _snapshot(self, run: OihRun, name: str, value: object) -> None:
        assert run.token is not None
        if name == "updateSnapshot" and (not isinstance(value, Mapping) or "$set" in value):
            log.error("updateSnapshot needs an object without $set: nothing sent")
            return
        publish = self._wire.snapshot(run.base, name, value, run.token)
        if publish is None:
            log.warning("A %s event is not published: ELASTICIO_SNAPSHOT_ROUTING_KEY is not set", name)
            return
        self._send(publish)

    # -- publishing, from the worker thread ---------------------------------------------------------------------

    def _send(self, publish: Publish) -> None:
        asyncio.run_coroutine_threadsafe(self._publish(publish), self._loop).result()

    async def _publish(self, publish: Publish) -> None:
        if publish.throttle is not None:
            await self._throttles[publish.throttle].wait()
        await self._publisher.publish(publish.routing_key, publish.body, publish.properties,
                                      exchange=publish.exchange)

    @staticmethod
    def _safely(run: OihRun, step: Any) -> None:
        """Run ``step``; an event it could not publish fails the message (reject), it never kills the worker."""
        try:
            step()
        except Exception as exc:
            log.error("The outcome of a message could not be published (%s); rejecting it", exc)
            run.failed = True
