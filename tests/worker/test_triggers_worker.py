"""The triggers and Make Raw Request as platform steps: the worker, a real broker and the AllMySMS simulator. A
webhook's message in, one event per report or reply out; a polling trigger's snapshot published, and kept by the
worker from one poll to the next."""

from __future__ import annotations

import time
from collections.abc import Callable

from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator

from .platform import ROOT, WAIT, Flow, StepApi, WorkerProcess

Start = Callable[..., WorkerProcess]
SECRET = "worker-shared-secret"
SANDBOX_CFG = {"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key}


def component_step(start_worker: Start, function: str, **env: str) -> WorkerProcess:
    return start_worker(ELASTICIO_COMPONENT_PATH=str(ROOT), ELASTICIO_FUNCTION=function, **env)


def polls_logged(worker: WorkerProcess, count: int) -> None:
    """Until the worker has logged ``count`` polls (a poll with nothing new publishes nothing to wait for)."""
    deadline = time.monotonic() + WAIT
    while sum("Polled AllMySMS replies" in str(line.get("msg")) for line in worker.lines()) < count:
        assert time.monotonic() < deadline, worker.text()
        time.sleep(0.02)


def test_a_webhook_message_becomes_one_event_per_report(flow: Flow, step_api: StepApi, start_worker: Start) -> None:
    step_api.step_data = {"config": {"login": "", "apiKey": "", "sharedSecret": SECRET}, "snapshot": {}}
    worker = component_step(start_worker, "receiveReportsAndReplies")
    acks = [{"smsId": "sms-a", "status": "1", "phoneNumber": "33611111111", "receptionDate": "2026-11-26 10:56:18"},
            {"smsId": "sms-b", "status": "5", "phoneNumber": "0622222222"}]
    flow.publish({"id": "hook-1", "body": {"acks": acks, "cliMsgId": "platform-msg-7"},
                  "query": {"secret": SECRET}, "headers": {}})
    first, second = flow.get("message").decrypted()["body"], flow.get("message").decrypted()["body"]
    assert [(first["smsId"], first["meaning"]), (second["smsId"], second["phoneNumber"])] == [
        ("sms-a", "delivered"), ("sms-b", "33622222222")]
    assert {first["cliMsgId"], second["cliMsgId"]} == {"platform-msg-7"}
    flow.publish({"body": {"smsId": "sms-c", "status": "1"}, "query": {"secret": "guessed"}})
    error = flow.get("error").error()
    assert error["name"] == "UnauthorizedCallbackError"
    assert flow.count("message") == 0
    worker.stop()
    logs = worker.text()
    for secret in (SECRET, "guessed", "33611111111", "0622222222"):
        assert secret not in logs


def test_a_polling_trigger_remembers_what_it_emitted_across_polls_and_restarts(
        flow: Flow, step_api: StepApi, start_worker: Start) -> None:
    with AllMySmsSimulator() as simulator:
        step_api.step_data = {"config": SANDBOX_CFG, "snapshot": {}}
        simulator.reply("33600000001", "there before the flow")
        worker = component_step(start_worker, "pollReplies", ALLMYSMS_API_URL=simulator.url)
        flow.publish({"body": {}})
        recorded = flow.get("snapshot").json()  # the first poll records what is there, emits nothing
        assert len(recorded["seen"]) == 1
        simulator.reply("33600000002", "Oui")
        flow.publish({"body": {}})
        assert flow.get("message").decrypted()["body"]["message"] == "Oui"
        latest = flow.get("snapshot").json()
        assert len(latest["seen"]) == 2
        flow.publish({"body": {}})  # the worker's in-memory snapshot: nothing new, nothing emitted
        polls_logged(worker, 3)
        worker.stop()
        assert (flow.count("message"), flow.count("snapshot"), flow.count("error")) == (0, 0, 0)

        step_api.step_data = {"config": SANDBOX_CFG, "snapshot": latest}  # as the platform saved it
        restarted = component_step(start_worker, "pollReplies", ALLMYSMS_API_URL=simulator.url)
        simulator.reply("33600000003", "Non")
        flow.publish({"body": {}})
        assert flow.get("message").decrypted()["body"]["message"] == "Non"
        polls_logged(restarted, 1)
        assert flow.count("message") == 0
        restarted.stop()
        assert "Oui" not in restarted.text()
        assert "33600000003" not in restarted.text()


def test_make_raw_request_as_a_step(flow: Flow, step_api: StepApi, start_worker: Start) -> None:
    with AllMySmsSimulator() as simulator:
        step_api.step_data = {"config": SANDBOX_CFG}
        component_step(start_worker, "makeRawRequest", ALLMYSMS_API_URL=simulator.url)
        flow.publish({"body": {"method": "getInfo"}})
        out = flow.get("message").decrypted()["body"]
        assert (out["method"], out["answer"]["status"], out["sendsNothing"]) == ("getInfo", "Active Account", True)
        flow.publish({"body": {"method": "get Info"}})
        assert flow.get("error").error()["name"] == "InvalidInputError"
