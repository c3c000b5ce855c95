"""What Send SMS and the runtime log cost little and say the same: bunyan lines are exactly the JSON of their
fields, one INFO line per send with the outcome, the plan at DEBUG."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import responses

import pysailor
from allmysms_component.actions.send_sms import process

from .conftest import CFG, SEND, answer, message


@pytest.fixture
def lines() -> Iterator[tuple[io.StringIO, logging.Handler]]:
    stream = io.StringIO()
    handler = pysailor.configure_logging(stream, "info")
    yield stream, handler
    logging.getLogger().removeHandler(handler)
    logging.getLogger().setLevel(logging.WARNING)


@pytest.mark.parametrize("text", ["plain", 'quotes " and \\ backslash', "line\nbreak\ttab\x01", "é ✓ 😀",
                                  "lone \ud800 surrogate", "</script>"])
def test_a_line_is_the_json_of_its_fields(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv("ELASTICIO_FLOW_ID", 'flow "9"')
    formatter = pysailor.BunyanFormatter()
    record = logging.LogRecord("allmysms_component.test", logging.WARNING, __file__, 1, "said: %s", (text,), None)
    with pysailor.message_log_context({"id": "m-1", "headers": {"threadId": "t\u00e9"}}):
        line = formatter.format(record)
    fields = json.loads(line)
    assert list(fields) == ["name", "hostname", "pid", "FLOW_ID", "component", "level", "msg", "time", "v",
                            "messageId", "threadId"]
    assert (fields["FLOW_ID"], fields["level"], fields["v"]) == ('flow "9"', 40, 0)
    assert fields["msg"] == "said: " + text
    assert line == pysailor.json_text(fields)  # json.dumps(ensure_ascii=False), a lone surrogate escaped
    assert line.encode("utf-8")  # any UTF-8 stream can carry it


def test_the_time_is_utc_to_the_millisecond() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    record.created, record.msecs = 1_767_225_600.5, 500.0
    assert json.loads(pysailor.BunyanFormatter().format(record))["time"] == "2026-01-01T00:00:00.500Z"


def test_a_send_writes_one_info_line_with_the_outcome(api: responses.RequestsMock,
                                                      lines: tuple[io.StringIO, logging.Handler]) -> None:
    api.post(SEND, json=answer("send_sent"))
    process(message(numbers="33612345678"), CFG)
    said = [json.loads(line) for line in lines[0].getvalue().splitlines()]
    assert [line["level"] for line in said] == [30]
    msg = said[0]["msg"]
    assert msg.startswith("AllMySMS accepted an SMS to 1 recipient(s) (")
    assert "GSM-7, 1 part(s) each: status 100" in msg
    assert "33612345678" not in msg
    assert "Hello" not in msg


def test_the_plan_line_is_at_debug(api: responses.RequestsMock, lines: tuple[io.StringIO, logging.Handler]) -> None:
    api.post(SEND, json=answer("send_sent"))
    logging.getLogger().setLevel(logging.DEBUG)
    process(message(), CFG)
    said = [json.loads(line) for line in lines[0].getvalue().splitlines()]
    plan = [line for line in said if line["msg"].startswith("Sending an SMS to 1 recipient(s)")]
    assert [line["level"] for line in plan] == [20]
