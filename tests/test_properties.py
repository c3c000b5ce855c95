"""Property-based specifications of Send SMS: whatever arrives, the action answers a valid output message or
one of its own errors, sends nothing when the input is refused, cuts text at a visible-character boundary,
bills the parts the network bills, loses no number, and posts exactly the text and sender it was given.

The inputs come from tests/strategies.py; the expected values from the independent references in
tests/oracles.py, which must not share a bug with the package.
"""

from __future__ import annotations

import json
import re
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft3Validator
from requests import PreparedRequest

from allmysms_component import context
from allmysms_component.actions.send_sms import process
from allmysms_component.errors import AllMySmsError, InvalidInputError
from allmysms_component.rules.recipients import Recipients, mask, normalize, parse
from allmysms_component.rules.text import PreparedText, count_segments, prepare

from .conftest import API_KEY, CFG, SEND, message, mocked_api, sent_to_everyone
from .oracles import (
    FORBIDDEN_REF,
    LIMIT,
    cluster_boundaries,
    entries_of,
    expected_recipients,
    intended,
    reference_blank,
    reference_cut,
    reference_segments,
)
from .strategies import (
    BIDI,
    GSM_PIECES,
    HOSTILE_TEXTS,
    INJECTION,
    JSON,
    NUMBER_LISTS,
    SENDABLE_TEXTS,
    SENDERS,
    decorated_numbers,
    texts,
)

TRIAL_CFG: dict[str, str] = {}
VALID_BODY = {"mobileNumbers": "33612345678", "senderName": "MyShop", "messageText": "Hello"}
FIELDS = tuple(VALID_BODY)
OUT_SCHEMA: dict[str, Any] = context.current().descriptor.data["actions"]["sendSMS"]["metadata"]["out"]
MB10 = 10 * 1024 * 1024
MEMORY_FACTOR = 4  # peak extra memory while handling a hostile value, in multiples of the value's own size

