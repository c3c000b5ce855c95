"""Delivery reports and replies as a flow receives them: AllMySMS's callback or getPulls fields, read
tolerantly, into one typed, normalised event; and the shared secret a callback URL carries, checked.

AllMySMS documents its push callbacks only loosely (reference, section 2.10, medium confidence): a delivery
report carries ``smsId``, ``status``, ``statusText``, ``phoneNumber``, ``receptionDate``, ``campaignId``; a reply
adds ``smsMoId`` and ``message``. So every field is optional, read under its documented name or a known twin
(``statut``, ``id``, ``comment``...), numbers and counters may arrive as text, and an event is a reply when it has
a reply's fields (``smsMoId`` or ``message``), a report when it has a report's (``status`` or ``smsId``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ..errors import InvalidInputError, UnauthorizedCallbackError
from .echo import clip
from .recipients import normalize
from .reports import meaning
from .schedule import PARIS, paris_iso
from .values import as_int, scalar

TEXT_MAX = 100        # characters of an id, a number, a date or a status text: AllMySMS's own are under 40
MESSAGE_MAX = 2000    # characters of a reply's text: a long SMS is 1,224 at most
SECRET_PARAM = "secret"  # noqa: S105 - the name of the URL parameter, not a secret
REPORT, REPLY = "report", "reply"

# Each output field, then the callback names it is read from, first found wins.
_NAMES: dict[str, tuple[str, ...]] = {
    "smsId": ("smsId", "smsid", "SMSID"),
    "smsMoId": ("smsMoId", "smsmoid", "moId", "id"),
    "campaignId": ("campaignId", "campId", "campaignid"),
    "cliMsgId": ("cliMsgId", "CLIMSGID", "climsgid"),
    "phoneNumber": ("phoneNumber", "phonenumber", "mobilePhone", "msisdn"),
    "status": ("status", "statut"),
    "statusText": ("statusText", "statustext", "comment"),
    "message": ("message", "text", "MESSAGE"),
    "receptionDate": ("receptionDate", "receptiondate", "date"),
}


def check_secret(expected: str, given: object) -> None:
    """UnauthorizedCallbackError unless ``given`` is the configured secret (compared in constant time). The
    error says what is wrong, never either value."""
    if not expected:
        return
    if not isinstance(given, str) or not given:
        raise UnauthorizedCallbackError(
            f"The callback was refused: the step has a Shared secret but the callback URL has no '{SECRET_PARAM}' "
            f"parameter; add ?{SECRET_PARAM}=<the shared secret> to the URL set in the AllMySMS customer area; "
            f"nothing was emitted")
    if not hmac.compare_digest(expected.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass")):
        raise UnauthorizedCallbackError(
            f"The callback was refused: its '{SECRET_PARAM}' parameter is not the step's Shared secret (a caller "
            f"that is not AllMySMS, or a URL set before the secret changed); nothing was emitted")


def kind_of(fields: Mapping[str, Any]) -> str | None:
    """``reply``, ``report``, or None when ``fields`` are neither."""
    if _first(fields, "smsMoId", ("smsMoId", "smsmoid", "moId")) is not None or _first(fields, "message") is not None:
        return REPLY
    if _first(fields, "status") is not None or _first(fields, "smsId") is not None:
        return REPORT
    return None


def event(fields: Mapping[str, Any], kind: str | None = None) -> dict[str, Any]:
    """One report or reply as the triggers emit it (``kind``: what the fields are known to be, else read from
    them); InvalidInputError, naming what was expected, when ``fields`` have none of a report's or a reply's."""
    detected = kind_of(fields)
    if detected is None and kind == REPLY and _first(fields, "smsMoId") is not None:
        detected = REPLY  # a listed reply with an id but an empty text (getPulls's ``id``)
    kind = kind or detected
    if kind is None or detected is None:
        present = ", ".join(sorted(str(key) for key in fields if key != SECRET_PARAM)[:10]) or "none"
        raise InvalidInputError([f"the callback is neither an AllMySMS delivery report (smsId, status, ...) nor a "
                                 f"reply (smsMoId, message, ...); its fields: {clip(present, TEXT_MAX)}"])
    raw_date = _text(fields, "receptionDate")
    out: dict[str, Any] = {
        "type": kind,
        "smsId": _text(fields, "smsId"),
        "smsMoId": _text(fields, "smsMoId") if kind == REPLY else None,
        "campaignId": _text(fields, "campaignId"),
        "cliMsgId": _text(fields, "cliMsgId"),
        "phoneNumber": international(_text(fields, "phoneNumber")),
        "status": None,
        "meaning": None,
        "statusText": _text(fields, "statusText"),
        "message": _text(fields, "message", MESSAGE_MAX) if kind == REPLY else None,
        "receptionDate": raw_date,
        "receivedAt": iso_paris(raw_date),
    }
    if kind == REPORT:
        status = as_int(_first(fields, "status"))
        out["status"] = status
        out["meaning"] = meaning(status).words
    return out


def international(number: str | None) -> str | None:
    """A number in the international form AllMySMS and Send SMS write (``33612345678``): cleaned up, a ``+`` or
    ``00`` dropped, a French national ``06...`` given its 33 (AllMySMS is French: its callbacks' national
    numbers are French). Anything else stays as AllMySMS wrote it."""
    if number is None:
        return None
    cleaned = normalize(number)
    if cleaned is None:
        return number
    if len(cleaned) == 10 and cleaned.startswith("0") and cleaned[1] != "0":
        return "33" + cleaned[1:]
    return cleaned


def iso_paris(date: str | None) -> str | None:
    """AllMySMS's ``YYYY-MM-DD HH:MM:SS`` (Paris time assumed), or an ISO 8601 date-time with an offset, in ISO 8601
    with the Paris offset; None when it is neither."""
    if date is None:
        return None
    converted = paris_iso(date)
    if converted is not None:
        return converted
    moment = parse_iso(date)
    return None if moment is None else moment.astimezone(PARIS).isoformat()


def parse_iso(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def fingerprint(parts: Iterable[str | None]) -> str:
    """A short stable key for a reply without an id: its number, date and text, digested (never stored as such)."""
    joined = "\x1f".join(part or "" for part in parts)
    return "h:" + hashlib.blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def _first(fields: Mapping[str, Any], name: str, names: tuple[str, ...] | None = None) -> Any:
    for key in names or _NAMES[name]:
        value = fields.get(key)
        if value is not None and value != "" and scalar(value):
            return value
    return None


def _text(fields: Mapping[str, Any], name: str, limit: int = TEXT_MAX) -> str | None:
    value = _first(fields, name)
    if value is None:
        return None
    text = value if isinstance(value, str) else _number_text(value)
    return clip(text, limit)


def _number_text(value: int | float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
