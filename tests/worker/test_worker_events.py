"""The worker on a real broker with the test component: every event as the sailor puts it on the wire."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pysailor.sailor.cipher import Cipher

from .platform import IV, Flow, StepApi, WorkerProcess

Start = Callable[..., WorkerProcess]


def test_echo_publishes_data_with_the_sailors_headers_and_acks(flow: Flow, step_api: StepApi, start_worker: Start,
                                                               ) -> None:
    step_api.step_data = {"config": {"apiKey": "k"}, "snapshot": {"s": 1}, "is_passthrough": False}
    start_worker(ELASTICIO_ADDITIONAL_VARS_FOR_HEADERS="ELASTICIO_TENANT_ID", ELASTICIO_TENANT_ID="tenant-9")
    flow.publish({"id": "in-1", "body": {"a": 1}, "headers": {}},
                 headers={"messageId": "parent-1", "x-EIO-meta-Trace": "t1", "custom": "dropped"})

    out = flow.get("message")
    assert out.decrypted()["body"] == {"received": {"a": 1}, "msgHeaders": {}, "cfg": {"apiKey": "k"},
                                       "snapshot": {"s": 1}, "keys": ["body", "headers", "id"]}
    headers = out.headers
    assert set(headers) == {"compId", "containerId", "end", "execId", "function", "messageId", "parentMessageId",
                            "protocolVersion", "start", "stepId", "taskId", "tenantId", "threadId", "userId",
                            "workspaceId", "x-eio-meta-trace"}
    assert headers["parentMessageId"] == "parent-1"
    assert headers["threadId"] == "thread-1"
    assert headers["stepId"] == "step_2"
    assert headers["function"] == "echo"
    assert headers["tenantId"] == "tenant-9"
    assert headers["x-eio-meta-trace"] == "t1"
    assert headers["protocolVersion"] == 1
    assert isinstance(headers["start"], int)
    assert isinstance(headers["end"], int)
    assert headers["start"] <= headers["end"]
    assert out.properties.content_type == "application/json"
    assert out.properties.content_encoding == "utf8"
    assert out.properties.delivery_mode == 1
    assert out.body.startswith(b"{") is False  # base64 text of the ciphertext (protocol 1)
    assert flow.count("dead") == 0
    assert flow.count("input") == 0
    method, path, request_headers, _ = step_api.requests[0]
    assert (method, path) == ("GET", f"/v1/tasks/{flow.prefix}-flow/steps/step_2")
    assert request_headers["Authorization"].startswith("Basic ")


def test_protocol_2_input_is_read_and_the_output_uses_the_configured_version(flow: Flow, start_worker: Start,
                                                                             ) -> None:
    start_worker(ELASTICIO_PROTOCOL_VERSION="2")
    flow.publish({"body": {"v": 2}}, version=2)
    out = flow.get("message")
    assert out.headers["protocolVersion"] == 2
    assert out.decrypted()["body"]["received"] == {"v": 2}


def test_reply_to_is_copied_into_the_message_headers_and_the_outgoing_headers(flow: Flow, start_worker: Start,
                                                                              ) -> None:
    start_worker()
    flow.publish({"body": {}}, headers={"reply_to": flow.key("reply")})
    out = flow.get("message")
    assert out.decrypted()["body"]["msgHeaders"] == {"reply_to": flow.key("reply")}
    assert out.headers["reply_to"] == flow.key("reply")


def test_an_input_without_message_id_is_processed_and_acked(flow: Flow, start_worker: Start) -> None:
    start_worker()
    flow.publish({"body": {"n": 1}}, headers={"messageId": None, "threadId": None})
    out = flow.get("message")
    assert "parentMessageId" not in out.headers
    assert out.headers["threadId"]  # a new thread
    worker_input_left = flow.count("input")
    assert worker_input_left == 0
    assert flow.count("dead") == 0


def test_a_routing_key_header_routes_the_data_and_leaves_the_body(flow: Flow, start_worker: Start) -> None:
    start_worker()
    flow.publish({"body": {"routeTo": flow.key("reply")}})
    out = flow.get("reply")
    assert out.decrypted()["headers"] == {}


def test_each_data_message_gets_its_own_message_id_unless_the_component_sets_one(flow: Flow, start_worker: Start,
                                                                                 ) -> None:
    start_worker(ELASTICIO_FUNCTION="split")
    flow.publish({"body": {"items": ["a", "b", "c"]}})
    outs = [flow.get("message") for _ in range(3)]
    assert [o.decrypted()["body"] for o in outs] == [{"item": "a"}, {"item": "b"}, {"item": "c"}]
    assert len({o.headers["messageId"] for o in outs}) == 3
    assert all(o.headers["parentMessageId"] == outs[0].headers["parentMessageId"] for o in outs)


def test_a_data_message_with_an_id_keeps_it_as_its_message_id(flow: Flow, start_worker: Start) -> None:
    start_worker()
    flow.publish({"body": {"id": "chosen-id"}})  # echo copies body.id to the output's id
    assert flow.get("message").headers["messageId"] == "chosen-id"


def test_several_data_then_an_error_publishes_the_data_then_rejects(flow: Flow, start_worker: Start) -> None:
    start_worker(ELASTICIO_FUNCTION="split")
    flow.publish({"body": {"items": ["a", "fail", "c"]}})
    assert flow.get("message").decrypted()["body"] == {"item": "a"}
    error = flow.get("error")
    assert error.error()["message"] == "item 'fail' cannot be split"
    assert flow.get("dead").redelivered is False
    assert flow.count("message") == 0


def test_fail_publishes_the_error_event_and_rejects(flow: Flow, start_worker: Start) -> None:
    start_worker(ELASTICIO_FUNCTION="fail")
    flow.publish({"body": {"message": "broken"}}, headers={"reply_to": flow.key("reply")})
    error = flow.get("error")
    payload = error.json()
    assert set(payload) == {"error", "errorInput"}
    assert error.error()["name"] == "Boom"
    assert error.error()["message"] == "broken"
    assert "Traceback" in error.error()["stack"]
    assert Cipher("testCryptoPassword", IV).decode(payload["errorInput"].encode(), 1) == {"body": {"message": "broken"}}
    assert "protocolVersion" not in error.headers
    assert isinstance(error.headers["end"], int)
    reply = flow.get("reply")
    assert reply.headers["x-eio-error-response"] is True
    assert reply.body.decode() == payload["error"]
    dead = flow.get("dead")
    assert dead.decrypted() == {"body": {"message": "broken"}}


def test_the_error_input_of_a_protocol_2_message_is_base64(flow: Flow, start_worker: Start) -> None:
    start_worker(ELASTICIO_FUNCTION="fail", ELASTICIO_NO_ERROR_REPLIES="true")
    flow.publish({"body": {"message": "v2"}}, version=2, headers={"reply_to": flow.key("reply")})
    payload = flow.get("error").json()
    assert Cipher("testCryptoPassword", IV).decode(payload["errorInput"].encode(), 1) == {"body": {"message": "v2"}}
    assert flow.count("reply") == 0


def test_an_undecodable_message_is_rejected_and_the_worker_goes_on(flow: Flow, start_worker: Start) -> None:
    worker = start_worker()
    flow.publish(None, body=b"not base64 ciphertext at all!")
    flow.publish(None, body=b"")
    assert flow.get("dead").body == b"not base64 ciphertext at all!"
    assert flow.get("dead").body == b""
    flow.publish({"body": {"still": "alive"}})
    assert flow.get("message").decrypted()["body"]["received"] == {"still": "alive"}
    assert flow.count("error") == 0
    assert worker.wait_for_log("cannot be decoded")


def test_rebound_republishes_the_original_with_expiration_and_iteration(flow: Flow, start_worker: Start) -> None:
    start_worker(ELASTICIO_FUNCTION="rebound", ELASTICIO_REBOUND_INITIAL_EXPIRATION="60000")
    flow.publish({"body": {"x": 1}}, headers={"messageId": "m-1", "custom": "kept"}, priority=3)
    rebound = flow.get("rebound")
    assert rebound.properties.expiration == "60000"
    assert rebound.properties.priority == 3
    assert rebound.headers["reboundIteration"] == 1
    assert rebound.headers["reboundReason"] == "not ready yet"
    assert rebound.headers["messageId"] == "m-1"
    assert rebound.headers["custom"] == "kept"
    assert rebound.decrypted() == {"body": {"x": 1}}
    assert flow.count("dead") == 0
    assert flow.count("error") == 0


@pytest.mark.parametrize(("iteration", "expiration"), [(1, "800"), (2, "1600")])
def test_the_rebound_expiration_doubles_with_each_iteration(flow: Flow, start_worker: Start, iteration: int,
                                                            expiration: str) -> None:
    start_worker(ELASTICIO_FUNCTION="rebound", ELASTICIO_REBOUND_INITIAL_EXPIRATION="400")
    flow.publish({"body": {}}, headers={"reboundIteration": iteration})
    rebound = flow.get("rebound")
    assert rebound.properties.expiration == expiration
    assert rebound.headers["reboundIteration"] == iteration + 1


def test_over_the_rebound_limit_it_is_an_error_and_an_ack(flow: Flow, start_worker: Start) -> None:
    start_worker(ELASTICIO_FUNCTION="rebound", ELASTICIO_REBOUND_LIMIT="2")
    flow.publish({"body": {}}, headers={"reboundIteration": 2})
    error = flow.get("error")
    assert error.error()["message"] == "Rebound limit exceeded"
    assert "errorInput" in error.json()
    assert flow.count("rebound") == 0
    assert flow.count("dead") == 0


def test_a_rebound_comes_back_through_the_rebounds_queue(flow: Flow, start_worker: Start) -> None:
    start_worker(ELASTICIO_FUNCTION="rebound", ELASTICIO_REBOUND_INITIAL_EXPIRATION="1",
                 ELASTICIO_REBOUND_LIMIT="3")
    flow.publish({"body": {}})
    error = flow.get("error")  # rebounds 1, 2 and 3 came back through the broker; the 4th is over the limit
    assert error.error()["message"] == "Rebound limit exceeded"


def test_snapshots_are_plain_json_and_kept_in_memory(flow: Flow, step_api: StepApi, start_worker: Start) -> None:
    step_api.step_data = {"config": {}, "snapshot": {"count": 5}}
    start_worker(ELASTICIO_FUNCTION="snapshot")
    flow.publish({"body": {}})
    update = flow.get("snapshot")
    assert update.json() == {"count": 6}
    assert update.headers["snapshotEvent"] == "updateSnapshot"
    assert flow.get("message").decrypted()["body"] == {"count": 6}
    flow.publish({"body": {"reset": True}})
    replaced = flow.get("snapshot")
    assert (replaced.json(), replaced.headers["snapshotEvent"]) == ({"count": 0}, "snapshot")
    flow.publish({"body": {}})
    assert flow.get("snapshot").json() == {"count": 1}


def test_passthrough_adds_the_steps_output_under_its_id(flow: Flow, step_api: StepApi, start_worker: Start) -> None:
    step_api.step_data = {"config": {}, "is_passthrough": True}
    start_worker()
    flow.publish({"body": {"x": 1}, "passthrough": {"step_1": {"body": {"first": True}}}})
    data = flow.get("message").decrypted()
    assert set(data["passthrough"]) == {"step_1", "step_2"}
    assert data["passthrough"]["step_2"]["body"]["received"] == {"x": 1}
    assert "passthrough" not in data["passthrough"]["step_2"]


def test_an_unroutable_data_message_is_an_error_not_a_silent_drop(flow: Flow, start_worker: Start) -> None:
    worker = start_worker()
    flow.publish({"body": {"routeTo": "nobody.listens.here"}})
    error = flow.get("error")
    assert "unroutable" in error.error()["message"]
    assert flow.get("dead").decrypted()["body"] == {"routeTo": "nobody.listens.here"}
    assert worker.wait_for_log("unroutable")


def test_a_too_large_output_is_an_error(flow: Flow, start_worker: Start) -> None:
    start_worker(ELASTICIO_OUTGOING_MESSAGE_SIZE_LIMIT="100")
    flow.publish({"body": {"x": "y" * 100}})
    assert "exceeds limit of 100" in flow.get("error").error()["message"]
    assert flow.count("dead") == 1
    assert flow.count("message") == 0


def test_sigterm_finishes_the_message_in_progress_and_exits_0(flow: Flow, start_worker: Start, tmp_path: Path,
                                                               ) -> None:
    worker = start_worker(ELASTICIO_FUNCTION="slow", ELASTICIO_RABBITMQ_PREFETCH_SAILOR="2")
    for n in (1, 2):
        flow.publish({"body": {"folder": str(tmp_path), "n": n}})
    for n in (1, 2):
        _wait_for_file(tmp_path / f"started-{n}")
    worker.process.terminate()
    worker.wait_for_log("Finishing 2 message(s) in progress")
    flow.publish({"body": {"folder": str(tmp_path), "n": 3}})  # after the SIGTERM: not taken
    (tmp_path / "release").touch()
    assert worker.wait() == 0
    outs = sorted(flow.get("message").decrypted()["body"]["n"] for _ in range(2))
    assert outs == [1, 2]
    assert flow.count("input") == 1  # message 3 waits for the next replica, untouched
    assert not (tmp_path / "started-3").exists()


def test_a_missing_required_variable_is_one_fatal_line_and_exit_1(flow: Flow, step_api: StepApi,
                                                                 tmp_path: Path) -> None:
    env = flow.env(ELASTICIO_API_URI=step_api.url)
    del env["ELASTICIO_LISTEN_MESSAGES_ON"]
    worker = WorkerProcess(env, tmp_path / "w.log")
    assert worker.wait() == 1
    lines = list(worker.lines())
    assert [line["msg"] for line in lines] == ["ELASTICIO_LISTEN_MESSAGES_ON is missing"]
    assert lines[0]["level"] == 60


def test_a_missing_queue_publishes_a_startup_error_and_exits_1(flow: Flow, step_api: StepApi, tmp_path: Path,
                                                               ) -> None:
    env = flow.env(ELASTICIO_API_URI=step_api.url, ELASTICIO_LISTEN_MESSAGES_ON=flow.prefix + ":no-such-queue")
    worker = WorkerProcess(env, tmp_path / "w.log")
    assert worker.wait() == 1
    error = flow.get("error")
    assert "errorInput" not in error.json()
    assert "no-such-queue" in error.error()["message"]


def test_secrets_never_reach_the_logs(flow: Flow, step_api: StepApi, start_worker: Start) -> None:
    step_api.step_data = {"config": {"apiKey": "cfg-S3cret-api-key"}}
    worker = start_worker(ELASTICIO_FUNCTION="fail", LOG_LEVEL="trace")
    flow.publish({"body": {"message": "x"}})
    flow.get("error")
    worker.stop()
    text = worker.text()
    for secret in ("cfg-S3cret-api-key", "platform-S3cret-key", "testCryptoPassword", "iv=any16_symbols"):
        assert secret not in text
    assert all(json.loads(line) for line in text.splitlines())


def _wait_for_file(path: Path) -> None:
    import time

    deadline = time.monotonic() + 30
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)
