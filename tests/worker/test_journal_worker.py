"""Send SMS as a platform step with its send journal: replays, kills mid-send, an unreachable journal, settings."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator, Fault
from tests.services import free_port

from .platform import Flow, WorkerProcess

Start = Callable[..., WorkerProcess]
BODY = {"mobileNumbers": "+33 6 12 34 56 78, 0698765432", "senderName": "MyShop", "messageText": "Hello"}
JOURNAL_PREFIX = "allmysms:journal:v2:{b??}:"


@dataclass
class JournalUnderTest:
    """Where the workers of a test keep their journal: ``env`` to start them with."""

    kind: str
    env: dict[str, str] = field(default_factory=dict)


def entries(redis_url: str, flow: Flow) -> dict[str, bytes]:
    """The journal entries the test flow's step wrote in Redis."""
    client = redis.Redis.from_url(redis_url)
    try:
        found: dict[str, bytes] = {}
        for name in client.scan_iter(match=f"{JOURNAL_PREFIX}{flow.prefix}-flow/step_2:*"):
            value = client.get(name)
            assert isinstance(value, bytes)
            found[name.decode()] = value
        return found
    finally:
        client.close()


@pytest.fixture
def redis_journal(redis_url: str, flow: Flow) -> Iterator[JournalUnderTest]:
    yield JournalUnderTest("redis", {"ALLMYSMS_JOURNAL_URL": redis_url})
    client = redis.Redis.from_url(redis_url)
    try:
        names = list(entries(redis_url, flow))
        if names:
            client.delete(*names)
    finally:
        client.close()


@pytest.fixture(params=["memory", "redis"])
def journal(request: pytest.FixtureRequest) -> JournalUnderTest:
    if request.param == "memory":
        return JournalUnderTest("memory")
    found: JournalUnderTest = request.getfixturevalue("redis_journal")
    return found


def wait_until(condition: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout:g} s"
        time.sleep(0.01)  # polling for a state, not a timing assertion


def test_a_message_sent_once_is_replayed_with_the_same_output_id_and_no_request(
        flow: Flow, simulator: AllMySmsSimulator, send_sms: Start, journal: JournalUnderTest) -> None:
    worker = send_sms(**journal.env)
    flow.publish({"body": BODY}, headers={"messageId": "m-1"})
    first = flow.get("message")
    if journal.kind == "redis":  # another process than the one that sent: what the shared journal is for
        assert worker.stop() == 0
        worker = send_sms(**journal.env)
    flow.publish({"body": BODY}, headers={"messageId": "m-1"})  # the same bytes again: an upstream copy, a retry
    again = flow.get("message")

    assert again.headers["messageId"] == first.headers["messageId"]  # the next step can drop the copy
    assert again.decrypted() == first.decrypted()  # the text, which the journal does not keep, included
    assert [r.endpoint for r in simulator.requests] == ["sendSms"]
    assert [sms.cli_msg_id for sms in simulator.received] == ["m-1", "m-1"]  # the messageId, as CLIMSGID
    assert first.decrypted()["body"]["cliMsgId"] == "m-1"
    worker.wait_for_log("its recorded output is published again")
    assert flow.count("error") == 0


def test_a_send_cut_by_sigkill_is_not_sent_again_but_ends_may_have_been_sent(
        flow: Flow, simulator: AllMySmsSimulator, send_sms: Start, journal: JournalUnderTest) -> None:
    first = send_sms(**journal.env)
    simulator.inject(Fault.delay(60))  # AllMySMS has the SMS; its answer never reaches the worker
    flow.publish({"body": BODY}, headers={"messageId": "m-1"})
    wait_until(lambda: simulator.received, "the request reaching AllMySMS")
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL

    second = send_sms(**journal.env)  # the broker redelivers the message to it, marked redelivered
    error = flow.get("error").error()
    assert error["name"] == "SendInDoubtError"
    assert "may already have been sent, so it was not sent again" in error["message"]
    why = "began sending it and stopped" if journal.kind == "redis" else "ALLMYSMS_JOURNAL_URL"
    assert why in error["message"]
    assert flow.get("dead").headers["messageId"] == "m-1"  # rejected: in the error list for a person
    assert len(simulator.received) == 2  # one request, two recipients: nothing sent twice
    assert second.stop() == 0


