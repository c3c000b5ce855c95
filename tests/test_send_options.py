"""Send SMS's step settings (dry run, maximum SMS parts, look-alike characters, marketing STOP mention) against a
mocked API, and the promise of 1.1.0: without a new input or setting, the very request and output of 1.0.0."""

# ruff: noqa: RUF001 - the look-alike characters are what these tests are about

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
import responses
from jsonschema import Draft3Validator

from allmysms_component import context
from allmysms_component.actions.send_sms import process
from allmysms_component.errors import ConfigurationError, InsufficientCreditError

from .conftest import API_KEY, CFG, INFO, SEND, SIMULATE, answer, endpoints, form, message, sms_data

# What 1.0.0 posted for message(text="Hello") with CFG: the form fields in this order, smsData byte for byte.
PLAIN_SMS_DATA = '{"DATA":{"MESSAGE":"Hello","TPOA":"MyShop","SMS":[{"MOBILEPHONE":"33612345678"}],"CLIMSGID":"msg-1"}}'
PLAIN_BODY = urlencode({"login": "me", "apiKey": API_KEY, "returnformat": "json", "smsData": PLAIN_SMS_DATA})
# What 1.0.0 answered for it (with the sendsms_sent_one answer): every key, every value.
PLAIN_OUTPUT_1_0_0 = {
    "recipients": ["33612345678"], "smsIds": [{"phoneNumber": "33612345678",
                                               "smsId": "330792bd-8e0b-11e5-bf51-0025907cd72e"}],
    "invalidNumbers": [], "skippedNumbers": [], "trial": False, "text": "Hello", "truncated": False,
    "encoding": "GSM-7", "segments": 1, "cliMsgId": "msg-1", "status": 100,
    "statusText": "Your messages have been sent", "campaignId": "ap_1", "nbSms": 1, "creditsUsed": 15, "credits": 985,
}
NEW_KEYS_OF_A_PLAIN_SEND = {"simulated": False, "creditsNeeded": None, "scheduled": False, "scheduledAt": None,
                            "campaignName": None, "replacedCharacters": 0, "stopMentionAdded": False}


def settings(**values: Any) -> dict[str, Any]:
    return {**CFG, **values}


def send_text(api: responses.RequestsMock, text: str, **cfg: Any) -> dict[str, Any]:
    api.post(SEND, json=answer("send_sent_one"))
    body: dict[str, Any] = process(message(text=text), settings(**cfg))["body"]
    assert sms_data(api, -1)["MESSAGE"] == body["text"]
    return body


# -- the 1.0.0 promise ------------------------------------------------------------------------------------

