"""Message text: the trial prefix, the 160-character cut, and what the network will bill for it.

The cut counts code points (as Python does) but never splits what a reader sees as one character (a flag,
an emoji with a skin tone, a letter with a combining accent): such a cluster is dropped whole. The encoding
decides the cost: GSM-7 holds 160 septets in one SMS, UCS-2 only 70 UTF-16 units, so one emoji can triple
the bill; the output says so instead of hiding it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from ..errors import InvalidInputError

MAX_LENGTH = 160
TRIAL_PREFIX = "TRIAL USE: "
FIELD = "messageText"

Encoding = Literal["GSM-7", "UCS-2"]

# GSM 03.38 default alphabet (without the escape code itself) and its extension table, whose characters
# take two septets (escape + code).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")
GSM_ALPHABET = GSM_BASIC | GSM_EXTENSION

# C0 and C1 controls (bar tab, line feed, form feed, carriage return) and lone surrogates cannot be sent
# as intended: refuse them rather than let the network drop or mangle them.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True)
class PreparedText:
    text: str
    truncated: bool
    encoding: Encoding
    segments: int


def prepare(message: str, *, trial: bool = False, label: str = FIELD) -> PreparedText:
    """The text as it will be sent, or InvalidInputError when it cannot be sent as the user meant.

    ``label`` names the field in errors (its UI label from component.json)."""
    prefix = TRIAL_PREFIX if trial else ""
    full = prefix + message
    text = truncate(full, MAX_LENGTH)
    sent = text[len(prefix):]  # the user's own part of what is sent
    bad = _FORBIDDEN.search(text)
    if bad:
        raise InvalidInputError(
            [f"{label} contains the control character U+{ord(bad.group()):04X} at position "
             f"{bad.start() - len(prefix) + 1}; only printable characters, tabs and line breaks can be sent"],
            field=FIELD)
    if not message.strip():
        raise InvalidInputError([f"{label} is blank"], field=FIELD)
    if not sent:
        # One cluster longer than the limit (e.g. a letter under hundreds of combining marks) cannot be cut.
        raise InvalidInputError([f"{label} starts with a character longer than {MAX_LENGTH} "
                                 f"code points (combining marks?), which cannot be cut to fit"], field=FIELD)
    if not sent.strip():
        # The words come after the cut: the SMS would be all blanks, paid for and meaningless.
        raise InvalidInputError([f"{label} is blank in the part that is sent: the first "
                                 f"{len(sent)} characters are spaces or line breaks and the rest is cut off at "
                                 f"{MAX_LENGTH}"], field=FIELD)
    encoding, segments = count_segments(text)
    return PreparedText(text, len(text) < len(full), encoding, segments)


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` code points, cut at a grapheme-cluster boundary."""
    if len(text) <= limit:
        return text
    import regex  # only long texts need it; its import is not free

    end = 0
    # The look-ahead of one cluster past the limit is bounded, so a 10 MB text costs no more than a short one.
    for cluster in regex.finditer(r"\X", text):
        if cluster.end() > limit:
            break
        end = cluster.end()
    return text[:end]


def count_segments(text: str) -> tuple[Encoding, int]:
    """How the network encodes the text and how many SMS parts it bills per recipient."""
    chars = set(text)  # set algebra instead of a loop over the text: a third of the time for a full SMS
    if chars <= GSM_BASIC:
        septets = len(text)
    elif chars <= GSM_ALPHABET:
        septets = len(text) + sum(text.count(char) for char in chars & GSM_EXTENSION)
    else:
        units = len(text.encode("utf-16-le", "surrogatepass")) // 2
        return "UCS-2", 1 if units <= 70 else math.ceil(units / 67)
    return "GSM-7", 1 if septets <= 160 else math.ceil(septets / 153)
