"""What AllMySMS answers about replies (``getPulls``: the SMS received in answer) and to a raw call of any v9
method, read defensively: every text freed of the API key, a bounded number of entries."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ..errors import MalformedResponseError, consequence
from ..rules.account import Credentials
from ..rules.values import as_int, scalar
from .answer import redact
from .wire import rejection

log = logging.getLogger(__name__)

MAX_REPLIES = 1000  # getPulls's ``limit``, its SDK's default (reference, section 2.8)
NO_DATA = 0


def read_pulls(body: Mapping[str, Any], credentials: Credentials) -> list[dict[str, Any]]:
    """A getPulls answer: its replies (``mos``), each a flat object of texts and numbers, the key redacted;
    none when AllMySMS has none (an empty list, or a "no data" status)."""
    mos = body.get("mos")
    if mos is None or mos == "":
        status = as_int(body.get("status"))
        if status is None and body.get("status") is None:
            raise MalformedResponseError(f"AllMySMS answered getPulls without replies nor a status; "
                                         f"{consequence(False)}")
        if status not in (None, NO_DATA, 100):
            raise rejection(status, body, credentials, sends=False)
        return []
    if not isinstance(mos, list):
        raise MalformedResponseError(f"AllMySMS answered getPulls with replies that are not a list; "
                                     f"{consequence(False)}")
    entries = [entry for entry in mos if isinstance(entry, Mapping)]
    if len(entries) < len(mos):
        log.warning("AllMySMS answered %d reply(ies) that are not objects; left out", len(mos) - len(entries))
    key = credentials.api_key
    return [{str(name): redact(value, key) if isinstance(value, str) else value
             for name, value in entry.items() if scalar(value)} for entry in entries[:MAX_REPLIES]]


def read_raw(body: Mapping[str, Any], credentials: Credentials, *, sends: bool) -> dict[str, Any]:
    """A raw call's answer as it came, the key redacted from every text (keys of objects included); a 102 status
    (the credentials refused) is the one answer read: nothing was done."""
    if as_int(body.get("status")) == 102:
        raise rejection(102, body, credentials, sends=sends)
    redacted = _redacted(body, credentials.api_key)
    assert isinstance(redacted, dict)
    return redacted


def _redacted(value: Any, key: str, depth: int = 0) -> Any:
    if depth > 64:  # deeper than any API answer: cut rather than recurse
        return None
    if isinstance(value, str):
        return redact(value, key)
    if isinstance(value, dict):
        return {redact(str(name), key): _redacted(item, key, depth + 1) for name, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item, key, depth + 1) for item in value]
    return value
