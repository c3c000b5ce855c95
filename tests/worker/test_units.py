"""The worker's pure pieces, without a broker: settings, cipher, codec, headers, rebound, throttle, redeliveries."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import Any

import pytest
from pamqp.commands import Basic

from pysailor import Event, execute
from pysailor.messages import content_digest
from pysailor.redeliveries import Attached, Proceed, Redeliveries, Settle, key_of
from pysailor.sailor import codec, headers
from pysailor.sailor.cipher import Cipher
from pysailor.sailor.rebound import next_rebound
from pysailor.sailor.settings import Ids, SettingsError, WorkerSettings, camel_case, parse_int
from pysailor.throttle import Throttle

VECTORS = json.loads((Path(__file__).parents[1] / "data" / "sailor" / "vectors.json").read_text())
IDS = Ids("flow", "exec", "step_2", "container", "workspace", "user", "comp", "sendSMS")
MINIMAL_ENV = {f"ELASTICIO_{name}": "x" for name in (
    "FLOW_ID", "EXEC_ID", "STEP_ID", "CONTAINER_ID", "WORKSPACE_ID", "USER_ID", "COMP_ID", "FUNCTION", "API_URI",
    "API_USERNAME", "API_KEY", "AMQP_URI", "LISTEN_MESSAGES_ON", "PUBLISH_MESSAGES_TO", "DATA_ROUTING_KEY",
    "ERROR_ROUTING_KEY", "REBOUND_ROUTING_KEY", "SNAPSHOT_ROUTING_KEY", "MESSAGE_CRYPTO_PASSWORD")}
MINIMAL_ENV["ELASTICIO_MESSAGE_CRYPTO_IV"] = "0123456789abcdef"
MINIMAL_ENV["ELASTICIO_AMQP_URI"] = "amqp://guest:guest@localhost/"


# -- settings -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("5", 5), ("  12ms", 12), ("0", 1), ("abc", 1), ("", 1), ("3.9", 3), ("+7", 7)])
def test_numbers_are_parsed_like_javascripts_parseint_or_default(raw: str, expected: int) -> None:
    env = {**MINIMAL_ENV, "ELASTICIO_RABBITMQ_PREFETCH_SAILOR": raw}
    assert WorkerSettings.from_env(env).prefetch == expected


@pytest.mark.parametrize(("raw", "expected"), [(None, False), ("", False), ("false", False), ("true", True),
                                               ("0", True), ("no", True)])
def test_booleans_are_false_only_for_empty_and_false(raw: str | None, expected: bool) -> None:
    env = dict(MINIMAL_ENV)
    if raw is not None:
        env["ELASTICIO_AMQP_PERSISTENT_MESSAGES"] = raw
    assert WorkerSettings.from_env(env).persistent_messages is expected


def test_the_defaults_are_the_sailors() -> None:
    s = WorkerSettings.from_env(MINIMAL_ENV)
    assert (s.prefetch, s.rebound_initial_expiration, s.rebound_limit) == (1, 15000, 20)
    assert (s.data_rate_limit, s.error_rate_limit, s.snapshot_rate_limit, s.rate_interval) == (10, 2, 2, 100)
    assert (s.publish_retry_delay, s.publish_max_retry_delay, s.publish_retry_attempts) == (100, 300000, math.inf)
    assert (s.outgoing_message_size_limit, s.protocol_version, s.input_format) == (10485760, 1, "default")
    assert (s.grace_period, s.reconnect_timeout) == (60.0, 300.0)
    assert s.component_path == Path()


@pytest.mark.parametrize(("change", "message"), [
    ({"ELASTICIO_FLOW_ID": ""}, "ELASTICIO_FLOW_ID is missing"),
    ({"ELASTICIO_MESSAGE_CRYPTO_IV": "short"}, "must be 16 bytes long, not 5"),
    ({"ELASTICIO_REBOUND_LIMIT": "-1"}, "must not be negative"),
    ({"ALLMYSMS_WORKER_GRACE_PERIOD": "soon"}, "ALLMYSMS_WORKER_GRACE_PERIOD must be a number of seconds"),
])
def test_refused_settings_name_the_variable(change: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        WorkerSettings.from_env({**MINIMAL_ENV, **change})


def test_secrets_are_not_in_the_settings_repr() -> None:
    env = {**MINIMAL_ENV, "ELASTICIO_API_KEY": "api-S3cret", "ELASTICIO_MESSAGE_CRYPTO_PASSWORD": "pw-S3cret",
           "ELASTICIO_AMQP_URI": "amqp://u:amqp-S3cret@h/"}
    shown = repr(WorkerSettings.from_env(env))
    assert "S3cret" not in shown
    assert "0123456789abcdef" not in shown


@pytest.mark.parametrize(("name", "expected"), [("TENANT_ID", "tenantId"), ("CONTRACT_ID", "contractId"),
                                                ("X", "x"), ("A2_B", "a2B")])
def test_additional_header_names_are_camel_cased(name: str, expected: str) -> None:
    assert camel_case(name) == expected


def test_additional_vars_become_headers() -> None:
    env = {**MINIMAL_ENV, "ELASTICIO_ADDITIONAL_VARS_FOR_HEADERS": "ELASTICIO_TENANT_ID, OTHER_VAR,UNSET",
           "ELASTICIO_TENANT_ID": "t1", "OTHER_VAR": "o"}
    assert WorkerSettings.from_env(env).additional_headers == {"tenantId": "t1", "otherVar": "o"}


def test_parse_int_is_none_where_javascript_gives_nan() -> None:
    assert parse_int("x1") is None


# -- cipher: the same bytes as the Node sailor -----------------------------------------------------------------

@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: json.dumps(v["message"])[:30])
def test_the_cipher_makes_the_sailors_bytes_and_reads_them(vector: dict[str, Any]) -> None:
    cipher, plain = Cipher(VECTORS["password"], VECTORS["iv"]), Cipher("", "")
    message = vector["message"]
    assert cipher.encode(message, 1).decode() == vector["v1"]
    assert base64.b64encode(cipher.encode(message, 2)).decode() == vector["v2"]
    assert plain.encode(message, 1).decode() == vector["v1NoPassword"]
    assert plain.encode(message, 2).decode() == vector["v2NoPassword"]
    assert cipher.decode(vector["v1"].encode(), 1) == message
    assert cipher.decode(base64.b64decode(vector["v2"]), 2) == message


@pytest.mark.parametrize("content", [b"%%%", b"AAAA", base64.b64encode(b"x" * 16), b"[]"])
def test_what_cannot_be_decrypted_is_a_decode_error(content: bytes) -> None:
    cipher = Cipher(VECTORS["password"], VECTORS["iv"])
    with pytest.raises(codec.DecodeError):
        codec.decode(content, {}, cipher)


def test_the_cipher_shows_no_key() -> None:
    assert repr(Cipher("pw-S3cret", "0123456789abcdef")) == "Cipher(encrypting=True)"


# -- codec ----------------------------------------------------------------------------------------------------

CIPHER = Cipher("pw", "0123456789abcdef")


@pytest.mark.parametrize(("version", "reads_as"), [(None, 1), (1, 1), ("2", 2), (2, 2), (3, 2), ("abc", 2)])
def test_protocol_version_decides_base64(version: object, reads_as: int) -> None:
    table = {} if version is None else {"protocolVersion": version}
    content = CIPHER.encode({"body": {}}, reads_as)
    assert codec.decode(content, table, CIPHER)["body"] == {}


def test_headers_are_forced_and_reply_to_copied() -> None:
    msg = codec.decode(CIPHER.encode({"body": 1, "headers": "junk"}, 1), {"reply_to": "r.k"}, CIPHER)
    assert msg == {"body": 1, "headers": {"reply_to": "r.k"}}


def test_an_error_input_is_decrypted_field_by_field() -> None:
    body, _ = codec.error_body(CIPHER, {"name": "E", "message": "m", "stack": "s"},
                               CIPHER.encode({"body": {"x": 1}}, 1).decode())
    msg = codec.decode(body, {"messageId": "m1"}, CIPHER, error_input=True)
    assert msg["body"] == {"error": {"name": "E", "message": "m", "stack": "s"}, "errorInput": {"body": {"x": 1}}}


def test_error_input_is_base64_text_for_both_versions() -> None:
    v1 = CIPHER.encode({"a": 1}, 1)
    assert codec.error_input(v1, {}) == v1.decode()
    assert codec.error_input(CIPHER.encode({"a": 1}, 2), {"protocolVersion": 2}) == v1.decode()


def test_the_size_limit_applies_to_the_encoded_body() -> None:
    with pytest.raises(codec.TooLargeError, match=r"Outgoing message size 44 exceeds limit of 43\."):
        codec.data_body(CIPHER, {"body": {"x": "0123456"}}, 1, 43)


# -- headers ----------------------------------------------------------------------------------------------------

def test_base_headers_carry_meta_thread_parent_and_ids() -> None:
    incoming = {"X-EIO-Meta-Trace-Id": "trace", "messageId": "parent", "stepId": "step_1", "custom": "no",
                "protocolVersion": 2, "reboundIteration": 3}
    base = headers.base_headers(incoming, IDS, {"tenantId": "t"}, message_id="mine", start=1700000000000)
    assert base == {"x-eio-meta-trace-id": "trace", "tenantId": "t", "parentMessageId": "parent",
                    "threadId": "trace", "messageId": "mine", "execId": "exec", "taskId": "flow",
                    "workspaceId": "workspace", "containerId": "container", "userId": "user", "stepId": "step_2",
                    "compId": "comp", "function": "sendSMS", "start": 1700000000000}


def test_a_new_thread_and_no_parent_without_incoming_ids() -> None:
    base = headers.base_headers({}, IDS, {}, message_id="m", start=0)
    assert "parentMessageId" not in base
    assert len(base["threadId"]) == 36


@pytest.mark.parametrize(("data_id", "own"), [("given", "given"), (None, None), ("", None), (7, None)])
def test_each_data_message_has_its_own_message_id(data_id: object, own: str | None) -> None:
    first = headers.data_headers({"messageId": "input-events"}, data_id, 1)
    second = headers.data_headers({"messageId": "input-events"}, data_id, 1)
    if own:
        assert first["messageId"] == second["messageId"] == own
    else:
        assert first["messageId"] != second["messageId"]
        assert "input-events" not in (first["messageId"],)
    assert first["protocolVersion"] == 1
    assert isinstance(first["end"], int)


@pytest.mark.parametrize(("given", "route", "kept"), [
    ({"X-EIO-Routing-Key": "k", "a": 1}, "k", {"a": 1}), ({"a": 1}, None, {"a": 1}), (None, None, {}),
    ("junk", None, {})])
def test_the_routing_key_override_is_taken_out(given: object, route: str | None, kept: dict[str, Any]) -> None:
    assert headers.routing_key_override(given) == (route, kept)


def test_rebound_properties_keep_the_originals_and_add_expiration() -> None:
    original = Basic.Properties(content_type="application/json", priority=4, headers={"a": 1}, delivery_mode=2)
    copied = headers.rebound_properties(original, {"a": 1, "reboundIteration": 2}, 30000)
    assert (copied.priority, copied.delivery_mode, copied.expiration) == (4, 2, "30000")
    assert copied.headers == {"a": 1, "reboundIteration": 2}


def test_none_values_are_left_out_of_the_table() -> None:
    assert headers.properties({"a": None, "b": 1}, persistent=True).headers == {"b": 1}


# -- rebound arithmetic -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("previous", "iteration", "expiration"), [
    (None, 1, 15000), (1, 2, 30000), (2, 3, 60000), (19, 20, 2**19 * 15000), (20, 21, None), ("2", 1, 15000),
    (True, 1, 15000), (0, 1, 15000)])
def test_rebound_iteration_and_expiration(previous: object, iteration: int, expiration: int | None) -> None:
    table = {} if previous is None else {"reboundIteration": previous}
    rebound = next_rebound(table, initial_expiration=15000, limit=20)
    assert (rebound.iteration, rebound.expiration, rebound.over_limit) == (iteration, expiration, expiration is None)


# -- throttle ---------------------------------------------------------------------------------------------------

def test_the_throttle_lets_limit_through_per_window_then_books_the_next_windows() -> None:
    now = [100.0]
    throttle = Throttle(2, 100, clock=lambda: now[0])
    assert [round(throttle.delay(), 3) for _ in range(5)] == [0, 0, 0.1, 0.1, 0.2]
    now[0] += 1.0
    assert throttle.delay() == 0


# -- redeliveries -----------------------------------------------------------------------------------------------

def test_a_redelivery_of_a_running_message_is_attached_to_the_run() -> None:
    book: Redeliveries[str] = Redeliveries()
    key = key_of("m1", content_digest(b"content"))
    assert book.claim(key, "first", redelivered=False) == Proceed()
    assert book.claim(key, "again", redelivered=True) == Attached()
    assert book.finish(key) == "again"
    assert book.claim(key, "third", redelivered=True) == Proceed()  # "again" was acked: this is another delivery


def test_a_verdict_lost_with_the_connection_settles_the_redelivery_once() -> None:
    book: Redeliveries[str] = Redeliveries()
    key = key_of("m1", content_digest(b"content"))
    book.claim(key, "first", redelivered=False)
    assert book.finish(key) is None
    book.unsettled(key, "reject")
    assert book.claim(key, "again", redelivered=True) == Settle("reject")
    assert book.claim(key, "later", redelivered=True) == Proceed()  # e.g. a rebound's copy another replica lost


def test_a_message_acked_here_is_run_when_a_copy_comes_back_redelivered() -> None:
    # A rebound republishes the same bytes with the same messageId; if the replica that got that copy dies, the
    # broker redelivers it here. Settling it unrun would ack a message that never had an outcome.
    book: Redeliveries[str] = Redeliveries()
    key = key_of("m1", content_digest(b"content"))
    book.claim(key, "rebounded", redelivered=False)
    book.finish(key)  # acked: the rebound lives on in the rebounds queue
    assert book.claim(key, "copy, redelivered", redelivered=True) == Proceed()


def test_a_new_message_with_the_same_id_is_never_taken_for_a_redelivery() -> None:
    book: Redeliveries[str] = Redeliveries()
    assert book.claim(key_of("m1", content_digest(b"a")), "split-1", redelivered=False) == Proceed()
    assert book.claim(key_of("m1", content_digest(b"b")), "split-2", redelivered=True) == Proceed()  # other content
    # not redelivered:
    assert book.claim(key_of("m1", content_digest(b"a")), "same-again", redelivered=False) == Proceed()


def test_messages_without_id_are_tracked_by_content() -> None:
    book: Redeliveries[str] = Redeliveries()
    key = key_of(None, content_digest(b"x"))
    book.claim(key, "d1", redelivered=False)
    assert book.finish(key) is None
    book.unsettled(key, "reject")
    assert book.claim(key, "d2", redelivered=True) == Settle("reject")


def test_settled_messages_are_forgotten_after_a_while_and_beyond_a_count() -> None:
    now = [0.0]
    book: Redeliveries[str] = Redeliveries(remember_for=10, max_settled=2, clock=lambda: now[0])
    for n in range(3):
        key = key_of(str(n), content_digest(b""))
        book.claim(key, "d", redelivered=False)
        book.finish(key)
        book.unsettled(key, "ack")
    assert len(book) == 2
    now[0] = 11
    assert book.claim(key_of("9", content_digest(b"")), "d", redelivered=False) == Proceed()
    assert len(book) == 1  # only the new run


def test_a_run_released_before_it_started_hands_back_its_attached_redelivery() -> None:
    book: Redeliveries[str] = Redeliveries()
    key = key_of("m", content_digest(b""))
    book.claim(key, "d1", redelivered=False)
    book.claim(key, "d2", redelivered=True)
    assert book.release(key) == "d2"
    assert len(book) == 0


# -- several outputs from one process (runtime.execute) -------------------------------------------------------

def test_a_generator_emits_each_item_as_it_is_yielded() -> None:
    seen: list[str] = []

    def process(msg: Any, cfg: Any, snapshot: Any) -> Any:
        yield {"body": 1}
        seen.append("resumed after the first data was emitted")
        yield Event("updateSnapshot", {"n": 1})
        yield Event("data", {"body": 2})
        yield Event("snapshot", {"n": 0})

    execution = execute(process, {}, {}, emit=lambda event: seen.append(event.name))
    assert [e.name for e in execution.events] == ["data", "updateSnapshot", "data", "snapshot", "end"]
    assert seen[:2] == ["data", "resumed after the first data was emitted"]
    assert execution.outcome == "acked"


def test_a_failing_emit_becomes_the_error_event_and_closes_the_generator() -> None:
    closed: list[bool] = []

    def process(msg: Any, cfg: Any, snapshot: Any) -> Any:
        try:
            yield {"body": 1}
            yield {"body": 2}
        finally:
            closed.append(True)

    def emit(event: Event) -> None:
        if event.name == "data":
            raise RuntimeError("the broker did not confirm")

    execution = execute(process, {}, {}, emit=emit)
    assert [e.name for e in execution.events] == ["error", "end"]
    assert execution.events[0].payload["message"] == "the broker did not confirm"
    assert closed == [True]


def test_yielding_an_error_event_is_refused() -> None:
    def process(msg: Any, cfg: Any, snapshot: Any) -> Any:
        yield Event("error", "no")

    execution = execute(process, {}, {})
    assert execution.outcome == "rejected"
    assert "only data, snapshot and updateSnapshot" in execution.events[0].payload["message"]
