"""Message text: the trial prefix, the 160-code-point cut at a grapheme boundary, encoding and SMS parts; a text
of invisible characters is blank."""

from __future__ import annotations

import pytest
import responses

from allmysms_component.actions.send_sms import process
from allmysms_component.errors import InvalidInputError
from allmysms_component.rules.text import MAX_LENGTH, TRIAL_PREFIX, count_segments, prepare, truncate

from .conftest import CFG, message

# Clusters a reader sees as one character, each made of several code points.
CLUSTERS = {
    "flag": "\U0001f1eb\U0001f1f7",                                  # 🇫🇷 two regional indicators
    "emoji with skin tone": "\U0001f44d\U0001f3fd",                  # 👍🏽
    "ZWJ family": "\U0001f468\u200d\U0001f469\u200d\U0001f467",      # 👨‍👩‍👧
    "combining acute": "e\u0301",                                     # é decomposed
    "Hangul jamo": "\u1100\u1161\u11a8",                              # 각 decomposed (L V T)
    "CRLF": "\r\n",
}

GSM_ACCENTS = list("éèùìòàÇÄÖÑÜäöñüßÉÅåÆæØø")
NON_GSM_ACCENTS = ["á", "í", "ó", "ú", "ê", "ç", "ő"]
GSM_GREEK = list("ΔΦΓΛΩΠΨΣΘΞ")
GSM_EXTENSION = ["€", "[", "]", "{", "}", "^", "~", "|", "\\", "\f"]


# --- the 160 code point limit ------------------------------------------------------------------------------

EMOJI = "\U0001f600"   # one code point, two UTF-16 units

# message text, trial mode -> the text sent, whether it was cut
CUTS = {
    "short text is sent as is": ("Hello, world", False, "Hello, world", False),
    "exactly 160 code points are not truncated": ("a" * 160, False, "a" * 160, False),
    "161 code points are truncated to 160": ("a" * 160 + "b", False, "a" * 160, True),
    "length is counted in code points, not UTF-16 units": (EMOJI * 200, False, EMOJI * 160, True),
    "trial text starts with the prefix": ("Hello", True, "TRIAL USE: Hello", False),
    "the trial prefix counts in the 160": ("x" * 149, True, "TRIAL USE: " + "x" * 149, False),
    "trial text one over the 160 is truncated": ("x" * 150, True, "TRIAL USE: " + "x" * 149, True),
    "a control character after position 160 is cut off, not refused": ("a" * 160 + "\x00rest", False, "a" * 160,
                                                                        True),
    "a lone surrogate after position 160 is cut off, not refused": ("a" * 160 + "\ud800", False, "a" * 160, True),
    "a control character pushed past 160 by the trial prefix is cut off": ("a" * 149 + "\x00", True,
                                                                           "TRIAL USE: " + "a" * 149, True),
}


@pytest.mark.parametrize(("message", "trial", "sent", "truncated"), CUTS.values(), ids=CUTS.keys())
def test_the_160_cut(message: str, trial: bool, sent: str, truncated: bool) -> None:
    prepared = prepare(message, trial=trial)
    assert prepared.text == sent
    assert prepared.truncated is truncated
    assert len(prepared.text) <= 160


def test_truncated_text_is_a_prefix_of_the_input() -> None:
    message = "The quick brown fox jumps over the lazy dog. " * 10
    prepared = prepare(message)
    assert message.startswith(prepared.text)
    assert len(prepared.text) == 160


# --- grapheme clusters are never split ---------------------------------------------------------------------

@pytest.mark.parametrize("cluster", CLUSTERS.values(), ids=CLUSTERS.keys())
def test_cluster_straddling_position_160_is_dropped_whole(cluster: str) -> None:
    assert len(cluster) >= 2
    head = "a" * (MAX_LENGTH - len(cluster) + 1)   # the cluster ends at position 161
    prepared = prepare(head + cluster + "tail")
    assert prepared.text == head
    assert prepared.truncated is True


@pytest.mark.parametrize("cluster", CLUSTERS.values(), ids=CLUSTERS.keys())
def test_cluster_starting_at_position_160_is_dropped_whole(cluster: str) -> None:
    head = "a" * (MAX_LENGTH - 1)
    prepared = prepare(head + cluster)
    assert prepared.text == head
    assert prepared.truncated is True


@pytest.mark.parametrize("cluster", CLUSTERS.values(), ids=CLUSTERS.keys())
def test_cluster_ending_exactly_at_position_160_is_kept(cluster: str) -> None:
    head = "a" * (MAX_LENGTH - len(cluster))
    prepared = prepare(head + cluster + "tail")
    assert prepared.text == head + cluster
    assert prepared.truncated is True


def test_flags_are_paired_correctly_after_an_odd_offset() -> None:
    flag = CLUSTERS["flag"]
    prepared = prepare("a" + flag * 100)
    assert prepared.text == "a" + flag * 79
    assert len(prepared.text) == 159


