"""Mobile numbers: splitting, clean-up, validation, de-duplication, limits and masking."""

from __future__ import annotations

import pytest

from allmysms_component.errors import InvalidInputError
from allmysms_component.rules.recipients import MAX_ENTRIES, Recipients, mask, mask_all, normalize, parse

FR = "33612345678"


# --- splitting ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "33612345678,33698765432",
    "33612345678;33698765432",
    "33612345678\n33698765432",
    "33612345678\r\n33698765432",
    "33612345678 , 33698765432",
    "33612345678;\r\n33698765432",
], ids=["comma", "semicolon", "LF", "CRLF", "comma-with-spaces", "mixed"])
def test_entries_are_split_on_commas_semicolons_and_line_breaks(raw: str) -> None:
    assert parse(raw).numbers == ["33612345678", "33698765432"]


@pytest.mark.parametrize("separator", ["\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"],
                         ids=lambda c: f"U+{ord(c):04X}")
def test_every_unicode_line_break_separates_entries_rather_than_joining_two_numbers(separator: str) -> None:
    recipients = parse(f"0612345{separator}0698765")
    assert (recipients.numbers, recipients.invalid) == (["0612345", "0698765"], [])


@pytest.mark.parametrize("raw", [
    "33612345678,,33698765432",
    "33612345678,33698765432,",
    ",33612345678,33698765432",
    "33612345678, ,\n,33698765432,\r\n",
    "33612345678;;\n\n33698765432",
])
def test_blank_entries_are_ignored(raw: str) -> None:
    recipients = parse(raw)
    assert recipients.numbers == ["33612345678", "33698765432"]
    assert recipients.invalid == []
    assert recipients.skipped == []


def test_a_single_number_is_accepted() -> None:
    assert parse(FR) == Recipients([FR], [], [])


def test_input_order_is_kept() -> None:
    raw = "33698765432,33612345678,447911123456,0612345678"
    assert parse(raw).numbers == ["33698765432", "33612345678", "447911123456", "0612345678"]


# --- clean-up ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("entry", [
    "33 6 12 34 56 78",
    "33.6.12.34.56.78",
    "33-6-12-34-56-78",
    "33 (6) 12-34.56 78",
    "33\u00a06\u00a012\u00a034\u00a056\u00a078",         # no-break space
    "33\u202f6\u202f12\u202f34\u202f56\u202f78",         # narrow no-break space
    "33\u20106\u201112\u201234\u201356\u201478",         # hyphen, non-breaking hyphen, figure/en/em dash
    "33\u20156\u221212 34 56 78",                        # horizontal bar, minus sign
    "\u200e33612345678\u200f",                           # left-to-right and right-to-left marks
    "\u202a33612345678\u202c",                           # bidi embedding
    "\u206633612345678\u2069",                           # bidi isolate
    "336\u200b1234\u200b5678",                           # zero-width space
    "\ufeff33612345678",                                 # byte order mark
    "336\u00ad12345678",                                 # soft hyphen
    "  33612345678  ",
    "\t33612345678",
], ids=["spaces", "dots", "dashes", "parentheses", "nbsp", "narrow-nbsp", "unicode-dashes", "bar-minus",
        "lrm-rlm", "bidi-embedding", "bidi-isolate", "zwsp", "bom", "soft-hyphen", "padding", "tab"])
def test_visual_separators_and_invisible_marks_are_removed(entry: str) -> None:
    assert normalize(entry) == FR
    assert parse(entry).numbers == [FR]


@pytest.mark.parametrize(("entry", "expected"), [
    ("+33612345678", "33612345678"),
    ("+33 6 12 34 56 78", "33612345678"),
    ("0033612345678", "33612345678"),
    ("00 33 6 12 34 56 78", "33612345678"),
    ("\u200f+33 6 12 34 56 78", "33612345678"),
    ("+1 (415) 555-0123", "14155550123"),
])
def test_leading_plus_or_00_is_dropped(entry: str, expected: str) -> None:
    assert normalize(entry) == expected


@pytest.mark.parametrize("entry", ["0612345678", "06 12 34 56 78", "07911 123456", "0412345678"])
def test_national_form_keeps_its_leading_zero(entry: str) -> None:
    assert normalize(entry) == entry.replace(" ", "")


