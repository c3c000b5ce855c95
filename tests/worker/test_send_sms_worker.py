"""Send SMS as a platform step: the worker, a real broker and the AllMySMS simulator over real sockets."""

from __future__ import annotations

import time
from collections.abc import Callable

from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator, Fault

from .platform import Flow, WorkerProcess

Start = Callable[..., WorkerProcess]
BODY = {"mobileNumbers": "+33 6 12 34 56 78, 0698765432", "senderName": "MyShop", "messageText": "Hello"}


def test_a_message_becomes_one_sms_and_its_output_message(flow: Flow, simulator: AllMySmsSimulator,
                                                          send_sms: Start) -> None:
    worker = send_sms()
    flow.publish({"id": "platform-msg-1", "body": BODY, "headers": {}})
    out = flow.get("message").decrypted()
    assert out["body"]["recipients"] == ["33612345678", "0698765432"]
    assert out["body"]["status"] == 100
    assert [sms.phone_number for sms in simulator.received] == ["33612345678", "33698765432"]
    assert simulator.received[0].cli_msg_id == "platform-msg-1"
    assert flow.count("dead") == 0
    assert flow.count("error") == 0
    worker.stop()
    logs = worker.text()
    assert SANDBOX_ACCOUNT.api_key not in logs
    assert "33612345678" not in logs
    assert "0698765432" not in logs
    assert "Hello" not in logs


def test_invalid_input_is_an_error_a_reject_and_no_request(flow: Flow, simulator: AllMySmsSimulator,
                                                           send_sms: Start) -> None:
    send_sms()
    flow.publish({"body": {**BODY, "senderName": "x"}})
    error = flow.get("error").error()
    assert error["name"] == "InvalidInputError"
    assert "Sender" in error["message"]
    assert flow.get("dead").decrypted()["body"]["senderName"] == "x"
    assert simulator.requests == []


def test_http_429_rebounds_with_the_right_expiration_and_iteration(flow: Flow, simulator: AllMySmsSimulator,
                                                                   send_sms: Start) -> None:
    send_sms(ELASTICIO_REBOUND_INITIAL_EXPIRATION="60000", ELASTICIO_REBOUND_LIMIT="3")
    simulator.inject(Fault.http_status(429, retry_after="120"), times=2)
    flow.publish({"body": BODY}, headers={"messageId": "m-429"})
    first = flow.get("rebound")
    assert (first.properties.expiration, first.headers["reboundIteration"]) == ("60000", 1)
    assert first.headers["messageId"] == "m-429"
    flow.publish({"body": BODY}, headers={"messageId": "m-429", "reboundIteration": 3})
    limit = flow.get("error")
    assert limit.error()["message"] == "Rebound limit exceeded"
    assert simulator.received == []
    assert flow.count("dead") == 0


def test_sigterm_during_a_slow_send_publishes_its_outcome_and_acks_before_exit(
        flow: Flow, simulator: AllMySmsSimulator, send_sms: Start) -> None:
    worker = send_sms()
    simulator.inject(Fault.delay(1.0))
    flow.publish({"body": BODY})
    deadline = time.monotonic() + 30
    while not simulator.received:  # the request reached AllMySMS; its answer is held back
        assert time.monotonic() < deadline
        time.sleep(0.01)
    worker.process.terminate()
    assert worker.wait() == 0
    assert flow.get("message").decrypted()["body"]["status"] == 100
    assert flow.count("input") == 0
    assert flow.count("dead") == 0
    assert len(simulator.received) == 2
