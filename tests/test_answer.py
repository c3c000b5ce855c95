"""Reading what the server says, hostile or broken: the key redacted everywhere, a size cap, no crash past the
component's errors, no HTTP library exception kept in an error's chain."""

from __future__ import annotations

import gzip
import json
import re
import socket
import tracemalloc
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import requests
import responses
from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3.exceptions import MaxRetryError, NewConnectionError

from allmysms_component.api import AllMySmsClient, SmsRequest
from allmysms_component.errors import (
    AllMySmsError,
    ConfigurationError,
    MalformedResponseError,
    OutcomeUnknownError,
    Rebound,
)
from allmysms_component.rules.account import Credentials
from allmysms_component.settings import Timeouts

from .conftest import API_KEY, BASE, INFO, SEND, SIMULATE
from .scripted_server import ScriptedServer, read_request

CREDENTIALS = Credentials("me", API_KEY)
REQUEST = SmsRequest(text="Hello", sender="MyShop", recipients=["33612345678", "33698765432"])
SENT: dict[str, Any] = {
    "status": 100, "statusText": "Your messages have been sent", "invalidNumbers": "", "campaignId": "ap_1",
    "credits": "340", "creditsUsed": "2", "nbContacts": "2", "nbSms": "2",
    "smsIds": [{"phoneNumber": "33612345678", "smsId": "id-1"}, {"phoneNumber": "33698765432", "smsId": "id-2"}],
}
# A key with characters that URL and form encodings change, to see each encoded form redacted too.
ODD_KEY = "k3y+S3cr/t=é&0123456789"


@pytest.fixture
def client() -> AllMySmsClient:
    return AllMySmsClient(BASE, sleep=lambda seconds: None)


def error_of(call: Callable[[], object]) -> AllMySmsError:
    with pytest.raises(AllMySmsError) as caught:
        call()
    return caught.value


# --- 4. the key is redacted from every text the server sends back ----------------------------------------

def test_a_success_whose_status_text_echoes_the_key_does_not_carry_it(api: responses.RequestsMock,
                                                                      client: AllMySmsClient) -> None:
    api.post(SEND, json={**SENT, "statusText": f"Sent for key {API_KEY}", "campaignId": API_KEY,
                         "invalidNumbers": f"{API_KEY}|33600000000",
                         "smsIds": [{"phoneNumber": API_KEY, "smsId": f"id-{API_KEY}"}]})
    result = client.send_sms(CREDENTIALS, REQUEST)
    assert API_KEY not in repr(result)
    assert result.status_text == "Sent for key ***"


def test_a_simulation_and_an_account_check_that_echo_the_key_do_not_carry_it(api: responses.RequestsMock,
                                                                            client: AllMySmsClient) -> None:
    api.post(SIMULATE, json={"status": 100, "statusText": f"ok {API_KEY}", "invalidNumbers": API_KEY})
    api.post(INFO, json={"status": f"Active Account {API_KEY}", "credits": "3"})
    assert API_KEY not in repr(client.simulate_campaign(CREDENTIALS, REQUEST))
    assert API_KEY not in repr(client.get_info(CREDENTIALS))


@pytest.mark.parametrize("echo", [ODD_KEY, quote(ODD_KEY, safe=""), quote_plus(ODD_KEY),
                                  re.sub("%[0-9A-F]{2}", lambda escape: escape[0].lower(), quote(ODD_KEY, safe=""))],
                         ids=["raw", "percent-encoded", "form-encoded", "lowercase-percent-encoded"])
def test_a_redirect_whose_location_carries_the_key_is_quoted_without_it(api: responses.RequestsMock,
                                                                        client: AllMySmsClient, echo: str) -> None:
    api.post(SEND, status=302, headers={"Location": f"https://elsewhere.example/?apiKey={echo}"})
    error = error_of(lambda: client.send_sms(Credentials("me", ODD_KEY), REQUEST))
    assert isinstance(error, ConfigurationError)
    assert echo not in str(error)
    assert "elsewhere.example" in str(error)


def test_a_malformed_answer_whose_content_type_carries_the_key_is_described_without_it(
        api: responses.RequestsMock, client: AllMySmsClient) -> None:
    api.post(SEND, body="<html/>", content_type=f"text/html; key={API_KEY}")
    error = error_of(lambda: client.send_sms(CREDENTIALS, REQUEST))
    assert isinstance(error, MalformedResponseError)
    assert API_KEY not in str(error)
    assert "text/html" in str(error)


