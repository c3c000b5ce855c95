"""The worker on the Open Integration Hub: started with OIH's environment, it speaks Ferryman 2.4.7's protocol.

A fake orchestrator (tests/worker/orchestrator.py) declares OIH's topology on a real broker, signs the tokens
and serves the secret and snapshots services; what the worker publishes is read back from OIH's queues. The
last tests are what it does better than Ferryman: a message it cannot run is answered, not left blocking the
step or killing it; a lost broker is retried; SIGTERM always drains and exits 0.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator

from .broker import PrivateBroker
from .orchestrator import API_KEY, CREDENTIALS, SECRET_ID, OihFlow, Services, sign, verify
from .platform import ROOT, Loop, Received, WorkerProcess

StartStep = Callable[..., WorkerProcess]
SMS = {"mobileNumbers": "+33 6 12 34 56 78", "senderName": "MyShop", "messageText": "Hello"}


def error_of(received: Received) -> dict[str, Any]:
    """The ``{name, message, stack}`` of an error event: a JSON string inside the body, as Ferryman sends it."""
    error: dict[str, Any] = json.loads(received.json()["error"])
    return error


# -- the protocol -----------------------------------------------------------------------------------------------

def test_a_message_gives_data_then_function_complete_and_is_acked(oih: OihFlow, oih_services: Services,
                                                                  start_oih_step: StartStep) -> None:
    start_oih_step("step_2")
    token = oih.publish("step_2", {"to": "33612345678"})
    data = oih.outputs("input")
    assert data.json() == {"data": {"received": {"to": "33612345678"},
                                    "cfg": {"mode": "step_2", "nodeSettings": {}, **CREDENTIALS}, "snapshot": {}},
                           "metadata": {"source": "rig"}, "headers": {}}
    assert data.headers["orchestratorToken"] == token
    claims = verify(data.headers["orchestratorToken"])
    assert {name: data.headers[name] for name in ("taskId", "stepId", "userId", "function", "cid")} == \
        {"taskId": claims["flowId"], "stepId": "step_2", "userId": "user-1", "function": "describe", "cid": 1}
    assert data.properties.delivery_mode == 2
    state = oih.outputs("step_state")
    assert state.body == b'"function complete"'
    assert state.headers["messageId"] == data.headers["messageId"]
    assert oih.count("step_2:messages") == 0
    assert oih.count("step_2:deadletter") == 0
    assert oih_services.paths() == [f"/secrets/{SECRET_ID}", f"/snapshots/flows/{oih.flow_id}/steps/step_2"]
    assert {headers["authorization"] for _, headers in oih_services.requests} == {f"Bearer {API_KEY}"}


def test_an_error_is_the_error_event_then_function_complete_and_a_reject(oih: OihFlow,
                                                                         start_oih_step: StartStep) -> None:
    start_oih_step("step_2")
    oih.publish("step_2", {"message": "no such number"}, function="fail")
    error = oih.outputs("error")
    assert error_of(error)["message"] == "no such number"
    assert error_of(error)["name"] == "Boom"
    assert json.loads(error.json()["errorInput"])["data"] == {"message": "no such number"}
    assert oih.outputs("step_state").body == b'"function complete"'
    assert json.loads(oih.get("step_2:deadletter").body)["data"] == {"message": "no such number"}


def test_rebounds_go_through_the_node_exchange_until_the_limit(oih: OihFlow, start_oih_step: StartStep) -> None:
    start_oih_step("step_2", ELASTICIO_REBOUND_INITIAL_EXPIRATION=100, ELASTICIO_REBOUND_LIMIT=2)
    oih.publish("step_2", {"n": 1}, function="rebound")
    error = oih.outputs("error")
    assert error_of(error)["message"] == "Rebound limit exceeded"
    assert error.headers["reboundIteration"] == 2
    assert error.headers["reboundReason"] == "not ready yet"
    assert [oih.outputs("step_state").body for _ in range(3)] == [b'"function complete"'] * 3
    assert oih.count("step_2:deadletter") == 0  # a rebound, even past the limit, is acked
    assert oih.count("step_2:rebounds") == 0


def test_snapshots_go_to_the_snapshots_service_s_queue(oih: OihFlow, oih_services: Services,
                                                      start_oih_step: StartStep) -> None:
    oih_services.snapshots[(oih.flow_id, "step_2")] = {"count": 41}
    start_oih_step("step_2")
    oih.publish("step_2", {}, function="snapshot")
    assert oih.outputs("input").json()["data"] == {"count": 42}
    update = oih.get("snapshots")
    assert update.json() == {"count": 42}
    assert update.routing_key == oih.key("step_2", "snapshot")
    assert {name: update.headers[name] for name in ("snapshotEvent", "flowExecId", "tenant", "taskId")} == \
        {"snapshotEvent": "updateSnapshot", "flowExecId": oih.flow_exec_id, "tenant": "tenant-1",
         "taskId": oih.flow_id}


def test_settings_are_read_under_oih_s_prefix_and_the_journal_keys_by_the_token(
        oih: OihFlow, oih_services: Services, start_oih_step: StartStep) -> None:
    """A global component serves many flows from one queue: the journal tells their messages apart by the
    token's flow and step, and a copy of one message (same token, same content) is not sent twice."""
    with AllMySmsSimulator() as simulator:
        oih_services.secrets[SECRET_ID] = {"type": "MIXED", "value": {"payload": json.dumps(
            {"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key})}}
        # as OIH passes the descriptor's ALLMYSMS_API_URL: prefixed
        start_oih_step("step_2", ELASTICIO_COMPONENT_PATH=str(ROOT), ELASTICIO_ALLMYSMS_API_URL=simulator.url)
        token = oih.publish("step_2", SMS, function="sendSMS")
        first = oih.outputs("input").json()["data"]
        oih.publish("step_2", SMS, token=token)  # the same message again: the journal replays its output
        assert oih.outputs("input").json()["data"] == first
        other_flow = sign(oih.claims("step_2", function="sendSMS", flowId="another-flow"))
        oih.publish("step_2", SMS, token=other_flow)  # the same content in another flow: its own SMS
        assert oih.outputs("input").json()["data"]["status"] == 100
        assert [request.endpoint for request in simulator.requests] == ["sendSms", "sendSms"]
        assert first["cliMsgId"]  # the token's message id, sent as CLIMSGID


# -- better than Ferryman ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("problem", ["no token", "undecodable token", "no headers", "no function in the token"])
def test_a_message_that_cannot_run_is_rejected_with_an_error_and_the_step_goes_on(
        oih: OihFlow, start_oih_step: StartStep, problem: str) -> None:
    """Ferryman holds such a message unacked for ever (with prefetch 1 the step takes no other), or crash-loops."""
    worker = start_oih_step("step_2")
    if problem == "no token":
        oih.publish("step_2", {"n": 1}, headers={"threadId": "t-1"})
    elif problem == "undecodable token":
        oih.publish("step_2", {"n": 1}, token="not.a-jwt!")
    elif problem == "no headers":
        oih.publish("step_2", {"n": 1}, no_headers=True)
    else:
        oih.publish("step_2", {"n": 1}, function=None)
    error = oih.outputs("error")
    assert error_of(error)["message"].startswith("Rejected: ")
    assert "orchestratorToken" in error_of(error)["message"]
    assert json.loads(oih.get("step_2:deadletter").body)["data"] == {"n": 1}
    oih.publish("step_2", {"n": 2})  # the step is not blocked
    assert oih.outputs("input").json()["data"]["received"] == {"n": 2}
    assert worker.process.poll() is None


def test_an_unknown_function_is_an_error_and_sigterm_still_exits_0(oih: OihFlow, start_oih_step: StartStep) -> None:
    """Ferryman leaks its in-flight count on an unknown function, and then waits for ever on SIGTERM."""
    worker = start_oih_step("step_2")
    oih.publish("step_2", {"n": 1}, function="nope")
    assert "nope" in error_of(oih.outputs("error"))["message"]
    assert oih.outputs("step_state").body == b'"function complete"'
    assert oih.get("step_2:deadletter")
    assert worker.stop(signal.SIGTERM) == 0


def test_sigterm_finishes_the_message_in_progress_and_exits_0(oih: OihFlow, start_oih_step: StartStep,
                                                             tmp_path: Path) -> None:
    worker = start_oih_step("step_2")
    oih.publish("step_2", {"folder": str(tmp_path), "n": 1}, function="slow")
    deadline = time.monotonic() + 30
    while not (tmp_path / "started-1").exists():
        assert time.monotonic() < deadline, worker.text()
        time.sleep(0.01)
    worker.process.terminate()
    worker.wait_for_log("Finishing 1 message(s) in progress")
    (tmp_path / "release").touch()
    assert worker.wait() == 0
    assert oih.outputs("input").json()["data"] == {"n": 1, "released": True}
    assert oih.count("step_2:messages") == 0


def test_a_secret_service_that_fails_for_a_while_rebounds_the_message(oih: OihFlow, oih_services: Services,
                                                                     start_oih_step: StartStep) -> None:
    """Ferryman runs the message with no credentials at all (here: trial mode on the deployment's account)."""
    start_oih_step("step_2", ELASTICIO_REBOUND_INITIAL_EXPIRATION=100)
    oih_services.fail_with = [503] * 3  # one try and two retries
    oih.publish("step_2", {"n": 1})
    assert oih.outputs("input").json()["data"]["cfg"]["apiKey"] == CREDENTIALS["apiKey"]
    states = [oih.outputs("step_state"), oih.outputs("step_state")]  # the first run's, then the rebound's
    assert [state.headers.get("reboundIteration") for state in states] == [None, 1]
    assert oih_services.paths().count(f"/secrets/{SECRET_ID}") == 4  # 3 failed tries, then the rebound's
    assert oih.count("step_2:deadletter") == 0


def test_a_secret_that_cannot_be_read_is_an_error(oih: OihFlow, start_oih_step: StartStep) -> None:
    start_oih_step("step_2")
    oih.publish("step_2", {"n": 1}, secretId="no-such-secret")
    assert "HTTP 404" in error_of(oih.outputs("error"))["message"]
    assert oih.get("step_2:deadletter")
    assert oih.poll("backchannel:messages") is not None  # the function complete, and no data
    assert oih.poll("backchannel:messages") is None


def test_a_lost_broker_is_retried_for_the_reconnect_timeout_then_exit_1(own_broker: PrivateBroker,
                                                                       amqp_loop: Loop, tmp_path: Path) -> None:
    """Ferryman exits 1 at the first connection loss."""
    oih = OihFlow(amqp_loop, own_broker.url).declare()
    services = Services()
    try:
        env = oih.env("step_2", services, ELASTICIO_ALLMYSMS_WORKER_RECONNECT_TIMEOUT="3")
        worker = WorkerProcess(env, tmp_path / "worker.log")
        worker.wait_for_log("Fully initialized")
        own_broker.stop_server()
        assert worker.wait() == 1
        worker.wait_for_log("next try in")  # it tried again before giving up
        assert any(line.get("level") == 60 and "giving up" in line["msg"] for line in worker.lines())
    finally:
        services.close()
