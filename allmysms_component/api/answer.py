"""Reading what the server sends back, defensively: the body within a size cap, a JSON object or nothing, its
fields coerced (statuses and counters to numbers, texts to text), and any server text an error quotes made short,
printable and free of the API key."""

from __future__ import annotations

import functools
import json
import logging
import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_plus

import requests

from ..rules.values import scalar

log = logging.getLogger(__name__)
# A sendSms answer for the 10,000 recipients a message may hold is about 1 MB; past 4 MiB (decompressed) it
# is not an AllMySMS answer, and reading on would only cost memory.
MAX_ANSWER_BYTES = 4 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
MAX_QUOTED = 200  # characters of server text an error message quotes


def read_capped(response: requests.Response, limit: int = MAX_ANSWER_BYTES) -> bytes | None:
    """The body, decompressed, or None once it passes ``limit`` bytes (the rest is never read or inflated:
    urllib3 inflates at most one chunk at a time)."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def json_object(content: bytes) -> dict[str, Any] | None:
    """The JSON object in ``content``, or None for anything else (nesting too deep for Python included)."""
    try:
        # JSON on the wire is UTF-8 (RFC 8259); json.loads(bytes) would first sniff for UTF-16 and UTF-32.
        body = json.loads(content.decode("utf-8").removeprefix("\ufeff"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    return body if isinstance(body, dict) else None


def redact(text: str, secret: str) -> str:
    """``text`` without ``secret``, whether echoed as is or URL- or form-encoded (defence in depth: an API that
    echoes its request would echo the key)."""
    if not secret:
        return text
    for form in _forms(secret):
        text = text.replace(form, "***")
    return text


def redact_all(texts: list[str], secret: str) -> list[str]:
    """Each of ``texts`` redacted, in one pass over them all when none holds the key (the usual case, and a
    send to 10,000 numbers has 20,000 of them)."""
    blob = "\0".join(texts)
    if not secret or not any(form in blob for form in _forms(secret)):
        return texts
    return [redact(text, secret) for text in texts]


@functools.lru_cache(maxsize=16)  # once per key: a step has one, or two with the trial account
def _forms(secret: str) -> tuple[str, ...]:
    encoded = quote(secret, safe="", errors="surrogatepass")
    form_encoded = quote_plus(secret, safe="", errors="surrogatepass")
    forms = {secret, encoded, form_encoded, _lower_escapes(encoded), _lower_escapes(form_encoded),
             secret.encode("utf-8", "surrogatepass").decode("latin-1")}  # as http.client decodes header bytes
    return tuple(sorted(forms, key=len, reverse=True))


def _lower_escapes(encoded: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda escape: escape[0].lower(), encoded)


def quoted(text: str, secret: str, limit: int = MAX_QUOTED) -> str:
    """Server text as an error message may show it: without the key, control characters escaped, short."""
    text = redact(text, secret)
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:limit])
    return shown + ("..." if len(text) > limit else "")


def describe(response: requests.Response, size: int | None, secret: str) -> str:
    """What came back instead of the expected JSON, for an error message."""
    kind = quoted(response.headers.get("Content-Type", "no content type"), secret)
    length = f"more than {MAX_ANSWER_BYTES // 1024 // 1024} MiB" if size is None else f"{size} bytes"
    return f"HTTP {response.status_code}, {kind}, {length}"


def number_of(body: Mapping[str, Any], key: str) -> float | None:
    """A counter as a number; the API sends them as strings. Garbage is dropped, not fatal: after a
    success status the SMS is out, and failing now would invite a second send."""
    value = body.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, (int, float)):
        number = value
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        log.warning("AllMySMS answered a %s that is not a number; left out", key)
        return None
    return int(number) if float(number).is_integer() else number


def text_of(value: object) -> str:
    """A text field as text; a number as its digits; anything structured is dropped (after a success failing
    would invite a second send, and quoting a deeply nested value could exhaust the stack)."""
    if isinstance(value, str):
        return value
    return str(value) if scalar(value) else ""
