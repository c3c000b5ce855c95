"""JSON text that any UTF-8 stream can carry: non-ASCII text kept readable, lone surrogates escaped."""

from __future__ import annotations

import json
import re
from typing import Any

# Python strings may hold lone surrogates (a "\ud800" escape in a JSON file, an argument that is not UTF-8);
# UTF-8 cannot encode them, so they are written as the JSON escapes they may have come from.
_SURROGATE = re.compile("[\ud800-\udfff]")


def json_text(value: Any, *, indent: int | None = None) -> str:
    """``value`` as JSON, with ``ensure_ascii=False`` except for lone surrogates."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    if _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