@pytest.mark.parametrize(("entry", "expected"), [
    ("\u0663\u0663\u0666\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668", "33612345678"),  # Arabic-Indic
    ("\u06f0\u06f6\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8", "0612345678"),         # Extended Arabic-Indic
    ("\uff10\uff16\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", "0612345678"),         # fullwidth
    ("+\uff13\uff13 \uff16 \uff11\uff12 \uff13\uff14 \uff15\uff16 \uff17\uff18", "33612345678"),
    ("\u0966\u096c\u0967\u0968\u0969\u096a\u096b\u096c\u096d\u096e", "0612345678"),         # Devanagari
], ids=["arabic-indic", "extended-arabic-indic", "fullwidth", "fullwidth-with-plus", "devanagari"])
def test_non_ascii_decimal_digits_are_converted_to_ascii(entry: str, expected: str) -> None:
    assert normalize(entry) == expected
    assert parse(entry).numbers == [expected]


# --- length rule -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("entry", "expected"), [
    ("123456", "123456"),
    ("+123456", "123456"),
    ("00123456", "123456"),
    ("123456789012345", "123456789012345"),
    ("+123456789012345", "123456789012345"),
    ("00123456789012345", "123456789012345"),
], ids=["6", "6-after-plus", "6-after-00", "15", "15-after-plus", "15-after-00"])
def test_six_to_fifteen_digits_are_accepted(entry: str, expected: str) -> None:
    assert normalize(entry) == expected


@pytest.mark.parametrize("entry", [
    "12345", "+12345", "0012345", "1234567890123456", "+1234567890123456", "001234567890123456",
], ids=["5", "5-after-plus", "5-after-00", "16", "16-after-plus", "16-after-00"])
def test_five_or_sixteen_digits_are_refused(entry: str) -> None:
    assert normalize(entry) is None


# --- invalid entries ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("entry", [
    "abc",
    "0612345678x",
    "call me",
    "33+612345678",
    "++33612345678",
    "+",
    "00",
    "()",
    "-",
    "...",
    "\u200b",
    "\u00b2\u00b3\u00b9\u00b2\u00b3\u00b9",   # superscript digits are not decimal digits
], ids=["letters", "trailing-letter", "words", "inner-plus", "double-plus", "plus-only", "00-only",
        "parentheses-only", "dash-only", "dots-only", "zwsp-only", "superscripts"])
def test_malformed_entry_is_reported_invalid(entry: str) -> None:
    assert normalize(entry) is None
    recipients = parse(f"{FR},{entry}")
    assert recipients.numbers == [FR]
    assert recipients.invalid == [entry]


def test_invalid_entry_is_reported_as_typed_but_trimmed() -> None:
    recipients = parse(f"{FR},  +33 6 12 ab 56 78  ;\tfoo\t")
    assert recipients.invalid == ["+33 6 12 ab 56 78", "foo"]


# --- duplicates --------------------------------------------------------------------------------------------

DUPLICATES = {
    "a duplicate is sent once and reported skipped": (f"{FR},{FR}", [FR], [FR]),
    "duplicates in different notations are detected": ("+33 6 12 34 56 78, 0033 6 12 34 56 78; 33.6.12.34.56.78",
                                                       [FR], [FR, FR]),
    "skipped duplicates are reported normalized": (f"{FR}, +33 (6) 12-34-56-78", [FR], [FR]),
    "the first occurrence keeps its place": ("33698765432,33612345678,33698765432,447911123456",
                                             ["33698765432", "33612345678", "447911123456"], ["33698765432"]),
    # no guessing: 0612345678 may be French or not; the API decides
    "national and international forms are not merged": (f"0612345678,{FR}", ["0612345678", FR], []),
}


@pytest.mark.parametrize(("raw", "numbers", "skipped"), DUPLICATES.values(), ids=DUPLICATES.keys())
def test_duplicates(raw: str, numbers: list[str], skipped: list[str]) -> None:
    recipients = parse(raw)
    assert recipients.numbers == numbers
    assert recipients.skipped == skipped


def test_every_non_blank_entry_ends_up_in_exactly_one_list() -> None:
    entries = ["+33 6 12 34 56 78", "abc", "0033612345678", "0612345678", "12345", "", "33698765432",
               " 06.12.34.56.78 ", "x", "33698765432"]
    recipients = parse(",".join(entries))
    non_blank = [e for e in entries if e.strip()]
    assert len(recipients.numbers) + len(recipients.invalid) + len(recipients.skipped) == len(non_blank)
    assert recipients.numbers == ["33612345678", "0612345678", "33698765432"]
    assert recipients.invalid == ["abc", "12345", "x"]
    assert recipients.skipped == ["33612345678", "0612345678", "33698765432"]


# --- no usable number --------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["", " ", ",,", ";\n;", "\r\n"], ids=["empty", "space", "commas",
                                                                      "separators", "CRLF"])