def test_a_plain_send_posts_byte_for_byte_the_request_of_1_0_0(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_one"))
    process(message(text="Hello"), CFG)
    request = api.calls[0].request
    assert (request.method, request.url) == ("POST", SEND)
    assert request.body == PLAIN_BODY
    assert form(api)["smsData"].encode() == PLAIN_SMS_DATA.encode()


def test_a_plain_send_keeps_every_1_0_0_output_key_and_value(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_one"))
    body = process(message(text="Hello"), CFG)["body"]
    assert {key: body[key] for key in PLAIN_OUTPUT_1_0_0} == PLAIN_OUTPUT_1_0_0
    assert body == {**PLAIN_OUTPUT_1_0_0, **NEW_KEYS_OF_A_PLAIN_SEND}


@pytest.mark.parametrize(("cfg", "extra"), [
    pytest.param({"maxSmsParts": "1"}, {}, id="max-parts-1-chosen"),
    pytest.param({"dryRun": None, "marketingMessage": False}, {}, id="null-and-false-checkboxes"),
    pytest.param({"_account": "5f1e", "somethingElse": 1}, {}, id="keys-that-are-not-settings"),
    pytest.param({}, {"sendAt": "", "campaignName": None}, id="empty-optional-inputs"),
    pytest.param({}, {"sendAt": None, "campaignName": "   "}, id="null-and-blank-optional-inputs"),
    pytest.param({"replaceLookalikes": "on"}, {}, id="nothing-to-replace"),
    pytest.param({"marketingMessage": "on"}, {"messageText": "Hello STOP au 36180"}, id="mention-already-there"),
])
def test_settings_and_inputs_that_change_nothing_send_the_same_request(
        api: responses.RequestsMock, cfg: dict[str, Any], extra: dict[str, Any]) -> None:
    api.post(SEND, json=answer("send_sent_one"))
    msg = message(**extra) if "messageText" not in extra else message(text=extra["messageText"])
    process(msg, settings(**cfg))
    expected = PLAIN_SMS_DATA.replace("Hello", extra.get("messageText", "Hello"))
    assert form(api)["smsData"] == expected


def test_every_output_key_is_described_in_metadata_out_and_valid(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_one"))
    body = process(message(), CFG)["body"]
    schema = context.current().descriptor.data["actions"]["sendSMS"]["metadata"]["out"]
    assert set(body) == set(schema["properties"])
    assert list(Draft3Validator(schema).iter_errors(body)) == []


# -- settings as the platform sends them ------------------------------------------------------------------

@pytest.mark.parametrize(("key", "value", "label"), [
    ("dryRun", "yes", "Dry run (dryRun)"),
    ("dryRun", "off", "Dry run (dryRun)"),
    ("dryRun", "", "Dry run (dryRun)"),
    ("dryRun", 1, "Dry run (dryRun)"),
    ("replaceLookalikes", "ON", "Replace look-alike characters (replaceLookalikes)"),
    ("marketingMessage", ["on"], "Marketing message (marketingMessage)"),
    ("maxSmsParts", "5", "Maximum SMS parts (maxSmsParts)"),
    ("maxSmsParts", "0", "Maximum SMS parts (maxSmsParts)"),
    ("maxSmsParts", "two", "Maximum SMS parts (maxSmsParts)"),
    ("maxSmsParts", 2.5, "Maximum SMS parts (maxSmsParts)"),
    ("maxSmsParts", True, "Maximum SMS parts (maxSmsParts)"),
    ("duplicateWindow", "7", "Duplicate window (duplicateWindow)"),
    ("duplicateWindow", "five", "Duplicate window (duplicateWindow)"),
])
def test_a_malformed_setting_is_a_configuration_error_named_by_its_label_before_any_request(
        api: responses.RequestsMock, key: str, value: object, label: str) -> None:
    with pytest.raises(ConfigurationError, match=label.replace("(", r"\(").replace(")", r"\)")) as caught:
        process(message(), settings(**{key: value}))
    assert "nothing was sent" in caught.value.message
    assert not caught.value.may_have_been_sent
    assert len(api.calls) == 0


@pytest.mark.parametrize("value", ["on", True])
def test_a_ticked_checkbox_is_on_or_true(api: responses.RequestsMock, value: object) -> None:
    api.post(SIMULATE, json=answer("simulate_two_numbers_one_refused"))
    api.post(INFO, json=answer("info_active_account"))
    assert process(message(), settings(dryRun=value))["body"]["simulated"] is True


@pytest.mark.parametrize("value", ["2", 2, " 2 "])
def test_a_select_is_a_string_or_a_whole_number(api: responses.RequestsMock, value: object) -> None:
    body = send_text(api, "x" * 200, maxSmsParts=value)
    assert (body["segments"], body["truncated"]) == (2, False)


# -- dry run ----------------------------------------------------------------------------------------------

def test_a_dry_run_simulates_then_reads_the_credits_and_never_sends(api: responses.RequestsMock) -> None:
    api.post(SIMULATE, json=answer("simulate_two_numbers_one_refused"))
    api.post(INFO, json=answer("info_active_account"))
    body = process(message(numbers="33612345678, 33600000666"), settings(dryRun="on"))["body"]
    assert endpoints(api) == ["simulateCampaign", "getInfo"]
    assert form(api, 0)["smsData"] == PLAIN_SMS_DATA.replace(
        '{"MOBILEPHONE":"33612345678"}', '{"MOBILEPHONE":"33612345678"},{"MOBILEPHONE":"33600000666"}')
    assert {key: body[key] for key in ("simulated", "nbSms", "creditsNeeded", "credits", "creditsUsed",
                                       "invalidNumbers", "smsIds", "campaignId", "status")} == {
        "simulated": True, "nbSms": 3, "creditsNeeded": 45, "credits": 1847, "creditsUsed": 0,
        "invalidNumbers": ["33600000666"], "smsIds": [], "campaignId": None, "status": 100}


def test_a_dry_run_where_the_api_refuses_some_numbers_still_prices_the_others(api: responses.RequestsMock) -> None:
    api.post(SIMULATE, json={**answer("simulate_two_numbers_one_refused"), "status": 113})
    api.post(INFO, json=answer("info_active_account"))
    body = process(message(numbers="33612345678, 33600000666"), settings(dryRun="on"))["body"]
    assert (body["status"], body["creditsNeeded"], body["invalidNumbers"]) == (113, 45, ["33600000666"])


def test_a_dry_run_the_api_refuses_says_nothing_was_sent(api: responses.RequestsMock) -> None:
    api.post(SIMULATE, json={"status": 104, "statusText": "Not enough credit (to use: 45, available: 15)"})
    with pytest.raises(InsufficientCreditError, match="nothing was sent") as caught:
        process(message(), settings(dryRun="on"))
    assert not caught.value.may_have_been_sent
    assert endpoints(api) == ["simulateCampaign"]


# -- maximum SMS parts ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "parts", "sent", "encoding", "segments"), [
    pytest.param("a" * 400, "1", "a" * 160, "GSM-7", 1, id="1-part-is-160-characters-as-before"),
    pytest.param("a" * 400, "2", "a" * 306, "GSM-7", 2, id="gsm7-2-parts-of-153"),
    pytest.param("a" * 700, "4", "a" * 612, "GSM-7", 4, id="gsm7-4-parts-under-the-640-limit"),
    # 150 é and one € fill the first part to 152 septets: the next €'s escape pair would straddle, so it starts part 2
    pytest.param("é" * 150 + "€" * 200, "3", "é" * 150 + "€" * 153, "GSM-7", 3, id="extension-chars-count-two"),
    pytest.param("ê" * 300, "2", "ê" * 134, "UCS-2", 2, id="ucs2-2-parts-of-67"),
    pytest.param("ê" * 300, "1", "ê" * 160, "UCS-2", 3, id="ucs2-1-part-setting-keeps-160-characters"),
    # 33 emoji (66 units) fill a part of 67: a surrogate pair never straddles two parts
    pytest.param("😀" * 100, "2", "😀" * 66, "UCS-2", 2, id="an-emoji-is-two-units"),
    pytest.param("a" * 305 + "🇫🇷", "2", "a" * 305, "GSM-7", 2, id="a-flag-is-dropped-whole"),
])
def test_the_text_fills_at_most_the_parts_allowed(api: responses.RequestsMock, text: str, parts: str, sent: str,
                                                  encoding: str, segments: int) -> None:
    body = send_text(api, text, maxSmsParts=parts)
    assert (body["text"], body["truncated"], body["encoding"], body["segments"]) == (sent, True, encoding,
                                                                                   segments)


def test_a_text_that_fits_its_parts_is_not_truncated(api: responses.RequestsMock) -> None:
    body = send_text(api, "a" * 459, maxSmsParts="3")
    assert (len(body["text"]), body["truncated"], body["segments"]) == (459, False, 3)


# -- look-alike characters --------------------------------------------------------------------------------

def test_look_alikes_are_replaced_so_the_sms_stays_gsm7_and_the_output_counts_them(
        api: responses.RequestsMock) -> None:
    body = send_text(api, "C’est « prêt » – voir…", replaceLookalikes="on")
    assert body["text"] == 'C\'est " prêt " - voir...'
    assert (body["replacedCharacters"], body["encoding"]) == (5, "UCS-2")  # ê is a letter: kept
    body = send_text(api, "It’s ready – see you…", replaceLookalikes="on")
    assert (body["text"], body["replacedCharacters"], body["encoding"], body["segments"]) == (
        "It's ready - see you...", 3, "GSM-7", 1)


def test_without_the_setting_look_alikes_are_sent_as_typed(api: responses.RequestsMock) -> None:
    body = send_text(api, "It’s ready")
    assert (body["text"], body["replacedCharacters"], body["encoding"]) == ("It’s ready", 0, "UCS-2")


def test_replacement_happens_before_the_cut(api: responses.RequestsMock) -> None:
    body = send_text(api, "…" * 60, replaceLookalikes="on")  # 180 dots once replaced
    assert (body["text"], body["truncated"], body["replacedCharacters"]) == ("." * 160, True, 60)


# -- marketing STOP mention -------------------------------------------------------------------------------

def test_the_stop_mention_is_appended_and_reported(api: responses.RequestsMock) -> None:
    body = send_text(api, "Soldes -50% ce week-end", marketingMessage="on")
    assert (body["text"], body["stopMentionAdded"]) == ("Soldes -50% ce week-end STOP au 36180", True)


@pytest.mark.parametrize("text", ["Soldes ! Stop au 36180", "STOP SMS au 36180 - soldes", "Soldes. STOP: 36 180"])
def test_a_text_with_a_stop_mention_is_left_alone(api: responses.RequestsMock, text: str) -> None:
    body = send_text(api, text, marketingMessage="on")
    assert (body["text"], body["stopMentionAdded"]) == (text, False)


def test_the_text_is_cut_before_the_mention_never_the_mention(api: responses.RequestsMock) -> None:
    body = send_text(api, "a" * 200, marketingMessage="on")
    assert body["text"] == "a" * 146 + " STOP au 36180"
    assert (len(body["text"]), body["truncated"], body["segments"]) == (160, True, 1)


def test_a_mention_beyond_the_cut_does_not_count(api: responses.RequestsMock) -> None:
    body = send_text(api, "a" * 170 + " STOP au 36180", marketingMessage="on")
    assert body["text"] == "a" * 146 + " STOP au 36180"


def test_the_mention_counts_toward_the_parts(api: responses.RequestsMock) -> None:
    body = send_text(api, "a" * 400, marketingMessage="on", maxSmsParts="2")
    assert body["text"] == "a" * 292 + " STOP au 36180"
    assert body["segments"] == 2