def test_truncate_cuts_at_a_grapheme_boundary() -> None:
    assert truncate("ab" + CLUSTERS["combining acute"], 3) == "ab"


def test_truncate_leaves_text_within_the_limit_alone() -> None:
    assert truncate("e\u0301" * 3, 6) == "e\u0301" * 3


# --- trial prefix ------------------------------------------------------------------------------------------

def test_no_prefix_without_trial() -> None:
    assert not prepare("Hello").text.startswith(TRIAL_PREFIX)


# --- encoding and segments: GSM-7 --------------------------------------------------------------------------

def test_pure_gsm_text_is_gsm7() -> None:
    assert prepare("Hello @ 10$ £5 ¥ ¿¡ §_").encoding == "GSM-7"


@pytest.mark.parametrize(("septets", "parts"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3),
                                                (460, 4)])
def test_gsm7_parts(septets: int, parts: int) -> None:
    assert count_segments("a" * septets) == ("GSM-7", parts)


@pytest.mark.parametrize("char", GSM_EXTENSION)
def test_extension_character_counts_two_septets(char: str) -> None:
    assert count_segments("a" * 158 + char) == ("GSM-7", 1)   # 160 septets
    assert count_segments("a" * 159 + char) == ("GSM-7", 2)   # 161 septets


def test_form_feed_is_sent_as_gsm7() -> None:
    prepared = prepare("page\fbreak")
    assert prepared.text == "page\fbreak"
    assert prepared.encoding == "GSM-7"


@pytest.mark.parametrize("char", GSM_ACCENTS)
def test_accent_in_gsm_alphabet_stays_gsm7(char: str) -> None:
    assert prepare(f"Voil{char} ok").encoding == "GSM-7"


@pytest.mark.parametrize("char", NON_GSM_ACCENTS)
def test_accent_outside_gsm_alphabet_gives_ucs2(char: str) -> None:
    assert prepare(f"Voil{char} ok").encoding == "UCS-2"


@pytest.mark.parametrize("char", GSM_GREEK)
def test_greek_capital_in_gsm_alphabet_stays_gsm7(char: str) -> None:
    assert prepare(f"x {char} y").encoding == "GSM-7"


def test_line_breaks_and_carriage_returns_are_gsm7() -> None:
    assert prepare("line one\nline two\r\nline three").encoding == "GSM-7"


def test_truncated_gsm_text_is_one_part() -> None:
    prepared = prepare("é" * 300)
    assert (prepared.encoding, prepared.segments) == ("GSM-7", 1)


def test_truncated_text_with_extension_characters_is_billed_by_septets() -> None:
    prepared = prepare("€" * 200)
    assert prepared.text == "€" * 160
    assert (prepared.encoding, prepared.segments) == ("GSM-7", 3)   # 320 septets


# --- one part, and one character more ---------------------------------------------------------------------

# text that just fits one part, the same with one character more, the encoding of both
ONE_PART_LIMITS = {
    "80 euro signs fit one part, 81 need two": ("€" * 80, "€" * 81, "GSM-7"),
    "one non-GSM character makes the whole text UCS-2": ("a" * 69 + "ç", "a" * 70 + "ç", "UCS-2"),
    "an emoji counts two UTF-16 units": ("a" * 68 + EMOJI, "a" * 69 + EMOJI, "UCS-2"),
    "35 emoji fit one part, 36 need two": (EMOJI * 35, EMOJI * 36, "UCS-2"),
    "a GSM extension character in UCS-2 text counts one unit": ("€" * 69 + "ç", "€" * 70 + "ç", "UCS-2"),
}


@pytest.mark.parametrize(("fits", "over", "encoding"), ONE_PART_LIMITS.values(), ids=ONE_PART_LIMITS.keys())
def test_one_part_and_one_character_more(fits: str, over: str, encoding: str) -> None:
    assert count_segments(fits) == (encoding, 1)
    assert count_segments(over) == (encoding, 2)


# --- encoding and segments: UCS-2 --------------------------------------------------------------------------

@pytest.mark.parametrize(("units", "parts"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3),
                                              (202, 4)])
def test_ucs2_parts(units: int, parts: int) -> None:
    assert count_segments("á" * units) == ("UCS-2", parts)


def test_prepared_ucs2_text_reports_encoding_and_parts() -> None:
    prepared = prepare("á" * 200)
    assert prepared.text == "á" * 160
    assert (prepared.encoding, prepared.segments) == ("UCS-2", 3)   # ceil(160 / 67)


# --- blank text --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("message", ["", " ", "   ", "\n", "\r\n", " \n \t "],
                         ids=["empty", "space", "spaces", "LF", "CRLF", "mixed"])