def test_a_long_location_is_quoted_briefly(api: responses.RequestsMock, client: AllMySmsClient) -> None:
    api.post(SEND, status=301, headers={"Location": "https://elsewhere.example/" + "x" * 60_000})
    assert len(str(error_of(lambda: client.send_sms(CREDENTIALS, REQUEST)))) < 1000


def test_a_refusal_whose_status_text_is_long_is_quoted_briefly(api: responses.RequestsMock,
                                                              client: AllMySmsClient) -> None:
    api.post(SEND, json={"status": 105, "statusText": "x" * 100_000})
    assert len(str(error_of(lambda: client.send_sms(CREDENTIALS, REQUEST)))) < 1000


def raw_answer(status_line: bytes) -> Callable[[socket.socket, int], None]:
    def script(connection: socket.socket, index: int) -> None:
        read_request(connection)
        connection.sendall(status_line + b"\r\nContent-Length: 0\r\n\r\n")
    return script


@pytest.mark.parametrize("status_line", [b"HTTP/1.1 500 " + API_KEY.encode(),
                                         b"HTTP/1.1 418 \x1b[31m" + API_KEY.encode(),
                                         API_KEY.encode() + b" 200 OK"],
                         ids=["reason-phrase", "reason-phrase-with-escape", "garbage-status-line"])
def test_a_reason_phrase_or_status_line_carrying_the_key_is_quoted_without_it(status_line: bytes) -> None:
    with ScriptedServer(raw_answer(status_line)) as server:
        error = error_of(lambda: AllMySmsClient(server.url).send_sms(CREDENTIALS, REQUEST))
    assert isinstance(error, OutcomeUnknownError)
    assert API_KEY not in str(error)
    assert "\x1b" not in str(error)
    assert error.may_have_been_sent is True


# --- 5. an answer past a sane size is refused, without holding it in memory ------------------------------

def test_a_compressed_answer_inflating_past_the_cap_is_refused_as_malformed(api: responses.RequestsMock,
                                                                           client: AllMySmsClient) -> None:
    inflated = 64 * 1024 * 1024
    bomb = gzip.compress(b'{"status": 100, "statusText": "' + b" " * inflated + b'"}', compresslevel=9)
    api.post(SEND, body=bomb, headers={"Content-Encoding": "gzip"}, content_type="application/json")
    tracemalloc.start()
    try:
        error = error_of(lambda: client.send_sms(CREDENTIALS, REQUEST))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(error, MalformedResponseError)
    assert error.may_have_been_sent is True
    assert "may have been sent" in str(error)
    assert peak < inflated // 4, f"{peak} bytes held to refuse a {inflated}-byte answer"


@pytest.mark.parametrize(("url", "call"), [
    (SEND, lambda c: c.send_sms(CREDENTIALS, REQUEST)),
    (INFO, lambda c: c.get_info(CREDENTIALS)),
], ids=["sendSms", "getInfo"])
def test_a_plain_answer_past_the_cap_is_refused_saying_whether_an_sms_may_have_gone(
        api: responses.RequestsMock, client: AllMySmsClient, url: str,
        call: Callable[[AllMySmsClient], object]) -> None:
    api.post(url, body=b'{"status": 100, "statusText": "' + b"x" * (5 * 1024 * 1024) + b'"}')
    error = error_of(lambda: call(client))
    assert isinstance(error, MalformedResponseError)
    assert error.may_have_been_sent is (url == SEND)


def test_the_largest_legitimate_answer_is_read(api: responses.RequestsMock, client: AllMySmsClient) -> None:
    numbers = [f"3361{i:07d}" for i in range(10_000)]
    ids = [{"phoneNumber": n, "smsId": "330792bd-8e0b-11e5-bf51-0025907cd72e"} for n in numbers]
    api.post(SEND, body=json.dumps({**SENT, "smsIds": ids}, indent=4))
    result = client.send_sms(CREDENTIALS, SmsRequest(text="Hi", sender="MyShop", recipients=numbers))
    assert len(result.sms_ids) == 10_000


# --- 11. crashes past the component's own errors ---------------------------------------------------------

@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"status": 100, "x": ' + "{\"a\": " * 50_000 + "1"
                                  + "}" * 50_001], ids=["nested-array", "nested-object-beside-a-success"])
def test_a_deeply_nested_answer_is_malformed_and_may_have_been_sent(api: responses.RequestsMock,
                                                                    client: AllMySmsClient, body: str) -> None:
    api.post(SEND, body=body)
    error = error_of(lambda: client.send_sms(CREDENTIALS, REQUEST))
    assert isinstance(error, MalformedResponseError)
    assert error.may_have_been_sent is True


