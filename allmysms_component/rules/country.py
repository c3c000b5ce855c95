"""Mobile numbers read in a Default country: each entry parsed with ``phonenumbers`` (Google's libphonenumber),
checked, sent in the international form AllMySMS documents (``33612345678``: E.164 without the ``+``), and
de-duplicated once every entry is in that one form.

Only a step that sets a Default country comes here (``phonenumbers`` is loaded then, never for a plain send). An
entry with ``+`` or ``00`` is international whatever the country; digits without a prefix are read in the
country first and, when that is not a valid number there, as international digits without the ``+`` (the form
AllMySMS documents, which lists that worked before the setting keep working). Every entry still ends in exactly
one list, and each one not sent has its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ConfigurationError, InvalidInputError
from .echo import clip
from .recipients import ECHO_MAX, FIELD, Recipients, clean, entries

DUPLICATE = "the same number as an earlier entry once written in international form"


@dataclass(frozen=True)
class Reading:
    """The numbers to send, and why each entry not sent is not (keyed as in ``invalid`` or ``skipped``)."""

    numbers: Recipients
    reasons: dict[str, str] = field(default_factory=dict)


def require_known(country: str, label: str) -> None:
    """ConfigurationError when ``phonenumbers`` has no numbering plan for ``country``."""
    import phonenumbers

    if country not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigurationError(f"The setting {label} is {country!r}, which is not a country with a telephone "
                                 f"numbering plan (ISO 3166 alpha-2, e.g. FR, BE or CH); nothing was sent")


def international(entry: str, country: str, *, mobile_only: bool = False) -> tuple[str | None, str]:
    """The number to send for one entry (``33612345678``) and ``""``, or None and why it is refused."""
    import phonenumbers

    number = clean(entry)
    candidates = ["+" + number[2:]] if number.startswith("00") else [number]
    if not number.startswith(("+", "00")) and number.isdigit():
        candidates.append("+" + number)
    parsed = None
    for candidate in candidates:
        try:
            parsed = phonenumbers.parse(candidate, country)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            break
    else:
        where = "" if parsed is None or number.startswith(("+", "00")) else f" in {country}"
        return None, f"not a valid phone number{where}"
    if mobile_only and phonenumbers.number_type(parsed) not in (phonenumbers.PhoneNumberType.MOBILE,
                                                                 phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return None, "not a mobile number (Mobile numbers only is ticked)"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)[1:], ""


def parse_in(raw: str, country: str, *, mobile_only: bool = False, label: str = FIELD) -> Reading:
    """Split ``raw`` (as :func:`recipients.parse` does), read each entry in ``country``, de-duplicate; raise
    InvalidInputError if none is usable."""
    numbers: list[str] = []
    invalid: list[str] = []
    skipped: list[str] = []
    reasons: dict[str, str] = {}
    seen: set[str] = set()
    for entry in entries(raw, label=label):
        number, reason = international(entry, country, mobile_only=mobile_only)
        if number is None:
            shown = clip(entry, ECHO_MAX)
            invalid.append(shown)
            reasons[shown] = reason
        elif number in seen:
            skipped.append(number)
            reasons[number] = DUPLICATE
        else:
            seen.add(number)
            numbers.append(number)
    if not numbers:
        why = "; ".join(sorted(set(reasons.values()))) or "it is empty"
        raise InvalidInputError([f"{label} has no number that can be sent in {country}: {why}"], field=FIELD)
    return Reading(Recipients(numbers, invalid, skipped), reasons)
