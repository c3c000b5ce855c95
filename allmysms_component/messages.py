"""The platform's message shape: ``{"id", "body", "attachments", "headers", "metadata"}``."""

from __future__ import annotations

import uuid
from typing import Any

Message = dict[str, Any]


def new_message(body: dict[str, Any] | None = None, *, message_id: str | None = None) -> Message:
    """A message as elasticio-node's ``newMessageWithBody`` builds it: a fresh uuid4 id."""
    return {
        "id": message_id or str(uuid.uuid4()),
        "body": {} if body is None else body,
        "attachments": {},
        "headers": {},
        "metadata": {},
    }