def test_validation_stays_stateless_an_invalid_message_writes_no_entry(
        flow: Flow, simulator: AllMySmsSimulator, send_sms: Start, redis_journal: JournalUnderTest,
        redis_url: str) -> None:
    send_sms(**redis_journal.env)
    flow.publish({"body": {**BODY, "senderName": "x"}}, headers={"messageId": "m-invalid"})
    assert flow.get("error").error()["name"] == "InvalidInputError"
    assert entries(redis_url, flow) == {}

    flow.publish({"body": BODY}, headers={"messageId": "m-valid"})
    flow.get("message")
    written = entries(redis_url, flow)
    assert [name.split(":")[5] for name in written] == ["m-valid"]
    (entry,) = written.values()
    assert json.loads(entry)["state"] == "sent"
    assert b"Hello" not in entry
    assert SANDBOX_ACCOUNT.api_key.encode() not in entry


def test_an_unreachable_journal_sends_nothing_and_rebounds(flow: Flow, simulator: AllMySmsSimulator,
                                                           send_sms: Start) -> None:
    send_sms(ALLMYSMS_JOURNAL_URL=f"redis://127.0.0.1:{free_port()}/0",
             ELASTICIO_REBOUND_INITIAL_EXPIRATION="60000")
    flow.publish({"body": BODY}, headers={"messageId": "m-1"})
    rebound = flow.get("rebound")
    assert rebound.headers["messageId"] == "m-1"
    assert rebound.headers["reboundReason"].startswith("The send journal could not be reached")
    assert "nothing was sent" in rebound.headers["reboundReason"]
    assert simulator.requests == []
    assert flow.count("error") == 0
    assert flow.count("dead") == 0


PASSWORD = "Zq7-pw-S3cr3t"


def test_a_password_in_the_journal_url_query_is_in_no_log_line_and_no_rebound(
        flow: Flow, simulator: AllMySmsSimulator, send_sms: Start, tmp_path: Path) -> None:
    worker = send_sms(ALLMYSMS_JOURNAL_URL=f"unix://{tmp_path}/none.sock?db=0&password={PASSWORD}",
                      ELASTICIO_REBOUND_INITIAL_EXPIRATION="60000")
    flow.publish({"body": BODY}, headers={"messageId": "m-1"})
    rebound = flow.get("rebound")
    assert "nothing was sent" in rebound.headers["reboundReason"]
    assert "password=******" in rebound.headers["reboundReason"]
    assert "Send journal: shared, in Redis at unix://" in worker.text()
    for secret in (PASSWORD, PASSWORD[:6], PASSWORD[-6:]):
        assert secret not in worker.text()
        assert secret not in rebound.headers["reboundReason"]


@pytest.mark.parametrize(("name", "value"), [
    ("ALLMYSMS_JOURNAL_TTL", "60"),
    ("ALLMYSMS_SEND_UNPROVEN_REDELIVERIES", "maybe"),
    ("ALLMYSMS_JOURNAL_URL", "redis://127.0.0.1/0?socket_timeout=soon"),
    ("ALLMYSMS_JOURNAL_URL", "redis://127.0.0.1/0?socket_timout=5"),
    ("ALLMYSMS_JOURNAL_URL", f"redis://:{PASSWORD[:6]}#{PASSWORD[6:]}@127.0.0.1:6379/0"),
    ("ALLMYSMS_JOURNAL_URL", f"redis://:{PASSWORD[:6]}/{PASSWORD[6:]}@127.0.0.1:6379/0"),
    ("ALLMYSMS_JOURNAL_URL", f"redis://:{PASSWORD[:6]}?{PASSWORD[6:]}@127.0.0.1:6379/0"),
    ("ALLMYSMS_JOURNAL_REPLICAS", "all"),
])
def test_a_refused_journal_setting_is_one_fatal_line_and_exit_1(send_sms: Start, name: str, value: str) -> None:
    worker = send_sms(ready=False, **{name: value})
    assert worker.wait() == 1
    fatal = [line for line in worker.lines() if line.get("level") == 60]
    assert len(fatal) == 1
    assert fatal[0]["msg"].startswith(f"{name} ")
    assert "is refused" in fatal[0]["msg"]
    assert PASSWORD[:6] not in worker.text()
    assert PASSWORD[6:] not in worker.text()
    assert "Traceback" not in worker.text()
