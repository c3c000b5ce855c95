"""Message bodies on the wire: an incoming delivery to the ``msg`` that ``process`` gets, and the bodies we publish.

Incoming (sections 5.2, 5.4 and 6): the ``protocolVersion`` header (default 1) says whether the content is
base64 text of the ciphertext (below 2) or the raw ciphertext. The decrypted JSON object is passed on as sent,
with ``headers`` forced to an object and the AMQP header ``reply_to`` copied into it. With
``INPUT_FORMAT=error`` the content is the JSON ``{error, errorInput}`` of an error event, each field decrypted.

Outgoing (section 7.2): data encrypted as ``PROTOCOL_VERSION`` and checked against the size limit once encoded;
errors as plain JSON ``{"error": base64(AES(json)), "errorInput": ...}``; snapshots as plain JSON.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping
from typing import Any

from ..dialect import DecodeError
from ..errors import OutputError
from ..execution import check_output_size
from .cipher import Cipher, DecryptError, to_json

__all__ = ["DecodeError", "TooLargeError", "data_body", "decode", "error_body", "error_input", "snapshot_body"]


TooLargeError = OutputError  # an output over the size limit, once encoded


def protocol_version(headers: Mapping[str, Any]) -> float:
    """``Number(headers.protocolVersion || 1)``; NaN (not a number) reads as "not below 2", as in JavaScript."""
    value = headers.get("protocolVersion") or 1
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def decode(content: bytes, headers: Mapping[str, Any], cipher: Cipher, *, error_input: bool = False,
           ) -> dict[str, Any]:
    """The message ``process`` receives, from a delivery's content and AMQP headers."""
    try:
        if error_input:
            msg = _error_message(content, headers, cipher)
        else:
            msg = cipher.decode(content, 1 if protocol_version(headers) < 2 else 2)
    except DecryptError as exc:
        raise DecodeError(str(exc)) from None
    if not isinstance(msg, dict):
        raise DecodeError(f"the decrypted content is not a JSON object but {type(msg).__name__}")
    if not isinstance(msg.get("headers"), dict):
        msg["headers"] = {}
    reply_to = headers.get("reply_to")
    if reply_to:
        msg["headers"]["reply_to"] = reply_to
    return msg


def _error_message(content: bytes, headers: Mapping[str, Any], cipher: Cipher) -> dict[str, Any]:
    try:
        body = json.loads(content)
    except ValueError as exc:
        raise DecryptError(f"an error event that is not JSON: {exc}") from None
    except RecursionError:
        raise DecryptError("an error event nested too deeply to be read") from None
    if not isinstance(body, dict):
        raise DecryptError("an error event that is not a JSON object")
    for name in ("error", "errorInput"):
        if isinstance(body.get(name), str) and body[name]:
            body[name] = cipher.decode(body[name].encode(), 1)
    return {"body": body, "headers": dict(headers)}


def data_body(cipher: Cipher, data: Mapping[str, Any], protocol_version: int, limit: int) -> bytes:
    """A data message's body, or TooLargeError when its encoded size is over ``limit`` bytes."""
    body = cipher.encode(data, protocol_version)
    check_output_size(len(body), limit)
    return body


def error_body(cipher: Cipher, error: Mapping[str, Any], error_input: str | None) -> tuple[bytes, bytes]:
    """The error event's body, and the base64 error alone (what goes to ``reply_to``)."""
    encrypted = cipher.encode(dict(error), 1)
    payload: dict[str, str] = {"error": encrypted.decode()}
    if error_input is not None:
        payload["errorInput"] = error_input
    return to_json(payload), encrypted


def error_input(content: bytes, headers: Mapping[str, Any]) -> str:
    """The input as ``errorInput`` carries it: base64 text of its ciphertext, whichever version it came in.

    For version 1 that is the content itself. For version 2 the sailor re-encrypts the parsed JSON, which gives
    these very bytes whenever the sender wrote compact JSON (Node and this worker always do).
    """
    if protocol_version(headers) < 2:
        return content.decode(errors="replace")
    return base64.b64encode(content).decode()


def snapshot_body(value: Any) -> bytes:
    return to_json(value)