def test_blank_text_is_refused_naming_message_text(message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        prepare(message)
    assert caught.value.field == "messageText"
    assert "messageText" in str(caught.value)


def test_blank_text_is_refused_in_trial_mode_too() -> None:
    with pytest.raises(InvalidInputError) as caught:
        prepare("  ", trial=True)
    assert caught.value.field == "messageText"


@pytest.mark.parametrize("trial", [False, True], ids=["live", "trial"])
def test_text_whose_sent_part_is_blank_is_refused_rather_than_sending_only_spaces(trial: bool) -> None:
    with pytest.raises(InvalidInputError) as caught:
        prepare(" " * 200 + "Hello", trial=trial)
    assert caught.value.field == "messageText"
    assert "part that is sent" in str(caught.value)


def test_text_with_words_before_the_cut_is_sent_even_if_blanks_follow() -> None:
    assert prepare(" " * 159 + "H" + " " * 40 + "ello").text == " " * 159 + "H"


# --- control characters and surrogates ---------------------------------------------------------------------

CONTROLS = ["\x00", "\x07", "\x1b", "\x7f", "\x85"]


@pytest.mark.parametrize("char", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_control_character_is_refused_naming_field_and_code_point(char: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        prepare(f"Hello{char}world")
    assert caught.value.field == "messageText"
    assert "messageText" in str(caught.value)
    assert f"U+{ord(char):04X}" in str(caught.value)


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x1f", "\x85"], ids=lambda c: f"U+{ord(c):04X}")
def test_text_made_only_of_a_control_character_is_refused_for_that_character(char: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        prepare(char)
    assert caught.value.field == "messageText"
    assert f"U+{ord(char):04X}" in str(caught.value)


@pytest.mark.parametrize("char", ["\t", "\n", "\r"], ids=["tab", "LF", "CR"])
def test_tab_and_line_breaks_are_allowed(char: str) -> None:
    message = f"Hello{char}world"
    assert prepare(message).text == message


@pytest.mark.parametrize("surrogate", [chr(0xD800), chr(0xDFFF)], ids=["high", "low"])
def test_lone_surrogate_is_refused(surrogate: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        prepare(f"abc{surrogate}def")
    assert caught.value.field == "messageText"
    assert f"U+{ord(surrogate):04X}" in str(caught.value)


def test_control_character_at_position_160_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        prepare("a" * 159 + "\x07" + "more")


# --- large and unusual texts -------------------------------------------------------------------------------

def test_ten_megabyte_text_is_truncated_to_160() -> None:
    prepared = prepare("a" * 10_000_000)
    assert prepared.text == "a" * 160
    assert prepared.truncated is True
    assert (prepared.encoding, prepared.segments) == ("GSM-7", 1)


def test_ten_megabyte_text_of_emoji_clusters_is_truncated_to_160() -> None:
    thumb = CLUSTERS["emoji with skin tone"]
    prepared = prepare(thumb * 2_500_000)
    assert prepared.text == thumb * 80


@pytest.mark.parametrize("message", [
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0643",              # Arabic
    "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd",        # Hebrew
    "\u200fRTL mark then Latin",                                 # right-to-left mark
    "\u202bembedding\u202c and \u2067isolate\u2069",             # bidi embedding and isolate
], ids=["arabic", "hebrew", "rlm", "bidi-controls"])
def test_right_to_left_text_is_sent_as_it_is_in_ucs2(message: str) -> None:
    prepared = prepare(message)
    assert prepared.text == message
    assert prepared.truncated is False
    assert prepared.encoding == "UCS-2"


@pytest.mark.parametrize("trial", [False, True])
def test_a_first_cluster_longer_than_the_limit_is_refused_not_sent_empty(trial: bool) -> None:
    with pytest.raises(InvalidInputError, match="cannot be cut") as caught:
        prepare("e" + "\u0301" * 200, trial=trial)
    assert caught.value.field == "messageText"


# -- texts made of invisible characters are blank ---------------------------------------------------------------

INVISIBLE = ["\u200b", "\ufeff", "\u2060", "\u200d", "\u200c", "\u200e", "\u00ad", "\u034f", "\u2061", "\u180e",
             "\ufe0f", "\u3164", "\U000e0020", "\u2800"]


@pytest.mark.parametrize("text", [
    *[pytest.param(char, id=f"U+{ord(char):04X}") for char in INVISIBLE],
    pytest.param(" \u200b\n\ufeff\t\u2060 ", id="mixed-with-spaces"),
    pytest.param("".join(INVISIBLE) * 3, id="all-of-them"),
])
def test_a_text_of_invisible_characters_is_refused_as_blank(api: responses.RequestsMock, text: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        process(message(text=text), CFG)
    assert raised.value.field == "messageText"
    assert "blank" in str(raised.value)
    assert len(api.calls) == 0


def test_a_text_invisible_in_the_part_that_is_sent_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="blank in the part that is sent"):
        prepare("\u200b" * 160 + "Hello")


@pytest.mark.parametrize("text", ["Hi\u200b", "\u200dA", "👨\u200d👩\u200d👧", "\ufeffBonjour", "😀\ufe0f"])
def test_visible_text_with_invisible_characters_is_sent(text: str) -> None:
    assert prepare(text).text == text
