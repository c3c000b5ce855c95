"""The platform's message shape: ``{"id", "body", "attachments", "headers", "metadata"}``, and its ids."""

from __future__ import annotations

import os
from typing import Any

Message = dict[str, Any]


def new_id() -> str:
    """A random (version 4) UUID in its usual text form, as the platform gives every message.

    ``str(uuid.uuid4())`` makes the same string through the general ``UUID`` class, whose checks cost 30 µs
    per message once the CPU has waited on the network (bench/README.md); the id is just 16 random bytes
    with the version and variant bits set.
    """
    digits = os.urandom(16).hex()
    variant = "89ab"[int(digits[16], 16) & 3]  # RFC 4122 variant: the two top bits of byte 8 are 10
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{variant}{digits[17:20]}-{digits[20:]}"


def new_message(body: dict[str, Any] | None = None, *, message_id: str | None = None) -> Message:
    """A message as elasticio-node's ``newMessageWithBody`` builds it: a fresh uuid4 id."""
    return {
        "id": message_id or new_id(),
        "body": {} if body is None else body,
        "attachments": {},
        "headers": {},
        "metadata": {},
    }
