"""Receive delivery reports and replies (receiveReportsAndReplies): AllMySMS's push, as the platform's webhook hands
it to the trigger, becomes one typed, normalised event per report or reply; a shared secret in the URL guards it."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

import pysailor
from allmysms_component.errors import InvalidInputError, UnauthorizedCallbackError
from allmysms_component.triggers.receive_reports_and_replies import process

from .conftest import message

CALLBACKS = Path(__file__).parent / "data" / "callbacks"
SECRET = "s3cr3t-Sh4red-With-AllMySMS"
WITH_SECRET = {"sharedSecret": SECRET}


def callback(scenario: str) -> dict[str, Any]:
    """The fields of tests/data/callbacks/<scenario>.json, as AllMySMS would push them."""
    loaded: dict[str, Any] = json.loads((CALLBACKS / f"{scenario}.json").read_text(encoding="utf-8"))
    return loaded


def webhook(body: dict[str, Any], query: dict[str, str] | None = None, method: str = "POST") -> dict[str, Any]:
    """The message the platform's webhook hands the trigger: the parsed body (for a GET, the query), the query
    parameters, the request's headers."""
    return {**message(message_id="hook-1", body=body), "query": query or {}, "method": method,
            "headers": {"content-type": "application/x-www-form-urlencoded"}}


def events(msg: dict[str, Any], cfg: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [out["body"] for out in process(msg, cfg or {})]


def test_a_delivery_report_posted_as_a_form_is_one_typed_normalised_event() -> None:
    [report] = events(webhook(callback("report_delivered")))
    assert report == {
        "type": "report", "smsId": "7f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f", "smsMoId": None,
        "campaignId": "ap_28423a1b2d", "cliMsgId": "platform-msg-1", "phoneNumber": "33612345678", "status": 1,
        "meaning": "delivered", "statusText": "Delivered", "message": None,
        "receptionDate": "2026-11-26 10:56:18", "receivedAt": "2026-11-26T10:56:18+01:00"}


def test_a_report_with_the_french_status_name_and_a_national_number_in_summer() -> None:
    [report] = events(webhook(callback("report_national_number_summer")))
    assert (report["status"], report["meaning"]) == (5, "SMS rejected (unknown number or absent subscriber)")
    assert report["statusText"] == "SMS rejected"
    assert report["phoneNumber"] == "33698765432"
    assert report["receivedAt"] == "2026-07-14T22:05:00+02:00"
    assert report["cliMsgId"] is None


def test_a_reply_pushed_as_a_get_query_is_a_reply_event() -> None:
    fields = callback("reply_yes")
    [reply] = events(webhook(fields, query=fields, method="GET"))
    assert reply["type"] == "reply"
    assert (reply["smsMoId"], reply["message"]) == ("mo-4711", "Oui, je confirme le RDV")
    assert reply["phoneNumber"] == "33612345678"
    assert reply["smsId"] == "7f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f"
    assert (reply["status"], reply["meaning"]) == (None, None)


def test_a_json_body_left_raw_by_the_platform_is_read() -> None:
    [report] = events(webhook({"rawData": json.dumps(callback("report_delivered"))}))
    assert report["smsId"] == "7f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f"


def test_a_form_body_left_raw_by_the_platform_is_read() -> None:
    [reply] = events(webhook({"rawData": urlencode(callback("reply_yes"))}))
    assert reply["message"] == "Oui, je confirme le RDV"


def test_reports_batched_in_one_callback_are_one_event_each_sharing_the_batch_fields() -> None:
    batch = events(webhook(callback("acks_batched_two")))
    assert [(e["smsId"], e["meaning"]) for e in batch] == [("sms-a", "delivered"),
                                                          ("sms-b", "not delivered (reported by the operator)")]
    assert {e["cliMsgId"] for e in batch} == {"platform-msg-2"}
    assert {e["campaignId"] for e in batch} == {"ap_2"}


def test_the_platform_runs_it_as_one_data_event_per_entry_then_end() -> None:
    execution = pysailor.execute(process, webhook(callback("acks_batched_two")), {})
    assert [e.name for e in execution.events] == ["data", "data", "end"]
    assert execution.outcome == "acked"


def test_the_right_secret_in_the_url_is_accepted_and_not_emitted() -> None:
    [report] = events(webhook(callback("report_delivered"), query={"secret": SECRET}), WITH_SECRET)
    assert report["status"] == 1
    assert SECRET not in json.dumps(report)


def test_a_get_whose_query_is_also_the_body_may_carry_the_secret_in_either() -> None:
    fields = {**callback("reply_yes"), "secret": SECRET}
    [reply] = events(webhook(fields, method="GET"), WITH_SECRET)
    assert reply["smsMoId"] == "mo-4711"


@pytest.mark.parametrize("query", [{}, {"secret": ""}, {"secret": "wrong"}, {"secret": SECRET + "x"}],
                         ids=["missing", "empty", "wrong", "longer"])
def test_a_callback_without_the_shared_secret_is_refused_without_saying_it(query: dict[str, str]) -> None:
    with pytest.raises(UnauthorizedCallbackError, match="refused") as refused:
        events(webhook(callback("report_delivered"), query=query), WITH_SECRET)
    assert SECRET not in str(refused.value)
    assert "wrong" not in str(refused.value)
    assert refused.value.may_have_been_sent is False


def test_a_refused_callback_is_an_error_event_that_holds_no_secret() -> None:
    execution = pysailor.execute(process, webhook(callback("report_delivered"), query={"secret": "guess"}),
                                 WITH_SECRET)
    error = execution.first("error")
    assert error is not None
    assert error.payload["name"] == "UnauthorizedCallbackError"
    assert SECRET not in json.dumps(error.payload)
    assert "guess" not in json.dumps(error.payload)
    assert execution.first("data") is None


def test_a_callback_that_is_neither_a_report_nor_a_reply_is_refused_naming_its_fields() -> None:
    with pytest.raises(InvalidInputError, match="neither an AllMySMS delivery report") as refused:
        events(webhook(callback("neither_report_nor_reply")))
    assert "hello" in str(refused.value)


def test_an_empty_callback_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="holds no AllMySMS delivery report or reply"):
        events(webhook({}))


def test_one_bad_entry_in_a_batch_emits_nothing() -> None:
    batch = callback("acks_batched_two")
    batch["acks"].append({"unrelated": "x"})
    with pytest.raises(InvalidInputError):
        events(webhook(batch))


def test_logs_hold_neither_the_secret_nor_the_numbers_nor_the_reply_text(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fields = callback("reply_yes")
    pysailor.execute(process, webhook(fields, query={"secret": SECRET}), WITH_SECRET)
    pysailor.execute(process, webhook(callback("report_delivered"), query={"secret": "guess"}), WITH_SECRET)
    logged = caplog.text
    assert "Reply from 336******78" in logged
    for secret in (SECRET, "guess", "33612345678", "+33 6 12 34 56 78", "Oui, je confirme"):
        assert secret not in logged
