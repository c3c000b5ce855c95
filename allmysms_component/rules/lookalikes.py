"""Look-alike characters: typographic punctuation and spaces replaced by their plain GSM-7 equivalent.

One curly apostrophe turns a 1-part GSM-7 SMS into a 3-part UCS-2 one. The table is small and explicit on
purpose: only characters a reader takes for the plain one (quotes, apostrophes, dashes, the ellipsis, unusual
spaces, invisible marks). Letters are never touched: ``ê`` or ``ç`` outside GSM 03.38 would need a spelling
change, which is the writer's call. No maintained library does just this (transliterators such as anyascii
also rewrite letters and scripts), so the table lives here, tested against GSM 03.38.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

_APOSTROPHE = "'"
_QUOTE = '"'
_DASH = "-"
_SPACE = " "

LOOKALIKES: Mapping[str, str] = {
    # Single quotes and apostrophes: left, right, low-9, high-reversed-9; prime, acute accent, grave accent.
    "\u2018": _APOSTROPHE, "\u2019": _APOSTROPHE, "\u201a": _APOSTROPHE, "\u201b": _APOSTROPHE,
    "\u2032": _APOSTROPHE, "\u00b4": _APOSTROPHE, "`": _APOSTROPHE,
    # Double quotes: left, right, low-9, high-reversed-9; double prime; French guillemets.
    "\u201c": _QUOTE, "\u201d": _QUOTE, "\u201e": _QUOTE, "\u201f": _QUOTE, "\u2033": _QUOTE,
    "\u00ab": _QUOTE, "\u00bb": _QUOTE,
    # Hyphens and dashes: hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar, minus.
    "\u2010": _DASH, "\u2011": _DASH, "\u2012": _DASH, "\u2013": _DASH, "\u2014": _DASH, "\u2015": _DASH,
    "\u2212": _DASH,
    "\u2026": "...",  # horizontal ellipsis
    # Spaces: tab, no-break space, the typographic spaces U+2000-U+200A, narrow no-break space (French
    # punctuation), medium mathematical space, ideographic space.
    "\t": _SPACE, "\u00a0": _SPACE, **{chr(code): _SPACE for code in range(0x2000, 0x200B)},
    "\u202f": _SPACE, "\u205f": _SPACE, "\u3000": _SPACE,
    # Line and paragraph separators are line breaks.
    "\u2028": "\n", "\u2029": "\n",
    # Invisible marks: soft hyphen, zero-width space, word joiner, byte order mark. (The zero-width joiners
    # that hold emoji together are left alone: a text with emoji is UCS-2 anyway.)
    "\u00ad": "", "\u200b": "", "\u2060": "", "\ufeff": "",
}

_TABLE = str.maketrans(dict(LOOKALIKES))
_KEYS = frozenset(LOOKALIKES)


@dataclass(frozen=True)
class Replaced:
    text: str
    count: int  # characters of the original text that were replaced (or removed)


def replace_lookalikes(text: str) -> Replaced:
    """``text`` with every look-alike character replaced, and how many were."""
    found = _KEYS.intersection(text)
    if not found:
        return Replaced(text, 0)
    return Replaced(text.translate(_TABLE), sum(text.count(char) for char in found))
