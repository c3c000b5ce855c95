"""What every action does with an incoming message: find its body, check it against the action's
``metadata.in`` (fields named by their component.json labels), and read optional fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pysailor import ActionSchema

from ..errors import InvalidInputError


def incoming_body(msg: object, schema: ActionSchema) -> Mapping[str, Any]:
    """The message's body, valid against ``schema``; InvalidInputError otherwise."""
    if not isinstance(msg, Mapping):
        raise InvalidInputError([f"the incoming message must be an object with a body, not "
                                 f"{type(msg).__name__}"])
    body = msg.get("body")
    if not isinstance(body, Mapping):
        required = [key for key, spec in schema.properties.items() if spec.get("required")]
        fields = f" with the field{'s' if len(required) > 1 else ''} {_and(required)}" if required else ""
        raise InvalidInputError([f"the incoming message has no body object{fields}"])
    schema.validate(body)
    return body


def optional_text(body: Mapping[str, Any], key: str) -> str | None:
    """An optional text field, trimmed; None when absent, null or blank (how a mapper leaves a field empty)."""
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
