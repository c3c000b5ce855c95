"""Get delivery reports (getDeliveryReports): AllMySMS getAcks read into one entry per number and totals by status;
unit tests against a mocked API, then end to end against the simulator."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
import responses
from jsonschema import Draft3Validator

import pysailor
from allmysms_component import context
from allmysms_component.actions.cancel_scheduled_send import process as cancel
from allmysms_component.actions.get_delivery_reports import process
from allmysms_component.actions.send_sms import process as send
from allmysms_component.api import AllMySmsClient
from allmysms_component.api.answer import MAX_ANSWER_BYTES
from allmysms_component.errors import (
    AllMySmsError,
    AuthenticationError,
    InvalidInputError,
    MalformedResponseError,
)
from allmysms_component.rules.account import Credentials
from allmysms_component.sandbox import AllMySmsSimulator
from pysailor.execution import OUTGOING_MESSAGE_SIZE_LIMIT

from .conftest import ACKS, API_KEY, CFG, SANDBOX_CFG, TRIAL_API_KEY, Clock, answer, form, future, message


def reports(campaign_id: object = "ap_1", cfg: dict[str, Any] = CFG) -> dict[str, Any]:
    body: dict[str, Any] = process(message(body={"campaignId": campaign_id}), cfg)["body"]
    return body


# -- the client -------------------------------------------------------------------------------------------

def test_get_acks_posts_the_campaign_id_with_the_credentials(api: responses.RequestsMock) -> None:
    api.post(ACKS, json=answer("acks_every_status"))
    AllMySmsClient().get_acks(Credentials("me", API_KEY), "ap_1")
    assert form(api) == {"login": "me", "apiKey": API_KEY, "returnformat": "json", "campId": "ap_1"}


def test_status_and_its_french_twin_statut_are_both_read(api: responses.RequestsMock) -> None:
    api.post(ACKS, json=answer("acks_every_status"))
    result = AllMySmsClient().get_acks(Credentials("me", API_KEY), "ap_1")
    assert [ack.status for ack in result.acks] == [1, 2, 3, 4, 5, 9]
    assert (result.cli_msg_id, result.available) == ("msg-1", True)


@pytest.mark.parametrize(("reply", "error"), [
    ({"status": 102, "statusText": "bad login"}, AuthenticationError),
    ({"acks": "none"}, MalformedResponseError),
    ({"what": "ever"}, MalformedResponseError),
])
def test_an_answer_without_reports_is_an_error_that_sends_nothing(api: responses.RequestsMock,
                                                                   reply: dict[str, Any],
                                                                   error: type[AllMySmsError]) -> None:
    api.post(ACKS, json=reply)
    with pytest.raises(error) as caught:
        reports()
    assert not caught.value.may_have_been_sent


# -- the action -------------------------------------------------------------------------------------------

def test_one_entry_per_number_with_its_meaning_comment_and_time(api: responses.RequestsMock) -> None:
    api.post(ACKS, json=answer("acks_every_status"))
    body = reports()
    assert body["reports"][:2] == [
        {"phoneNumber": "33611111111", "status": 1, "meaning": "delivered", "comment": "Delivered",
         "receptionDate": "2026-07-01 09:30:05", "reportedAt": "2026-07-01T09:30:05+02:00"},
        {"phoneNumber": "33622222222", "status": 2, "meaning": "not delivered (reported by the operator)",
         "comment": "Not delivered", "receptionDate": "2026-12-01 09:31:00",
         "reportedAt": "2026-12-01T09:31:00+01:00"},
    ]
    assert [entry["meaning"] for entry in body["reports"][2:]] == [
        "transmitted to the operator, not yet delivered", "message rejected",
        "SMS rejected (unknown number or absent subscriber)", "unknown status"]
    assert body["reports"][5]["reportedAt"] is None  # "soon" is no date


def test_totals_by_status_have_every_key(api: responses.RequestsMock) -> None:
    api.post(ACKS, json=answer("acks_every_status"))
    body = reports()
    assert body["totals"] == {"delivered": 1, "notDelivered": 1, "transmitted": 1, "messageRejected": 1,
                              "smsRejected": 1, "unknown": 1}
    assert (body["total"], body["campaignId"], body["cliMsgId"], body["available"]) == (6, "ap_1", "msg-1", True)


def test_no_data_is_an_empty_answer_not_an_error(api: responses.RequestsMock) -> None:
    api.post(ACKS, json=answer("acks_no_data"))
    body = reports("ap_scheduled")
    assert (body["available"], body["reports"], body["total"], body["cliMsgId"]) == (False, [], 0, None)
    assert set(body["totals"].values()) == {0}


def test_the_output_is_valid_against_metadata_out(api: responses.RequestsMock) -> None:
    api.post(ACKS, json=answer("acks_every_status"))
    body = reports()
    schema = context.current().descriptor.data["actions"]["getDeliveryReports"]["metadata"]["out"]
    assert set(body) == set(schema["properties"])
    assert set(body["reports"][0]) == set(schema["properties"]["reports"]["items"]["properties"])
    assert set(body["totals"]) == set(schema["properties"]["totals"]["properties"])
    assert list(Draft3Validator(schema).iter_errors(body)) == []


def test_the_campaign_id_is_trimmed(api: responses.RequestsMock) -> None:
    api.post(ACKS, json=answer("acks_no_data"))
    assert reports("  ap_1 \n")["campaignId"] == "ap_1"
    assert form(api)["campId"] == "ap_1"


def test_the_api_key_never_reaches_the_output(api: responses.RequestsMock) -> None:
    echoed = f"{API_KEY} {quote(API_KEY)}"  # as is, and URL-encoded
    api.post(ACKS, json={"acks": [{"phoneNumber": echoed, "status": "1", "comment": echoed,
                                   "receptionDate": echoed}], "cliMsgId": echoed})
    body = reports()
    assert API_KEY not in json.dumps(body)
    assert quote(API_KEY) not in json.dumps(body)
    assert body["reports"][0]["comment"] == "*** ***"


def test_a_huge_answer_of_tiny_reports_makes_a_bounded_output_that_counts_them_all(
        api: responses.RequestsMock) -> None:
    count = (MAX_ANSWER_BYTES - 100) // 3  # '{},' a report: the largest answer the client reads
    api.post(ACKS, body=b'{"acks": [' + b"{}," * (count - 1) + b'{}], "cliMsgId": "m"}')
    execution = pysailor.execute(process, message(body={"campaignId": "ap_1"}), CFG)
    [data] = [event for event in execution.events if event.name == "data"]
    body = data.payload["body"]
    assert (len(body["reports"]), body["reportsOmitted"], body["total"]) == (10_000, count - 10_000, count)
    assert body["totals"]["unknown"] == count
    assert len(json.dumps(data.payload).encode()) < OUTGOING_MESSAGE_SIZE_LIMIT // 2


def test_reports_of_long_non_ascii_texts_are_cut_and_stay_within_the_platform_limit(
        api: responses.RequestsMock) -> None:
    wide = "\U0001f600" * 80  # 4 bytes on the wire, 12 in the platform's JSON (two \\u escapes)
    acks = [{"phoneNumber": wide, "status": "1", "comment": wide * 5, "receptionDate": "2026-12-01 09:30:00"}] * 100
    acks += [{"phoneNumber": "33611111111", "status": "1", "comment": wide, "receptionDate": "?"}] * 8_900
    api.post(ACKS, body=json.dumps({"acks": acks, "cliMsgId": wide}, ensure_ascii=False).encode())
    execution = pysailor.execute(process, message(body={"campaignId": "ap_1"}), CFG)
    [data] = [event for event in execution.events if event.name == "data"]
    body = data.payload["body"]
    assert body["reports"][0]["comment"].endswith("… (400 characters)")
    assert body["reportsOmitted"] > 0
    assert len(body["reports"]) + body["reportsOmitted"] == body["total"] == body["totals"]["delivered"] == 9_000
    assert len(json.dumps(data.payload).encode()) < OUTGOING_MESSAGE_SIZE_LIMIT // 2


@pytest.mark.parametrize(("msg", "says"), [
    (message(body={}), r"Campaign id \(campaignId\) is required"),
    (message(body={"campaignId": ""}), r"Campaign id \(campaignId\) is empty"),
    (message(body={"campaignId": "ap 1"}), r"Campaign id \(campaignId\) 'ap 1' is not allowed"),
    (message(body={"campaignId": 42}), r"Campaign id \(campaignId\) must be text"),
    ({"id": "m"}, "no body object with the field campaignId"),
])
def test_a_bad_campaign_id_asks_nothing(api: responses.RequestsMock, msg: Any, says: str) -> None:
    with pytest.raises(InvalidInputError, match=says):
        process(msg, CFG)
    assert len(api.calls) == 0


def test_blank_credentials_ask_with_the_trial_account(api: responses.RequestsMock, trial_env: None) -> None:
    api.post(ACKS, json=answer("acks_no_data"))
    assert reports(cfg={"login": "", "apiKey": ""})["trial"] is True
    assert (form(api)["login"], form(api)["apiKey"]) == ("demo", TRIAL_API_KEY)


# -- end to end, against the simulator --------------------------------------------------------------------

def test_reports_of_a_send_say_what_the_simulator_delivered(simulator: AllMySmsSimulator) -> None:
    # The simulator delivers to 33611111111, fails 33622222222 and leaves the others pending.
    sent = send(message(numbers="33611111111, 33622222222, 33633333333"), SANDBOX_CFG)["body"]
    body = reports(sent["campaignId"], SANDBOX_CFG)
    assert [(entry["phoneNumber"], entry["status"]) for entry in body["reports"]] == [
        ("33611111111", 1), ("33622222222", 2), ("33633333333", 3)]
    assert (body["totals"]["delivered"], body["totals"]["notDelivered"], body["totals"]["transmitted"]) == (1, 1, 1)
    assert body["cliMsgId"] == "msg-1"

    simulator.deliver(sent["smsIds"][2]["smsId"], "rejected")
    assert reports(sent["campaignId"], SANDBOX_CFG)["reports"][2]["meaning"].startswith("SMS rejected")


def test_a_scheduled_send_has_no_data_until_it_goes_out(simulator: AllMySmsSimulator, clock: Clock) -> None:
    sent = send(message(numbers="33611111111", sendAt=future(days=30).isoformat()), SANDBOX_CFG)["body"]
    assert reports(sent["campaignId"], SANDBOX_CFG)["available"] is False  # as the README says
    clock.advance(days=31)
    assert [entry["status"] for entry in reports(sent["campaignId"], SANDBOX_CFG)["reports"]] == [1]


def test_an_unknown_campaign_has_no_data(simulator: AllMySmsSimulator) -> None:
    assert reports("sb_unknown", SANDBOX_CFG)["available"] is False


@pytest.mark.parametrize("action", [process, cancel], ids=["getDeliveryReports", "cancelScheduledSend"])
@pytest.mark.parametrize("campaign_id", ["ap_\ud800", "\udfffap_1"])
def test_a_campaign_id_with_a_lone_surrogate_is_invalid_input_naming_the_field(api: responses.RequestsMock,
                                                                               action: Any, campaign_id: str) -> None:
    with pytest.raises(InvalidInputError, match=r"Campaign id \(campaignId\) contains U\+D[8F]\w\w, which is not a "
                                                r"character") as caught:
        action(message(body={"campaignId": campaign_id}), CFG)
    assert caught.value.field == "campaignId"
    assert len(api.calls) == 0
