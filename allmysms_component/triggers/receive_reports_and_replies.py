"""The Receive delivery reports and replies trigger (webhook): AllMySMS's push -> one event per report or reply.

The platform's webhook hands the trigger the HTTP request as a message: ``body`` is the parsed JSON or form body
(for a GET, the query parameters), ``query`` the URL's query parameters, ``headers`` the request's headers. The
AllMySMS fields are read from the body and the query together (the body's winning), tolerantly
(``rules.callbacks``); a body that is a list, or holds ``acks`` or ``mos`` lists, gives one event per entry. With a
Shared secret set, a callback whose URL does not carry it (``?secret=...``) is refused before anything is read:
AllMySMS signs nothing, so the URL is the only proof. Neither the secret nor a reply's text is ever logged, and
numbers are logged masked.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl

from pysailor import Message, new_message

from ..errors import ConfigurationError, InvalidInputError
from ..rules.callbacks import REPLY, REPORT, SECRET_PARAM, check_secret, event
from ..rules.recipients import mask

TRIGGER = "receiveReportsAndReplies"
SECRET_SETTING = "sharedSecret"  # noqa: S105 - the name of the setting, not a secret
MAX_EVENTS = 10_000  # entries of one callback: as many as a Send SMS message has recipients
LISTS = {"acks": REPORT, "mos": REPLY}  # a body that batches entries, and what each entry is

log = logging.getLogger(__name__)


def process(msg: object, cfg: object, snapshot: object = None) -> Iterator[Message]:
    """One output message per delivery report or reply in the callback."""
    secret = _secret(cfg)
    if not isinstance(msg, Mapping):
        raise InvalidInputError([f"the webhook message must be an object, not {type(msg).__name__}"])
    query = _mapping(msg.get("query"))
    body = _body(msg.get("body"))
    given = query.get(SECRET_PARAM)
    if given is None and isinstance(body, Mapping):
        given = body.get(SECRET_PARAM)  # a gateway that merges the URL's query into the body of a GET
    check_secret(secret, given)
    entries = list(_entries(query, body))
    if not entries:
        raise InvalidInputError(["the callback holds no AllMySMS delivery report or reply (an empty body and no "
                                 "query parameters)"])
    if len(entries) > MAX_EVENTS:
        raise InvalidInputError([f"the callback holds {len(entries)} entries; at most {MAX_EVENTS}"])
    events = [event(fields, kind) for fields, kind in entries]  # all read first: one bad entry emits nothing
    for out in events:
        _log(out)
        yield new_message(out)


def _secret(cfg: object) -> str:
    value = cfg.get(SECRET_SETTING) if isinstance(cfg, Mapping) else None
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigurationError(f"the Shared secret ({SECRET_SETTING}) must be text, not {type(value).__name__}")
    return value.strip()


def _mapping(value: object) -> dict[str, Any]:
    return {str(key): item for key, item in value.items()} if isinstance(value, Mapping) else {}


def _body(value: object) -> object:
    """The body as an object or a list: as the platform parsed it, or parsed here when it came as text (raw
    data, a form, JSON)."""
    if isinstance(value, Mapping) and set(value) == {"rawData"}:
        value = value["rawData"]
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("{", "[")):
            try:
                return json.loads(text)
            except (ValueError, RecursionError):
                raise InvalidInputError(["the callback's body looks like JSON but cannot be read as JSON"]) from None
        return dict(parse_qsl(text, keep_blank_values=True))
    return value


def _entries(query: Mapping[str, Any], body: object) -> Iterator[tuple[dict[str, Any], str | None]]:
    base = {key: value for key, value in query.items() if key != SECRET_PARAM}
    if isinstance(body, list):
        for entry in body:
            if isinstance(entry, Mapping):
                yield {**base, **_mapping(entry)}, None
        return
    fields = {**base, **{key: value for key, value in _mapping(body).items() if key != SECRET_PARAM}}
    batched = False
    for name, kind in LISTS.items():
        listed = fields.get(name)
        if isinstance(listed, list):
            batched = True
            shared = {key: value for key, value in fields.items() if key not in LISTS}
            for entry in listed:
                if isinstance(entry, Mapping):
                    yield {**shared, **_mapping(entry)}, kind
    if not batched and fields:
        yield fields, None


def _log(out: Mapping[str, Any]) -> None:
    number = mask(out["phoneNumber"]) if out["phoneNumber"] else "no number"
    if out["type"] == REPORT:
        log.info("Delivery report for %s: status %s (%s), SMS %s", number, out["status"], out["meaning"],
                 out["smsId"] or "-")
    else:
        log.info("Reply from %s, reply %s", number, out["smsMoId"] or "-")
