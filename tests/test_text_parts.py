"""The cut to a number of SMS parts and the marketing STOP mention (rules.text): pure rules, no I/O.

The cut asks count_segments, the one part counter, whether a candidate fits; these properties hold whatever
that counter's packing rules are."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from allmysms_component.errors import InvalidInputError
from allmysms_component.rules.text import (
    API_MAX_LENGTH,
    STOP_MENTION,
    count_segments,
    fit,
    has_stop_mention,
    prepare,
)

# Plain letters, GSM extension characters, accents outside GSM, emoji, flags and combining marks.
PIECES = st.lists(st.sampled_from(["a", " ", "€", "{", "ê", "😀", "🇫🇷", "e\u0301", "\n", "ab" * 20]),
                  max_size=120).map("".join)


@given(text=PIECES, parts=st.integers(min_value=2, max_value=4), reserve=st.sampled_from(["", STOP_MENTION]))
def test_the_cut_is_the_longest_start_that_fits_at_a_cluster_boundary(text: str, parts: int, reserve: str) -> None:
    cut = fit(text, parts, reserve=reserve)
    assert text.startswith(cut)
    whole = cut + reserve
    assert count_segments(whole)[1] <= parts
    assert len(whole) <= API_MAX_LENGTH
    if cut != text:  # then one more character (cluster) would not fit
        boundaries = [match.end() for match in regex.finditer(r"\X", text)]
        assert len(cut) in [0, *boundaries]
        longer = text[:next(end for end in boundaries if end > len(cut))] + reserve
        assert count_segments(longer)[1] > parts or len(longer) > API_MAX_LENGTH


@given(text=PIECES)
def test_one_part_is_the_original_160_code_points(text: str) -> None:
    cut = fit(text, 1)
    assert len(cut) <= 160
    assert fit(text, 1, reserve=STOP_MENTION) == fit(text, 1)[:len(fit(text, 1, reserve=STOP_MENTION))]


@pytest.mark.parametrize(("text", "found"), [
    ("Stop au 36180", True),
    ("STOP au 36180", True),
    ("stop sms au 36180", True),
    ("Désinscription : STOP au 36 180", True),
    ("STOP 36180", True),
    ("Don't stop now", False),
    ("STOP au 36111", False),
    ("STOP\nau 36180", False),
    ("NONSTOP au 36180", False),
])
def test_what_counts_as_a_stop_mention(text: str, found: bool) -> None:
    assert has_stop_mention(text) is found


def test_the_mention_is_appended_after_the_trial_prefix_and_the_cut() -> None:
    prepared = prepare("a" * 200, trial=True, stop_mention=True)
    assert prepared.text == "TRIAL USE: " + "a" * 135 + STOP_MENTION
    assert (len(prepared.text), prepared.truncated, prepared.stop_mention_added) == (160, True, True)


def test_trailing_blanks_do_not_double_before_the_mention() -> None:
    assert prepare("Hello  \n", stop_mention=True).text == "Hello" + STOP_MENTION


def test_a_text_blank_before_the_mention_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"blank in the part that is sent.*cut off at 146"):
        prepare(" " * 150 + "words", stop_mention=True)


def test_a_text_blank_in_its_parts_names_the_parts() -> None:
    with pytest.raises(InvalidInputError, match="cut off at 2 SMS parts"):
        prepare(" " * 400 + "words", max_parts=2)
