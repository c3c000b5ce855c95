"""Make Raw Request's rules: which v9 method names and fields a raw call may carry, and which methods are known
to send nothing (the README's table "Methods known to send nothing" is this table).

A raw call is any v9 method (``/http/9.0/<method>/``) with the user's fields, the credentials added by the
component. Whether an arbitrary method sends an SMS (or an MMS, an e-mail, a voice call) is unknown, so every
method is treated as one that may send, except the few below, each documented as a read or a simulation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from ..errors import InvalidInputError

METHOD_FIELD, FIELDS_FIELD = "method", "fields"
METHOD = re.compile(r"[A-Za-z][A-Za-z0-9]{1,63}")
MAX_FIELDS = 100
MAX_VALUE = 1024 * 1024  # characters of one field's value: an smsData for 10,000 numbers is about 400 KB
# Set by the component, never by the input: the account, and the answer's format (the action reads JSON).
RESERVED = {"login": "the step's credentials", "apikey": "the step's credentials",
            "returnformat": "the component, which always asks for JSON"}
# Methods that send nothing and cost nothing (reference, sections 2.4 and 2.6-2.9): reads and the dry run.
SENDS_NOTHING = frozenset({
    "getInfo", "getAcks", "getAckBySmsId", "getPulls", "getPull", "getPullBySmsId", "getBlacklist",
    "getCreditsByCountryIsoCode", "getPrices", "getCampaignStats", "getSubAccounts", "getLists", "getContacts",
    "simulateCampaign",
})


def sends_nothing(method: str) -> bool:
    return method in SENDS_NOTHING


def method_name(value: object, *, label: str = METHOD_FIELD) -> str:
    """The v9 method name, e.g. ``getInfo``; InvalidInputError naming the field otherwise."""
    name = value.strip() if isinstance(value, str) else value
    if not isinstance(name, str) or not METHOD.fullmatch(name):
        raise InvalidInputError([f"{label} must be an AllMySMS API v9 method name: a letter then letters and digits, "
                                 f"2 to 64 characters, e.g. getInfo or getPulls (the last part of "
                                 f"/http/9.0/<method>/)"], field=METHOD_FIELD)
    return name


def form_fields(value: object, *, label: str = FIELDS_FIELD) -> dict[str, str]:
    """The method's fields as form values: text as is, numbers as digits, true/false as 1/0 (how PHP reads a
    form), null left out; InvalidInputError for anything else, naming the field."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInputError([f"{label} must be an object of the method's fields, e.g. {{\"campId\": "
                                 f"\"ap_123\"}}, not {type(value).__name__}"], field=FIELDS_FIELD)
    if len(value) > MAX_FIELDS:
        raise InvalidInputError([f"{label} has {len(value)} fields; at most {MAX_FIELDS}"], field=FIELDS_FIELD)
    problems: list[str] = []
    fields: dict[str, str] = {}
    for key, item in value.items():
        name = str(key)
        if not name.strip() or len(name) > 64 or not _encodable(name):
            problems.append(f"{label} has a field name that is empty, longer than 64 characters or not text")
        elif name.lower() in RESERVED:
            problems.append(f"{label} must not set {name!r}: it is set by {RESERVED[name.lower()]}")
        elif item is None:
            continue
        elif isinstance(item, bool):
            fields[name] = "1" if item else "0"
        elif isinstance(item, int) or (isinstance(item, float) and math.isfinite(item)):
            fields[name] = str(int(item)) if isinstance(item, float) and item.is_integer() else str(item)
        elif isinstance(item, str):
            if len(item) > MAX_VALUE:
                problems.append(f"{label}.{name} has {len(item)} characters; at most {MAX_VALUE}")
            elif not _encodable(item) or not _encodable(name):
                problems.append(f"{label}.{name[:64]!a} holds a lone surrogate, which is not text and cannot be sent")
            else:
                fields[name] = item
        else:
            problems.append(f"{label}.{name} must be text, a number, true/false or null, not "
                            f"{type(item).__name__}: a JSON parameter such as smsData goes as text (its JSON "
                            f"encoded as a string)")
    if problems:
        raise InvalidInputError(problems, field=FIELDS_FIELD)
    return fields


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
