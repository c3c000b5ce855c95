"""Interoperability with the real Node sailor 2.7.8 (from npm): the same bytes, and one flow across both."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pamqp.commands import Basic

from pysailor.sailor.cipher import Cipher

from .platform import IV, NODE, PASSWORD, SAILOR, Flow, Loop, StepApi, WorkerProcess


@pytest.fixture(scope="module", autouse=True)
def node_sailor() -> None:
    if not (SAILOR / "run.js").is_file():
        pytest.fail("the Node sailor is not installed: run scripts/test-setup (npm ci in tests/worker/node)")


def node(script: str, stdin: str = "") -> Any:
    done = subprocess.run(["node", script], cwd=NODE, input=stdin, capture_output=True, text=True, timeout=60,
                          check=True)
    return json.loads(done.stdout)


def test_python_makes_the_same_bytes_as_the_node_encryptor_now() -> None:
    vectors = node("vectors.js")
    cipher = Cipher(vectors["password"], vectors["iv"])
    for vector in vectors["vectors"]:
        assert cipher.encode(vector["message"], 1).decode() == vector["v1"]
        assert base64.b64encode(cipher.encode(vector["message"], 2)).decode() == vector["v2"]


@pytest.mark.parametrize("password", [PASSWORD, ""])
def test_node_decrypts_what_python_encrypts_in_both_protocol_versions(password: str) -> None:
    cipher = Cipher(password, IV)
    messages = [{"body": {"text": "Émile 😀 日本"}, "headers": {}}, {"id": "x", "body": {"n": [1, 2.5, None]}}]
    items = [{"version": version, "content": base64.b64encode(cipher.encode(message, version)).decode()}
             for version in (1, 2) for message in messages]
    decrypted = node("decrypt.js", json.dumps({"password": password, "iv": IV if password else "", "items": items}))
    assert decrypted == messages * 2


@pytest.fixture
def chain(amqp_url: str, amqp_loop: Loop) -> Iterator[Flow]:
    """Node step 1 (queue ``node1``) -> Python step 2 (the flow's input queue) -> Node step 3 (the ``message``
    queue, Python's output) -> the ``reply`` queue, read by the test."""
    flow = Flow(amqp_loop, amqp_url).declare()

    async def declare() -> None:
        assert flow.channel is not None
        await flow.channel.queue_declare(flow.queue("node1"))
        await flow.channel.queue_bind(flow.queue("node1"), flow.exchange, routing_key=flow.key("node1"))
    amqp_loop.run(declare())
    yield flow

    async def delete() -> None:
        assert flow.channel is not None
        await flow.channel.queue_delete(flow.queue("node1"))
    amqp_loop.run(delete())
    flow.delete()


def test_a_flow_node_to_python_to_node(chain: Flow, step_api: StepApi, tmp_path: Path) -> None:
    flow = chain
    node1 = flow.env(ELASTICIO_API_URI=step_api.url, ELASTICIO_STEP_ID="step_1", ELASTICIO_FUNCTION="split",
                     ELASTICIO_LISTEN_MESSAGES_ON=flow.queue("node1"), ELASTICIO_DATA_ROUTING_KEY=flow.key("input"),
                     ELASTICIO_PROTOCOL_VERSION="2")
    python = flow.env(ELASTICIO_API_URI=step_api.url)
    node3 = flow.env(ELASTICIO_API_URI=step_api.url, ELASTICIO_STEP_ID="step_3", ELASTICIO_FUNCTION="echo",
                     ELASTICIO_LISTEN_MESSAGES_ON=flow.queue("message"), ELASTICIO_DATA_ROUTING_KEY=flow.key("reply"))
    steps = [WorkerProcess(node1, tmp_path / "node1.log", node=True).ready(),
             WorkerProcess(python, tmp_path / "python.log").ready(),
             WorkerProcess(node3, tmp_path / "node3.log", node=True).ready()]
    try:
        async def publish_to_node1() -> None:
            assert flow.channel is not None
            content = Cipher(PASSWORD, IV).encode({"body": {"items": ["a", "b"]}}, 1)
            await flow.channel.basic_publish(content, exchange=flow.exchange, routing_key=flow.key("node1"),
                                             properties=Basic.Properties(headers={"messageId": "origin",
                                                                                  "x-eio-meta-trace": "tr"}))
        flow.loop.run(publish_to_node1())
        finals = [flow.get("reply") for _ in range(2)]
    finally:
        codes = [step.stop() for step in steps]
    bodies = sorted((f.decrypted()["body"] for f in finals), key=lambda b: b["received"]["received"]["item"])
    assert [b["received"]["received"] for b in bodies] == [{"item": "a"}, {"item": "b"}]
    assert all(b["via"] == "node" for b in bodies)
    assert finals[0].headers["x-eio-meta-trace"] == "tr"  # carried through all three steps
    assert finals[0].headers["stepId"] == "step_3"
    assert codes == [0, 0, 0]
    assert flow.count("error") == 0
    assert flow.count("dead") == 0
