"""Both triggers offline, end to end: Send SMS to the simulator, which pushes the delivery report and the reply to
a local receiver (the webhook URL), whose requests the webhook trigger reads; and the polling trigger asking the
simulator's getPulls across polls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import pysailor
from allmysms_component.actions.send_sms import process as send
from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator
from allmysms_component.triggers.poll_replies import process as poll
from allmysms_component.triggers.receive_reports_and_replies import process as receive

from .callback_receiver import Receiver
from .conftest import SANDBOX_CFG, Deploy, message

SECRET = "a-long-random-shared-secret"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    listening = Receiver()
    yield listening
    listening.close()


def pushing_simulator(deployment: Deploy, url: str, method: str = "POST") -> AllMySmsSimulator:
    simulator = AllMySmsSimulator(push_url=url, push_method=method).start()
    deployment(api_url=simulator.url)
    return simulator


def received(receiver: Receiver, cfg: dict[str, Any]) -> list[dict[str, Any]]:
    return [out["body"] for callback in receiver.callbacks
            for out in receive(callback.as_webhook_message(), cfg)]


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_pushed_delivery_report_links_back_to_the_platform_message_that_sent_it(
        deployment: Deploy, receiver: Receiver, method: str) -> None:
    simulator = pushing_simulator(deployment, receiver.url(f"secret={SECRET}"), method)
    try:
        sent = send(message("0612345678"), SANDBOX_CFG)["body"]
        simulator.deliver(sent["smsIds"][0]["smsId"], "delivered")
    finally:
        simulator.stop()
    assert [(push.status, push.answer) for push in simulator.pushes] == [(200, "OK")]
    [report] = received(receiver, {"sharedSecret": SECRET})
    assert report["type"] == "report"
    assert (report["status"], report["meaning"]) == (1, "delivered")
    assert report["phoneNumber"] == "33612345678"
    assert report["smsId"] == sent["smsIds"][0]["smsId"]
    assert report["campaignId"] == sent["campaignId"]
    assert report["cliMsgId"] == "msg-1" == sent["cliMsgId"]
    assert report["receivedAt"] is not None


def test_a_pushed_reply_reaches_the_flow_and_a_wrong_secret_does_not(deployment: Deploy,
                                                                     receiver: Receiver) -> None:
    simulator = pushing_simulator(deployment, receiver.url("secret=not-the-one"))
    try:
        sent = send(message(), SANDBOX_CFG)["body"]
        mo_id = simulator.reply("+33 6 12 34 56 78", "Oui", sms_id=sent["smsIds"][0]["smsId"])
    finally:
        simulator.stop()
    callback = receiver.callbacks[0].as_webhook_message()
    execution = pysailor.execute(receive, callback, {"sharedSecret": SECRET})
    assert execution.first("error") is not None
    assert execution.first("data") is None
    [reply] = received(receiver, {})  # without a secret configured, the same callback is accepted
    assert (reply["type"], reply["smsMoId"], reply["message"]) == ("reply", mo_id, "Oui")
    assert reply["campaignId"] == sent["campaignId"]


def test_the_polling_trigger_emits_each_simulated_reply_once(deployment: Deploy) -> None:
    with AllMySmsSimulator() as simulator:
        deployment(api_url=simulator.url)
        simulator.reply("33600000001", "before the flow started")
        snapshot: Any = None
        seen: list[str] = []
        for new_replies in ([], ["Oui", "Non"], [], ["Peut-être"]):
            for text in new_replies:
                simulator.reply("33600000002", text)
            execution = pysailor.execute(poll, {"body": {}}, SANDBOX_CFG, snapshot)
            assert execution.outcome == "acked"
            seen += [e.payload["body"]["message"] for e in execution.events if e.name == "data"]
            snapshot = next((e.payload for e in execution.events if e.name == "snapshot"), snapshot)
        assert seen == ["Oui", "Non", "Peut-être"]
        assert [r.endpoint for r in simulator.requests] == ["getPulls"] * 4
        assert simulator.requests[0].login == SANDBOX_ACCOUNT.login


def test_an_http_hook_injects_a_reply_into_a_simulator_in_another_process(deployment: Deploy,
                                                                           receiver: Receiver) -> None:
    import requests

    with AllMySmsSimulator(push_url=receiver.url()) as simulator:
        answer = requests.post(f"{simulator.url}/sandbox/reply", data={"phoneNumber": "0698765432",
                                                                       "message": "Hello"}, timeout=10)
        assert answer.status_code == 200
        unknown = requests.post(f"{simulator.url}/sandbox/deliver", data={"smsId": "nope"}, timeout=10)
        assert unknown.status_code == 404
    [reply] = received(receiver, {})
    assert (reply["phoneNumber"], reply["smsMoId"]) == ("33698765432", answer.json()["smsMoId"])


def test_the_simulators_get_pulls_lists_the_most_recent_replies_of_the_account_oldest_first() -> None:
    import requests

    with AllMySmsSimulator() as simulator:
        for text in ("one", "two", "three"):
            simulator.reply("0612345678", text)
        simulator.reply("0612345678", "someone else's", login="trial")
        form = {"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key, "limit": "2"}
        mos = requests.post(f"{simulator.url}/http/9.0/getPulls/", data=form, timeout=10).json()["mos"]
        refused = requests.post(f"{simulator.url}/http/9.0/getPulls/", data={**form, "apiKey": "x"}, timeout=10)
    assert [(mo["message"], mo["phoneNumber"]) for mo in mos] == [("two", "33612345678"), ("three", "33612345678")]
    assert refused.json()["status"] == 102