# Few examples per test, many tests: the file runs in seconds on a 2-core CI machine.
QUICK = settings(max_examples=60, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
THOROUGH = settings(QUICK, max_examples=200)


# -- the mocked API and the outcome of one call --------------------------------------------------------------

def posted_form(request: PreparedRequest) -> dict[str, list[str]]:
    """Every value of every form field posted, parsed strictly: a stray '&' or '=' would fail here."""
    body = request.body
    raw = body.decode("utf-8") if isinstance(body, bytes) else str(body)
    return parse_qs(raw, keep_blank_values=True, strict_parsing=True)


@dataclass
class Outcome:
    body: dict[str, Any] | None
    error: AllMySmsError | None
    forms: list[dict[str, list[str]]]

    @property
    def data(self) -> dict[str, Any]:
        """The smsData actually posted, parsed."""
        assert len(self.forms) == 1
        parsed: dict[str, Any] = json.loads(self.forms[0]["smsData"][0])
        assert set(parsed) == {"DATA"}
        data: dict[str, Any] = parsed["DATA"]
        return data


def send(msg: object, cfg: object = CFG) -> Outcome:
    """process() against an API that accepts everything; only the component's own errors are caught."""
    with mocked_api() as mock:
        mock.add_callback(responses.POST, SEND, callback=sent_to_everyone)
        try:
            out = process(msg, cfg)
        except AllMySmsError as error:
            return Outcome(None, error, [posted_form(call.request) for call in mock.calls])
        return Outcome(out["body"], None, [posted_form(call.request) for call in mock.calls])


def assert_contract(outcome: Outcome) -> None:
    """A valid output message after exactly one request, or InvalidInputError and no request at all."""
    if outcome.error is not None:
        assert isinstance(outcome.error, InvalidInputError), repr(outcome.error)
        assert outcome.forms == []
        return
    assert outcome.body is not None
    assert list(Draft3Validator(OUT_SCHEMA).iter_errors(outcome.body)) == []
    assert set(outcome.body) == set(OUT_SCHEMA["properties"])
    assert len(outcome.forms) == 1
    json.dumps(outcome.body)


def prepared_or_none(message_text: str, trial: bool) -> PreparedText | None:
    """The text as it would be sent, or None when it is refused (always naming the messageText field)."""
    try:
        return prepare(message_text, trial=trial)
    except InvalidInputError as error:
        refused = error
    assert refused.field == "messageText"
    return None


def parsed_or_refusal(raw: str) -> Recipients | InvalidInputError:
    try:
        return parse(raw)
    except InvalidInputError as error:
        return error


def sent_body(outcome: Outcome) -> dict[str, Any]:
    assert outcome.error is None, outcome.error
    assert outcome.body is not None
    return outcome.body


# -- any JSON in, a valid message or the component's own error out --------------------------------------------

@QUICK
@given(msg=JSON | st.fixed_dictionaries({"body": JSON}) | st.fixed_dictionaries(
    {"id": JSON, "body": st.fixed_dictionaries(dict.fromkeys(FIELDS, JSON))}))
def test_any_json_message_gives_a_valid_output_or_an_input_error_without_request(msg: object) -> None:
    assert_contract(send(msg))


@QUICK
@given(body=JSON)
def test_any_json_body_gives_a_valid_output_or_an_input_error_without_request(body: object) -> None:
    assert_contract(send({"id": "msg-1", "body": body}))


@THOROUGH
@given(name=st.sampled_from(FIELDS), value=JSON | HOSTILE_TEXTS | NUMBER_LISTS | SENDERS)
def test_any_json_value_in_one_field_is_sent_or_refused_naming_that_field(name: str, value: object) -> None:
    outcome = send(message(body={**VALID_BODY, name: value}))
    assert_contract(outcome)
    if isinstance(outcome.error, InvalidInputError):
        assert outcome.error.field == name
        assert name in str(outcome.error)


@QUICK
@given(msg_id=JSON)
def test_any_json_message_id_gives_a_valid_output(msg_id: object) -> None:
    outcome = send({**message(), "id": msg_id})
    assert_contract(outcome)
    assert sent_body(outcome)["cliMsgId"] == outcome.data["CLIMSGID"]


# -- text: the 160 cut, grapheme clusters, encoding and parts --------------------------------------------------

@THOROUGH
@given(message_text=SENDABLE_TEXTS, trial=st.booleans())
def test_sent_text_has_at_most_160_code_points_trial_prefix_included(message_text: str, trial: bool) -> None:
    prepared = prepared_or_none(message_text, trial)
    assert prepared is None or len(prepared.text) <= LIMIT


@THOROUGH
@given(message_text=SENDABLE_TEXTS, trial=st.booleans())
def test_sent_text_is_a_prefix_of_the_intended_text(message_text: str, trial: bool) -> None:
    prepared = prepared_or_none(message_text, trial)
    assert prepared is None or intended(message_text, trial).startswith(prepared.text)


@THOROUGH
@given(message_text=SENDABLE_TEXTS, trial=st.booleans())
def test_cut_never_splits_a_grapheme_cluster(message_text: str, trial: bool) -> None:
    prepared = prepared_or_none(message_text, trial)
    assert prepared is None or len(prepared.text) in cluster_boundaries(intended(message_text, trial))


@THOROUGH
@given(message_text=SENDABLE_TEXTS, trial=st.booleans())
def test_cut_keeps_every_whole_cluster_that_fits(message_text: str, trial: bool) -> None:
    prepared = prepared_or_none(message_text, trial)
    assert prepared is None or prepared.text == reference_cut(intended(message_text, trial))


@THOROUGH
@given(message_text=SENDABLE_TEXTS, trial=st.booleans())
def test_truncated_says_whether_the_text_was_cut(message_text: str, trial: bool) -> None:
    prepared = prepared_or_none(message_text, trial)
    assert prepared is None or prepared.truncated == (prepared.text != intended(message_text, trial))


@THOROUGH
@given(message_text=SENDABLE_TEXTS, trial=st.booleans())
def test_encoding_and_parts_agree_with_the_gsm_03_38_reference(message_text: str, trial: bool) -> None:
    prepared = prepared_or_none(message_text, trial)
    assert prepared is None or (prepared.encoding, prepared.segments) == reference_segments(prepared.text)


@THOROUGH
@given(sample=st.text(alphabet=GSM_PIECES, max_size=400) | st.text(alphabet=st.sampled_from(GSM_PIECES)
                                                                       | st.characters(), max_size=400))
def test_count_segments_agrees_with_the_reference_for_any_text(sample: str) -> None:
    assert count_segments(sample) == reference_segments(sample)


@THOROUGH
@given(message_text=HOSTILE_TEXTS, trial=st.booleans())
def test_text_is_refused_exactly_when_its_sent_part_has_a_control_is_blank_or_cannot_be_cut(
        message_text: str, trial: bool) -> None:
    cut = reference_cut(intended(message_text, trial))
    prefix_length = len(intended(message_text, trial)) - len(message_text)
    should_refuse = (any(c in FORBIDDEN_REF for c in cut) or reference_blank(message_text)
                     or len(cut) <= prefix_length or reference_blank(cut[prefix_length:]))
    assert (prepared_or_none(message_text, trial) is None) == should_refuse


# -- text through the action: what is posted is what is reported ----------------------------------------------

@THOROUGH
@given(message_text=HOSTILE_TEXTS, trial=st.booleans())
def test_control_characters_are_refused_naming_the_field_or_the_text_is_sent_exactly(
        trial_env: None, message_text: str, trial: bool) -> None:
    outcome = send(message(messageText=message_text), TRIAL_CFG if trial else CFG)
    assert_contract(outcome)
    if outcome.error is not None:
        assert isinstance(outcome.error, InvalidInputError)
        assert outcome.error.field == "messageText"
        assert "messageText" in str(outcome.error)
        return
    expected = reference_cut(intended(message_text, trial))
    assert not FORBIDDEN_REF.intersection(expected)
    assert outcome.data["MESSAGE"] == sent_body(outcome)["text"] == expected


@THOROUGH
@given(message_text=texts(INJECTION + BIDI + ["a", " "], free=st.sampled_from(INJECTION)), sender=SENDERS,
       msg_id=st.lists(st.sampled_from([*INJECTION, "x"]), min_size=1, max_size=8).map("".join))
def test_markup_and_json_fragments_reach_the_api_as_plain_text(message_text: str, sender: str,
                                                               msg_id: str) -> None:
    outcome = send({**message(messageText=message_text, senderName=sender), "id": msg_id})
    if reference_blank(reference_cut(message_text)):
        assert isinstance(outcome.error, InvalidInputError)
        return
    body = sent_body(outcome)
    form = outcome.forms[0]
    assert set(form) == {"login", "apiKey", "returnformat", "smsData"}
    assert all(len(values) == 1 for values in form.values())
    assert (form["login"][0], form["apiKey"][0], form["returnformat"][0]) == ("me", API_KEY, "json")
    assert outcome.data == {"MESSAGE": reference_cut(message_text), "TPOA": sender,
                            "SMS": [{"MOBILEPHONE": "33612345678"}],
                            "CLIMSGID": msg_id if len(msg_id) <= 64 and msg_id.isprintable() else body["cliMsgId"]}


@pytest.mark.parametrize("message_text", [
    "\u200f\u05e9\u05dc\u05d5\u05dd",                            # RLM, then Hebrew
    "abc\u202edcba",                                              # right-to-left override
    "\u2067\u0645\u0631\u062d\u0628\u0627\u2069 Bob",            # isolate around Arabic
    "\u061c12:30",                                                # Arabic letter mark
])
def test_right_to_left_marks_in_the_text_are_sent_exactly(message_text: str) -> None:
    outcome = send(message(messageText=message_text))
    assert outcome.data["MESSAGE"] == sent_body(outcome)["text"] == message_text
    assert sent_body(outcome)["encoding"] == "UCS-2"


def test_right_to_left_marks_around_a_number_are_cleaned_up() -> None:
    outcome = send(message(mobileNumbers="\u200f+33 6 12 34 56 78\u200e, \u202b0698765432\u202c"))
    assert sent_body(outcome)["recipients"] == ["33612345678", "0698765432"]
    assert outcome.data["SMS"] == [{"MOBILEPHONE": "33612345678"}, {"MOBILEPHONE": "0698765432"}]


@pytest.mark.parametrize("sender", ["\u200fMyShop", "MyShop\u200e", "My\u202eShop", "MyShop\x00", "MyShop\n"])
def test_invisible_or_control_characters_in_the_sender_are_refused_naming_it(sender: str) -> None:
    outcome = send(message(senderName=sender))
    assert isinstance(outcome.error, InvalidInputError)
    assert outcome.error.field == "senderName"
    assert outcome.forms == []


# -- recipients -----------------------------------------------------------------------------------------------

@THOROUGH
@given(raw=NUMBER_LISTS)
def test_recipients_are_unique_numbers_of_6_to_15_ascii_digits(raw: str) -> None:
    parsed = parsed_or_refusal(raw)
    if isinstance(parsed, InvalidInputError):
        assert parsed.field == "mobileNumbers"
        return
    assert all(re.fullmatch(r"[0-9]{6,15}", number) for number in parsed.numbers)
    assert len(set(parsed.numbers)) == len(parsed.numbers)


@THOROUGH
@given(raw=NUMBER_LISTS)
def test_every_entry_is_sent_reported_invalid_or_skipped(raw: str) -> None:
    expected = expected_recipients(raw)
    parsed = parsed_or_refusal(raw)
    if isinstance(parsed, InvalidInputError):
        assert (parsed.field, expected.numbers) == ("mobileNumbers", [])
        return
    assert (parsed.numbers, parsed.invalid, parsed.skipped) == (expected.numbers, expected.invalid, expected.skipped)
    assert len(parsed.numbers) + len(parsed.invalid) + len(parsed.skipped) == len(entries_of(raw))


@THOROUGH
@given(number=decorated_numbers())
def test_decorated_numbers_normalize_to_their_digits_without_international_prefix(
        number: tuple[str, str | None]) -> None:
    typed, wanted = number
    assert normalize(typed) == wanted


@THOROUGH
@given(raw=NUMBER_LISTS, trial=st.booleans())
def test_every_entry_appears_in_the_output_and_the_api_gets_the_recipients(
        trial_env: None, raw: str, trial: bool) -> None:
    outcome = send(message(mobileNumbers=raw), TRIAL_CFG if trial else CFG)
    assert_contract(outcome)
    expected = expected_recipients(raw, limit=2 if trial else None)
    if outcome.error is not None:
        assert isinstance(outcome.error, InvalidInputError)
        assert (outcome.error.field, expected.numbers) == ("mobileNumbers", [])
        return
    body = sent_body(outcome)
    assert (body["recipients"], body["invalidNumbers"], body["skippedNumbers"]) == (
        expected.numbers, expected.invalid, expected.skipped)
    assert len(body["recipients"]) + len(body["invalidNumbers"]) + len(body["skippedNumbers"]) == len(entries_of(raw))
    assert [sms["MOBILEPHONE"] for sms in outcome.data["SMS"]] == body["recipients"]
    assert [sms["phoneNumber"] for sms in body["smsIds"]] == body["recipients"]


# -- hostile sizes --------------------------------------------------------------------------------------------

@contextmanager
def memory_peak() -> Iterator[list[int]]:
    """The peak of memory allocated inside the block, in bytes (in a one-item list, filled at exit)."""
    peak: list[int] = []
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


def hostile(*cases: tuple[str, Callable[[], str]]) -> pytest.MarkDecorator:
    """Parametrize with values built inside the test, so that 10 MB strings do not live through the session."""
    return pytest.mark.parametrize("build", [pytest.param(build, id=kind) for kind, build in cases])


@hostile(
    ("ascii", lambda: "a" * MB10),
    ("emoji", lambda: "\U0001f600" * (MB10 // 4)),
    ("CJK", lambda: "漢" * (MB10 // 2)),
    ("ZWJ families", lambda: "\U0001f468\u200d\U0001f469\u200d\U0001f467" * (MB10 // 16)),
)
def test_a_10_mb_text_is_cut_to_160_within_bounded_memory(build: Callable[[], str]) -> None:
    message_text = build()
    with memory_peak() as peak:
        outcome = send(message(messageText=message_text))
    assert peak[0] < MEMORY_FACTOR * sys.getsizeof(message_text)
    body = sent_body(outcome)
    assert body["text"] == outcome.data["MESSAGE"] == reference_cut(message_text[:LIMIT * 2])
    assert body["truncated"] is True


def test_a_10_mb_single_cluster_is_refused_naming_the_field_within_bounded_memory() -> None:
    message_text = "a" + "\u0301" * MB10
    with memory_peak() as peak:
        outcome = send(message(messageText=message_text))
    assert peak[0] < MEMORY_FACTOR * sys.getsizeof(message_text)
    assert isinstance(outcome.error, InvalidInputError)
    assert outcome.error.field == "messageText"
    assert len(str(outcome.error)) < 1000
    assert outcome.forms == []


@hostile(
    ("two numbers between 10 MB of line breaks", lambda: "33612345678" + "\n" * MB10 + "0698765432"),
    ("a number and a 10 MB junk entry", lambda: "33612345678," + "x" * MB10),
    ("a number padded with 10 MB of spaces", lambda: "33612345678" + " " * MB10),
)
def test_a_10_mb_number_list_with_few_entries_is_sent_within_bounded_memory(build: Callable[[], str]) -> None:
    raw = build()
    with memory_peak() as peak:
        outcome = send(message(mobileNumbers=raw))
    assert peak[0] < MEMORY_FACTOR * sys.getsizeof(raw)
    expected = expected_recipients(raw)
    body = sent_body(outcome)
    assert (body["recipients"], body["invalidNumbers"]) == (expected.numbers, expected.invalid)
    assert [sms["MOBILEPHONE"] for sms in outcome.data["SMS"]] == expected.numbers


@hostile(
    ("900 000 numbers", lambda: "33612345678," * (MB10 // 12)),
    ("one 10 MB junk entry", lambda: "x" * MB10),
    ("one 10 MB run of digits", lambda: "3" * MB10),
    ("10 MB of separators", lambda: ",;\r\n" * (MB10 // 4)),
)
def test_a_10_mb_number_list_without_a_sendable_list_is_refused_clearly(build: Callable[[], str]) -> None:
    raw = build()
    with memory_peak() as peak:
        outcome = send(message(mobileNumbers=raw))
    assert peak[0] < MEMORY_FACTOR * sys.getsizeof(raw)
    assert isinstance(outcome.error, InvalidInputError)
    assert outcome.error.field == "mobileNumbers"
    assert "mobileNumbers" in str(outcome.error)
    assert len(str(outcome.error)) < 1000, f"an error of {len(str(outcome.error))} characters"
    assert outcome.forms == []


@QUICK
@given(entry=st.text(min_size=6) | st.builds(lambda c, n: c * n, st.characters(), st.integers(6, 100_000)))
def test_a_masked_entry_shows_at_most_five_characters_and_stays_short(entry: str) -> None:
    masked = mask(entry)
    head = 3 if len(entry) >= 10 else 0  # under 10 characters, 3 + 2 would show half of it or more
    assert masked == entry[:head] + "*" * (len(masked) - head - 2) + entry[-2:]
    assert len(masked) <= 25
