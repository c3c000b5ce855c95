"""The Send SMS action end to end against a mocked API: DESIGN.md's promises, one per test."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from jsonschema import Draft3Validator

from allmysms_component import context
from allmysms_component.actions.send_sms import process
from allmysms_component.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    OutcomeUnknownError,
)
from allmysms_component.settings import Settings

from .conftest import API_KEY, CFG, SEND, TRIAL_API_KEY, Deploy, answer, form_of, message, sent_to_everyone


def sent_form(api: responses.RequestsMock, index: int = 0) -> dict[str, Any]:
    form: dict[str, Any] = form_of(api.calls[index].request)
    form["smsData"] = json.loads(form["smsData"])["DATA"]
    return form


# -- the output message -----------------------------------------------------------------------------------

def test_output_body_is_valid_against_metadata_out(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent"))
    out = process(message(), CFG)
    schema = context.current().descriptor.data["actions"]["sendSMS"]["metadata"]["out"]
    assert list(Draft3Validator(schema).iter_errors(out["body"])) == []
    assert set(out["body"]) == set(schema["properties"])


def test_output_is_a_platform_message_with_a_new_id(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent"))
    out = process(message(), CFG)
    assert set(out) == {"id", "body", "attachments", "headers", "metadata"}
    assert out["id"] != "msg-1"


def test_output_reports_what_was_sent(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent"))
    body = process(message(text="Hello"), CFG)["body"]
    assert body == {
        "recipients": ["33612345678"],
        "smsIds": [{"phoneNumber": "33612345678", "smsId": "330792bd-8e0b-11e5-bf51-0025907cd72e"}],
        "invalidNumbers": [], "skippedNumbers": [], "trial": False, "text": "Hello", "truncated": False,
        "encoding": "GSM-7", "segments": 1, "cliMsgId": "msg-1", "status": 100,
        "statusText": "Your messages have been sent", "campaignId": "ap_28423", "nbSms": 1, "creditsUsed": 15,
        "credits": 985,
        # 1.1.0: keys of the new inputs and settings, at their values for a plain send
        "simulated": False, "creditsNeeded": None, "scheduled": False, "scheduledAt": None, "campaignName": None,
        "replacedCharacters": 0, "stopMentionAdded": False,
    }


def test_output_numbers_are_json_numbers_not_strings(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent"))
    body = process(message(), CFG)["body"]
    for key in ("status", "nbSms", "creditsUsed", "credits", "segments"):
        assert isinstance(body[key], int), key


def test_output_is_json_serialisable(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent"))
    json.dumps(process(message(), CFG))


# -- recipients -------------------------------------------------------------------------------------------

def test_numbers_are_cleaned_up_and_sent_in_input_order(api: responses.RequestsMock) -> None:
    api.add_callback(responses.POST, SEND, callback=sent_to_everyone)
    body = process(message("+33 6 12 34 56 78; 06.98.76.54.32\n0049 (151) 123-45678"), CFG)["body"]
    assert body["recipients"] == ["33612345678", "0698765432", "4915112345678"]
    assert [sms["MOBILEPHONE"] for sms in sent_form(api)["smsData"]["SMS"]] == body["recipients"]


def test_duplicates_are_sent_once_and_reported_as_skipped(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent"))
    body = process(message("33612345678, +33612345678, 0033 612 345 678"), CFG)["body"]
    assert body["recipients"] == ["33612345678"]
    assert body["skippedNumbers"] == ["33612345678", "33612345678"]


def test_malformed_entries_are_reported_and_the_rest_is_sent(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent"))
    body = process(message("33612345678, call me, 123"), CFG)["body"]
    assert body["recipients"] == ["33612345678"]
    assert body["invalidNumbers"] == ["call me", "123"]


def test_numbers_refused_by_the_api_join_the_invalid_numbers(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_one_refused"))
    body = process(message("33612345678, 33699999999, oops"), CFG)["body"]
    assert body["invalidNumbers"] == ["oops", "33699999999"]
    assert body["recipients"] == ["33612345678"]


def test_status_113_partial_send_is_reported_not_raised(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_partial_invalid"))
    body = process(message("33612345678, 33699999999"), CFG)["body"]
    assert (body["status"], body["invalidNumbers"]) == (113, ["33699999999"])


# -- text -------------------------------------------------------------------------------------------------

def test_long_text_is_truncated_to_160_and_reported(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent"))
    body = process(message(text="x" * 200), CFG)["body"]
    assert (len(body["text"]), body["truncated"]) == (160, True)
    assert sent_form(api)["smsData"]["MESSAGE"] == "x" * 160


def test_unicode_text_is_reported_as_ucs2_with_its_parts(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent"))
    body = process(message(text="Réunion à 10h 😀 " * 6), CFG)["body"]
    assert body["encoding"] == "UCS-2"
    assert body["segments"] == 2


def test_sender_is_sent_as_tpoa(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent"))
    process(message(sender="Shop2024"), CFG)
    assert sent_form(api)["smsData"]["TPOA"] == "Shop2024"


# -- the client message id --------------------------------------------------------------------------------

def test_platform_message_id_is_sent_as_climsgid_and_echoed(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent"))
    body = process(message(), CFG)["body"]
    assert sent_form(api)["smsData"]["CLIMSGID"] == "msg-1"
    assert body["cliMsgId"] == "msg-1"


@pytest.mark.parametrize("message_id", [None, "", 42, "x" * 65, "line\nbreak"])
def test_an_unusable_message_id_is_replaced_by_a_new_one(api: responses.RequestsMock, message_id: object) -> None:
    api.post(SEND, json=answer("send_sent"))
    msg = message()
    msg["id"] = message_id
    body = process(msg, CFG)["body"]
    assert len(body["cliMsgId"]) == 36
    assert sent_form(api)["smsData"]["CLIMSGID"] == body["cliMsgId"]


# -- trial mode -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cfg", [{}, None, {"login": "me"}, {"apiKey": API_KEY}, {"login": " ", "apiKey": ""}])
def test_a_blank_credential_sends_with_the_trial_account(api: responses.RequestsMock, trial_env: None,
                                                         cfg: dict[str, str] | None) -> None:
    api.post(SEND, json=answer("send_sent"))
    assert process(message(), cfg)["body"]["trial"] is True
    form = sent_form(api)
    assert (form["login"], form["apiKey"]) == ("demo", TRIAL_API_KEY)


def test_trial_text_is_prefixed_and_cut_at_160_in_total(api: responses.RequestsMock, trial_env: None) -> None:
    api.post(SEND, json=answer("send_sent"))
    body = process(message(text="y" * 160), {})["body"]
    assert body["text"] == "TRIAL USE: " + "y" * 149
    assert body["truncated"] is True


def test_trial_sends_to_the_first_two_recipients_only(api: responses.RequestsMock, trial_env: None) -> None:
    api.add_callback(responses.POST, SEND, callback=sent_to_everyone)
    body = process(message("33600000001, 33600000002, 33600000003, 33600000004"), {})["body"]
    assert body["recipients"] == ["33600000001", "33600000002"]
    assert body["skippedNumbers"] == ["33600000003", "33600000004"]
    assert len(sent_form(api)["smsData"]["SMS"]) == 2


def test_trial_without_a_configured_account_fails_before_any_request(api: responses.RequestsMock) -> None:
    with pytest.raises(ConfigurationError, match="ALLMYSMS_TRIAL_LOGIN and ALLMYSMS_TRIAL_API_KEY"):
        process(message(), {})
    assert len(api.calls) == 0


def test_filled_credentials_never_use_the_trial_account(api: responses.RequestsMock, trial_env: None) -> None:
    api.post(SEND, json=answer("send_sent"))
    body = process(message(text="Hi"), CFG)["body"]
    assert (body["trial"], body["text"]) == (False, "Hi")
    assert sent_form(api)["login"] == "me"


# -- bad input sends nothing ------------------------------------------------------------------------------

@pytest.mark.parametrize(("msg", "field"), [
    (message(numbers=""), "mobileNumbers"),
    (message(numbers="no numbers here"), "mobileNumbers"),
    (message(numbers=33612345678), "mobileNumbers"),
    (message(sender="AB"), "senderName"),
    (message(sender="My Shop"), "senderName"),
    (message(sender="1Shop"), "senderName"),
    (message(text=""), "messageText"),
    (message(text="   \n"), "messageText"),
    (message(text=None), "messageText"),
    (message(text="bell\x07"), "messageText"),
    ({"body": {"senderName": "MyShop", "messageText": "Hi"}}, "mobileNumbers"),
])
def test_invalid_input_names_the_field_and_makes_no_request(api: responses.RequestsMock, msg: Any,
                                                            field: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        process(msg, CFG)
    assert raised.value.field == field
    assert field in str(raised.value)
    assert len(api.calls) == 0


@pytest.mark.parametrize("msg", [None, [], "text", 3, {"id": "x"}, {"body": []}, {"body": "hello"}])
def test_a_message_without_a_body_object_is_refused(api: responses.RequestsMock, msg: Any) -> None:
    with pytest.raises(InvalidInputError, match="body"):
        process(msg, CFG)
    assert len(api.calls) == 0


def test_every_input_problem_is_listed_at_once(api: responses.RequestsMock) -> None:
    with pytest.raises(InvalidInputError) as raised:
        process({"body": {"mobileNumbers": 1, "senderName": "x"}}, CFG)
    assert [p.split(" ", 2)[:2] for p in raised.value.problems] == [
        ["Mobile", "numbers"], ["Sender", "Name"], ["Message", "Text"]]


def test_a_plain_http_api_url_off_loopback_is_refused_before_any_request(
        api: responses.RequestsMock) -> None:
    with pytest.raises(ConfigurationError, match="ALLMYSMS_API_URL"):  # the deployment's context is not built
        context.from_env({"ALLMYSMS_API_URL": "http://api.allmysms.com"})
    assert len(api.calls) == 0


# -- deployment settings and faults -----------------------------------------------------------------------

def test_the_api_url_comes_from_the_environment(api: responses.RequestsMock, deployment: Deploy) -> None:
    deployment(Settings.from_env({"ALLMYSMS_API_URL": "http://127.0.0.1:8099/"}))
    api.post("http://127.0.0.1:8099/http/9.0/sendSms/", json=answer("send_sent"))
    assert process(message(), CFG)["body"]["status"] == 100


def test_messages_share_one_connection_pool(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent"))
    process(message(), CFG)
    first = context.current().client
    process(message(), CFG)
    assert context.current().client is first
    assert len(api.calls) == 2


def test_api_errors_reach_the_caller_as_typed_errors(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_bad_credentials"))
    with pytest.raises(AuthenticationError, match="login and API key"):
        process(message(), CFG)


def test_a_server_error_says_the_sms_may_have_been_sent(api: responses.RequestsMock) -> None:
    api.post(SEND, status=500)
    with pytest.raises(OutcomeUnknownError, match="may have been sent"):
        process(message(), CFG)
    assert len(api.calls) == 1
