"""The platform's semantics around process: events, ack or reject, and logs as bunyan JSON lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

import pysailor as runtime
from allmysms_component import context
from allmysms_component.actions import send_sms
from allmysms_component.errors import InvalidInputError, Rebound
from pysailor.execution import OUTGOING_MESSAGE_SIZE_LIMIT
from pysailor.messages import new_message


def returns(msg: Any, cfg: Any, snapshot: Any = None) -> dict[str, Any]:
    return new_message({"echo": msg["body"]})


def raises(msg: Any, cfg: Any, snapshot: Any = None) -> dict[str, Any]:
    raise InvalidInputError(["Sender Name (senderName) is required"], field="senderName")


def rebounds(msg: Any, cfg: Any, snapshot: Any = None) -> dict[str, Any]:
    raise Rebound("AllMySMS is unavailable (HTTP 503); nothing was sent")


def crashes(msg: Any, cfg: Any, snapshot: Any = None) -> dict[str, Any]:
    raise KeyError("boom")


def returns_nothing(msg: Any, cfg: Any, snapshot: Any = None) -> None:
    return None


def returns_too_much(msg: Any, cfg: Any, snapshot: Any = None) -> dict[str, Any]:
    return new_message({"blob": "x" * (OUTGOING_MESSAGE_SIZE_LIMIT + 1)})


def test_a_returned_message_becomes_data_then_end_and_is_acked() -> None:
    execution = runtime.execute(returns, runtime.new_incoming({"a": 1}), {})
    assert [e.name for e in execution.events] == ["data", "end"]
    assert execution.events[0].payload["body"] == {"echo": {"a": 1}}
    assert execution.outcome == "acked"


def test_an_exception_becomes_error_then_end_and_is_rejected() -> None:
    execution = runtime.execute(raises, runtime.new_incoming({}), {})
    assert [e.name for e in execution.events] == ["error", "end"]
    error = execution.events[0].payload
    assert error["name"] == "InvalidInputError"
    assert "senderName" in error["message"]
    assert "Traceback" in error["stack"]
    assert execution.outcome == "rejected"


def test_any_exception_is_an_error_event_not_a_crash() -> None:
    execution = runtime.execute(crashes, runtime.new_incoming({}), {})
    assert execution.events[0].payload["name"] == "KeyError"
    assert execution.outcome == "rejected"


def test_rebound_becomes_a_rebound_event_then_end_and_is_acked() -> None:
    execution = runtime.execute(rebounds, runtime.new_incoming({}), {})
    assert [e.name for e in execution.events] == ["rebound", "end"]
    assert "HTTP 503" in execution.events[0].payload["message"]
    assert execution.outcome == "acked"


def test_returning_nothing_emits_only_end() -> None:
    assert [e.name for e in runtime.execute(returns_nothing, {}, {}).events] == ["end"]


def test_a_message_over_the_platform_size_limit_is_an_error() -> None:
    execution = runtime.execute(returns_too_much, runtime.new_incoming({}), {})
    assert execution.events[0].name == "error"
    assert "limit" in execution.events[0].payload["message"]


def test_the_action_is_loaded_through_main_in_component_json() -> None:
    assert context.current().descriptor.function("sendSMS").process is send_sms.process


def test_module_name_follows_the_main_path() -> None:
    assert runtime.module_name("./allmysms_component/actions/send_sms.py") == "allmysms_component.actions.send_sms"


def test_an_incoming_message_has_the_platform_shape() -> None:
    msg = runtime.new_incoming({"x": 1}, message_id="m", thread_id="t")
    assert msg == {"id": "m", "body": {"x": 1}, "attachments": {}, "headers": {"threadId": "t"}, "metadata": {}}


@pytest.mark.parametrize(("result", "expected"), [
    ({"verified": False, "reason": "no"}, {"verified": False, "reason": "no"}),
    ({"verified": True}, {"verified": True}),
    (True, {"verified": True}),
    (None, {"verified": True}),
])
def test_verify_results_are_normalised_like_the_sailor(result: object, expected: dict[str, Any]) -> None:
    assert runtime.verify(lambda credentials: result, {}) == expected


def test_a_verifier_that_raises_is_not_verified_with_the_reason() -> None:
    def verifier(credentials: object) -> None:
        raise ValueError("cannot reach")
    assert runtime.verify(verifier, {}) == {"verified": False, "reason": "cannot reach"}


# -- logging ----------------------------------------------------------------------------------------------

@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = runtime.configure_logging(stream, "debug")
    yield stream
    logging.getLogger().removeHandler(handler)
    logging.getLogger().setLevel(logging.WARNING)


def logged(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_log_lines_are_bunyan_json_with_the_message_and_thread_ids(log_lines: io.StringIO) -> None:
    def process(msg: Any, cfg: Any, snapshot: Any = None) -> None:
        logging.getLogger("allmysms_component.test").info("hello %s", "there")

    runtime.execute(process, runtime.new_incoming({}, message_id="m-1", thread_id="t-1"), {})
    line = logged(log_lines)[0]
    assert {"name", "hostname", "pid", "level", "msg", "time", "v"} <= set(line)
    assert (line["level"], line["msg"], line["v"]) == (30, "hello there", 0)
    assert (line["messageId"], line["threadId"]) == ("m-1", "t-1")
    assert line["time"].endswith("Z")


def test_ids_do_not_leak_into_lines_logged_outside_a_message(log_lines: io.StringIO) -> None:
    runtime.execute(returns_nothing, runtime.new_incoming({}, message_id="m-1"), {})
    logging.getLogger("allmysms_component.test").info("between messages")
    assert "messageId" not in logged(log_lines)[-1]


@pytest.mark.parametrize(("python", "bunyan"), [(logging.DEBUG, 20), (logging.INFO, 30), (logging.WARNING, 40),
                                                 (logging.ERROR, 50), (logging.CRITICAL, 60)])
def test_levels_are_bunyan_numbers(python: int, bunyan: int) -> None:
    assert runtime.bunyan_level(python) == bunyan


@pytest.mark.parametrize(("name", "level"), [("debug", logging.DEBUG), ("info", logging.INFO),
                                             ("warn", logging.WARNING), ("error", logging.ERROR)])
def test_the_level_comes_from_log_level(monkeypatch: pytest.MonkeyPatch, name: str, level: int) -> None:
    monkeypatch.setenv("LOG_LEVEL", name)
    handler = runtime.configure_logging(io.StringIO())
    try:
        assert logging.getLogger().level == level
    finally:
        logging.getLogger().removeHandler(handler)


def test_an_unknown_log_level_falls_back_to_info_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "loud")
    stream = io.StringIO()
    handler = runtime.configure_logging(stream)
    try:
        assert logging.getLogger().level == logging.INFO
        assert "LOG_LEVEL 'loud'" in logged(stream)[0]["msg"]
    finally:
        logging.getLogger().removeHandler(handler)


def test_platform_context_variables_are_added_to_log_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELASTICIO_FLOW_ID", "flow-9")
    monkeypatch.setenv("ELASTICIO_API_KEY", "platform-secret")
    stream = io.StringIO()
    handler = runtime.configure_logging(stream, "info")
    try:
        logging.getLogger("allmysms_component.test").info("x")
        line = logged(stream)[0]
        assert line["FLOW_ID"] == "flow-9"
        assert "platform-secret" not in stream.getvalue()
    finally:
        logging.getLogger().removeHandler(handler)


def test_the_runtime_names_stay_importable_from_the_component_for_component_authors() -> None:
    from allmysms_component import runtime as old_path

    assert old_path.Event is runtime.Event
    assert old_path.execute is runtime.execute
