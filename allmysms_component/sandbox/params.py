"""The simulated v9 dynamic fields: ``DYNAMIC`` values per ``SMS`` entry (``PARAM_1``...) filled into the
``#param_1#``... of ``MESSAGE``, one text per recipient; and the opt-out list that ``getBlacklist`` answers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .rules import Refused, text_field

PLACEHOLDER = re.compile(r"#param_([0-9]+)#")
OPTED_OUT_AT = "2026-01-05 09:00:00"  # the date the simulator says each listed number opted out


def dynamic(data: Mapping[str, Any]) -> int:
    """``DYNAMIC``: how many PARAM_n each entry carries (0 when absent); 106 when not a count."""
    raw = text_field(data, "DYNAMIC").strip()
    if not raw:
        return 0
    if not raw.isdigit():
        raise Refused(106, "Invalid flow: DYNAMIC must be the number of PARAM_n of each SMS entry")
    return int(raw)


def render(message: str, entry: Mapping[str, Any], count: int) -> str:
    """The text of one SMS entry: each ``#param_n#`` (n <= ``count``) replaced by its ``PARAM_n``; 106 when the
    entry lacks one of the ``count`` values (the simulator's choice where the real API is undocumented)."""
    values = []
    for n in range(1, count + 1):
        if f"PARAM_{n}" not in entry:
            raise Refused(106, f"Invalid flow: an SMS entry has no PARAM_{n} while DYNAMIC is {count}")
        values.append(text_field(entry, f"PARAM_{n}"))
    return PLACEHOLDER.sub(lambda m: values[int(m.group(1)) - 1] if 0 < int(m.group(1)) <= count else m.group(0),
                           message)


def blacklist_json(numbers: Iterable[str]) -> dict[str, Any]:
    """getBlacklist's answer for the simulator's opt-out list."""
    return {"blacklist": [{"phoneNumber": number, "comment": "stop", "receptionDate": OPTED_OUT_AT}
                          for number in sorted(numbers)]}
