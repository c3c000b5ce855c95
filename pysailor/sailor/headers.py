"""The AMQP headers and properties of what the worker publishes, as the sailor builds them (section 7.1).

Every event of one input carries the same base headers: the incoming ``x-eio-meta-*`` headers (names
lower-cased), ``threadId`` (incoming, else ``x-eio-meta-trace-id``, else new), ``parentMessageId`` (the incoming
``messageId``, absent without one), a ``messageId`` for the input's events, the step's ids, the additional
variables, ``start`` and ``reply_to``. Integers stay integers (``start``, ``end``, ``protocolVersion``,
``reboundIteration``): amqplib reads them as numbers, and the sailor tests ``typeof == 'number'``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from pamqp.commands import Basic

from ..messages import new_id
from .settings import Ids

META_PREFIX = "x-eio-meta-"
ROUTING_KEY_HEADER = "x-eio-routing-key"
ERROR_RESPONSE_HEADER = "x-eio-error-response"
CONTENT_TYPE = "application/json"
CONTENT_ENCODING = "utf8"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def base_headers(incoming: Mapping[str, Any], ids: Ids, additional: Mapping[str, str], *, message_id: str,
                 start: int) -> dict[str, Any]:
    """The headers every event of this input starts from."""
    headers: dict[str, Any] = {name.lower(): value for name, value in incoming.items()
                               if name.lower().startswith(META_PREFIX)}
    headers.update(additional)
    parent = incoming.get("messageId")
    if parent:
        headers["parentMessageId"] = parent
    headers["threadId"] = incoming.get("threadId") or headers.get(f"{META_PREFIX}trace-id") or new_id()
    headers["messageId"] = message_id
    headers.update(execId=ids.exec_id, taskId=ids.flow_id, workspaceId=ids.workspace_id,
                   containerId=ids.container_id, userId=ids.user_id, stepId=ids.step_id, compId=ids.comp_id,
                   function=ids.function, start=start)
    reply_to = incoming.get("reply_to")
    if reply_to:
        headers["reply_to"] = reply_to
    return headers


def data_headers(base: Mapping[str, Any], data_id: object, protocol_version: int) -> dict[str, Any]:
    """A data message's headers: its own ``messageId`` (``data.id`` when the component set one)."""
    message_id = data_id if isinstance(data_id, str) and data_id else new_id()
    return {**base, "messageId": message_id, "end": now_ms(), "protocolVersion": protocol_version}


def error_headers(base: Mapping[str, Any]) -> dict[str, Any]:
    return {**base, "end": now_ms()}


def error_reply_headers(error: Mapping[str, Any]) -> dict[str, Any]:
    return {**error, ERROR_RESPONSE_HEADER: True}


def snapshot_headers(base: Mapping[str, Any], event: str) -> dict[str, Any]:
    return {**base, "snapshotEvent": event}


def rebound_headers(original: Mapping[str, Any], reason: str, iteration: int) -> dict[str, Any]:
    """All the original headers (``messageId`` and ``x-death`` kept), plus the rebound's three."""
    return {**original, "end": now_ms(), "reboundReason": reason, "reboundIteration": iteration}


def routing_key_override(headers: object) -> tuple[str | None, dict[str, Any]]:
    """``x-eio-routing-key`` from a data message's headers (any case), and the headers without it."""
    if not isinstance(headers, Mapping):
        return None, {}
    kept: dict[str, Any] = {}
    override = None
    for name, value in headers.items():
        if isinstance(name, str) and name.lower() == ROUTING_KEY_HEADER:
            override = value if isinstance(value, str) and value else override
        else:
            kept[name] = value
    return override, kept


def properties(headers: Mapping[str, Any], *, persistent: bool) -> Basic.Properties:
    """The properties of every publish but the rebound: all ids travel in the headers."""
    return Basic.Properties(content_type=CONTENT_TYPE, content_encoding=CONTENT_ENCODING,
                            delivery_mode=2 if persistent else 1, headers=_table(headers))


def rebound_properties(original: Basic.Properties, headers: Mapping[str, Any], expiration: int) -> Basic.Properties:
    """The original properties unchanged, with the new headers and ``expiration`` (milliseconds, as text)."""
    return Basic.Properties(
        content_type=original.content_type, content_encoding=original.content_encoding,
        headers=_table(headers), delivery_mode=original.delivery_mode, priority=original.priority,
        correlation_id=original.correlation_id, reply_to=original.reply_to, expiration=str(expiration),
        message_id=original.message_id, timestamp=original.timestamp, message_type=original.message_type,
        user_id=original.user_id, app_id=original.app_id)


def _table(headers: Mapping[str, Any]) -> dict[str, Any]:
    # amqplib leaves out undefined values; a None would go out as a void field that Node reads as null.
    return {name: value for name, value in headers.items() if value is not None}

