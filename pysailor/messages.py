"""The platform's message shape: ``{"id", "body", "attachments", "headers", "metadata"}``, and its ids."""

from __future__ import annotations

import uuid
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
