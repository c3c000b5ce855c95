"""Values as a server or a callback sends them: a number that may arrive as text, and what can be shown as text."""

from __future__ import annotations


def as_int(value: object) -> int | None:
    """A status as an int, whether the API sent a number or a numeric string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def scalar(value: object) -> bool:
    """A value one can show as text: a string or a number, not a bool, list or object."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)
