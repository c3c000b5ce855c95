"""Who a Send SMS message goes to, and with which values: the comma list (Mobile numbers) and the Recipients list,
read as the settings say (as typed, or in a Default country), merged, with a reason for every entry not sent.

Without a Recipients list and a Default country this is ``recipients.parse``, exactly as before. With both
lists, the Recipients entries come first, then the comma list's other numbers; a number in both is sent once,
with its Recipients values, its comma-list entry skipped as a duplicate. When the text has ``#param_n#``
placeholders, every number needs its values: a comma-list number that is not in Recipients is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from pysailor import ActionSchema

from ..errors import ConfigurationError, InvalidInputError
from ..rules import recipients
from ..rules.echo import clip
from ..rules.options import SendOptions

if TYPE_CHECKING:  # the Recipients list's rules are loaded by a message that has one
    from ..rules.personal import Entry

NOT_A_NUMBER = "not a phone number: 6 to 15 digits, optionally after + or 00"
DUPLICATE = "the same number as an earlier entry"
IN_BOTH = "also in the Recipients list: sent once, with its values"


_NO_REASONS: Mapping[str, str] = MappingProxyType({})


class Numbers(NamedTuple):
    """The numbers to send, each number's values when there is a Recipients list, and why each entry not sent
    is not (keyed as in ``numbers.invalid`` and ``numbers.skipped``)."""

    numbers: recipients.Recipients
    values: dict[str, tuple[str, ...]] | None = None
    reasons: Mapping[str, str] = _NO_REASONS


def read(body: Mapping[str, Any], schema: ActionSchema, options: SendOptions, template: str,
         setting_labels: Mapping[str, str]) -> Numbers:
    """The numbers of ``body``; InvalidInputError or ConfigurationError before anything is sent."""
    country = options.default_country
    if options.mobile_only and country is None:
        raise ConfigurationError(f"The setting {setting_labels.get('mobileNumbersOnly', 'mobileNumbersOnly')} "
                                 f"needs a {setting_labels.get('defaultCountry', 'defaultCountry')}: which numbers "
                                 f"are mobiles depends on the country they are read in; nothing was sent")
    if country is not None:
        from ..rules.country import require_known

        require_known(country, setting_labels.get("defaultCountry", "defaultCountry"))
    listed = body.get("recipients")
    raw = body.get("mobileNumbers") or ""
    comma = _comma_list(raw, schema.label("mobileNumbers"), options) if not listed or raw.strip() else None
    if not listed:
        assert comma is not None
        return comma
    from ..rules import personal

    count = personal.placeholders(template, label=schema.label("messageText"))
    entries = personal.read(listed, count, _reader(options), label=schema.label("recipients"))
    return _merge(entries, comma, count, schema)


def without_lookalikes(read: Numbers) -> tuple[Numbers, int]:
    """``read`` with the look-alike characters of every value replaced, and how many were."""
    from ..rules.lookalikes import replace_lookalikes

    values: dict[str, tuple[str, ...]] = {}
    count = 0
    for number, typed in (read.values or {}).items():
        swapped = [replace_lookalikes(value) for value in typed]
        values[number] = tuple(each.text for each in swapped)
        count += sum(each.count for each in swapped)
    return read._replace(values=values), count


def _comma_list(raw: str, label: str, options: SendOptions) -> Numbers:
    if options.default_country is None:
        return Numbers(recipients.parse(raw, label=label))
    from ..rules.country import parse_in

    reading = parse_in(raw, options.default_country, mobile_only=options.mobile_only, label=label)
    return Numbers(reading.numbers, reasons=reading.reasons)


def _reader(options: SendOptions) -> Callable[[str], tuple[str | None, str]]:
    """How one Recipients mobile is read: as the comma list's entries are."""
    country = options.default_country
    if country is not None:
        from ..rules.country import international

        return lambda typed: international(typed, country, mobile_only=options.mobile_only)
    return lambda typed: (number, "") if (number := recipients.normalize(typed)) else (None, NOT_A_NUMBER)


def _merge(entries: list[Entry], comma: Numbers | None, count: int, schema: ActionSchema) -> Numbers:
    numbers: list[str] = []
    invalid: list[str] = []
    skipped: list[str] = []
    values: dict[str, tuple[str, ...]] = {}
    reasons: dict[str, str] = {}
    for entry in entries:
        if entry.number is None:
            shown = clip(entry.typed, recipients.ECHO_MAX)
            invalid.append(shown)
            reasons[shown] = entry.reason
        elif entry.number in values:
            skipped.append(entry.number)
            reasons[entry.number] = DUPLICATE
        else:
            values[entry.number] = entry.values
            numbers.append(entry.number)
    if comma is not None:
        listed = comma.numbers
        invalid += listed.invalid
        skipped += listed.skipped
        reasons.update(comma.reasons)
        without = [number for number in listed.numbers if number not in values]
        if count and without:
            raise InvalidInputError(
                [f"{schema.label('mobileNumbers')} has {len(without)} number(s) that are not in "
                 f"{schema.label('recipients')} ({recipients.mask_all(without)}), and the text's #param_n# "
                 f"placeholders need their values: list them in {schema.label('recipients')} with their values"],
                field="mobileNumbers")
        for number in listed.numbers:
            if number in values:
                skipped.append(number)
                reasons[number] = IN_BOTH
            else:
                values[number] = ()
                numbers.append(number)
    if not numbers:
        raise InvalidInputError([f"{schema.label('recipients')} has no number that can be sent: "
                                 f"{'; '.join(sorted(set(reasons.values())))}"], field="recipients")
    return Numbers(recipients.Recipients(numbers, invalid, skipped), values, reasons)
