"""One text per recipient: the Recipients list (each number with its own values) read and checked against the
text's ``#param_1#``... placeholders, which AllMySMS fills in from each ``SMS`` entry's ``PARAM_1``... (v9).

AllMySMS renders each text, so the component cannot cut one recipient's text and not another's: a text that
would not fit (160 characters, or the Maximum SMS parts) once its values are in is refused, naming the entry,
and nothing is sent. Every problem of the list is told at once; numbers are masked in errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import InvalidInputError
from .recipients import mask

FIELD = "recipients"
PLACEHOLDER = re.compile(r"#param_([0-9]+)#")
MAX_VALUES = 20     # placeholders a text may use: a bound on what one entry carries (AllMySMS documents none)
VALUE_MAX = 640     # characters of one value: AllMySMS's longest message


@dataclass(frozen=True)
class Entry:
    """One entry of the Recipients list: as typed, its number once read (None: refused, with ``reason``), and
    its values as text."""

    typed: str
    number: str | None
    values: tuple[str, ...]
    reason: str = ""


def placeholders(text: str, *, label: str) -> int:
    """How many values each recipient needs: the highest ``n`` of the ``#param_n#`` in ``text`` (0: none)."""
    found = [int(n) for n in PLACEHOLDER.findall(text)]
    highest = max(found, default=0)
    if 0 in found or highest > MAX_VALUES:
        raise InvalidInputError([f"{label} has the placeholder #param_{0 if 0 in found else highest}#: "
                                 f"placeholders run from #param_1# to #param_{MAX_VALUES}#"], field="messageText")
    return highest


def render(template: str, values: Sequence[str]) -> str:
    """The text one recipient gets: each ``#param_n#`` replaced by its n-th value, as AllMySMS does."""
    return PLACEHOLDER.sub(lambda match: values[int(match.group(1)) - 1], template)


def read(listed: object, count: int, number_of: Callable[[str], tuple[str | None, str]], *,
         label: str) -> list[Entry]:
    """The Recipients list: each entry an object with ``mobile`` (text) and ``values`` (a list of ``count`` texts
    or numbers, none blank); ``number_of`` reads a mobile as the comma list's entries are read. Every problem is
    listed in one InvalidInputError."""
    if not isinstance(listed, Sequence) or isinstance(listed, str):
        raise InvalidInputError([f"{label} must be a list of recipients, each {_SHAPE}"], field=FIELD)
    problems: list[str] = []
    entries: list[Entry] = []
    for index, item in enumerate(listed, start=1):
        where = f"{label} entry {index}"
        if not isinstance(item, Mapping) or not isinstance(item.get("mobile"), str) \
                or not item["mobile"].strip():
            problems.append(f"{where} has no mobile: each entry is {_SHAPE}")
            continue
        typed = item["mobile"].strip()
        number, reason = number_of(typed)
        where = f"{where} ({mask(number or typed)})"
        values = _values(item.get("values"), count, where, problems)
        if values is not None:
            entries.append(Entry(typed, number, values, reason))
    if problems:
        raise InvalidInputError(problems, field=FIELD)
    return entries


def _values(raw: object, count: int, where: str, problems: list[str]) -> tuple[str, ...] | None:
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        problems.append(f"{where}: values must be a list of texts, not {type(raw).__name__}")
        return None
    if len(raw) != count:
        needs = (f"the text has placeholders #param_1# to #param_{count}#, so it needs {count}" if count
                 else "the text has no #param_n# placeholder, so it needs none")
        problems.append(f"{where} has {len(raw)} value{'s' if len(raw) != 1 else ''}; {needs}")
        return None
    values: list[str] = []
    for position, value in enumerate(raw, start=1):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            problems.append(f"{where}: value {position} (#param_{position}#) must be text or a number")
        elif not str(value).strip():
            problems.append(f"{where}: value {position} (#param_{position}#) is missing (blank)")
        elif len(str(value)) > VALUE_MAX:
            problems.append(f"{where}: value {position} (#param_{position}#) is longer than {VALUE_MAX} characters")
        else:
            values.append(f"{value:g}" if isinstance(value, float) else str(value))
    return tuple(values) if len(values) == count else None


_SHAPE = 'an object {"mobile": "33612345678", "values": ["Ann", "A12"]} (values fill #param_1#, #param_2#...)'
