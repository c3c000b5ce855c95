"""The platform's message shape: ``{"id", "body", "attachments", "headers", "metadata"}``, and its ids."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

Message = dict[str, Any]


def new_id() -> str:
    """A random (version 4) UUID in its usual text form, as the platform gives every message."""
    return str(uuid.uuid4())


def new_message(body: dict[str, Any] | None = None, *, message_id: str | None = None) -> Message:
    """A message as elasticio-node's ``newMessageWithBody`` builds it: a fresh uuid4 id."""
    return {
        "id": message_id or new_id(),
        "body": {} if body is None else body,
        "attachments": {},
        "headers": {},
        "metadata": {},
    }


def new_incoming(body: Any, *, message_id: str | None = None, thread_id: str | None = None) -> Message:
    """A platform message as it reaches a step, with the headers the sailor carries."""
    return {
        "id": message_id or new_id(),
        "body": body,
        "attachments": {},
        "headers": {"threadId": thread_id or new_id()},
        "metadata": {},
    }


def message_id(headers: Mapping[str, Any]) -> str | None:
    """The platform message id of a delivery (its ``messageId`` header), the same across redeliveries and
    rebounds; a number another publisher set is read as its text."""
    value = headers.get("messageId")
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    elif isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value if isinstance(value, str) and value else None


def content_digest(content: bytes) -> str:
    """Which bytes were delivered, in 32 hex digits: two messages that share an id (a split message) differ."""
    return hashlib.blake2b(content, digest_size=16).hexdigest()
