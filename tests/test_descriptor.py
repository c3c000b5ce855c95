"""component.json, the fixed contract, and input validation against its ``metadata.in``."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft3Validator

from allmysms_component import context
from allmysms_component.errors import InvalidInputError
from pysailor import descriptor
from pysailor.descriptor import Descriptor
from pysailor.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[1]
COMPONENT_JSON = ROOT / "component.json"

INPUT_KEYS = ("mobileNumbers", "senderName", "messageText")
LABELS = {
    "mobileNumbers": "Mobile numbers (mobileNumbers)",
    "senderName": "Sender Name (senderName)",
    "messageText": "Message Text (messageText)",
}
OUTPUT_KEYS = {"recipients", "smsIds", "invalidNumbers", "skippedNumbers", "trial", "text", "truncated",
               "encoding", "segments", "cliMsgId", "status", "statusText", "campaignId", "nbSms", "creditsUsed",
               "credits",
               # 1.1.0
               "simulated", "creditsNeeded", "scheduled", "scheduledAt", "campaignName", "replacedCharacters",
               "stopMentionAdded",
               # issue 19, only when Recipients, Default country or Skip opted-out numbers is used
               "reasons", "perRecipient", "segmentsTotal"}
ENV_VARS = ("ALLMYSMS_TRIAL_LOGIN", "ALLMYSMS_TRIAL_API_KEY", "ALLMYSMS_API_URL", "ALLMYSMS_JOURNAL_URL",
            "ALLMYSMS_JOURNAL_TTL", "ALLMYSMS_SEND_UNPROVEN_REDELIVERIES", "ALLMYSMS_JOURNAL_MEMORY_MB")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")

VALID_BODY = {"mobileNumbers": "33612345678", "senderName": "MyShop", "messageText": "Hello"}


def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(COMPONENT_JSON.read_text(encoding="utf-8"))
    return data


def _problems(body: object) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        context.current().descriptor.action("sendSMS").validate(body)
    return caught.value


def _body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = dict(VALID_BODY)
    body.update(changes)
    return body


# --- component.json: top level -----------------------------------------------------------------------------

def test_title_is_all_my_sms() -> None:
    assert _data()["title"] == "All My SMS"


def test_description_is_present() -> None:
    description = _data()["description"]
    assert isinstance(description, str)
    assert description.strip()


def test_version_is_semver() -> None:
    assert SEMVER.match(_data()["version"])


def test_descriptor_version_is_the_file_version() -> None:
    assert context.current().descriptor.version == _data()["version"]


def test_component_json_path_is_the_repository_file() -> None:
    assert descriptor.component_json_path(context.COMPONENT_JSON) == COMPONENT_JSON


def test_load_parses_the_file_once() -> None:
    assert context.current().descriptor is context.current().descriptor


# --- component.json: credentials ---------------------------------------------------------------------------

def test_credentials_have_exactly_api_key_and_login() -> None:
    assert set(_data()["credentials"]["fields"]) == {"apiKey", "login"}


def test_api_key_field_is_an_optional_password_field() -> None:
    field = _data()["credentials"]["fields"]["apiKey"]
    assert field["label"] == "API key"
    assert field["viewClass"] == "PasswordFieldView"
    assert field["required"] is False


def test_login_field_is_an_optional_text_field() -> None:
    field = _data()["credentials"]["fields"]["login"]
    assert field["label"] == "login"
    assert field["viewClass"] == "TextFieldView"
    assert field["required"] is False


@pytest.mark.parametrize("name", ["apiKey", "login"])
def test_credential_note_mentions_trial_mode(name: str) -> None:
    assert "trial" in _data()["credentials"]["fields"][name]["note"].lower()


# --- component.json: the sendSMS action --------------------------------------------------------------------

def test_send_sms_action_has_title_description_and_help() -> None:
    action = _data()["actions"]["sendSMS"]
    assert action["title"] == "Send SMS"
    assert isinstance(action["description"], str)
    assert action["description"].strip()
    assert action["help"]


def test_send_sms_main_is_the_action_module_path() -> None:
    assert _data()["actions"]["sendSMS"]["main"] == "./allmysms_component/actions/send_sms.py"


def test_send_sms_main_file_exists() -> None:
    assert (ROOT / _data()["actions"]["sendSMS"]["main"]).is_file()


def test_input_schema_is_an_object_with_the_three_required_fields() -> None:
    schema = _data()["actions"]["sendSMS"]["metadata"]["in"]
    assert schema["type"] == "object"
    assert {key for key, prop in schema["properties"].items() if prop.get("required")} == set(INPUT_KEYS)


@pytest.mark.parametrize("key", INPUT_KEYS)
def test_input_property_is_a_required_string_with_a_title(key: str) -> None:
    prop = _data()["actions"]["sendSMS"]["metadata"]["in"]["properties"][key]
    assert prop["type"] == "string"
    assert prop["required"] is True
    assert isinstance(prop["title"], str)
    assert prop["title"].strip()


def test_input_schema_is_a_valid_draft3_schema() -> None:
    Draft3Validator.check_schema(_data()["actions"]["sendSMS"]["metadata"]["in"])


def test_output_schema_lists_every_key_of_the_output_body() -> None:
    out = _data()["actions"]["sendSMS"]["metadata"]["out"]
    assert out["type"] == "object"
    assert set(out["properties"]) == OUTPUT_KEYS


@pytest.mark.parametrize("name", ENV_VARS)
def test_env_var_is_declared_and_not_required(name: str) -> None:
    assert _data()["envVars"][name]["required"] is False


def test_no_env_var_is_required() -> None:
    assert all(spec.get("required") is not True for spec in _data()["envVars"].values())


def test_the_triggers_are_a_webhook_and_a_poll_with_outputs_and_no_mapped_input() -> None:
    triggers = _data()["triggers"]
    assert {key: spec["type"] for key, spec in triggers.items()} == {"receiveReportsAndReplies": "webhook",
                                                                     "pollReplies": "polling"}
    assert all("in" not in spec["metadata"] and spec["metadata"]["out"]["properties"] for spec in triggers.values())


# --- validate: valid input ---------------------------------------------------------------------------------

def test_valid_body_passes() -> None:
    context.current().descriptor.action("sendSMS").validate(dict(VALID_BODY))


def test_extra_unknown_properties_are_allowed() -> None:
    context.current().descriptor.action("sendSMS").validate(_body(somethingElse=42, nested={"a": [1, 2]}))


# --- validate: missing, wrong type, empty ------------------------------------------------------------------

@pytest.mark.parametrize("key", INPUT_KEYS)
def test_missing_field_is_named_by_label_and_key(key: str) -> None:
    body = dict(VALID_BODY)
    del body[key]
    error = _problems(body)
    assert error.field == key
    assert error.problems == [f"{LABELS[key]} is required"]
    assert LABELS[key] in str(error)


@pytest.mark.parametrize("value", [42, 4.2, None, ["x"], {"a": "b"}, True],
                         ids=["number", "float", "null", "list", "object", "bool"])
@pytest.mark.parametrize("key", INPUT_KEYS)
def test_wrong_type_is_named(key: str, value: object) -> None:
    error = _problems(_body(**{key: value}))
    assert error.field == key
    assert len(error.problems) == 1
    assert error.problems[0].startswith(f"{LABELS[key]} must be text")


@pytest.mark.parametrize(("value", "kind"), [(42, "a number"), (None, "null"), ([], "a list"),
                                             ({}, "an object"), (False, "true/false")])
def test_wrong_type_message_says_what_was_given(value: object, kind: str) -> None:
    error = _problems(_body(messageText=value))
    assert error.problems == [f"Message Text (messageText) must be text, not {kind}"]


@pytest.mark.parametrize("key", INPUT_KEYS)
def test_empty_string_is_named(key: str) -> None:
    error = _problems(_body(**{key: ""}))
    assert error.field == key
    assert f"{LABELS[key]} is empty" in error.problems


def test_every_missing_field_is_listed_at_once() -> None:
    error = _problems({})
    assert error.problems == [f"{LABELS[key]} is required" for key in INPUT_KEYS]


def test_every_kind_of_problem_is_listed_at_once() -> None:
    error = _problems({"mobileNumbers": 33612345678, "senderName": "1shop"})
    message = str(error)
    assert len(error.problems) == 3
    for label in LABELS.values():
        assert label in message
    assert "must be text" in message
    assert "is required" in message
    assert "'1shop' is not allowed" in message


@pytest.mark.parametrize("body", [None, [], ["a"], "text", 42, True],
                         ids=["null", "empty-list", "list", "string", "number", "bool"])
def test_non_object_body_is_refused(body: object) -> None:
    error = _problems(body)
    assert "object" in str(error)


# --- validate: sender name rule ----------------------------------------------------------------------------

@pytest.mark.parametrize("sender", [
    "Abc", "ABC", "abc", "A12", "aB3", "MyShop", "Shop2024", "Abcdefghijk", "Z0000000000",
], ids=["3-letters", "upper", "lower", "letter-digits", "mixed", "word", "word-digits", "11", "11-digits"])
def test_sender_name_accepted(sender: str) -> None:
    context.current().descriptor.action("sendSMS").validate(_body(senderName=sender))


@pytest.mark.parametrize("sender", [
    "Ab", "A", "Abcdefghijkl", "1Abc", "123", "Abc\n", "\nAbc", "Abc\r\n", "Abc ", " Abc", "My Shop",
    "Abc\t", "Café", "Éclair", "Straße", "Ab-c", "Ab_c", "Ab.c", "Abc!", "\uff21bc",
    "Abc\u0661", "Abc\u200b",
], ids=["2", "1", "12", "leading-digit", "digits-only", "trailing-LF", "leading-LF", "trailing-CRLF",
        "trailing-space", "leading-space", "inner-space", "tab", "accent", "leading-accent", "eszett", "dash",
        "underscore", "dot", "punctuation", "fullwidth", "arabic-indic-digit", "zero-width-space"])
def test_sender_name_refused(sender: str) -> None:
    error = _problems(_body(senderName=sender))
    assert error.field == "senderName"
    assert len(error.problems) == 1
    assert error.problems[0].startswith("Sender Name (senderName)")
    assert "not allowed" in error.problems[0]


def test_sender_name_refusal_says_what_is_allowed() -> None:
    error = _problems(_body(senderName="My Shop"))
    assert "3 to 11" in error.problems[0]


# --- the schema comes from component.json ------------------------------------------------------------------

def _modified() -> dict[str, Any]:
    data = copy.deepcopy(_data())
    sender = data["actions"]["sendSMS"]["metadata"]["in"]["properties"]["senderName"]
    sender["title"] = "From"
    sender["pattern"] = "^[0-9]{4}$"
    sender["description"] = "exactly four digits"
    return data


def test_validator_follows_a_descriptor_built_from_modified_json() -> None:
    context.use(context.Context(descriptor=Descriptor(_modified(), InvalidInputError)))
    action = context.current().descriptor.action("sendSMS")
    action.validate(_body(senderName="1234"))
    with pytest.raises(InvalidInputError) as caught:
        action.validate(_body(senderName="MyShop"))
    assert caught.value.problems == ["From (senderName) 'MyShop' is not allowed; allowed: exactly four digits"]


def test_validator_reads_the_schema_from_the_component_json_file(tmp_path: Path) -> None:
    path = tmp_path / "component.json"
    path.write_text(json.dumps(_modified()), encoding="utf-8")
    action = Descriptor.load(path, input_error=InvalidInputError).action("sendSMS")
    action.validate(_body(senderName="1234"))
    with pytest.raises(InvalidInputError) as caught:
        action.validate(_body(senderName="MyShop"))
    assert caught.value.field == "senderName"
    assert "From (senderName)" in str(caught.value)


def test_a_field_made_optional_in_the_json_is_no_longer_required() -> None:
    data = copy.deepcopy(_data())
    data["actions"]["sendSMS"]["metadata"]["in"]["properties"]["senderName"]["required"] = False
    action = Descriptor(data).action("sendSMS")
    action.validate({"mobileNumbers": "33612345678", "messageText": "Hello"})


def test_missing_component_json_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        descriptor.component_json_path((tmp_path / "component.json",))


def test_unknown_action_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        context.current().descriptor.action("sendFax")
    assert "sendFax" in str(caught.value)
