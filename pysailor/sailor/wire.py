"""The elastic.io dialect: the Node sailor 2.7.8's wire protocol, one method per event kind (sailor-protocol.md).

In: the delivery's content decrypted (``codec``), ``headers`` forced to an object, ``reply_to`` copied in, the
``messageId`` header as the message's ``id`` when it has none (so an action that passes its id on, as Send SMS
does with ``CLIMSGID``, passes the same one on every redelivery). Out (section 7): every event of one input
shares the base headers (``headers``); data encrypted and size-checked once encoded, with passthrough where the
step has it; errors with ``errorInput`` and a copy to ``reply_to``; a rebound is the original delivery again,
its properties copied, with an expiration (``rebound``); past the limit, the sailor's own "Rebound limit
exceeded" error. The step's configuration and snapshot come from the platform API once, at start.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..broker import Incoming, Outgoing
from ..dialect import Dialect, Opened, Rebounded, StepState
from ..execution import error_payload
from ..messages import message_id, new_id
from ..platform import PlatformApi
from . import codec, headers
from .cipher import Cipher
from .rebound import LIMIT_EXCEEDED, next_rebound
from .settings import WorkerSettings


@dataclass
class Frame:
    """One input, as its events need it."""

    delivery: Incoming
    base: dict[str, Any]
    msg: dict[str, Any]
    passthrough: dict[str, Any] = field(default_factory=dict)


class SailorDialect(Dialect):
    def __init__(self, settings: WorkerSettings, platform: PlatformApi) -> None:
        self._settings = settings
        self._platform = platform
        self._cipher = Cipher(settings.crypto_password, settings.crypto_iv)
        self._step_key = f"{settings.ids.flow_id}/{settings.ids.step_id}"
        self._passthrough = False

    def start(self) -> StepState:
        s = self._settings
        step = self._platform.step_data(s.ids.flow_id, s.ids.step_id)
        self._passthrough = step.is_passthrough
        return StepState(step.config, step.snapshot)

    def open(self, delivery: Incoming) -> Opened:
        s = self._settings
        start = headers.now_ms()
        msg = codec.decode(delivery.body, delivery.headers, self._cipher, error_input=s.input_format == "error")
        frame = Frame(delivery, headers.base_headers(delivery.headers, s.ids, s.additional_headers,
                                                     message_id=new_id(), start=start), msg)
        if self._passthrough:
            incoming = msg.get("passthrough")
            frame.passthrough = copy.deepcopy(incoming) if isinstance(incoming, dict) else {}
            if s.no_self_passthrough:
                frame.msg = copy.deepcopy(msg)  # the sailor adds the input as the process received it
        found = message_id(delivery.headers)
        if found and not msg.get("id"):
            msg["id"] = found
        return Opened(msg, frame, self._step_key, found)

    def data(self, frame: Frame, message: Mapping[str, Any]) -> list[Outgoing]:
        if not isinstance(message, Mapping):
            raise TypeError(f"a data message must be an object, not {type(message).__name__}")
        s = self._settings
        out = dict(message)
        override, out["headers"] = headers.routing_key_override(out.get("headers"))
        if self._passthrough:
            if s.no_self_passthrough:
                step_id = frame.delivery.headers.get("stepId")
                out["passthrough"] = dict(frame.passthrough)
                if step_id:
                    out["passthrough"][step_id] = {k: v for k, v in frame.msg.items() if k != "passthrough"}
            else:
                own = {k: v for k, v in out.items() if k != "passthrough"}
                out["passthrough"] = {**frame.passthrough, s.ids.step_id: own}
        body = codec.data_body(self._cipher, out, s.protocol_version, s.outgoing_message_size_limit)
        table = headers.data_headers(frame.base, out.get("id"), s.protocol_version)
        return [self._outgoing("data", override or s.data_routing_key, body, table)]

    def error(self, frame: Frame, payload: Mapping[str, Any]) -> list[Outgoing]:
        return self._error(frame, payload, headers.error_headers(frame.base))

    def rebound(self, frame: Frame, payload: Mapping[str, Any]) -> Rebounded:
        s, original = self._settings, frame.delivery
        rebound = next_rebound(original.headers, initial_expiration=s.rebound_initial_expiration,
                               limit=s.rebound_limit)
        if rebound.expiration is None:
            # As the sailor: a plain Error, and no "end" header on this one error event.
            limit = {**error_payload(Exception(LIMIT_EXCEEDED)), "name": "Error"}
            return Rebounded(self._error(frame, limit, dict(frame.base), kind="error over limit"), over_limit=True)
        table = headers.rebound_headers(original.headers, str(payload.get("message", "")), rebound.iteration)
        properties = headers.rebound_properties(original.properties, table, rebound.expiration)
        return Rebounded([Outgoing("rebound", s.rebound_routing_key, original.body, properties)])

    def snapshot(self, frame: Frame, name: str, value: Any) -> list[Outgoing]:
        table = headers.snapshot_headers(frame.base, name)
        return [self._outgoing(name, self._settings.snapshot_routing_key, codec.snapshot_body(value), table)]

    def startup_error(self, error: BaseException) -> list[Outgoing]:
        s = self._settings
        base = headers.base_headers({}, s.ids, s.additional_headers, message_id=new_id(), start=headers.now_ms())
        body, _ = codec.error_body(self._cipher, error_payload(error), None)
        return [self._outgoing("error", s.error_routing_key, body, headers.error_headers(base))]

    def _error(self, frame: Frame, payload: Mapping[str, Any], table: Mapping[str, Any], *,
               kind: str = "error") -> list[Outgoing]:
        s = self._settings
        error_input = codec.error_input(frame.delivery.body, frame.delivery.headers)
        body, encrypted = codec.error_body(self._cipher, payload, error_input)
        publishes = [self._outgoing(kind, s.error_routing_key, body, table)]
        reply_to = frame.base.get("reply_to")
        if reply_to and not s.no_error_replies:
            publishes.append(self._outgoing("error reply", str(reply_to), encrypted,
                                            headers.error_reply_headers(table)))
        return publishes

    def _outgoing(self, kind: str, routing_key: str, body: bytes, table: Mapping[str, Any]) -> Outgoing:
        persistent = self._settings.persistent_messages
        return Outgoing(kind, routing_key, body, headers.properties(table, persistent=persistent))
