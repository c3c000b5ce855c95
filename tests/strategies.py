"""Hypothesis strategies for the property tests: hostile JSON, texts around the 160 cut, numbers as people type them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from .oracles import GSM_EXTENSION_REF

JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)

# Several code points a reader sees as one character, and other hard cases for a cut.
CLUSTERS = [
    "\U0001f600",                                                    # emoji, two UTF-16 units
    "\U0001f44d\U0001f3fd",                                          # skin tone
    "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",    # ZWJ family
    "\U0001f3f3\ufe0f\u200d\U0001f308",                              # rainbow flag
    "\U0001f1eb\U0001f1f7", "\U0001f1fa\U0001f1f8",                  # regional-indicator flags
    "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # tag flag (Scotland)
    "1\ufe0f\u20e3",                                                 # keycap
    "e\u0301", "a\u0308\u0323", "o" + "\u0301" * 12,                 # combining marks
    "\u1100\u1161\u11a8", "\u0915\u094d\u0937\u093f", "\u0e01\u0e47",  # jamo, Devanagari, Thai
    "漢字", "한국어", "\r\n", "\u200d", "\ufe0f",
]
GSM_PIECES = ["a", "Z", " ", "0", "@", "£", "é", "Ç", "Δ", "Ξ", "ß", "¿", "\n", "\r", *sorted(GSM_EXTENSION_REF)]
CONTROLS = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x1b", "\x1f", "\x7f", "\x85", "\x9f", "\t", "\ud83d", "\udc00"]
BIDI = ["\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202e", "\u2066", "\u2067", "\u2069"]
INJECTION = ["]]>", "<![CDATA[", '"', "'", "&", "&amp;", "<", ">", "</MESSAGE>", "\\", "\\u0000", '{"DATA":',
             '"},"TPOA":"Evil","SMS":[{"MOBILEPHONE":"33600000000"}]}', "&apiKey=stolen", "%26", "+", "=", "?",
             "\u2028", "\u2029", "null", "}}", "\\\"", "<script>"]
PADS = ["a", "é", "€", " ", "漢", "\U0001f600", "e\u0301"]


PRINTABLE = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")), max_size=3)


def texts(pieces: list[str], free: st.SearchStrategy[str] = PRINTABLE) -> st.SearchStrategy[str]:
    """Text around the 160 cut: a padding run of random length, then hard pieces mixed with ``free`` text."""
    tail = st.lists(st.sampled_from(pieces) | free, max_size=40).map("".join)
    padded = st.builds(lambda pad, count, rest: pad * count + rest,
                       st.sampled_from(PADS), st.integers(0, 175) | st.integers(120, 175), tail)
    return tail | padded


GSM_TEXTS = st.text(alphabet=GSM_PIECES, min_size=100, max_size=200)
SENDABLE_TEXTS = texts(CLUSTERS + GSM_PIECES + BIDI + INJECTION) | GSM_TEXTS
HOSTILE_TEXTS = texts(CLUSTERS + GSM_PIECES + BIDI + INJECTION + CONTROLS, free=st.text(max_size=3))

NOISE = [" ", " ", ".", "-", "(", ")", "\u00a0", "\u2009", "\u202f", "\u3000", "\u200e", "\u200f", "\u2011",
         "\u2212", "\ufeff", "\u200b", "\u00ad", "\t"]
DIGIT_FORMS: list[Callable[[int], str]] = [str, str, lambda d: chr(0xFF10 + d), lambda d: chr(0x0660 + d),
                                           lambda d: chr(0x0966 + d)]


@st.composite
def decorated_numbers(draw: st.DrawFn) -> tuple[str, str | None]:
    """A number as people type it, with the number AllMySMS should receive (None when it is not one)."""
    lead = draw(st.sampled_from(["", "", "+", "00"]))
    digits = draw(st.text(alphabet="0123456789", min_size=1, max_size=18))
    plain = lead + digits
    if lead == "+":
        wanted = digits
    elif plain.startswith("00"):
        wanted = plain[2:]
    else:
        wanted = plain
    typed = lead
    for digit in digits:
        typed += draw(st.sampled_from(["", "", "", *NOISE])) + draw(st.sampled_from(DIGIT_FORMS))(int(digit))
    typed = draw(st.sampled_from(["", *NOISE])) + typed + draw(st.sampled_from(["", *NOISE]))
    return typed, wanted if re.fullmatch(r"[0-9]{6,15}", wanted) else None


POOL = ["33612345678", "+33 6 12 34 56 78", "0698765432", "06.98.76.54.32", "0049 151 12345678"]
ENTRIES = (decorated_numbers().map(lambda pair: pair[0]) | st.sampled_from(POOL) | st.text(max_size=10)
           | st.sampled_from(["", " ", "\t", "\u3000", "\u200b", "abc", "+", "00", "\x00", "\u2028"]))


@st.composite
def number_lists(draw: st.DrawFn) -> str:
    entries = draw(st.lists(ENTRIES, max_size=10))
    separators = draw(st.lists(st.sampled_from([",", ";", "\n", "\r\n", "\r", ", ", " ;\r\n", ",,"]),
                               min_size=len(entries), max_size=len(entries)))
    return "".join(entry + separator for entry, separator in zip(entries, separators, strict=True))


NUMBER_LISTS = number_lists() | st.text()
SENDERS = st.from_regex(r"[A-Za-z][A-Za-z0-9]{2,10}", fullmatch=True)


