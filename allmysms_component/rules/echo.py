"""How much of an untrusted string the component repeats back: a bounded prefix, visibly marked as cut."""

from __future__ import annotations


def clip(text: str, limit: int) -> str:
    """``text`` when it has at most ``limit`` characters; else its first ``limit`` followed by a marker that
    says it was cut and how long it was, so that one absurd value cannot make an output too large to emit."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"
