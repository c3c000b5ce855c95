"""One text per recipient: a Recipients list, each number with its values for the text's #param_n#, sent in one
AllMySMS v9 call (PARAM_n per SMS entry, DYNAMIC), every rule of one text for everyone holding per recipient."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from jsonschema import Draft3Validator

from allmysms_component import context
from allmysms_component.actions.send_sms import process
from allmysms_component.errors import InvalidInputError
from allmysms_component.sandbox import AllMySmsSimulator
from pysailor.sending import Unguarded, use

from .conftest import (
    CFG,
    SANDBOX_CFG,
    SEND,
    SIMULATE,
    TRIAL_API_KEY,
    Deploy,
    SetClock,
    answer,
    message,
    personal,
    sent_to_everyone,
    sms_data,
)

pytestmark = pytest.mark.usefixtures("paris_clock")

ANN = ("33612345678", ["Ann", "A12"])
BOB = ("33698765432", ["Bob", 7])
TEXT = "Hello #param_1#, order #param_2# ships today"


def test_one_call_carries_each_recipients_values_as_param_n_and_dynamic(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_two"))
    process(personal(TEXT, ANN, BOB), CFG)
    assert len(api.calls) == 1
    data = sms_data(api)
    assert data["MESSAGE"] == TEXT
    assert data["SMS"] == [{"MOBILEPHONE": "33612345678", "PARAM_1": "Ann", "PARAM_2": "A12"},
                           {"MOBILEPHONE": "33698765432", "PARAM_1": "Bob", "PARAM_2": "7"}]
    assert data["DYNAMIC"] == 2


def test_the_output_has_every_key_of_metadata_out_and_is_valid_against_it(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_two"))
    body = process(personal(TEXT, ANN, BOB), CFG)["body"]
    schema = context.current().descriptor.data["actions"]["sendSMS"]["metadata"]["out"]
    assert list(Draft3Validator(schema).iter_errors(body)) == []
    assert set(body) == set(schema["properties"])


def test_the_output_says_what_each_recipient_got_and_the_parts_they_add_up_to(
        api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_two"))
    body = process(personal(TEXT, ("33612345678", ["Zoë 🎉", "A12"]), BOB), CFG)["body"]
    assert body["perRecipient"] == [{"phoneNumber": "33612345678", "encoding": "UCS-2", "segments": 1},
                                     {"phoneNumber": "33698765432", "encoding": "GSM-7", "segments": 1}]
    assert body["segmentsTotal"] == 2
    assert (body["text"], body["encoding"], body["truncated"]) == (TEXT, "UCS-2", False)
    assert body["recipients"] == ["33612345678", "33698765432"]
    assert body["reasons"] == []


def test_parts_are_counted_per_recipient_and_summed(api: responses.RequestsMock) -> None:
    api.add_callback(responses.POST, SEND, callback=sent_to_everyone)
    long_value = "x" * 170
    body = process(personal("#param_1# end", ("33612345678", [long_value]), ("33698765432", ["short"])),
                   {**CFG, "maxSmsParts": "2"})["body"]
    assert [row["segments"] for row in body["perRecipient"]] == [2, 1]
    assert (body["segments"], body["segmentsTotal"]) == (2, 3)


def test_a_number_in_both_lists_is_sent_once_with_its_values(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_two"))
    body = process(personal("Hi #param_1#", ("33612345678", ["Ann"]), ("33698765432", ["Bob"]),
                            numbers="+33 6 12 34 56 78"), CFG)["body"]
    assert [entry["MOBILEPHONE"] for entry in sms_data(api)["SMS"]] == ["33612345678", "33698765432"]
    assert body["skippedNumbers"] == ["33612345678"]
    assert body["reasons"] == [{"number": "33612345678",
                                "reason": "also in the Recipients list: sent once, with its values"}]


def test_without_placeholders_the_comma_list_gets_the_same_text_as_the_list(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_two"))
    process(personal("Hello all", ("33612345678", []), numbers="33698765432"), CFG)
    data = sms_data(api)
    assert data["SMS"] == [{"MOBILEPHONE": "33612345678"}, {"MOBILEPHONE": "33698765432"}]
    assert "DYNAMIC" not in data


def test_a_recipients_list_needs_no_mobile_numbers_but_a_plain_message_still_does(
        api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_one"))
    process(personal("Hi #param_1#", ("33612345678", ["Ann"])), CFG)
    with pytest.raises(InvalidInputError, match=r"Mobile numbers \(mobileNumbers\) is required"):
        process(personal("Hi"), CFG)  # an empty list is no list


@pytest.mark.parametrize(("entries", "numbers", "said"), [
    ([("33612345678", ["Ann"])], None, r"entry 1 \(336\*\*\*\*\*\*78\) has 1 value; the text has placeholders "
                                       r"#param_1# to #param_2#, so it needs 2"),
    ([("33612345678", ["Ann", "  "])], None, r"entry 1 \(336\*\*\*\*\*\*78\): value 2 \(#param_2#\) is missing"),
    ([("33612345678", ["Ann", None])], None, r"value 2 \(#param_2#\) must be text or a number"),
    ([("33612345678", ["Ann", "A1"])], "33698765432",
     r"Mobile numbers \(mobileNumbers\) has 1 number\(s\) that are not in Recipients \(recipients\) "
     r"\(336\*\*\*\*\*\*32\)"),
])
def test_missing_or_miscounted_values_are_refused_before_any_request(
        api: responses.RequestsMock, entries: list[tuple[str, list[Any]]], numbers: str | None, said: str) -> None:
    with pytest.raises(InvalidInputError, match=said):
        process(personal(TEXT, *entries, numbers=numbers), CFG)
    assert len(api.calls) == 0


def test_every_problem_of_the_list_is_told_at_once(api: responses.RequestsMock) -> None:
    msg = personal(TEXT, ANN, ("33698765432", ["Bob"]))
    msg["body"]["recipients"].append({"values": ["Cy", "C3"]})
    with pytest.raises(InvalidInputError) as caught:
        process(msg, CFG)
    assert len(caught.value.problems) == 2
    assert "entry 3 has no mobile" in caught.value.problems[1]
    assert len(api.calls) == 0


def test_values_for_a_text_without_placeholders_are_refused(api: responses.RequestsMock) -> None:
    with pytest.raises(InvalidInputError, match="the text has no #param_n# placeholder, so it needs none"):
        process(personal("Hello", ANN), CFG)
    assert len(api.calls) == 0


def test_a_text_that_values_make_too_long_is_refused_naming_the_recipient(api: responses.RequestsMock) -> None:
    with pytest.raises(InvalidInputError, match=r"longer than 160 characters for 1 recipient\(s\) "
                                                r"\(336\*\*\*\*\*\*32\); AllMySMS fills in the values"):
        process(personal("Hi #param_1#", ("33612345678", ["Ann"]), ("33698765432", ["y" * 158])), CFG)
    assert len(api.calls) == 0


def test_malformed_and_duplicate_entries_each_land_in_one_list_with_a_reason(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_one"))
    body = process(personal("Hi #param_1#", ("33612345678", ["Ann"]), ("not a number", ["X"]),
                            ("+33612345678", ["Again"])), CFG)["body"]
    assert body["recipients"] == ["33612345678"]
    assert body["invalidNumbers"] == ["not a number"]
    assert body["skippedNumbers"] == ["33612345678"]
    assert [reason["reason"] for reason in body["reasons"]] == [
        "not a phone number: 6 to 15 digits, optionally after + or 00", "the same number as an earlier entry"]
    assert sms_data(api)["SMS"] == [{"MOBILEPHONE": "33612345678", "PARAM_1": "Ann"}]


def test_trial_mode_prefixes_the_text_and_sends_to_two_recipients(
        api: responses.RequestsMock, deployment: Deploy, paris_clock: SetClock) -> None:
    deployment(trial_login="demo", trial_api_key=TRIAL_API_KEY)
    paris_clock("2026-12-08T10:00:00")
    api.post(SEND, json=answer("send_sent_two"))
    body = process(personal("Hi #param_1#", ("33612345678", ["Ann"]), ("33698765432", ["Bob"]),
                            ("33611111111", ["Cy"])), {})["body"]
    data = sms_data(api)
    assert data["MESSAGE"] == "TRIAL USE: Hi #param_1#"
    assert [entry["PARAM_1"] for entry in data["SMS"]] == ["Ann", "Bob"]
    assert body["skippedNumbers"] == ["33611111111"]
    assert body["reasons"] == [{"number": "33611111111", "reason": "over the 2 recipients of trial mode"}]
    assert [row["phoneNumber"] for row in body["perRecipient"]] == ["33612345678", "33698765432"]


def test_the_stop_mention_and_look_alikes_apply_to_each_recipients_text(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_one"))
    body = process(personal("Hi #param_1#", ("33612345678", ["l\u2019\u00e9t\u00e9"])),
                   {**CFG, "marketingMessage": "on", "replaceLookalikes": "on"})["body"]
    assert sms_data(api)["MESSAGE"] == "Hi #param_1# STOP au 36180"
    assert sms_data(api)["SMS"][0]["PARAM_1"] == "l'\u00e9t\u00e9"
    assert body["perRecipient"] == [{"phoneNumber": "33612345678", "encoding": "GSM-7", "segments": 1}]
    assert (body["replacedCharacters"], body["stopMentionAdded"]) == (1, True)


def test_a_dry_run_prices_the_very_payload(api: responses.RequestsMock) -> None:
    api.post(SIMULATE, json=answer("simulate_priced"))
    api.post("https://api.allmysms.com/http/9.0/getInfo/", json=answer("info_active"))
    process(personal(TEXT, ANN, BOB), {**CFG, "dryRun": "on"})
    assert sms_data(api)["DYNAMIC"] == 2


class Recording(Unguarded):
    """A send gate that keeps what the duplicate window would compare."""

    def __init__(self) -> None:
        self.duplicates: list[tuple[str, float] | None] = []

    def before_send(self, withheld: Any = None, *, duplicate: tuple[str, float] | None = None) -> None:
        self.duplicates.append(duplicate)


def test_other_values_are_other_content_for_the_duplicate_window(api: responses.RequestsMock) -> None:
    api.add_callback(responses.POST, SEND, callback=sent_to_everyone)
    gate = Recording()
    cfg = {**CFG, "duplicateWindow": "5"}
    with use(gate):
        process(personal("Hi #param_1#", ("33612345678", ["Ann"])), cfg)
        process(personal("Hi #param_1#", ("33612345678", ["Ann"])), cfg)
        process(personal("Hi #param_1#", ("33612345678", ["Bob"])), cfg)
        process(message(text="Hi #param_1#"), cfg)
    digests = [duplicate[0] for duplicate in gate.duplicates if duplicate]
    assert digests[0] == digests[1]
    assert len({digests[0], digests[2], digests[3]}) == 3


def test_the_simulator_fills_in_each_recipients_values(simulator: AllMySmsSimulator) -> None:
    body = process(personal(TEXT, ANN, ("0698765432", ["Bob", "B" * 150])), {**SANDBOX_CFG, "maxSmsParts": "2"})
    texts = {sms.phone_number: (sms.text, sms.parts) for sms in simulator.received}
    assert texts == {"33612345678": ("Hello Ann, order A12 ships today", 1),
                     "33698765432": (f"Hello Bob, order {'B' * 150} ships today", 2)}
    assert body["body"]["nbSms"] == body["body"]["segmentsTotal"] == 3


def test_on_the_simulator_each_text_carries_the_trial_prefix_and_the_stop_mention(
        simulator: AllMySmsSimulator, deployment: Deploy, paris_clock: SetClock) -> None:
    deployment(trial_login="trial", trial_api_key="trial-key")
    paris_clock("2026-12-08T10:00:00")  # a marketing send, on a weekday morning
    process(personal("Hi #param_1#", ("33612345678", ["Ann"]), ("33698765432", ["Bob"])),
            {"marketingMessage": "on"})
    assert [sms.text for sms in simulator.received] == ["TRIAL USE: Hi Ann STOP au 36180",
                                                        "TRIAL USE: Hi Bob STOP au 36180"]


def test_the_output_keeps_no_recipients_text_nor_values(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_two"))
    out = json.dumps(process(personal(TEXT, ("33612345678", ["Zelda", "Q77"]), BOB), CFG))
    assert "Zelda" not in out
    assert "Q77" not in out


def test_the_simulator_refuses_a_flow_whose_entries_lack_a_param(simulator: AllMySmsSimulator) -> None:
    flow = {"DATA": {"MESSAGE": "Hi #param_1#", "TPOA": "MyShop", "DYNAMIC": 1,
                     "SMS": [{"MOBILEPHONE": "33612345678"}]}}
    reply = simulator.handle("POST", "/http/9.0/sendSms/", {"login": SANDBOX_CFG["login"],
                                                            "apiKey": SANDBOX_CFG["apiKey"],
                                                            "smsData": json.dumps(flow)})
    assert reply is not None
    assert json.loads(reply.body)["status"] == 106
    assert simulator.received == []


@pytest.mark.parametrize(("recipients", "said"), [
    ("33612345678", r"Recipients \(recipients\) must be a list, not text"),
    ([["33612345678", "Ann"]], r"Recipients \(recipients\) entry 1 has no mobile: each entry is an object"),
])
def test_a_recipients_list_of_the_wrong_shape_is_refused(api: responses.RequestsMock, recipients: object,
                                                         said: str) -> None:
    msg = personal("Hi #param_1#")
    msg["body"]["recipients"] = recipients
    with pytest.raises(InvalidInputError, match=said):
        process(msg, CFG)
    assert len(api.calls) == 0


def test_a_blank_comma_list_beside_the_recipients_list_is_no_list(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_one"))
    body = process(personal("Hi #param_1#", ("33612345678", ["Ann"]), numbers="  "), CFG)["body"]
    assert body["recipients"] == ["33612345678"]
