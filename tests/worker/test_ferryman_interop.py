"""Interoperability with OIH's real Ferryman 2.4.7 (from npm): one flow across a Node step and a Python step.

The fake orchestrator (tests/worker/orchestrator.py) sends each step its input with a signed token, verifies the
token of each output and forwards it to the next step with a new one, as OIH's ComponentOrchestrator does. Both
steps run "describe" (tests/worker/ferryman/component/describe.js and its Python twin), so a flow gives the same
output whichever runtime runs which step.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from .orchestrator import API_KEY, CREDENTIALS, SECRET_ID, OihFlow, Services, verify
from .platform import FERRYMAN, Received, WorkerProcess

StartStep = Callable[..., WorkerProcess]
# What changes from one message to the next (ids, times), or that one runtime sends with a type of its own
VARYING = {"messageId", "threadId", "start", "end", "orchestratorToken", "x-eio-routing-key", "stepId"}


@pytest.fixture(scope="module", autouse=True)
def ferryman_installed() -> None:
    if not (FERRYMAN / "runGlobal.js").is_file():
        pytest.fail("Ferryman is not installed: run scripts/test-setup (npm ci in tests/worker/ferryman)")


def run_flow(oih: OihFlow, data: Any) -> tuple[Received, Received]:
    """Send ``data`` to step 1, forward its output to step 2; both outputs."""
    first_token = oih.publish("step_1", data)
    first = oih.outputs("input")
    assert first.headers["orchestratorToken"] == first_token  # byte-identical, so the orchestrator can verify it
    second_token = oih.forward(first, "step_2")
    second = oih.outputs("input")
    assert second.headers["orchestratorToken"] == second_token
    return first, second


def expected_output(data: Any) -> dict[str, Any]:
    step_1 = {"received": data, "cfg": {"mode": "step_1", "nodeSettings": {}, **CREDENTIALS}, "snapshot": {}}
    return {"received": step_1, "cfg": {"mode": "step_2", "nodeSettings": {}, **CREDENTIALS}, "snapshot": {}}


@pytest.mark.parametrize("ferryman_step", ["step_1", "step_2"], ids=["node-to-python", "python-to-node"])
def test_a_flow_across_ferryman_and_python_gives_the_same_output(oih: OihFlow, start_oih_step: StartStep,
                                                                 ferryman_step: str) -> None:
    for step in ("step_1", "step_2"):
        start_oih_step(step, ferryman=step == ferryman_step)
    data = {"text": "Émile 😀 日本", "n": [1, 2.5, None]}
    first, second = run_flow(oih, data)
    assert second.json() == {"data": expected_output(data), "metadata": {"source": "rig"}, "headers": {}}
    for output, step in ((first, "step_1"), (second, "step_2")):
        claims = verify(output.headers["orchestratorToken"])
        assert (output.headers["taskId"], output.headers["stepId"]) == (claims["flowId"], step)
        assert output.headers["x-eio-routing-key"] == oih.key(step, "input")
    states = [oih.outputs("step_state"), oih.outputs("step_state")]
    assert [state.body for state in states] == [b'"function complete"'] * 2
    assert oih.count("step_1:messages") + oih.count("step_2:messages") == 0


def test_python_publishes_what_ferryman_publishes_for_the_same_input(oih: OihFlow, oih_services: Services,
                                                                     start_oih_step: StartStep) -> None:
    start_oih_step("step_1", ferryman=True)
    start_oih_step("step_2")
    data = {"to": "33612345678", "text": "Bonjour"}
    seen: dict[str, tuple[Received, Received]] = {}
    for step in ("step_1", "step_2"):
        oih.publish(step, data)
        seen[step] = (oih.outputs("input"), oih.outputs("step_state"))
    (node_data, node_state), (python_data, python_state) = seen["step_1"], seen["step_2"]
    node_body, python_body = node_data.json(), python_data.json()
    node_body["data"]["cfg"]["mode"] = python_body["data"]["cfg"]["mode"]  # each step's own fields
    assert python_body == node_body
    for node, python in ((node_data, python_data), (node_state, python_state)):
        assert set(python.headers) == set(node.headers)
        assert {k: v for k, v in python.headers.items() if k not in VARYING} == \
            {k: v for k, v in node.headers.items() if k not in VARYING}
        assert python.properties.delivery_mode == node.properties.delivery_mode == 2
        assert (python.properties.content_type, python.properties.content_encoding) == \
            (node.properties.content_type, node.properties.content_encoding)
        assert python.routing_key == node.routing_key
    assert python_state.body == node_state.body
    # the same calls to OIH's services, per message: the secret, then the snapshot
    assert oih_services.paths() == [path for step in ("step_1", "step_2") for path in
                                    (f"/secrets/{SECRET_ID}", f"/snapshots/flows/{oih.flow_id}/steps/{step}")]
    assert [headers["authorization"] for _, headers in oih_services.requests] == [f"Bearer {API_KEY}"] * 4


def test_python_reports_an_error_as_ferryman_does(oih: OihFlow, start_oih_step: StartStep) -> None:
    start_oih_step("step_1", ferryman=True)
    start_oih_step("step_2")
    errors: dict[str, Received] = {}
    for step in ("step_1", "step_2"):
        oih.publish(step, {"message": "no such number"}, function="fail")
        errors[step] = oih.outputs("error")
        assert oih.get(f"{step}:deadletter")  # rejected
    node, python = errors["step_1"], errors["step_2"]
    assert set(python.json()) == set(node.json()) == {"error", "errorInput"}
    node_error, python_error = json.loads(node.json()["error"]), json.loads(python.json()["error"])
    assert set(python_error) == set(node_error) == {"name", "message", "stack"}
    assert python_error["message"] == node_error["message"] == "no such number"
    assert json.loads(python.json()["errorInput"]) == json.loads(node.json()["errorInput"])
    assert set(python.headers) == set(node.headers)
    assert python.routing_key == node.routing_key
    assert python.properties.delivery_mode == node.properties.delivery_mode == 2
