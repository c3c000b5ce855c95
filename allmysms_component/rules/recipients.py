"""Mobile numbers: from the comma-separated list a user maps to the numbers AllMySMS receives.

Clean-up only, no guessing: separators and visual punctuation go, a leading ``+`` or ``00`` becomes the
international form without prefix that the API documents (``33612345678``), national forms pass through
untouched (the API is the authority on which numbers exist; a stripped leading zero would send to a stranger).
Every entry ends up in exactly one place: sent, invalid, or skipped; a number AllMySMS refuses moves from sent to
invalid. A malformed entry is repeated as typed, cut to ECHO_MAX characters (with a marker) when longer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import NamedTuple

from ..errors import InvalidInputError
from .echo import clip

MAX_ENTRIES = 10_000
RECOMMENDED_ENTRIES = 2_000
ECHO_MAX = 32  # characters of a malformed entry repeated in invalidNumbers: a typo shows whole, junk is cut
MASK_MAX_HIDDEN = 20  # a number has at most 15 digits: a longer run of stars says nothing more
FIELD = "mobileNumbers"

# Commas, semicolons, and every line break that str.splitlines() knows: a list pasted from a document or a
# spreadsheet may break lines with U+2028, NEL or a form feed, and those must not join two numbers into one.
_ENTRY = re.compile(r"[^,;\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")
# Spaces (any Unicode space), the usual visual separators, Unicode dashes, and the invisible formatting marks
# that phones and spreadsheets add when a number is copied (bidi marks, zero-width spaces, BOM, soft hyphen).
_NOISE = re.compile(r"[\s.\-()\u00ad\u2010-\u2015\u2212\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]+")
_NUMBER = re.compile(r"[0-9]{6,15}")


class Recipients(NamedTuple):
    numbers: list[str]   # unique, normalized, in input order
    invalid: list[str]   # entries as typed (trimmed, cut) that are not a number, then the numbers AllMySMS refused
    skipped: list[str]   # normalized numbers not sent: duplicates, over a limit

    def limited(self, count: int) -> Recipients:
        """The first ``count`` numbers; the others move to ``skipped``."""
        if len(self.numbers) <= count:
            return self
        return Recipients(self.numbers[:count], self.invalid, self.skipped + self.numbers[count:])

    def without(self, refused: Collection[str]) -> Recipients:
        """The ``refused`` numbers (as :func:`refused_by_api` finds them) move from ``numbers`` to ``invalid``."""
        if not refused:
            return self
        return Recipients([n for n in self.numbers if n not in refused],
                          self.invalid + [n for n in self.numbers if n in refused], self.skipped)


def normalize(entry: str) -> str | None:
    """The number AllMySMS should receive for one entry, or None when it is not a phone number."""
    number = clean(entry)
    if number.startswith("+"):
        number = number[1:]
    elif number.startswith("00"):
        number = number[2:]
    return number if _NUMBER.fullmatch(number) else None


def _ascii_digits(text: str) -> str:
    # Arabic-Indic, fullwidth and other decimal digits are digits to the person who typed them.
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def parse(raw: str, *, label: str = FIELD) -> Recipients:
    """Split, clean and de-duplicate a list of numbers; raise InvalidInputError if none is usable.

    ``label`` names the field in errors (its UI label from component.json)."""
    numbers: list[str] = []
    invalid: list[str] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for entry in entries(raw, label=label):
        number = normalize(entry)
        if number is None:
            invalid.append(clip(entry, ECHO_MAX))
        elif number in seen:
            skipped.append(number)
        else:
            seen.add(number)
            numbers.append(number)
    if not numbers:
        raise InvalidInputError([_none_usable(invalid, label)], field=FIELD)
    return Recipients(numbers, invalid, skipped)


def entries(raw: str, *, label: str = FIELD) -> Iterator[str]:
    """The entries of a list as typed (trimmed, blanks left out); InvalidInputError past MAX_ENTRIES."""
    count = 0
    for match in _ENTRY.finditer(raw):
        entry = match.group().strip()
        if not entry:
            continue
        count += 1
        if count > MAX_ENTRIES:
            raise InvalidInputError(
                [f"{label} has more than {MAX_ENTRIES} numbers; split the list into several messages (up to "
                 f"{RECOMMENDED_ENTRIES} per message are recommended)"], field=FIELD)
        yield entry


def clean(entry: str) -> str:
    """An entry without separators, visual punctuation and invisible marks, its digits in ASCII."""
    number = _NOISE.sub("", entry)
    return number if number.isascii() else _ascii_digits(number)


def refused_by_api(numbers: Sequence[str], reported: Iterable[str]) -> tuple[list[str], list[str]]:
    """Which of the ``numbers`` sent AllMySMS reports as refused (in the order sent), and the reports that match
    none of them. A report matches a number written the same way, or the same once cleaned up like an entry
    (``+33 6 99 ...`` is ``33699...``); no country is guessed, so ``33612345678`` does not match ``0612345678``."""
    sent = set(numbers)
    matched: set[str] = set()
    unmatched: list[str] = []
    for report in reported:
        number = report if report in sent else normalize(report)
        if number is not None and number in sent:
            matched.add(number)
        else:
            unmatched.append(report)
    return [number for number in numbers if number in matched], unmatched


def _none_usable(invalid: list[str], label: str) -> str:
    allowed = "a number has 6 to 15 digits, optionally after + or 00, e.g. 33612345678"
    if not invalid:
        return f"{label} has no number; {allowed}"
    examples = ", ".join(mask(entry) for entry in invalid[:3])
    return (f"{label} has no usable number: {len(invalid)} "
            f"{'entry is' if len(invalid) == 1 else 'entries are'} malformed ({examples}); {allowed}")


def mask(number: str) -> str:
    """A number as logs and errors may show it: enough to recognise, not enough to dial (at most half of it
    shown), and short even when the entry is megabytes of junk (one star per hidden character up to
    MASK_MAX_HIDDEN)."""
    if len(number) <= 5:
        return "*" * len(number)
    head = 3 if len(number) >= 10 else 0  # the country code, once it leaves most of the number hidden
    return number[:head] + "*" * min(len(number) - head - 2, MASK_MAX_HIDDEN) + number[-2:]


def mask_all(numbers: list[str], limit: int = 5) -> str:
    shown = ", ".join(mask(n) for n in numbers[:limit])
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")
