"""OIH messages on the wire, as Ferryman 2.4.7 reads and publishes them (ferryman-protocol.md sections 4, 7, 8).

Pure: bytes and headers in, ``Outgoing`` publishes out; ``dialect`` decides when each is made.

In: the content is plain JSON when OIH sets no message password (it never does), else the sailor's AES
(``protocolVersion`` below 2: base64 text). The orchestrator sends ``{attachments, data, metadata, passthrough}``;
``process`` gets it as every component does on elastic.io: the payload as ``body`` (``data`` renamed), ``headers``
an object with ``reply_to`` copied in.

Out: every publish is persistent (``delivery_mode`` 2), ``application/json``/``utf8``, with the headers of section
7.1: the ids from the token (``taskId`` = flowId, ``stepId``, ``userId``, ``function``), the token itself unchanged
(the orchestrator verifies it), ``cid`` 1, the input's routing key as ``x-eio-routing-key``, a new ``messageId``
per input, ``parentMessageId``, ``threadId``, ``x-eio-meta-*``, ``start``. Then, per event:

| event    | exchange           | routing key                                     | body                             |
|----------|--------------------|-------------------------------------------------|----------------------------------|
| data     | backchannel        | the output's ``x-eio-routing-key``, else OUTPUT | the output, ``body`` as ``data`` |
| error    | backchannel        | ERROR_ROUTING_KEY                               | ``{"error": E, "errorInput": I}``|
| state    | backchannel        | STATE_ROUTING_KEY                               | ``"function complete"``          |
| rebound  | NODE_EXCHANGE      | REBOUND_ROUTING_KEY                             | the input's bytes, ``expiration``|
| snapshot | SNAPSHOTS_EXCHANGE | SNAPSHOT_ROUTING_KEY (unset: not published)     | the snapshot as JSON             |
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Mapping
from typing import Any

from pamqp.commands import Basic

from ..broker import Outgoing
from ..dialect import DecodeError
from ..execution import check_output_size
from ..messages import new_id
from ..sailor.cipher import Cipher, DecryptError, to_json
from ..sailor.codec import protocol_version
from ..sailor.headers import META_PREFIX, ROUTING_KEY_HEADER, now_ms, routing_key_override
from ..sailor.rebound import NextRebound, next_rebound
from .settings import FerrymanSettings
from .token import HEADER, Token

CONTENT_TYPE = "application/json"
CONTENT_ENCODING = "utf8"
CIPHER_ID = 1  # the header ``cid``: Ferryman's cipher.id
FUNCTION_COMPLETE = to_json("function complete")


class Wire:
    def __init__(self, settings: FerrymanSettings) -> None:
        self.settings = settings
        self._cipher = Cipher(settings.crypto_password, settings.crypto_iv) if settings.crypto_password else None

    # -- in -----------------------------------------------------------------------------------------------------

    def decode(self, content: bytes, headers: Mapping[str, Any]) -> dict[str, Any]:
        """The input as the orchestrator sent it (``data`` and all); DecodeError when it is not a JSON object."""
        try:
            if self._cipher is None:
                value = json.loads(content) if content else None
            else:
                value = self._cipher.decode(content, 1 if protocol_version(headers) < 2 else 2)
        except (DecryptError, ValueError) as exc:
            raise DecodeError(str(exc)) from None
        if not isinstance(value, dict):
            raise DecodeError(f"the content is not a JSON object but {type(value).__name__}")
        return value

    @staticmethod
    def message(decoded: Mapping[str, Any], headers: Mapping[str, Any]) -> dict[str, Any]:
        """What ``process`` gets: the input with ``data`` as ``body``, the shape it has on elastic.io."""
        msg = {name: copy.deepcopy(value) for name, value in decoded.items() if name != "data"}
        if "body" not in decoded:
            msg["body"] = copy.deepcopy(decoded.get("data", {}))
        if not isinstance(msg.get("headers"), dict):
            msg["headers"] = {}
        if headers.get("reply_to"):
            msg["headers"]["reply_to"] = headers["reply_to"]
        return msg

    # -- out ----------------------------------------------------------------------------------------------------

    def base_headers(self, incoming: Mapping[str, Any], token: Token | None, routing_key: str, *, message_id: str,
                     start: int) -> dict[str, Any]:
        """The headers every publish for this input starts from (Ferryman's ``outgoingMessageHeaders``); without
        a token (a message refused for that), the ids it would give are absent."""
        s = self.settings
        meta = {name.lower(): value for name, value in incoming.items() if name.lower().startswith(META_PREFIX)}
        headers: dict[str, Any] = {**meta}
        for name in ("reboundReason", "reboundIteration", "reply_to"):
            if incoming.get(name) is not None:
                headers[name] = incoming[name]
        headers.update(s.additional_headers)
        headers.update({
            "parentMessageId": incoming.get("messageId") or None,
            "threadId": incoming.get("threadId") or meta.get(f"{META_PREFIX}trace-id") or new_id(),
            "messageId": message_id,
            "execId": s.exec_id or None,
            "taskId": token.flow_id if token else None,
            "workspaceId": s.workspace_id,
            "containerId": s.container_id,
            "userId": token.user_id if token else None,
            "stepId": token.step_id if token else None,
            "compId": s.comp_id,
            "function": token.function if token else None,
            "start": start,
            "cid": CIPHER_ID,
            ROUTING_KEY_HEADER: routing_key or None,
            HEADER: token.raw if token else None,  # unchanged: the orchestrator verifies it
        })
        return {name: value for name, value in headers.items() if value is not None}

    def data(self, base: Mapping[str, Any], output: Mapping[str, Any], token: Token,
             passthrough: Mapping[str, Any]) -> Outgoing:
        """A data message from what ``process`` returned: its ``body`` goes out as OIH's ``data``."""
        s = self.settings
        message = {name: value for name, value in output.items() if name != "body"}
        if "body" in output:
            message["data"] = output["body"]
        override, message["headers"] = routing_key_override(output.get("headers"))
        if token.node_settings.get("passthrough"):
            own = {name: value for name, value in message.items() if name != "passthrough"}
            message["passthrough"] = {**passthrough, token.step_id: own}
        elif passthrough:
            message["passthrough"] = dict(passthrough)
        body = self._encode(message, s.protocol_version)
        check_output_size(len(body), s.outgoing_message_size_limit)
        data_id = output.get("id")
        headers = {**base, "messageId": data_id if isinstance(data_id, str) and data_id else base["messageId"],
                   "end": now_ms(), "protocolVersion": s.protocol_version}
        return self._publish("data", s.backchannel_exchange, override or s.output_routing_key, body, headers)

    def error(self, base: Mapping[str, Any], error: Mapping[str, Any], content: bytes,
              incoming: Mapping[str, Any], *, kind: str = "error", **extra: Any) -> Outgoing:
        """``{"error": E, "errorInput": I}``: E the ``{name, message, stack}`` as Ferryman encodes it (JSON text
        without a password), I the input (its own text for version 1)."""
        s = self.settings
        payload = {name: error.get(name) for name in ("name", "message", "stack")}
        body = to_json({"error": self._encode(payload, 1).decode(), "errorInput": self._error_input(content, incoming)})
        return self._publish(kind, s.backchannel_exchange, s.error_routing_key, body,
                             {**base, "end": now_ms(), **extra})

    def state(self, base: Mapping[str, Any]) -> Outgoing:
        """"function complete", after every end: the orchestrator counts the step's finished messages with it."""
        s = self.settings
        headers = {**base, "protocolVersion": s.protocol_version}
        return self._publish("state", s.backchannel_exchange, s.state_routing_key, FUNCTION_COMPLETE, headers)

    def next_rebound(self, incoming: Mapping[str, Any]) -> NextRebound:
        s = self.settings
        return next_rebound(incoming, initial_expiration=s.rebound_initial_expiration, limit=s.rebound_limit)

    def rebound(self, base: Mapping[str, Any], content: bytes, rebound: NextRebound, reason: str) -> Outgoing:
        """The input's bytes back to the node exchange, held ``expiration`` ms by OIH's rebounds queue; the
        properties rebuilt from the outgoing headers, as Ferryman does (the token goes with them)."""
        s = self.settings
        assert rebound.expiration is not None, "past the limit the message ends with an error, not a rebound"
        headers = {**base, "end": now_ms(), "reboundReason": reason, "reboundIteration": rebound.iteration}
        publish = self._publish("rebound", s.node_exchange, s.rebound_routing_key, content, headers)
        publish.properties.expiration = str(rebound.expiration)
        return publish

    def snapshot(self, base: Mapping[str, Any], event: str, value: object, token: Token) -> Outgoing | None:
        """A snapshot or updateSnapshot event for the snapshots service; None when no routing key is set."""
        s = self.settings
        if not s.snapshot_routing_key:
            return None
        headers = {**base, "snapshotEvent": event, "tenant": token.tenant}
        if event == "updateSnapshot":
            headers["flowExecId"] = token.flow_exec_id
        headers = {name: value for name, value in headers.items() if value is not None}
        return self._publish(event, s.snapshots_exchange, s.snapshot_routing_key, to_json(value), headers)

    # -- helpers ------------------------------------------------------------------------------------------------

    def _encode(self, value: Any, version: int) -> bytes:
        """Plain JSON without a password, whatever the version; the sailor's encoding with one."""
        return to_json(value) if self._cipher is None else self._cipher.encode(value, version)

    def _error_input(self, content: bytes, incoming: Mapping[str, Any]) -> str:
        if protocol_version(incoming) < 2:
            return content.decode(errors="replace")
        if self._cipher is None:
            return to_json(json.loads(content)).decode()
        return base64.b64encode(content).decode()  # the same bytes Ferryman re-encrypts from compact JSON

    @staticmethod
    def _publish(kind: str, exchange: str, routing_key: str, body: bytes, headers: Mapping[str, Any]) -> Outgoing:
        """Persistent, JSON, the headers as they are: Ferryman's ``_createPropsFromHeaders``."""
        properties = Basic.Properties(content_type=CONTENT_TYPE, content_encoding=CONTENT_ENCODING,
                                      delivery_mode=2, headers=dict(headers))
        return Outgoing(kind, routing_key, body, properties, exchange)
