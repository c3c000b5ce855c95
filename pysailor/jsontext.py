"""JSON text that any UTF-8 stream can carry: non-ASCII text kept readable, lone surrogates escaped."""

from __future__ import annotations

import json
import re
from typing import Any

# Python strings may hold lone surrogates (a "\ud800" escape in a JSON file, an argument that is not UTF-8);
# UTF-8 cannot encode them, so they are written as the JSON escapes they may have come from.
_SURROGATE = re.compile("[\ud800-\udfff]")
_ENCODER = json.JSONEncoder(ensure_ascii=False)  # made once: json.dumps with options makes one per call


def json_text(value: Any, *, indent: int | None = None) -> str:
    """``value`` as JSON, with ``ensure_ascii=False`` except for lone surrogates."""
    return escape_surrogates(_ENCODER.encode(value) if indent is None
                             else json.dumps(value, ensure_ascii=False, indent=indent))


def escape_surrogates(text: str) -> str:
    """JSON ``text`` with any lone surrogate written as its ``\\uXXXX`` escape."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
