"""Issue 19's Send SMS features as a platform step: one text per recipient, numbers read in a Default country
and opted-out numbers skipped, through the worker, a real broker and the AllMySMS simulator over real sockets."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator

from .platform import Flow, StepApi, WorkerProcess

Start = Callable[..., WorkerProcess]
BODY = {"senderName": "MyShop", "messageText": "Hello #param_1#, your order #param_2# ships today",
        "recipients": [{"mobile": "06 12 34 56 78", "values": ["Ann", "A12"]},
                       {"mobile": "+33 6 98 76 54 32", "values": ["Bob", "B7"]},
                       {"mobile": "0611111111", "values": ["Cy", "C3"]}]}


@pytest.fixture
def simulator() -> Iterator[AllMySmsSimulator]:
    """The simulator, with one number on its opt-out list (this module's Send SMS worker uses it)."""
    with AllMySmsSimulator(blacklist=["33611111111"]) as sim:
        yield sim


def test_one_text_per_recipient_in_the_default_country_without_opted_out_numbers(
        flow: Flow, simulator: AllMySmsSimulator, step_api: StepApi, send_sms: Start) -> None:
    step_api.step_data["config"].update({"defaultCountry": "FR", "skipOptedOut": "on"})
    worker = send_sms()
    flow.publish({"id": "platform-msg-19", "body": BODY, "headers": {}})
    out = flow.get("message").decrypted()["body"]
    assert [(sms.phone_number, sms.text) for sms in simulator.received] == [
        ("33612345678", "Hello Ann, your order A12 ships today"),
        ("33698765432", "Hello Bob, your order B7 ships today")]
    assert (out["skippedNumbers"], out["segmentsTotal"], out["nbSms"]) == (["33611111111"], 2, 2)
    assert [request.endpoint for request in simulator.requests] == ["getBlacklist", "sendSms"]
    assert flow.count("error") == 0
    worker.stop()
    logs = worker.text()
    for secret in (SANDBOX_ACCOUNT.api_key, "33612345678", "33698765432", "33611111111", "Ann", "A12"):
        assert secret not in logs
    assert "336******11" in logs  # the opted-out number, masked
