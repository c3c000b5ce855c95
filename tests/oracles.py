"""Independent references for the property tests: what the package should compute, written out again.

The GSM 03.38 tables, the segment arithmetic, the grapheme-cluster cut and the routing of number-list entries
are spelled out here on purpose, not imported: they must not share a bug with the package.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import regex

from allmysms_component.rules.recipients import normalize

PREFIX = "TRIAL USE: "
LIMIT = 160

# GSM 03.38 default alphabet, row by row (0x00-0x7F); 0x1B is the escape to the extension table.
_GSM_ROWS = (
    "@£$¥èéùìòÇ\nØø\rÅå",
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ",
    " !\"#¤%&'()*+,-./",
    "0123456789:;<=>?",
    "¡ABCDEFGHIJKLMNO",
    "PQRSTUVWXYZÄÖÑÜ§",
    "¿abcdefghijklmno",
    "pqrstuvwxyzäöñüà",
)
GSM_BASIC_REF = frozenset("".join(_GSM_ROWS)) - {"\x1b"}
# The extension table: ESC followed by these codes.
GSM_EXTENSION_REF = frozenset({0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~",
                               0x3E: "]", 0x40: "|", 0x65: "€"}.values())
# What text.py documents as unsendable: C0 controls bar tab, LF, FF, CR; DEL; C1 controls; lone surrogates.
FORBIDDEN_REF = frozenset(
    [chr(c) for c in range(0x20) if chr(c) not in "\t\n\f\r"]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + [chr(c) for c in range(0xD800, 0xE000)])


def reference_segments(sent: str) -> tuple[str, int]:
    """Parts as the network cuts them: a character that does not fit whole (an escape pair, a surrogate pair)
    starts the next part."""
    if all(c in GSM_BASIC_REF or c in GSM_EXTENSION_REF for c in sent):
        encoding, sizes, single, size = "GSM-7", [2 if c in GSM_EXTENSION_REF else 1 for c in sent], 160, 153
    else:
        encoding, sizes, single, size = "UCS-2", [2 if ord(c) > 0xFFFF else 1 for c in sent], 70, 67
    if sum(sizes) <= single:
        return encoding, 1
    ends = list(itertools.accumulate(sizes))
    parts, start = 0, 0
    while start < sum(sizes):  # each part ends at the last character boundary within `size` of its start
        start = max(end for end in ends if end <= start + size)
        parts += 1
    return encoding, parts


def reference_blank(text: str) -> bool:
    """Nothing a reader sees: white space, Unicode default-ignorable code points, the braille blank."""
    return regex.fullmatch(r"[\s\p{Default_Ignorable_Code_Point}\u2800]*", text) is not None


def reference_echo(entry: str) -> str:
    """A malformed entry as the output repeats it: whole up to 32 characters, else cut with a marker."""
    return entry if len(entry) <= 32 else f"{entry[:32]}… ({len(entry)} characters)"


def cluster_boundaries(full: str) -> list[int]:
    ends = [0]
    for cluster in regex.findall(r"\X", full):
        ends.append(ends[-1] + len(cluster))
    return ends


def reference_cut(full: str) -> str:
    return full[:max(end for end in cluster_boundaries(full) if end <= LIMIT)]


def intended(message: str, trial: bool) -> str:
    return PREFIX + message if trial else message


def entries_of(raw: str) -> list[str]:
    """The entries of a number list as recipients.py defines them: split on , ; and every line break that
    str.splitlines() knows, trimmed, blanks dropped."""
    return [entry.strip() for line in raw.splitlines() for entry in re.split(r"[,;]", line) if entry.strip()]


@dataclass
class Expected:
    numbers: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def expected_recipients(raw: str, limit: int | None = None) -> Expected:
    """Each entry routed by itself: malformed -> invalid, repeated -> skipped, else sent (up to ``limit``)."""
    expected = Expected()
    for entry in entries_of(raw):
        number = normalize(entry)
        if number is None:
            expected.invalid.append(reference_echo(entry))
        elif number in expected.numbers:
            expected.skipped.append(number)
        else:
            expected.numbers.append(number)
    if limit is not None:
        expected.skipped += expected.numbers[limit:]
        expected.numbers = expected.numbers[:limit]
    return expected


