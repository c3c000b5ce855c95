"""The Send SMS output, where it used to break: every entry in exactly one list, status 113 read for what it
says, an output that can always be emitted."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses

import pysailor as runtime
from allmysms_component.actions.send_sms import process
from allmysms_component.errors import ApiRejectedError, OutcomeUnknownError
from allmysms_component.sandbox import AllMySmsSimulator
from pysailor import execute, new_message

from .conftest import CFG, SANDBOX_CFG, message

SEND = "https://api.allmysms.com/http/9.0/sendSms/"
REFUSED_BY_THE_API = "33600000666"  # on the simulator fixture's blacklist
PLATFORM_LIMIT = 10_485_760  # bytes, the sailor's OUTGOING_MESSAGE_SIZE_LIMIT


def answer(sent: list[str], *, refused: str = "", status: int = 100, **fields: Any) -> dict[str, Any]:
    """A sendSms answer: ``sent`` get an SMS id, ``refused`` is the "|"-joined invalidNumbers."""
    return {"status": status, "statusText": "Your messages have been sent", "invalidNumbers": refused,
            "campaignId": "ap_1", "credits": "985", "creditsUsed": str(15 * len(sent)),
            "nbContacts": str(len(sent)), "nbSms": str(len(sent)),
            "smsIds": [{"phoneNumber": n, "smsId": f"id-{i}"} for i, n in enumerate(sent)], **fields}


def in_exactly_one_list(body: dict[str, Any]) -> list[str]:
    return [*body["recipients"], *body["invalidNumbers"], *body["skippedNumbers"]]


# -- every entry in exactly one of recipients, invalidNumbers, skippedNumbers --------------------------------

def test_a_number_allmysms_refuses_leaves_the_recipients(simulator: AllMySmsSimulator) -> None:
    body = process(message(f"33612345678, {REFUSED_BY_THE_API}, garbage, 33612345678"), SANDBOX_CFG)["body"]

    assert [sms.phone_number for sms in simulator.received] == ["33612345678"]
    assert body["recipients"] == ["33612345678"]
    assert body["invalidNumbers"] == ["garbage", REFUSED_BY_THE_API]
    assert body["skippedNumbers"] == ["33612345678"]
    assert len(in_exactly_one_list(body)) == 4
    assert [sms["phoneNumber"] for sms in body["smsIds"]] == body["recipients"]


@pytest.mark.parametrize(("typed", "reported", "recipients", "invalid"), [
    pytest.param("33612345678, 33699999999", "33699999999", ["33612345678"], ["33699999999"], id="as-sent"),
    pytest.param("33612345678, 0699999999", "0699999999", ["33612345678"], ["0699999999"], id="national-form"),
    pytest.param("33612345678, 33699999999", "+33 6 99 99 99 99", ["33612345678"], ["33699999999"],
                 id="decorated-echo"),
    pytest.param("33612345678, 33699999999, oops", "33699999999|33612345678", [],
                 ["oops", "33612345678", "33699999999"], id="refused-in-input-order"),
])
def test_numbers_refused_by_the_api_move_from_recipients_to_invalid_numbers(
        api: responses.RequestsMock, typed: str, reported: str, recipients: list[str], invalid: list[str]) -> None:
    api.post(SEND, json=answer(recipients or ["33600000001"], refused=reported))
    body = process(message(typed), CFG)["body"]
    assert (body["recipients"], body["invalidNumbers"]) == (recipients, invalid)


# -- status 113 without SMS ids ------------------------------------------------------------------------------

def test_113_without_sms_ids_refusing_some_numbers_may_have_sent_to_the_others(
        api: responses.RequestsMock) -> None:
    api.post(SEND, json={"status": 113, "statusText": "Some numbers are invalid", "invalidNumbers": "33699999999"})
    with pytest.raises(OutcomeUnknownError) as raised:
        process(message("33612345678, 33699999999"), CFG)
    assert raised.value.may_have_been_sent is True
    assert raised.value.status == 113
    assert raised.value.refused == ["33699999999"]
    assert "may have been sent" in str(raised.value)
    assert "1 other number" in str(raised.value)


def test_113_without_sms_ids_and_no_number_listed_may_have_sent(api: responses.RequestsMock) -> None:
    api.post(SEND, json={"status": 113, "statusText": "Some numbers are invalid", "invalidNumbers": ""})
    with pytest.raises(OutcomeUnknownError) as raised:
        process(message("33612345678"), CFG)
    assert raised.value.may_have_been_sent is True


def test_113_refusing_every_number_sent_nothing(api: responses.RequestsMock) -> None:
    api.post(SEND, json={"status": 113, "statusText": "Some numbers are invalid",
                         "invalidNumbers": "+33612345678|33699999999"})
    with pytest.raises(ApiRejectedError) as raised:
        process(message("33612345678, 33699999999"), CFG)
    assert raised.value.may_have_been_sent is False
    assert raised.value.refused == ["+33612345678", "33699999999"]
    assert "nothing was sent" in str(raised.value)


# -- an output that can always be emitted ---------------------------------------------------------------------

def test_a_huge_junk_entry_beside_a_number_is_echoed_cut_and_the_output_is_emitted(
        simulator: AllMySmsSimulator) -> None:
    junk = "x" * 11_000_000
    execution = execute(process, message(f"33612345678, {junk}"), SANDBOX_CFG)

    assert [event.name for event in execution.events] == ["data", "end"]
    body = execution.events[0].payload["body"]
    assert body["invalidNumbers"] == ["x" * 32 + "… (11000000 characters)"]
    assert len(simulator.received) == 1


def test_the_largest_input_still_makes_an_output_the_platform_accepts(simulator: AllMySmsSimulator) -> None:
    entries = ["😀" * 100] * 9_999 + ["33612345678"]  # 10,000 entries, the most a message may hold
    execution = execute(process, message(", ".join(entries)), SANDBOX_CFG)

    assert [event.name for event in execution.events] == ["data", "end"]
    body = execution.events[0].payload["body"]
    assert len(json.dumps(body).encode()) < PLATFORM_LIMIT // 2
    assert len(in_exactly_one_list(body)) == 10_000


@pytest.mark.parametrize("field", ["statusText", "campaignId"])
def test_text_the_api_echoes_is_cut_in_the_output(api: responses.RequestsMock, field: str) -> None:
    api.post(SEND, json={**answer(["33612345678"]), field: "A" * 50_000})
    body = process(message(), CFG)["body"]
    assert body[field].startswith("AAAA")
    assert body[field].endswith("… (50000 characters)")
    assert len(body[field]) < 600


def test_an_sms_id_the_api_echoes_is_cut_in_the_output(api: responses.RequestsMock) -> None:
    api.post(SEND, json={**answer([]), "smsIds": [{"phoneNumber": "33612345678", "smsId": "i" * 50_000}]})
    body = process(message(), CFG)["body"]
    assert body["smsIds"] == [{"phoneNumber": "33612345678", "smsId": "i" * 64 + "… (50000 characters)"}]


def test_an_output_too_large_to_emit_says_the_work_was_done() -> None:
    def sent_then_too_large(msg: object, cfg: object, snapshot: object = None) -> runtime.Message:
        return new_message({"junk": "x" * (PLATFORM_LIMIT + 1)})

    execution = execute(sent_then_too_large, message(), CFG)

    error = execution.first("error")
    assert error is not None
    assert error.payload["name"] == "OutputError"
    assert "its work is done" in error.payload["message"]
    assert "do not run this message again" in error.payload["message"]