@pytest.mark.parametrize(("field", "read"), [
    ("statusText", lambda r: r.status_text == ""),
    ("campaignId", lambda r: r.campaign_id is None),
    ("invalidNumbers", lambda r: r.invalid_numbers == ["33600000000"]),
    ("smsIds", lambda r: r.sms_ids == [{"phoneNumber": "33612345678", "smsId": "id-1"}]),
])
def test_a_structured_value_where_text_belongs_is_dropped_after_a_success(
        api: responses.RequestsMock, client: AllMySmsClient, field: str, read: Callable[[Any], bool]) -> None:
    nested: object = "x"
    for _ in range(500):
        nested = [nested]
    api.post(SEND, json={**SENT, field: [nested, {"phoneNumber": nested, "smsId": nested}, "33600000000",
                                         {"phoneNumber": "33612345678", "smsId": "id-1"}]})
    result = client.send_sms(CREDENTIALS, REQUEST)
    assert result.status == 100
    assert read(result)


@settings(max_examples=60, deadline=None)
@given(value=st.text(max_size=40) | st.sampled_from(["\u00b2", "\u0663", "1\u00b2", "\uff11", "9" * 5000,
                                                     "Wed, 21 Oct 99999 07:28:00 GMT", "-1", "1.5", "1e9"]))
def test_any_retry_after_value_means_a_wait_or_a_rebound_never_a_crash(value: str) -> None:
    waits: list[float] = []
    with responses.RequestsMock() as api:
        api.post(SEND, status=503, headers={"Retry-After": value})
        with pytest.raises(Rebound):
            AllMySmsClient(BASE, sleep=waits.append).send_sms(CREDENTIALS, REQUEST)
    assert all(0 <= wait <= 5 for wait in waits)


@pytest.mark.parametrize(("credentials", "label"), [
    (Credentials("me", "k3y\udc80-S3cret"), "API key"),
    (Credentials("m\ud800e", API_KEY), "login"),
], ids=["key", "login"])
@pytest.mark.parametrize("call", [
    lambda c, creds: c.send_sms(creds, REQUEST),
    lambda c, creds: c.simulate_campaign(creds, REQUEST),
    lambda c, creds: c.get_info(creds),
], ids=["sendSms", "simulateCampaign", "getInfo"])
def test_a_lone_surrogate_in_the_credentials_is_refused_before_any_request(
        api: responses.RequestsMock, client: AllMySmsClient, credentials: Credentials, label: str,
        call: Callable[[AllMySmsClient, Credentials], object]) -> None:
    error = error_of(lambda: call(client, credentials))
    assert isinstance(error, ConfigurationError)
    assert label in str(error)
    assert "nothing was sent" in str(error)
    assert len(api.calls) == 0


# --- 6. no HTTP library exception (holding the request body, the key with it) in an error's chain --------

def with_request(error: requests.RequestException) -> requests.RequestException:
    error.request = requests.Request("POST", SEND, data={"apiKey": API_KEY}).prepare()
    return error


def refused() -> requests.RequestException:
    cause = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")  # type: ignore[arg-type]
    return with_request(requests.exceptions.ConnectionError(MaxRetryError(None, "/", cause)))  # type: ignore[arg-type]


@pytest.mark.parametrize("answer_kwargs", [
    {"body": refused()},
    {"body": with_request(requests.exceptions.ConnectionError("Connection aborted."))},
    {"body": with_request(requests.exceptions.ReadTimeout("Read timed out."))},
    {"body": with_request(requests.exceptions.SSLError("certificate verify failed"))},
    {"body": with_request(requests.exceptions.ChunkedEncodingError("broken"))},
    {"body": "not json"},
    {"status": 503},
    {"status": 302, "headers": {"Location": "https://elsewhere.example"}},
    {"json": {"status": 102, "statusText": "bad key"}},
], ids=["refused", "aborted", "read-timeout", "tls", "chunked", "malformed", "unavailable", "redirect",
        "rejected"])
def test_an_error_keeps_no_exception_in_its_chain(api: responses.RequestsMock, client: AllMySmsClient,
                                                  answer_kwargs: dict[str, Any]) -> None:
    api.post(SEND, **answer_kwargs)
    error = error_of(lambda: client.send_sms(CREDENTIALS, REQUEST))
    assert error.__context__ is None
    assert error.__cause__ is None


def test_an_error_on_a_real_socket_keeps_no_exception_in_its_chain() -> None:
    def drop(connection: socket.socket, index: int) -> None:
        read_request(connection)

    with ScriptedServer(drop) as server:
        error = error_of(lambda: AllMySmsClient(server.url, timeouts=Timeouts(1, 5)).send_sms(CREDENTIALS, REQUEST))
    assert error.__context__ is None
    assert error.__cause__ is None
