"""The transport: it posts where its caller says (the AllMySMS v9 paths are the wire format's, not the
transport's); over real loopback sockets, proxies, the answer's deadline, connections that never were made, idle
connections, and more threads than connections."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import responses

from allmysms_component import context
from allmysms_component.api import DEFAULT_RETRY, DEFAULT_TIMEOUTS, AllMySmsClient, SmsRequest, Transport
from allmysms_component.errors import (
    ConfigurationError,
    MalformedResponseError,
    OutcomeUnknownError,
    ServiceUnavailableError,
)
from allmysms_component.rules.account import Credentials
from allmysms_component.settings import Timeouts

from .conftest import API_KEY, BASE, Deploy
from .scripted_server import ScriptedServer, answer, hold, read_request

CREDENTIALS = Credentials("me", API_KEY)
REQUEST = SmsRequest(text="Hello", sender="MyShop", recipients=["33612345678"])
SENT: dict[str, Any] = {"status": 100, "statusText": "Sent", "invalidNumbers": "", "campaignId": "c1",
                        "smsIds": [{"phoneNumber": "33612345678", "smsId": "id-1"}]}
# Not resolvable, and never resolved: behind a proxy only the proxy is connected to.
REMOTE_API = "https://api.allmysms.invalid"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def serve_sent(connection: socket.socket, index: int) -> None:
    """Answer every request on the connection with a success, keeping it alive."""
    while read_request(connection) is not None:
        answer(connection, SENT)


def no_sleep(seconds: float) -> None:
    pass


class FakeClock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Sets every proxy variable (both spellings) to one proxy URL; none is set before."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)

    def use(url: str) -> None:
        for name in PROXY_VARIABLES[:3]:
            monkeypatch.setenv(name, url)
            monkeypatch.setenv(name.lower(), url)
    return use


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        return int(listener.getsockname()[1])


# --- the path is the caller's --------------------------------------------------------------------------

def transport() -> Transport:
    return Transport(BASE, user_agent="test", timeouts=DEFAULT_TIMEOUTS, verify=True, retry=DEFAULT_RETRY,
                     pool_size=1, sleep=lambda seconds: None)


def test_the_form_is_posted_to_the_callers_path(api: responses.RequestsMock) -> None:
    api.post(f"{BASE}/other/api/v2/ping/", json={"pong": 1})
    assert transport().post("/other/api/v2/ping/", "a=1", sends=False) == {"pong": 1}
    assert api.calls[0].request.body == "a=1"


def test_errors_name_the_call_by_the_paths_last_segment(api: responses.RequestsMock) -> None:
    api.post(f"{BASE}/http/9.0/sendSms/", body="<html>")
    with pytest.raises(MalformedResponseError, match=r"AllMySMS answered sendSms with something") as caught:
        transport().post("/http/9.0/sendSms/", "a=1", sends=True)
    assert caught.value.may_have_been_sent


# --- 3. a loopback API URL never goes through a proxy; the real API may ----------------------------------

def test_a_loopback_api_url_never_goes_through_a_configured_proxy(proxy_env: Callable[[str], None]) -> None:
    proxied: list[bytes | None] = []

    def proxy(connection: socket.socket, index: int) -> None:
        proxied.append(read_request(connection))
        answer(connection, SENT)

    with ScriptedServer(serve_sent) as api, ScriptedServer(proxy) as proxy_server:
        proxy_env(proxy_server.url)
        AllMySmsClient(api.url).send_sms(CREDENTIALS, REQUEST)
    assert proxied == []
    assert api.connections == 1


# --- 12. never connected: retried, then a rebound that says nothing was sent ------------------------------

def test_a_proxy_refusing_the_connection_is_retried_then_rebounded(proxy_env: Callable[[str], None]) -> None:
    proxy_env(f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(ServiceUnavailableError) as caught:
        AllMySmsClient(REMOTE_API, sleep=no_sleep).send_sms(CREDENTIALS, REQUEST)
    assert caught.value.may_have_been_sent is False
    assert "nothing was sent" in str(caught.value)


def test_a_proxy_answering_407_to_connect_is_retried_then_rebounded(proxy_env: Callable[[str], None]) -> None:
    asked: list[bytes | None] = []

    def proxy(connection: socket.socket, index: int) -> None:
        asked.append(read_request(connection))
        answer(connection, b"", status="407 Proxy Authentication Required",
               headers={"Proxy-Authenticate": 'Basic realm="proxy"'})

    with ScriptedServer(proxy) as proxy_server:
        proxy_env(proxy_server.url)
        with pytest.raises(ServiceUnavailableError) as caught:
            AllMySmsClient(REMOTE_API, sleep=no_sleep).send_sms(CREDENTIALS, REQUEST)
    assert caught.value.may_have_been_sent is False
    assert "nothing was sent" in str(caught.value)
    # The real (https) API does go through the configured proxy, as a tunnel: the proxy never sees the form.
    assert len(asked) == 3
    assert all((request or b"").startswith(b"CONNECT api.allmysms.invalid:443 ") for request in asked)


def test_a_tls_handshake_that_never_completes_is_retried_then_rebounded() -> None:
    with ScriptedServer(lambda connection, index: hold(connection)) as silent:
        client = AllMySmsClient(f"https://127.0.0.1:{silent.port}", timeouts=Timeouts(connect=0.3, read=5),
                                sleep=no_sleep)
        with pytest.raises(ServiceUnavailableError) as caught:
            client.send_sms(CREDENTIALS, REQUEST)
    assert caught.value.may_have_been_sent is False
    assert silent.connections == 3


def test_a_connection_dropped_after_the_request_was_written_is_never_retried() -> None:
    def drop(connection: socket.socket, index: int) -> None:
        read_request(connection)

    with ScriptedServer(drop) as api, pytest.raises(OutcomeUnknownError) as caught:
        AllMySmsClient(api.url, sleep=no_sleep).send_sms(CREDENTIALS, REQUEST)
    assert caught.value.may_have_been_sent is True
    assert api.connections == 1


# --- 10. the read timeout is a deadline for the whole answer ---------------------------------------------

def drip(only_body: bool) -> Callable[[socket.socket, int], None]:
    """An answer sent one byte every 50 ms: each read is quick, the whole answer takes about 12 s."""
    def script(connection: socket.socket, index: int) -> None:
        read_request(connection)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 150\r\n\r\n"
        if only_body:
            connection.sendall(head)
        for byte in (b"" if only_body else head) + b" " * 149 + b"{":
            connection.sendall(bytes([byte]))
            time.sleep(0.05)
    return script


@pytest.mark.parametrize("only_body", [False, True], ids=["head-and-body-dripped", "body-dripped"])
def test_an_answer_dripping_past_the_read_timeout_ends_at_that_deadline(only_body: bool) -> None:
    with ScriptedServer(drip(only_body)) as api:
        client = AllMySmsClient(api.url, timeouts=Timeouts(connect=1, read=0.5), sleep=no_sleep)
        started = time.monotonic()
        with pytest.raises(OutcomeUnknownError) as caught:
            client.send_sms(CREDENTIALS, REQUEST)
        took = time.monotonic() - started
    assert "within 0.5 s" in str(caught.value)
    assert caught.value.may_have_been_sent is True
    assert took < 6, f"a 0.5 s deadline held the send for {took:.1f} s"


# --- 13. a connection idle long enough for the server to drop it is not reused ---------------------------

def answer_once_then_drop(keep_alive: str | None = None) -> Callable[[socket.socket, int], None]:
    """Answers a connection's first request; its next request finds the server gone, as when its idle timer
    fired while the request was on its way."""
    def script(connection: socket.socket, index: int) -> None:
        read_request(connection)
        answer(connection, SENT, headers={"Keep-Alive": keep_alive} if keep_alive else None)
        read_request(connection)
    return script


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_a_connection_idle_past_the_bound_is_not_reused_for_a_send(clock: FakeClock) -> None:
    with ScriptedServer(answer_once_then_drop()) as api:
        client = AllMySmsClient(api.url, clock=clock, sleep=no_sleep)
        client.send_sms(CREDENTIALS, REQUEST)
        clock.advance(10)
        client.send_sms(CREDENTIALS, REQUEST)
    assert api.connections == 2


def test_a_connection_idle_below_the_bound_is_reused(clock: FakeClock) -> None:
    with ScriptedServer(serve_sent) as api:
        client = AllMySmsClient(api.url, clock=clock, sleep=no_sleep)
        for _ in range(3):
            client.send_sms(CREDENTIALS, REQUEST)
            clock.advance(1)
    assert api.connections == 1


def test_the_servers_keep_alive_timeout_lowers_the_bound(clock: FakeClock) -> None:
    with ScriptedServer(answer_once_then_drop(keep_alive="timeout=2, max=100")) as api:
        client = AllMySmsClient(api.url, clock=clock, sleep=no_sleep)
        client.send_sms(CREDENTIALS, REQUEST)
        clock.advance(1.5)
        client.send_sms(CREDENTIALS, REQUEST)
    assert api.connections == 2


# --- 17. more threads than connections wait for a free one ------------------------------------------------

def test_more_threads_than_connections_share_the_pool_without_discarding(deployment: Deploy,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    def slow(connection: socket.socket, index: int) -> None:
        while read_request(connection) is not None:
            time.sleep(0.02)  # the server's own pace, so that requests overlap
            answer(connection, SENT)

    caplog.set_level(logging.WARNING, logger="urllib3")
    threads, errors = 8, list[Exception]()
    with ScriptedServer(slow) as api:
        deployment(api_url=api.url, max_connections=2)
        client = context.current().client
        start = threading.Barrier(threads)

        def send_twice() -> None:
            start.wait()
            try:
                for _ in range(2):
                    client.send_sms(CREDENTIALS, REQUEST)
            except Exception as error:
                errors.append(error)

        workers = [threading.Thread(target=send_twice) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
    assert errors == []
    assert api.connections <= 2
    assert not [r.getMessage() for r in caplog.records if "pool is full" in r.getMessage()]


@pytest.mark.parametrize("proxy", ["http://[::1", "socks9://127.0.0.1:1"], ids=["unparsable", "unknown-scheme"])
def test_an_unusable_proxy_variable_is_a_configuration_error_nothing_sent(proxy_env: Callable[[str], None],
                                                                          proxy: str) -> None:
    proxy_env(proxy)
    with pytest.raises(ConfigurationError) as caught:
        AllMySmsClient(REMOTE_API, sleep=no_sleep).send_sms(CREDENTIALS, REQUEST)
    assert caught.value.may_have_been_sent is False
    assert "HTTPS_PROXY" in str(caught.value)
