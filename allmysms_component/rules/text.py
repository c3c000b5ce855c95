"""Message text: the trial prefix, the cut (160 characters, or up to 4 SMS parts), the marketing STOP mention,
and what the network will bill for it.

The cut counts code points (as Python does) but never splits what a reader sees as one character (a flag,
an emoji with a skin tone, a letter with a combining accent): such a cluster is dropped whole. The encoding
decides the cost: GSM-7 holds 160 septets in one SMS, UCS-2 only 70 UTF-16 units, so one emoji can triple
the bill; the output says so instead of hiding it. A part never splits a character: an extension character's
escape pair (``€``) or an emoji's surrogate pair that would straddle two parts starts the next one. A cut to
several parts asks :func:`count_segments`, the one part counter, whether a candidate fits.

A text a reader would see as empty (spaces, line breaks, zero-width and other invisible characters) is refused
as blank rather than sent and paid for.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sized
from typing import Literal, NamedTuple

from ..errors import InvalidInputError

MAX_LENGTH = 160
MAX_PARTS = 4
API_MAX_LENGTH = 640  # AllMySMS refuses longer messages (status 111)
TRIAL_PREFIX = "TRIAL USE: "
STOP_MENTION = " STOP au 36180"
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
# What a reader cannot see: white space and Unicode's Default_Ignorable_Code_Point set (zero-width spaces and
# joiners, BOM, soft hyphen, bidi and other format controls, variation selectors, tags, Hangul fillers), written
# out so that no Unicode database is needed, plus the braille blank U+2800 that renders as a space.
_INVISIBLE = re.compile(
    "[\\s\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e0fff]*")
_ESC = "\x1b"  # the GSM escape septet, never a character of a sendable text
GSM_PART = 153      # septets per part of a multi-part GSM-7 SMS (7 go to the concatenation header)
UCS2_PART = 67      # UTF-16 units per part of a multi-part UCS-2 SMS
# An opt-out mention that names AllMySMS's short code: "STOP au 36180", "Stop SMS 36180", "STOP: 36 180".
_STOP_MENTION = re.compile(r"\bstop\b[^\n\d]{0,20}36 ?180\b", re.IGNORECASE)


class PreparedText(NamedTuple):
    text: str
    truncated: bool
    encoding: Encoding
    segments: int
    stop_mention_added: bool = False


def prepare(message: str, *, trial: bool = False, label: str = FIELD, max_parts: int = 1,
            stop_mention: bool = False) -> PreparedText:
    """The text as it will be sent, or InvalidInputError when it cannot be sent as the user meant.

    ``label`` names the field in errors (its UI label from component.json). ``max_parts`` 1 is the original
    160-character cut; 2 to 4 let the text fill that many parts of its encoding. ``stop_mention`` appends
    STOP_MENTION unless the text as sent already has one; the text is cut before it, never the mention."""
    prefix = TRIAL_PREFIX if trial else ""
    full = prefix + message
    text = fit(full, max_parts)
    suffix = ""
    if stop_mention and not has_stop_mention(text):
        suffix = STOP_MENTION
        text = fit(full, max_parts, reserve=suffix)
    sent = text[len(prefix):]  # the user's own part of what is sent
    bad = _FORBIDDEN.search(text)
    if bad:
        raise InvalidInputError(
            [f"{label} contains the control character U+{ord(bad.group()):04X} at position "
             f"{bad.start() - len(prefix) + 1}; only printable characters, tabs and line breaks can be sent"],
            field=FIELD)
    if is_blank(message):
        raise InvalidInputError([f"{label} is blank (only spaces, line breaks or invisible characters)"],
                                field=FIELD)
    if not sent:
        # One cluster longer than the limit (e.g. a letter under hundreds of combining marks) cannot be cut.
        room = _room(max_parts, suffix)
        raise InvalidInputError([f"{label} starts with a character longer than {room}"
                                 f"{' code points' if max_parts <= 1 else ''} (combining marks?), which cannot "
                                 f"be cut to fit"], field=FIELD)
    if is_blank(sent):
        # The words come after the cut: the SMS would be all blanks, paid for and meaningless.
        room = _room(max_parts, suffix)
        raise InvalidInputError([f"{label} is blank in the part that is sent: the first {len(sent)} characters "
                                 f"are spaces, line breaks or invisible characters and the rest is cut off at "
                                 f"{room}"], field=FIELD)
    truncated = len(text) < len(full)
    if suffix:
        text = text.rstrip() + suffix
    encoding, segments = count_segments(text)
    return PreparedText(text, truncated, encoding, segments, stop_mention_added=bool(suffix))


def _room(max_parts: int, suffix: str) -> str:
    """What the user's text is cut to, for errors."""
    return f"{MAX_LENGTH - len(suffix)}" if max_parts <= 1 else f"{max_parts} SMS parts"


def has_stop_mention(text: str) -> bool:
    """Whether ``text`` already tells how to opt out through AllMySMS's short code."""
    return _STOP_MENTION.search(text) is not None


def fit(text: str, max_parts: int = 1, *, reserve: str = "") -> str:
    """The longest start of ``text``, cut at a grapheme-cluster boundary, that still fits once ``reserve`` is
    appended: 160 code points for ``max_parts`` 1 (the original promise), else ``max_parts`` SMS parts of its
    own encoding and at most API_MAX_LENGTH code points."""
    if max_parts <= 1:
        return truncate(text, MAX_LENGTH - len(reserve))

    def fits(start: str) -> bool:
        whole = start + reserve
        return len(whole) <= API_MAX_LENGTH and count_segments(whole)[1] <= max_parts

    if fits(text):
        return text
    import regex

    ends = [0]
    for cluster in regex.finditer(r"\X", text):
        if cluster.end() > API_MAX_LENGTH:
            break
        ends.append(cluster.end())
    # Parts never decrease as a text grows (a UCS-2 character only adds parts), so bisect the cluster ends.
    low, high = 0, len(ends) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if fits(text[:ends[middle]]):
            low = middle
        else:
            high = middle - 1
    return text[:ends[low]]


def is_blank(text: str) -> bool:
    """Whether a reader would see nothing: only white space and invisible characters."""
    return _INVISIBLE.fullmatch(text) is not None


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
        return "GSM-7", 1 if len(text) <= 160 else math.ceil(len(text) / GSM_PART)
    if chars <= GSM_ALPHABET:
        septets = text
        for char in chars & GSM_EXTENSION:  # each extension character as its two septets, escape first
            septets = septets.replace(char, _ESC + char)
        if len(septets) <= 160:
            return "GSM-7", 1
        return "GSM-7", _parts(septets, GSM_PART, lambda index: septets[index] == _ESC)
    data = text.encode("utf-16-le", "surrogatepass")
    units = len(data) // 2
    if units <= 70:
        return "UCS-2", 1
    if units == len(text):  # no surrogate pair to keep whole
        return "UCS-2", math.ceil(units / UCS2_PART)
    return "UCS-2", _parts(range(units), UCS2_PART, lambda index: 0xD8 <= data[2 * index + 1] <= 0xDB)


def _parts(units: Sized, size: int, opens_pair: Callable[[int], bool]) -> int:
    """Parts of at most ``size`` units, a part that would end on the first unit of a pair (``opens_pair`` of
    its index) ending one unit early so that the pair goes whole into the next part."""
    parts, start, count = 0, 0, len(units)
    while start < count:
        end = start + size
        if end < count and opens_pair(end - 1):
            end -= 1
        parts, start = parts + 1, end
    return parts
