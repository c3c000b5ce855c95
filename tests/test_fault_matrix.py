"""Every fault, over real sockets: what the user gets, how often AllMySMS saw the SMS, how long it took.

One row per fault the simulator can inject, plus the network faults it cannot (a refused connection, an
unresolvable host). For each: the error (or success) the action ends with, the sendSms requests the API saw,
the SMS it recorded as sent (never more than one), the call's duration within its timeout budget, and the API
key absent from logs, exception text and output.
"""

from __future__ import annotations

import json
import logging
import socket
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from allmysms_component.actions.send_sms import process
from allmysms_component.api import DEFAULT_RETRY, AllMySmsClient, SmsRequest
from allmysms_component.errors import (
    AllMySmsError,
    ApiRejectedError,
    AuthenticationError,
    InsufficientCreditError,
    MalformedResponseError,
    OutcomeUnknownError,
    RateLimitedError,
    Rebound,
    ServiceUnavailableError,
)
from allmysms_component.rules.account import Credentials
from allmysms_component.sandbox import Account, AllMySmsSimulator, Fault
from allmysms_component.settings import Timeouts

from .conftest import Deploy, message

API_KEY = "matrix-S3cret-Key-424242"
CFG = {"login": "matrix", "apiKey": API_KEY}
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 2.0
# The worst a call may take: every try times out, plus the longest back-off between tries, plus slack.
BUDGET = DEFAULT_RETRY.attempts * (CONNECT_TIMEOUT + READ_TIMEOUT) + 2 * DEFAULT_RETRY.max_wait + 1.0


@dataclass(frozen=True)
class Row:
    fault: Callable[[AllMySmsSimulator], None]
    outcome: type[AllMySmsError] | None   # None: the SMS is sent and reported
    seen: int                              # sendSms requests the API saw
    sent: int                              # SMS the API recorded as sent
    may_have_been_sent: bool = False


def inject(fault: Fault, times: int = 1) -> Callable[[AllMySmsSimulator], None]:
    return lambda simulator: simulator.inject(fault, times=times, endpoint="sendSms")


MATRIX: dict[str, Row] = {
    "no fault": Row(lambda simulator: None, None, seen=1, sent=1),
    "latency under the read timeout": Row(inject(Fault.delay(0.1)), None, seen=1, sent=1),
    "answer slower than the read timeout": Row(inject(Fault.delay(60)), OutcomeUnknownError, seen=1, sent=1,
                                               may_have_been_sent=True),
    "429 with a short Retry-After, once": Row(inject(Fault.http_status(429, retry_after="0")), None, seen=2,
                                              sent=1),
    "429 with a long Retry-After": Row(inject(Fault.http_status(429, retry_after="3600")), RateLimitedError,
                                       seen=1, sent=0),
    "429 on every try": Row(inject(Fault.http_status(429, retry_after="0"), times=9), RateLimitedError, seen=3,
                            sent=0),
    "503 with a short Retry-After, once": Row(inject(Fault.http_status(503, retry_after="1")), None, seen=2,
                                              sent=1),
    "503 without Retry-After, once": Row(inject(Fault.http_status(503)), None, seen=2, sent=1),
    "503 with a long Retry-After": Row(inject(Fault.http_status(503, retry_after="120")),
                                       ServiceUnavailableError, seen=1, sent=0),
    "503 on every try": Row(inject(Fault.http_status(503, retry_after="0"), times=9), ServiceUnavailableError,
                            seen=3, sent=0),
    "500 before processing": Row(inject(Fault.http_status(500)), OutcomeUnknownError, seen=1, sent=0,
                                 may_have_been_sent=True),
    "500 after processing": Row(inject(Fault.http_status(500, process=True)), OutcomeUnknownError, seen=1,
                                sent=1, may_have_been_sent=True),
    "502 bad gateway": Row(inject(Fault.http_status(502)), OutcomeUnknownError, seen=1, sent=0,
                           may_have_been_sent=True),
    "504 gateway timeout after processing": Row(inject(Fault.http_status(504, process=True)),
                                                OutcomeUnknownError, seen=1, sent=1, may_have_been_sent=True),
    "body not JSON after processing": Row(inject(Fault.not_json()), MalformedResponseError, seen=1, sent=1,
                                          may_have_been_sent=True),
    "body not JSON before processing": Row(inject(Fault.not_json(process=False)), MalformedResponseError,
                                           seen=1, sent=0, may_have_been_sent=True),
    "connection closed after processing": Row(inject(Fault.close()), OutcomeUnknownError, seen=1, sent=1,
                                              may_have_been_sent=True),
    "connection closed before processing": Row(inject(Fault.close(process=False)), OutcomeUnknownError, seen=1,
                                               sent=0, may_have_been_sent=True),
}


@pytest.fixture
def simulator(deployment: Deploy) -> Iterator[AllMySmsSimulator]:
    with AllMySmsSimulator(accounts=[Account("matrix", API_KEY)]) as sim:
        deployment(api_url=sim.url, timeouts=Timeouts(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT))
        yield sim


