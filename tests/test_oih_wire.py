"""OIH messages on the wire as Ferryman 2.4.7 reads and publishes them (the real-broker tests are in tests/worker)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from pysailor.broker import Outgoing
from pysailor.dialect import DecodeError
from pysailor.errors import OutputError
from pysailor.ferryman.settings import FerrymanSettings
from pysailor.ferryman.token import Token, decode
from pysailor.ferryman.wire import Wire
from pysailor.sailor.cipher import Cipher
from tests.worker.orchestrator import sign

SETTINGS = FerrymanSettings(comp_id="comp-1", api_uri="http://api", amqp_uri="amqp://broker",
                            listen_messages_on="flow-f:s:messages", backchannel_exchange="orchestrator_backchannel",
                            node_exchange="flow-f", output_routing_key="orchestrator_backchannel.input",
                            rebound_routing_key="flow-f.s.rebound", snapshot_routing_key="flow-f.s.snapshot",
                            rebound_initial_expiration=400, rebound_limit=2)
TOKEN = decode(sign({"flowId": "f", "stepId": "s", "userId": "u", "function": "describe", "flowExecId": "e",
                     "tenant": "t", "nodeSettings": {}}))
INPUT = b'{"attachments":{},"data":{"to":"336"},"metadata":{"m":1},"passthrough":{}}'


def headers_of(publish: Outgoing) -> dict[str, Any]:
    return dict(publish.properties.headers or {})


def base(wire: Wire, incoming: dict[str, Any] | None = None, token: Token | None = TOKEN) -> dict[str, Any]:
    return wire.base_headers(incoming or {}, token, "flow-f.s.input", message_id="m-1", start=1000)


def test_the_input_is_plain_json_and_process_gets_its_data_as_body() -> None:
    wire = Wire(SETTINGS)
    decoded = wire.decode(INPUT, {})
    msg = wire.message(decoded, {"reply_to": "r"})
    assert msg == {"attachments": {}, "body": {"to": "336"}, "metadata": {"m": 1}, "passthrough": {},
                   "headers": {"reply_to": "r"}}
    assert wire.message({"body": {"a": 1}, "data": {"b": 2}}, {})["body"] == {"a": 1}  # a body is kept as sent


@pytest.mark.parametrize("content", [b"", b"not json", b"[1]", b'"text"'])
def test_an_input_that_is_not_a_json_object_cannot_be_decoded(content: bytes) -> None:
    with pytest.raises(DecodeError):
        Wire(SETTINGS).decode(content, {})


def test_with_a_message_password_the_sailor_s_cipher_applies() -> None:
    settings = FerrymanSettings(**{**SETTINGS.__dict__, "crypto_password": "pw", "crypto_iv": "iv=any16_symbols"})
    cipher = Cipher("pw", "iv=any16_symbols")
    assert Wire(settings).decode(cipher.encode({"data": 1}, 1), {})["data"] == 1
    assert Wire(settings).decode(cipher.encode({"data": 2}, 2), {"protocolVersion": 2})["data"] == 2


def test_the_base_headers_carry_the_token_s_ids_and_the_token_unchanged() -> None:
    headers = base(Wire(SETTINGS), {"messageId": "in-1", "threadId": "th", "X-EIO-Meta-Trace": "tr",
                                    "reboundIteration": 1, "stepId": "someone-else", "taskId": "not-read"})
    assert headers == {
        "x-eio-meta-trace": "tr", "reboundIteration": 1, "parentMessageId": "in-1", "threadId": "th",
        "messageId": "m-1", "taskId": "f", "workspaceId": SETTINGS.workspace_id,
        "containerId": SETTINGS.container_id, "userId": "u", "stepId": "s", "compId": "comp-1",
        "function": "describe", "start": 1000, "cid": 1, "x-eio-routing-key": "flow-f.s.input",
        "orchestratorToken": TOKEN.raw}


def test_without_a_token_the_ids_it_would_give_are_absent() -> None:
    headers = base(Wire(SETTINGS), token=None)
    assert not {"taskId", "stepId", "userId", "function", "orchestratorToken"} & set(headers)
    assert headers["threadId"]


def test_data_goes_to_the_backchannel_with_body_as_data() -> None:
    wire = Wire(SETTINGS)
    publish = wire.data(base(wire), {"body": {"ok": True}, "metadata": {"m": 1}}, TOKEN, {"step_1": {"x": 1}})
    assert (publish.kind, publish.exchange, publish.routing_key) == \
        ("data", "orchestrator_backchannel", "orchestrator_backchannel.input")
    assert json.loads(publish.body) == {"data": {"ok": True}, "metadata": {"m": 1}, "headers": {},
                                        "passthrough": {"step_1": {"x": 1}}}
    assert publish.properties.delivery_mode == 2
    assert (publish.properties.content_type, publish.properties.content_encoding) == ("application/json", "utf8")
    assert headers_of(publish)["protocolVersion"] == 1
    assert headers_of(publish)["messageId"] == "m-1"


def test_a_data_message_may_choose_its_routing_key_and_id() -> None:
    wire = Wire(SETTINGS)
    publish = wire.data(base(wire), {"id": "d-1", "body": {}, "headers": {"X-EIO-Routing-Key": "custom", "k": 1}},
                        TOKEN, {})
    assert publish.routing_key == "custom"
    assert json.loads(publish.body)["headers"] == {"k": 1}
    assert headers_of(publish)["messageId"] == "d-1"


def test_the_passthrough_node_setting_adds_the_step_s_own_output() -> None:
    token = decode(sign({**TOKEN.claims, "nodeSettings": {"passthrough": True}}))
    wire = Wire(SETTINGS)
    body = json.loads(wire.data(base(wire), {"body": {"ok": 1}}, token, {"step_1": {"x": 1}}).body)
    assert body["passthrough"] == {"step_1": {"x": 1}, "s": {"data": {"ok": 1}, "headers": {}}}


def test_data_over_the_size_limit_is_refused() -> None:
    wire = Wire(FerrymanSettings(**{**SETTINGS.__dict__, "outgoing_message_size_limit": 50}))
    with pytest.raises(OutputError, match="exceeds limit of 50"):
        wire.data(base(wire), {"body": {"text": "x" * 60}}, TOKEN, {})


def test_the_error_is_a_json_string_and_the_input_its_own_text() -> None:
    wire = Wire(SETTINGS)
    publish = wire.error(base(wire), {"name": "Boom", "message": "no", "stack": "at x", "extra": 1}, INPUT, {})
    body = json.loads(publish.body)
    assert json.loads(body["error"]) == {"name": "Boom", "message": "no", "stack": "at x"}
    assert body["errorInput"] == INPUT.decode()
    assert (publish.kind, publish.routing_key) == ("error", "orchestrator_backchannel.error")
    assert "protocolVersion" not in headers_of(publish)
    assert isinstance(headers_of(publish)["end"], int)


def test_the_error_input_of_a_version_2_input_is_its_json_again() -> None:
    wire = Wire(SETTINGS)
    publish = wire.error(base(wire), {"message": "no"}, b'{"data": 1}', {"protocolVersion": 2})
    assert json.loads(publish.body)["errorInput"] == '{"data":1}'


def test_with_a_password_the_error_is_base64_of_its_ciphertext() -> None:
    settings = FerrymanSettings(**{**SETTINGS.__dict__, "crypto_password": "pw", "crypto_iv": "iv=any16_symbols"})
    wire = Wire(settings)
    error = json.loads(wire.error(base(wire), {"message": "no"}, b"x", {}).body)["error"]
    assert Cipher("pw", "iv=any16_symbols").decode(error.encode(), 1)["message"] == "no"
    assert base64.b64decode(error)


def test_function_complete_follows_every_end() -> None:
    wire = Wire(SETTINGS)
    publish = wire.state(base(wire))
    assert publish.body == b'"function complete"'
    assert publish.routing_key == "orchestrator_backchannel.step_state"
    assert "end" not in headers_of(publish)
    assert headers_of(publish)["protocolVersion"] == 1


def test_a_rebound_sends_the_input_back_through_the_node_exchange() -> None:
    wire = Wire(SETTINGS)
    rebound = wire.next_rebound({"reboundIteration": 1})
    publish = wire.rebound(base(wire), INPUT, rebound, "not yet")
    assert (publish.exchange, publish.routing_key, publish.body) == ("flow-f", "flow-f.s.rebound", INPUT)
    assert publish.properties.expiration == "800"
    assert publish.properties.delivery_mode == 2
    headers = headers_of(publish)
    assert (headers["reboundIteration"], headers["reboundReason"]) == (2, "not yet")
    assert headers["orchestratorToken"] == TOKEN.raw
    assert wire.next_rebound({"reboundIteration": 2}).over_limit


def test_snapshots_go_to_the_collector_and_are_not_published_without_a_routing_key() -> None:
    wire = Wire(SETTINGS)
    update = wire.snapshot(base(wire), "updateSnapshot", {"n": 1}, TOKEN)
    assert update is not None
    assert (update.kind, update.exchange, update.routing_key) == \
        ("updateSnapshot", "component-events-collector", "flow-f.s.snapshot")
    assert (headers_of(update)["flowExecId"], headers_of(update)["tenant"]) == ("e", "t")
    snapshot = wire.snapshot(base(wire), "snapshot", {"n": 0}, TOKEN)
    assert snapshot is not None
    assert "flowExecId" not in headers_of(snapshot)
    assert snapshot.kind == "snapshot"  # throttled as snapshots are; updateSnapshot is not
    unrouted = Wire(FerrymanSettings(**{**SETTINGS.__dict__, "snapshot_routing_key": ""}))
    assert unrouted.snapshot(base(unrouted), "snapshot", {}, TOKEN) is None
