"""The Open Integration Hub's dialect for the delivery pipeline: Ferryman 2.4.7's ``processMessage``, event by event.

``open`` reads the delivery's ``orchestratorToken`` and gathers what the message runs with, as Ferryman does
(ferryman-protocol.md 5, 6): the function the token names, cfg = the token's fields + ``nodeSettings`` + the
secret (from the secret service), the snapshot (from the snapshots service), the send gate keyed by the token's
flow and step (a global component serves many flows) and the token-derived ``Token.message_id``, which
``process`` also gets as ``msg["id"]``. The events are Ferryman's (``wire``), and "function complete" follows
every end that has a token, before the ack or reject (Ferryman sends it after: a crash in between lost it).

Where Ferryman fails the step, the message is answered instead (``Opened.refusal``: the pipeline runs it as the
message's error, or as a rebound), and rejected:
- no headers table (Ferryman crashes and the message kills every restart), no token or an unusable one
  (Ferryman holds the message unacked for ever, and with prefetch 1 the step takes no other);
- a secret that cannot be read (Ferryman runs the message with no credentials at all): an error, or a rebound
  when the secret service may answer later;
- a ``nodeSettings`` feature this worker does not implement (policies, transforms, id linking, governance, raw
  records, automatic snapshots): refused by name rather than silently skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..broker import Incoming, Outgoing
from ..dialect import Dialect, Opened, Rebounded, StepState
from ..errors import ConfigurationError, Rebound
from ..execution import error_payload
from ..messages import message_id, new_id
from ..sailor.headers import now_ms
from ..sailor.rebound import LIMIT_EXCEEDED
from .services import PlatformServices, ServiceError
from .settings import FerrymanSettings
from .token import HEADER, Token, TokenError, from_headers
from .wire import Wire

log = logging.getLogger(__name__)

UNSUPPORTED_NODE_SETTINGS = ("applyPolicy", "flowPolicy", "applyTransform", "idLinking", "governance",
                             "storeRawRecord", "autoSaveSnapshots")


class RefusedError(ConfigurationError):
    """The message cannot run here; the error event says why, and that nothing was run."""


@dataclass
class Frame:
    """One input, as its events need it."""

    delivery: Incoming
    base: dict[str, Any]
    token: Token | None = None  # None: refused for want of a usable token
    passthrough: Mapping[str, Any] = field(default_factory=dict)


class FerrymanDialect(Dialect):
    def __init__(self, settings: FerrymanSettings, services: PlatformServices) -> None:
        self._settings = settings
        self._services = services
        self._wire = Wire(settings)

    def start(self) -> StepState:
        return StepState()  # nothing per step: the token brings the config, the services the rest, per message

    def redelivery_id(self, delivery: Incoming) -> str | None:
        """OIH sends no messageId; the token tells two deliveries of one content apart."""
        token = delivery.headers.get(HEADER)
        return message_id(delivery.headers) or (token if isinstance(token, str) else None)

    def open(self, delivery: Incoming) -> Opened:
        start = now_ms()
        decoded = self._wire.decode(delivery.body, delivery.headers)  # DecodeError: rejected with no event
        routing_key = _routing_key(delivery)
        frame = Frame(delivery, self._wire.base_headers(delivery.headers, None, routing_key, message_id=new_id(),
                                                        start=start))
        msg = self._wire.message(decoded, delivery.headers)
        try:
            token = from_headers(delivery.headers if delivery.properties.headers is not None else None)
        except TokenError as exc:
            return Opened(msg, frame, "", None, config={}, snapshot={},
                          refusal=RefusedError(f"Rejected: {exc}; nothing was run"))
        frame.token = token
        frame.base = self._wire.base_headers(delivery.headers, token, routing_key,
                                             message_id=frame.base["messageId"], start=start)
        passthrough = decoded.get("passthrough")
        frame.passthrough = passthrough if isinstance(passthrough, dict) else {}
        msg.setdefault("id", token.message_id)
        opened = Opened(msg, frame, f"{token.flow_id}/{token.step_id}", token.message_id, function=token.function)
        try:
            opened.config, opened.snapshot = self._gather(token)
        except ServiceError as exc:
            opened.config, opened.snapshot = {}, {}
            opened.refusal = Rebound(str(exc)) if exc.transient else RefusedError(f"{exc}; nothing was run")
        except RefusedError as exc:
            opened.config, opened.snapshot = {}, {}
            opened.refusal = exc
        return opened

    def _gather(self, token: Token) -> tuple[dict[str, Any], dict[str, Any]]:
        """cfg = fields + nodeSettings + secret, and the snapshot, as Ferryman gathers them."""
        unsupported = [name for name in UNSUPPORTED_NODE_SETTINGS if token.node_settings.get(name)]
        if unsupported:
            raise RefusedError(f"The step's nodeSettings ask for {', '.join(unsupported)}, which this worker does "
                               f"not implement; nothing was run")
        cfg = {**token.fields, "nodeSettings": token.node_settings}
        if token.secret_id:
            if not token.api_key:
                raise RefusedError(f"The step's credentials (secret {token.secret_id!r}) cannot be read: the "
                                   f"orchestratorToken carries no apiKey; nothing was run")
            cfg.update(self._services.secret(token.secret_id, token.api_key))
        snapshot = self._services.snapshot(token.flow_id, token.step_id, token.api_key) if token.api_key else {}
        return cfg, snapshot

    # -- events -------------------------------------------------------------------------------------------------

    def data(self, frame: Frame, message: Mapping[str, Any]) -> list[Outgoing]:
        if not isinstance(message, Mapping):
            raise TypeError(f"a data message must be an object, not {type(message).__name__}")
        assert frame.token is not None, "a refused message runs no function"
        return [self._wire.data(frame.base, message, frame.token, frame.passthrough)]

    def error(self, frame: Frame, payload: Mapping[str, Any]) -> list[Outgoing]:
        return [self._wire.error(frame.base, payload, frame.delivery.body, frame.delivery.headers)]

    def rebound(self, frame: Frame, payload: Mapping[str, Any]) -> Rebounded:
        rebound = self._wire.next_rebound(frame.delivery.headers)
        reason = str(payload.get("message", ""))
        if rebound.expiration is None:  # as Ferryman: the limit error carries the rebound's headers, unthrottled
            limit = {**error_payload(Exception(LIMIT_EXCEEDED)), "name": "Error"}
            return Rebounded([self._wire.error(frame.base, limit, frame.delivery.body, frame.delivery.headers,
                                               kind="error over limit", reboundReason=reason)], over_limit=True)
        return Rebounded([self._wire.rebound(frame.base, frame.delivery.body, rebound, reason)])

    def snapshot(self, frame: Frame, name: str, value: Any) -> list[Outgoing]:
        assert frame.token is not None, "a refused message runs no function"
        publish = self._wire.snapshot(frame.base, name, value, frame.token)
        if publish is None:
            log.warning("A %s event is not published: ELASTICIO_SNAPSHOT_ROUTING_KEY is not set", name)
            return []
        return [publish]

    def end(self, frame: Frame, failed: bool) -> list[Outgoing]:
        """"function complete", after every end of a message with a token: the orchestrator counts the step's
        finished messages with it (without a token it could not tell whose)."""
        return [] if frame.token is None else [self._wire.state(frame.base)]

    def startup_error(self, error: BaseException) -> list[Outgoing]:
        return []  # with no token the orchestrator could not place it: the fatal log line is the report


def _routing_key(delivery: Incoming) -> str:
    return delivery.routing_key if isinstance(delivery.routing_key, str) else ""