def timed_process(caplog: pytest.LogCaptureFixture) -> tuple[object, float]:
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    try:
        outcome: object = process(message(text="Hi", message_id="m-1"), CFG)
    except AllMySmsError as exc:
        outcome = exc
    return outcome, time.monotonic() - started


def assert_no_key_anywhere(caplog: pytest.LogCaptureFixture, outcome: object) -> None:
    said = [record.getMessage() for record in caplog.records]
    if isinstance(outcome, BaseException):
        said += [str(outcome), repr(outcome), "".join(traceback.format_exception(outcome))]
    else:
        said.append(json.dumps(outcome))
    assert API_KEY not in "\n".join(said)


@pytest.mark.parametrize("name", MATRIX)
def test_fault(simulator: AllMySmsSimulator, caplog: pytest.LogCaptureFixture, name: str) -> None:
    row = MATRIX[name]
    row.fault(simulator)
    outcome, elapsed = timed_process(caplog)
    if row.outcome is None:
        assert isinstance(outcome, dict), outcome
        assert outcome["body"]["status"] == 100
    else:
        assert type(outcome) is row.outcome, outcome
        assert isinstance(outcome, AllMySmsError)
        assert outcome.may_have_been_sent is row.may_have_been_sent
        assert ("may have been sent" in str(outcome)) is row.may_have_been_sent
        assert ("nothing was sent" in str(outcome)) is not row.may_have_been_sent
    assert sum(1 for r in simulator.requests if r.endpoint == "sendSms") == row.seen
    assert len(simulator.received) == row.sent
    assert elapsed < BUDGET
    assert_no_key_anywhere(caplog, outcome)


def test_rebounds_are_exactly_the_faults_where_nothing_was_sent() -> None:
    for name, row in MATRIX.items():
        if row.outcome is not None and issubclass(row.outcome, Rebound):
            assert row.sent == 0, name


# -- network faults the simulator cannot inject -----------------------------------------------------------

def free_port() -> int:
    """A loopback port nobody listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_refused_connection_is_tried_three_times_then_rebounds(deployment: Deploy,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    deployment(api_url=f"http://127.0.0.1:{free_port()}", timeouts=Timeouts(connect=CONNECT_TIMEOUT))
    outcome, elapsed = timed_process(caplog)
    assert type(outcome) is ServiceUnavailableError
    assert "after 3 tries" in str(outcome)
    assert "nothing was sent" in str(outcome)
    assert elapsed < BUDGET
    assert_no_key_anywhere(caplog, outcome)


def test_an_unresolvable_host_is_tried_three_times_then_rebounds(monkeypatch: pytest.MonkeyPatch, deployment: Deploy,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    lookups: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        # No DNS traffic leaves the machine: the .invalid name fails here, as a resolver would answer.
        if isinstance(host, str) and host.endswith(".invalid"):
            lookups.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    deployment(api_url="https://api.allmysms.invalid")
    outcome, elapsed = timed_process(caplog)
    assert type(outcome) is ServiceUnavailableError
    assert "NameResolutionError" in str(outcome)
    assert lookups == ["api.allmysms.invalid"] * 3
    assert elapsed < BUDGET
    assert_no_key_anywhere(caplog, outcome)


# -- API statuses over real sockets -----------------------------------------------------------------------

STATUSES: dict[str, tuple[Credentials, SmsRequest, int, type[ApiRejectedError]]] = {
    "bad credentials": (Credentials("matrix", "wrong"), SmsRequest("Hi", "MyShop", ["33612345678"]), 102,
                        AuthenticationError),
    "no credit at all": (Credentials("broke", "broke-key"), SmsRequest("Hi", "MyShop", ["33612345678"]), 103,
                         InsufficientCreditError),
    "not enough credit": (Credentials("poor", "poor-key"), SmsRequest("Hi", "MyShop", ["33612345678"] * 3), 104,
                          InsufficientCreditError),
    "empty message": (Credentials("matrix", API_KEY), SmsRequest("", "MyShop", ["33612345678"]), 110,
                      ApiRejectedError),
    "message too long": (Credentials("matrix", API_KEY), SmsRequest("x" * 641, "MyShop", ["33612345678"]), 111,
                         ApiRejectedError),
    "no valid number": (Credentials("matrix", API_KEY), SmsRequest("Hi", "MyShop", ["12"]), 114,
                        ApiRejectedError),
}


@pytest.mark.parametrize("name", STATUSES)
def test_api_status(name: str) -> None:
    credentials, request, status, error = STATUSES[name]
    accounts = [Account("matrix", API_KEY), Account("broke", "broke-key", credits=0),
                Account("poor", "poor-key", credits=20)]
    with AllMySmsSimulator(accounts=accounts) as simulator:
        client = AllMySmsClient(simulator.url)
        try:
            with pytest.raises(error) as raised:
                client.send_sms(credentials, request)
        finally:
            client.close()
    assert type(raised.value) is error
    assert raised.value.status == status
    assert not raised.value.may_have_been_sent
    assert simulator.received == []
