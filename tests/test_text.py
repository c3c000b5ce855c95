"""Message text: the trial prefix, the 160-code-point cut at a grapheme boundary, encoding and SMS parts."""

from __future__ import annotations

import pytest

from allmysms_component.errors import InvalidInputError
from allmysms_component.rules import text
from allmysms_component.rules.text import MAX_LENGTH, TRIAL_PREFIX, count_segments, prepare, truncate

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


# --- constants ---------------------------------------------------------------------------------------------

def test_max_length_is_160() -> None:
    assert MAX_LENGTH == 160


def test_trial_prefix_is_trial_use() -> None:
    assert TRIAL_PREFIX == "TRIAL USE: "


# --- the 160 code point limit ------------------------------------------------------------------------------

def test_short_text_is_sent_as_is() -> None:
    prepared = prepare("Hello, world")
    assert prepared.text == "Hello, world"
    assert prepared.truncated is False


def test_exactly_160_code_points_are_not_truncated() -> None:
    prepared = prepare("a" * 160)
    assert prepared.text == "a" * 160
    assert prepared.truncated is False


def test_161_code_points_are_truncated_to_160() -> None:
    prepared = prepare("a" * 160 + "b")
    assert prepared.text == "a" * 160
    assert prepared.truncated is True


def test_length_is_counted_in_code_points_not_utf16_units() -> None:
    # each emoji is one code point (two UTF-16 units): 160 of them fit
    prepared = prepare("\U0001f600" * 200)
    assert prepared.text == "\U0001f600" * 160
    assert prepared.truncated is True


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

def test_trial_text_starts_with_the_prefix() -> None:
    prepared = prepare("Hello", trial=True)
    assert prepared.text == "TRIAL USE: Hello"
    assert prepared.truncated is False


def test_trial_prefix_counts_in_the_160() -> None:
    fits = MAX_LENGTH - len(TRIAL_PREFIX)
    prepared = prepare("x" * fits, trial=True)
    assert prepared.text == TRIAL_PREFIX + "x" * fits
    assert len(prepared.text) == 160
    assert prepared.truncated is False


def test_trial_text_one_over_the_160_is_truncated() -> None:
    fits = MAX_LENGTH - len(TRIAL_PREFIX)
    prepared = prepare("x" * (fits + 1), trial=True)
    assert prepared.text == TRIAL_PREFIX + "x" * fits
    assert prepared.truncated is True


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


def test_80_euro_signs_fit_one_part() -> None:
    assert count_segments("€" * 80) == ("GSM-7", 1)


def test_81_euro_signs_need_two_parts() -> None:
    assert count_segments("€" * 81) == ("GSM-7", 2)


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


# --- encoding and segments: UCS-2 --------------------------------------------------------------------------

@pytest.mark.parametrize(("units", "parts"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3),
                                              (202, 4)])
def test_ucs2_parts(units: int, parts: int) -> None:
    assert count_segments("á" * units) == ("UCS-2", parts)


def test_one_non_gsm_character_makes_the_whole_text_ucs2() -> None:
    assert count_segments("a" * 69 + "ç") == ("UCS-2", 1)
    assert count_segments("a" * 70 + "ç") == ("UCS-2", 2)


def test_an_emoji_counts_two_utf16_units() -> None:
    emoji = "\U0001f600"
    assert count_segments("a" * 68 + emoji) == ("UCS-2", 1)   # 70 units
    assert count_segments("a" * 69 + emoji) == ("UCS-2", 2)   # 71 units


def test_35_emoji_fit_one_part_36_need_two() -> None:
    emoji = "\U0001f600"
    assert count_segments(emoji * 35) == ("UCS-2", 1)
    assert count_segments(emoji * 36) == ("UCS-2", 2)


def test_prepared_ucs2_text_reports_encoding_and_parts() -> None:
    prepared = prepare("á" * 200)
    assert prepared.text == "á" * 160
    assert (prepared.encoding, prepared.segments) == ("UCS-2", 3)   # ceil(160 / 67)


def test_gsm_extension_character_in_ucs2_text_counts_one_unit() -> None:
    assert count_segments("€" * 70 + "ç") == ("UCS-2", 2)   # 71 units
    assert count_segments("€" * 69 + "ç") == ("UCS-2", 1)   # 70 units


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


def test_control_character_after_position_160_is_cut_off_not_refused() -> None:
    prepared = prepare("a" * 160 + "\x00rest")
    assert prepared.text == "a" * 160
    assert prepared.truncated is True


def test_lone_surrogate_after_position_160_is_cut_off_not_refused() -> None:
    prepared = prepare("a" * 160 + "\ud800")
    assert prepared.text == "a" * 160
    assert prepared.truncated is True


def test_control_character_at_position_160_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        prepare("a" * 159 + "\x07" + "more")


def test_control_character_pushed_past_160_by_the_trial_prefix_is_cut_off() -> None:
    prepared = prepare("a" * 149 + "\x00", trial=True)
    assert prepared.text == TRIAL_PREFIX + "a" * 149
    assert prepared.truncated is True


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


def test_field_name_constant_is_message_text() -> None:
    assert text.FIELD == "messageText"


@pytest.mark.parametrize("trial", [False, True])
def test_a_first_cluster_longer_than_the_limit_is_refused_not_sent_empty(trial: bool) -> None:
    with pytest.raises(InvalidInputError, match="cannot be cut") as caught:
        prepare("e" + "\u0301" * 200, trial=trial)
    assert caught.value.field == "messageText"
