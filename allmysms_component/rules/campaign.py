"""Campaign inputs as typed: Send SMS's Campaign name, and the Campaign id of Get delivery reports and Cancel a
scheduled send; trimmed, then checked for what component.json's schema cannot say.

The schema refuses control characters and line breaks in a name (its ``pattern``); it cannot measure a name
after trimming, and a lone surrogate (which a JSON escape can put in a string, and which UTF-8 cannot carry)
would otherwise only fail when the request is encoded, naming a wire field instead of the input.
"""

from __future__ import annotations

import re

from ..errors import InvalidInputError

NAME = "campaignName"
ID = "campaignId"
NAME_MAX = 50
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def campaign_name(name: str | None, *, label: str = NAME) -> str | None:
    """``name`` (already trimmed; None when blank) when AllMySMS can show it; InvalidInputError when it is over
    NAME_MAX characters or holds a lone surrogate."""
    if name is None:
        return None
    _refuse_lone_surrogate(name, label, NAME)
    if len(name) > NAME_MAX:
        raise InvalidInputError([f"{label} is too long: {len(name)} characters, at most {NAME_MAX} (surrounding "
                                 f"spaces not counted)"], field=NAME)
    return name


def campaign_id(raw: str, *, label: str = ID) -> str:
    """``raw`` trimmed; InvalidInputError when it holds a character that is not printable (a lone surrogate, a
    control character): AllMySMS's campaign ids are printable words."""
    value = raw.strip()
    _refuse_lone_surrogate(value, label, ID)
    bad = next((char for char in value if not char.isprintable()), None)
    if bad is not None:
        raise InvalidInputError([f"{label} contains the control character U+{ord(bad):04X}; a campaign id is one "
                                 f"word of printable characters, e.g. ap_28423a1b2d"], field=ID)
    return value


def _refuse_lone_surrogate(value: str, label: str, field: str) -> None:
    bad = _LONE_SURROGATE.search(value)
    if bad is not None:
        raise InvalidInputError([f"{label} contains U+{ord(bad.group()):04X}, which is not a character (half of "
                                 f"a UTF-16 pair, from a broken JSON escape); nothing can carry it"], field=field)