def test_no_entry_at_all_is_refused_naming_mobile_numbers(raw: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse(raw)
    assert caught.value.field == "mobileNumbers"
    assert "mobileNumbers" in str(caught.value)


@pytest.mark.parametrize("raw", ["abc", "12345", "abc,def,12345", "+44 7911 123456 789 012 34"])
def test_only_malformed_entries_are_refused_naming_mobile_numbers(raw: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse(raw)
    assert caught.value.field == "mobileNumbers"
    assert "mobileNumbers" in str(caught.value)


@pytest.mark.parametrize("raw", [
    "+44 7911 123456 789 012 34",           # too many digits
    "07911123456x",                         # a letter
    "4479111234567890123",                  # too many digits, no separator
    "tel:447911123456, 447911-123456-99999, 44+7911123456",
])
def test_refusal_message_shows_masked_entries_only(raw: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse(raw)
    # the fixed help text ends with the example number 33612345678: only the part about the entries counts
    message = str(caught.value).split("; a number has")[0]
    digits = "".join(c for c in raw if c.isdigit())
    windows = {digits[i:i + 6] for i in range(len(digits) - 5)}
    leaked = sorted(w for w in windows if w in message)
    assert leaked == [], f"digits of the numbers appear in {message!r}"
    for entry in raw.split(","):
        assert entry.strip() not in message


def test_refusal_message_shows_the_mask_of_the_entry() -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse("4479111234567890123")
    assert mask("4479111234567890123") in str(caught.value)


# --- entry limit -------------------------------------------------------------------------------------------

def _distinct_numbers(count: int) -> list[str]:
    return [f"33{600_000_000 + i}" for i in range(count)]


def test_exactly_max_entries_are_accepted() -> None:
    numbers = _distinct_numbers(MAX_ENTRIES)
    recipients = parse(",".join(numbers))
    assert recipients.numbers == numbers


def test_more_than_max_entries_are_refused() -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse(",".join(_distinct_numbers(MAX_ENTRIES + 1)))
    assert caught.value.field == "mobileNumbers"
    assert str(MAX_ENTRIES) in str(caught.value)


def test_duplicates_and_invalid_entries_count_towards_the_limit() -> None:
    raw = ",".join([FR] * MAX_ENTRIES + ["abc"])
    with pytest.raises(InvalidInputError):
        parse(raw)


def test_blank_entries_do_not_count_towards_the_limit() -> None:
    raw = ",".join(_distinct_numbers(MAX_ENTRIES)) + ",,, ,\n"
    assert len(parse(raw).numbers) == MAX_ENTRIES


# --- limited -----------------------------------------------------------------------------------------------

def test_limited_keeps_the_first_numbers_and_skips_the_rest() -> None:
    recipients = Recipients(["111111", "222222", "333333", "444444"], ["bad"], ["111111"])
    limited = recipients.limited(2)
    assert limited.numbers == ["111111", "222222"]
    assert limited.skipped == ["111111", "333333", "444444"]


def test_limited_keeps_invalid_entries() -> None:
    recipients = Recipients(["111111", "222222", "333333"], ["bad", "worse"], [])
    assert recipients.limited(2).invalid == ["bad", "worse"]


@pytest.mark.parametrize("numbers", [["111111"], ["111111", "222222"]])
def test_limited_changes_nothing_within_the_limit(numbers: list[str]) -> None:
    recipients = Recipients(numbers, ["bad"], ["111111"])
    assert recipients.limited(2) == recipients


def test_limited_after_parse_keeps_every_entry_accounted_for() -> None:
    recipients = parse("33611111111,33622222222,abc,33633333333,33611111111").limited(2)
    assert recipients.numbers == ["33611111111", "33622222222"]
    assert recipients.invalid == ["abc"]
    assert sorted(recipients.skipped) == ["33611111111", "33633333333"]


# --- masking -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["1", "12", "12345", "123456", "0612345678", FR, "123456789012345",
                                    "+44 7911 123456 789", "x" * 40])
def test_mask_never_shows_more_than_five_characters(number: str) -> None:
    masked = mask(number)
    assert sum(1 for c in masked if c != "*") <= 5


@pytest.mark.parametrize("number", ["1", "12345"])
def test_mask_hides_short_entries_completely(number: str) -> None:
    assert set(mask(number)) == {"*"}


def test_mask_keeps_the_country_code_and_last_two_digits() -> None:
    assert mask(FR) == "336******78"


def test_mask_all_masks_every_number() -> None:
    shown = mask_all(["33612345678", "33698765432"])
    assert shown == "336******78, 336******32"


def test_mask_all_shows_a_limited_number_and_counts_the_rest() -> None:
    numbers = _distinct_numbers(8)
    shown = mask_all(numbers, limit=3)
    assert shown.endswith(" and 5 more")
    assert shown.count("*") == 3 * 6
    for number in numbers:
        assert number not in shown
