"""The look-alike table, checked against GSM 03.38 written out here by code position, as the standard lists it."""

# ruff: noqa: RUF001 - the look-alike characters are what these tests are about

from __future__ import annotations

import unicodedata

import pytest

from allmysms_component.rules.lookalikes import LOOKALIKES, replace_lookalikes
from allmysms_component.rules.text import GSM_BASIC, GSM_EXTENSION, count_segments

ESC = None  # 0x1B, the escape to the extension table: not a character
# GSM 03.38 default alphabet, positions 0x00 to 0x7F, 16 a row.
GSM_03_38 = [
    "@", "£", "$", "¥", "è", "é", "ù", "ì", "ò", "Ç", "\n", "Ø", "ø", "\r", "Å", "å",
    "Δ", "_", "Φ", "Γ", "Λ", "Ω", "Π", "Ψ", "Σ", "Θ", "Ξ", ESC, "Æ", "æ", "ß", "É",
    " ", "!", '"', "#", "¤", "%", "&", "'", "(", ")", "*", "+", ",", "-", ".", "/",
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ":", ";", "<", "=", ">", "?",
    "¡", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O",
    "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "Ä", "Ö", "Ñ", "Ü", "§",
    "¿", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
    "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "ä", "ö", "ñ", "ü", "à",
]
# The extension table: position after ESC -> character (two septets each).
GSM_03_38_EXTENSION = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~", 0x3E: "]",
                       0x40: "|", 0x65: "€"}
STANDARD = {char for char in GSM_03_38 if char is not None}


def test_the_standard_as_written_here_has_128_positions_and_one_escape() -> None:
    assert len(GSM_03_38) == 128
    assert GSM_03_38.index(ESC) == 0x1B
    assert len(STANDARD) == 127


def test_the_component_alphabet_is_gsm_03_38() -> None:
    assert set(GSM_BASIC) == STANDARD
    assert set(GSM_EXTENSION) == set(GSM_03_38_EXTENSION.values())


@pytest.mark.parametrize("char", sorted(LOOKALIKES), ids=lambda c: f"U+{ord(c):04X}")
def test_each_replaced_character_is_outside_gsm_03_38(char: str) -> None:
    assert char not in STANDARD
    assert char not in GSM_03_38_EXTENSION.values()


@pytest.mark.parametrize("char", sorted(LOOKALIKES), ids=lambda c: f"U+{ord(c):04X}")
def test_each_replacement_is_in_the_default_alphabet_and_costs_one_septet_each(char: str) -> None:
    assert set(LOOKALIKES[char]) <= STANDARD


@pytest.mark.parametrize("char", sorted(LOOKALIKES), ids=lambda c: f"U+{ord(c):04X}")
def test_no_letter_is_ever_replaced(char: str) -> None:
    # Punctuation, spaces, separators and format marks only: a letter would need a spelling change.
    assert unicodedata.category(char)[0] in "PZCS", unicodedata.name(char, repr(char))


@pytest.mark.parametrize(("text", "replaced", "count"), [
    ("L’heure « H » – 9 h…", 'L\'heure " H " - 9 h...', 5),
    ("9\u202fh\u00a0: prix\u00a010\u00a0€", "9 h : prix 10 €", 4),
    ("zero\u200bwidth\u00adsoft\ufeff", "zerowidthsoft", 3),
    ("“quoted” ‘single’ „low“", '"quoted" \'single\' "low"', 6),
    ("tab\there\u2028next", "tab here\nnext", 2),
    ("plain text, nothing to do", "plain text, nothing to do", 0),
    ("émoji 😀 and ê stay", "émoji 😀 and ê stay", 0),
])
def test_replace_lookalikes(text: str, replaced: str, count: int) -> None:
    result = replace_lookalikes(text)
    assert (result.text, result.count) == (replaced, count)


def test_one_curly_apostrophe_no_longer_turns_one_part_into_three() -> None:
    text = ("Bonjour, votre colis est arrivé au point relais. Retrait possible dès aujourd’hui de 9 h à 19 h "
            "avec une pièce d'identité. Merci et à demain !")
    assert count_segments(text) == ("UCS-2", 3)
    assert count_segments(replace_lookalikes(text).text) == ("GSM-7", 1)
