"""The AllMySMS client: what it sends, how it reads answers, what it retries and what it never retries."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any, cast

import pytest
import requests
import responses
from hypothesis import given
from hypothesis import strategies as st
from urllib3.exceptions import ProtocolError

from allmysms_component import context
from allmysms_component.api import AllMySmsClient, RetryPolicy, SmsRequest
from allmysms_component.errors import (
    ApiRejectedError,
    AuthenticationError,
    ConfigurationError,
    InsufficientCreditError,
    MalformedResponseError,
    OutcomeUnknownError,
    RateLimitedError,
    Rebound,
    ServiceUnavailableError,
)
from allmysms_component.rules.account import Credentials
from allmysms_component.settings import Timeouts

from .conftest import API_KEY, BASE, INFO, SEND, SIMULATE, Deploy, answer, form_of, refused_connection

CREDENTIALS = Credentials("me", API_KEY)
REQUEST = SmsRequest(text="Hello", sender="MyShop", recipients=["33612345678", "33698765432"], cli_msg_id="m-1")


def sent(**changes: Any) -> dict[str, Any]:
    """send_sent_two.json, the answer to REQUEST, with some fields changed."""
    return {**answer("send_sent_two"), **changes}


class Sleeps(list[float]):
    """A fake sleep that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(sleeps: Sleeps) -> AllMySmsClient:
    return AllMySmsClient(BASE, sleep=sleeps)


def reset_after_send() -> requests.exceptions.ConnectionError:
    cause = ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))
    return requests.exceptions.ConnectionError(cause)


# -- what is sent -----------------------------------------------------------------------------------------

def test_send_posts_credentials_and_sms_data_in_the_form_body(api: responses.RequestsMock,
                                                              client: AllMySmsClient) -> None:
    api.post(SEND, json=answer("send_sent_two"))
    client.send_sms(CREDENTIALS, REQUEST)
    form = form_of(api.calls[0].request)
    assert form["login"] == "me"
    assert form["apiKey"] == API_KEY
    assert form["returnformat"] == "json"
    assert json.loads(form["smsData"]) == {"DATA": {
        "MESSAGE": "Hello", "TPOA": "MyShop", "CLIMSGID": "m-1",
        "SMS": [{"MOBILEPHONE": "33612345678"}, {"MOBILEPHONE": "33698765432"}]}}


def test_credentials_never_travel_in_the_url(api: responses.RequestsMock, client: AllMySmsClient) -> None:
    api.post(SEND, json=answer("send_sent_two"))
    client.send_sms(CREDENTIALS, REQUEST)
    url = api.calls[0].request.url or ""
    assert API_KEY not in url
    assert "login" not in url


def test_sms_data_without_a_client_message_id_has_no_climsgid() -> None:
    request = SmsRequest(text="Hi", sender="MyShop", recipients=["33612345678"])
    assert "CLIMSGID" not in json.loads(request.sms_data())["DATA"]


@given(text=st.text(), sender=st.text(), recipients=st.lists(st.text(), max_size=5),
       cli_msg_id=st.none() | st.text())
def test_sms_data_is_exactly_what_json_dumps_gives(text: str, sender: str, recipients: list[str],
                                                   cli_msg_id: str | None) -> None:
    data: dict[str, Any] = {"MESSAGE": text, "TPOA": sender, "SMS": [{"MOBILEPHONE": n} for n in recipients]}
    if cli_msg_id:
        data["CLIMSGID"] = cli_msg_id
    request = SmsRequest(text=text, sender=sender, recipients=recipients, cli_msg_id=cli_msg_id)
    assert request.sms_data() == json.dumps({"DATA": data}, ensure_ascii=False, separators=(",", ":"))


def test_unicode_text_is_sent_as_utf8_not_escaped(api: responses.RequestsMock, client: AllMySmsClient) -> None:
    api.post(SEND, json=answer("send_sent_two"))
    client.send_sms(CREDENTIALS, SmsRequest(text="Café 😀", sender="MyShop", recipients=["33612345678"]))
    assert json.loads(form_of(api.calls[0].request)["smsData"])["DATA"]["MESSAGE"] == "Café 😀"


def test_user_agent_names_the_component_and_its_version(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_two"))
    context.current().client.send_sms(CREDENTIALS, REQUEST)
    agent = api.calls[0].request.headers["User-Agent"]
    assert agent.startswith(f"allmysms-component/{context.current().descriptor.version} ")


def test_every_request_has_connect_and_read_timeouts(api: responses.RequestsMock, sleeps: Sleeps) -> None:
    api.post(SEND, json=answer("send_sent_two"))
    AllMySmsClient(BASE, timeouts=Timeouts(connect=2, read=9), sleep=sleeps).send_sms(CREDENTIALS, REQUEST)
    assert cast(Any, api.calls[0].request).req_kwargs["timeout"] == (2, 9)


def test_tls_verification_is_on(api: responses.RequestsMock, client: AllMySmsClient) -> None:
    api.post(SEND, json=answer("send_sent_two"))
    client.send_sms(CREDENTIALS, REQUEST)
    assert cast(Any, api.calls[0].request).req_kwargs["verify"] is True


def test_redirects_are_not_followed(api: responses.RequestsMock, client: AllMySmsClient) -> None:
    api.post(SEND, status=301, headers={"Location": "https://elsewhere.example/"})
    with pytest.raises(ConfigurationError, match="redirect") as raised:
        client.send_sms(CREDENTIALS, REQUEST)
    assert len(api.calls) == 1
    assert not raised.value.may_have_been_sent


# -- reading answers --------------------------------------------------------------------------------------

def test_counters_sent_as_strings_become_numbers(api: responses.RequestsMock, client: AllMySmsClient) -> None:
    api.post(SEND, json=answer("send_sent_two"))
    result = client.send_sms(CREDENTIALS, REQUEST)
    assert (result.credits, result.credits_used, result.nb_contacts, result.nb_sms) == (340, 30, 2, 2)
    assert all(type(n) is int for n in (result.credits, result.credits_used, result.nb_contacts, result.nb_sms))


@pytest.mark.parametrize(("given", "field", "read"), [
    (sent(credits="12.5"), "credits", 12.5),
    (sent(), "sms_ids", sent()["smsIds"]),
    (sent(invalidNumbers="33600000001|33600000002"), "invalid_numbers", ["33600000001", "33600000002"]),
    (sent(status="100"), "status", 100),
    (answer("send_scheduled"), "status", 101),
], ids=["fractional credits stay fractional", "sms ids as reported", "invalid numbers split on pipes",
        "a numeric status sent as a string", "scheduled status 101 is a success"])
def test_a_sent_answer_is_read_field_by_field(api: responses.RequestsMock, client: AllMySmsClient,
                                              given: dict[str, Any], field: str, read: object) -> None:
    api.post(SEND, json=given)
    assert getattr(client.send_sms(CREDENTIALS, REQUEST), field) == read


def test_garbage_counters_after_a_sent_status_do_not_fail_the_send(api: responses.RequestsMock,
                                                                     client: AllMySmsClient) -> None:
    api.post(SEND, json=sent(credits="lots", nbSms=None, smsIds="nope"))
    result = client.send_sms(CREDENTIALS, REQUEST)
    assert (result.status, result.credits, result.nb_sms, result.sms_ids) == (100, None, None, [])


def test_json_served_as_text_html_is_read(api: responses.RequestsMock, client: AllMySmsClient) -> None:
    api.post(SEND, body=json.dumps(answer("send_sent_two")), content_type="text/html")
    assert client.send_sms(CREDENTIALS, REQUEST).campaign_id == "ap_28424"


def test_a_utf8_answer_with_a_byte_order_mark_is_read(api: responses.RequestsMock, client: AllMySmsClient) -> None:
    api.post(SEND, body=b"\xef\xbb\xbf" + json.dumps(sent(statusText="Envoyé")).encode())
    assert client.send_sms(CREDENTIALS, REQUEST).status_text == "Envoyé"


@pytest.mark.parametrize("body", ["<html>Bad gateway</html>", "", "[1, 2]", '"sent"', b"{\"status\": \"\xff\"}"],
                         ids=["html", "empty", "array", "string", "not-utf8"])
def test_an_answer_that_is_not_a_json_object_is_malformed_and_may_have_sent(
        api: responses.RequestsMock, client: AllMySmsClient, body: str | bytes) -> None:
    api.post(SEND, body=body)
    with pytest.raises(MalformedResponseError, match="not the expected JSON") as raised:
        client.send_sms(CREDENTIALS, REQUEST)
    assert raised.value.may_have_been_sent
    assert "may have been sent" in str(raised.value)


def test_an_answer_without_status_is_malformed(api: responses.RequestsMock, client: AllMySmsClient) -> None:
    api.post(SEND, json=answer("send_without_status"))
    with pytest.raises(MalformedResponseError, match="numeric status"):
        client.send_sms(CREDENTIALS, REQUEST)


# -- API statuses -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "error"), [
    (102, AuthenticationError),
    (103, InsufficientCreditError),
    (104, InsufficientCreditError),
    *[(code, ApiRejectedError) for code in (105, 106, 107, 108, 109, 110, 111, 112, 114, 115, 117, 118)],
])
def test_each_documented_error_status_raises_its_error_and_says_nothing_was_sent(
        api: responses.RequestsMock, client: AllMySmsClient, status: int, error: type[ApiRejectedError]) -> None:
    api.post(SEND, json={"status": status, "statusText": f"text of {status}"})
    with pytest.raises(error) as raised:
        client.send_sms(CREDENTIALS, REQUEST)
    assert type(raised.value) is error
    assert raised.value.status == status
    assert raised.value.status_text == f"text of {status}"
    assert f"status {status}" in str(raised.value)
    assert "nothing was sent" in str(raised.value)
    assert not raised.value.may_have_been_sent
    assert len(api.calls) == 1


def test_status_113_with_accepted_numbers_is_a_partial_success(api: responses.RequestsMock,
                                                               client: AllMySmsClient) -> None:
    api.post(SEND, json=answer("send_partial_invalid"))
    result = client.send_sms(CREDENTIALS, REQUEST)
    assert (result.status, result.invalid_numbers, len(result.sms_ids)) == (113, ["33699999999"], 1)


def test_status_113_with_no_accepted_number_is_a_rejection(api: responses.RequestsMock,
                                                           client: AllMySmsClient) -> None:
    api.post(SEND, json={**answer("send_all_invalid"), "invalidNumbers": "|".join(REQUEST.recipients)})
    with pytest.raises(ApiRejectedError) as raised:
        client.send_sms(CREDENTIALS, REQUEST)
    assert raised.value.status == 113


def test_an_unknown_status_says_the_sms_may_have_been_sent(api: responses.RequestsMock,
                                                           client: AllMySmsClient) -> None:
    api.post(SEND, json=answer("send_unknown_status"))
    with pytest.raises(OutcomeUnknownError, match="does not know") as raised:
        client.send_sms(CREDENTIALS, REQUEST)
    assert raised.value.may_have_been_sent
    assert raised.value.status == 199


def test_an_api_key_echoed_in_the_status_text_is_redacted(api: responses.RequestsMock,
                                                          client: AllMySmsClient) -> None:
    api.post(SEND, json={**answer("send_bad_credentials"), "statusText": f"no account for key {API_KEY}"})
    with pytest.raises(AuthenticationError) as raised:
        client.send_sms(CREDENTIALS, REQUEST)
    assert API_KEY not in str(raised.value)
    assert API_KEY not in raised.value.status_text


# -- retries: only where nothing can have been sent ------------------------------------------------------

def test_a_refused_connection_is_retried_with_backoff(api: responses.RequestsMock, client: AllMySmsClient,
                                                      sleeps: Sleeps) -> None:
    api.post(SEND, body=refused_connection())
    api.post(SEND, json=answer("send_sent_two"))
    assert client.send_sms(CREDENTIALS, REQUEST).status == 100
    assert len(api.calls) == 2
    assert len(sleeps) == 1
    assert 0.5 <= sleeps[0] <= 0.55


def test_a_connect_timeout_is_retried(api: responses.RequestsMock, client: AllMySmsClient) -> None:
    api.post(SEND, body=requests.exceptions.ConnectTimeout("connect timed out"))
    api.post(SEND, json=answer("send_sent_two"))
    assert client.send_sms(CREDENTIALS, REQUEST).status == 100
    assert len(api.calls) == 2


def test_connection_failures_that_outlast_the_tries_rebound(api: responses.RequestsMock,
                                                            client: AllMySmsClient, sleeps: Sleeps) -> None:
    api.post(SEND, body=refused_connection())
    with pytest.raises(ServiceUnavailableError, match="after 3 tries") as raised:
        client.send_sms(CREDENTIALS, REQUEST)
    assert isinstance(raised.value, Rebound)
    assert not raised.value.may_have_been_sent
    assert len(api.calls) == 3
    assert len(sleeps) == 2
    assert sleeps[1] > sleeps[0]


def test_http_429_honours_retry_after_seconds(api: responses.RequestsMock, client: AllMySmsClient,
                                              sleeps: Sleeps) -> None:
    api.post(SEND, status=429, headers={"Retry-After": "2"})
    api.post(SEND, json=answer("send_sent_two"))
    assert client.send_sms(CREDENTIALS, REQUEST).status == 100
    assert sleeps == [2.0]


def test_http_503_honours_retry_after_as_a_date(api: responses.RequestsMock, client: AllMySmsClient,
                                                sleeps: Sleeps) -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=3)
    api.post(SEND, status=503, headers={"Retry-After": format_datetime(when, usegmt=True)})
    api.post(SEND, json=answer("send_sent_two"))
    assert client.send_sms(CREDENTIALS, REQUEST).status == 100
    assert len(sleeps) == 1
    assert 1 < sleeps[0] <= 3


def test_http_503_without_retry_after_backs_off(api: responses.RequestsMock, client: AllMySmsClient,
                                                sleeps: Sleeps) -> None:
    api.post(SEND, status=503)
    api.post(SEND, json=answer("send_sent_two"))
    client.send_sms(CREDENTIALS, REQUEST)
    assert len(sleeps) == 1
    assert 0.5 <= sleeps[0] <= 0.55


def test_a_long_retry_after_rebounds_at_once_instead_of_blocking(api: responses.RequestsMock,
                                                                 client: AllMySmsClient, sleeps: Sleeps) -> None:
    api.post(SEND, status=429, headers={"Retry-After": "120"})
    with pytest.raises(RateLimitedError, match="wait 120 s") as raised:
        client.send_sms(CREDENTIALS, REQUEST)
    assert isinstance(raised.value, Rebound)
    assert len(api.calls) == 1
    assert sleeps == []


def test_http_503_that_outlasts_the_tries_rebounds(api: responses.RequestsMock, client: AllMySmsClient) -> None:
    api.post(SEND, status=503, headers={"Retry-After": "1"})
    with pytest.raises(ServiceUnavailableError, match="HTTP 503"):
        client.send_sms(CREDENTIALS, REQUEST)
    assert len(api.calls) == 3


def test_the_number_of_tries_is_bounded_by_the_policy(api: responses.RequestsMock, sleeps: Sleeps) -> None:
    api.post(SEND, status=429, headers={"Retry-After": "0"})
    with pytest.raises(RateLimitedError):
        AllMySmsClient(BASE, retry=RetryPolicy(attempts=5), sleep=sleeps).send_sms(CREDENTIALS, REQUEST)
    assert len(api.calls) == 5


def test_a_read_timeout_is_never_retried_and_may_have_sent(api: responses.RequestsMock,
                                                           client: AllMySmsClient) -> None:
    api.post(SEND, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(OutcomeUnknownError, match="did not answer sendSms within 30 s") as raised:
        client.send_sms(CREDENTIALS, REQUEST)
    assert raised.value.may_have_been_sent
    assert "may have been sent" in str(raised.value)
    assert len(api.calls) == 1


def test_a_connection_broken_after_sending_is_never_retried(api: responses.RequestsMock,
                                                            client: AllMySmsClient) -> None:
    api.post(SEND, body=reset_after_send())
    with pytest.raises(OutcomeUnknownError, match="ConnectionResetError") as raised:
        client.send_sms(CREDENTIALS, REQUEST)
    assert raised.value.may_have_been_sent
    assert len(api.calls) == 1


@pytest.mark.parametrize("code", [500, 502, 504, 400, 404])
def test_other_http_errors_are_never_retried_and_may_have_sent(api: responses.RequestsMock,
                                                               client: AllMySmsClient, code: int) -> None:
    api.post(SEND, status=code, body="oops")
    with pytest.raises(OutcomeUnknownError, match=f"HTTP {code}") as raised:
        client.send_sms(CREDENTIALS, REQUEST)
    assert raised.value.may_have_been_sent
    assert len(api.calls) == 1


def test_a_tls_failure_is_a_configuration_error_and_not_retried(api: responses.RequestsMock,
                                                                client: AllMySmsClient) -> None:
    api.post(SEND, body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(ConfigurationError, match="certificate could not be verified") as raised:
        client.send_sms(CREDENTIALS, REQUEST)
    assert not raised.value.may_have_been_sent
    assert len(api.calls) == 1


# -- the other endpoints ----------------------------------------------------------------------------------

def test_simulate_campaign_uses_its_own_endpoint_and_reads_the_cost(api: responses.RequestsMock,
                                                                    client: AllMySmsClient) -> None:
    api.post(SIMULATE, json=answer("simulate_priced"))
    result = client.simulate_campaign(CREDENTIALS, REQUEST)
    assert (result.nb_credits, result.nb_contacts, result.nb_sms) == (45, 2, 3)
    assert "smsData" in form_of(api.calls[0].request)


def test_a_failed_simulation_says_nothing_was_sent(api: responses.RequestsMock, client: AllMySmsClient) -> None:
    api.post(SIMULATE, status=500)
    with pytest.raises(OutcomeUnknownError, match="sends no SMS") as raised:
        client.simulate_campaign(CREDENTIALS, REQUEST)
    assert not raised.value.may_have_been_sent


def test_get_info_reads_the_account_and_never_keeps_the_echoed_key(api: responses.RequestsMock,
                                                                   client: AllMySmsClient) -> None:
    api.post(INFO, json={**answer("info_active"), "apiKey": API_KEY})
    info = client.get_info(CREDENTIALS)
    assert (info.status_text, info.credits, info.login) == ("Active Account", 1847, "me")
    assert API_KEY not in repr(info)


def test_get_info_with_bad_credentials_raises_authentication_error(api: responses.RequestsMock,
                                                                   client: AllMySmsClient) -> None:
    api.post(INFO, json=answer("info_bad_credentials"))
    with pytest.raises(AuthenticationError):
        client.get_info(CREDENTIALS)


# -- the connection pool ----------------------------------------------------------------------------------

def test_the_shared_client_is_one_per_context_with_its_url_and_timeouts(deployment: Deploy) -> None:
    deployment(api_url=BASE)
    first = context.current().client
    assert context.current().client is first
    deployment(timeouts=Timeouts(read=5))  # another deployment, another pool
    assert context.current().client is not first
    assert context.current().client.timeouts == Timeouts(read=5)


def test_threads_asking_at_once_get_the_same_shared_client(deployment: Deploy) -> None:
    deployment(api_url="https://other.example")
    seen: list[AllMySmsClient] = []
    barrier = threading.Barrier(8)

    def ask() -> None:
        barrier.wait()
        seen.append(context.current().client)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(c) for c in seen}) == 1


def test_the_client_repr_shows_no_secret(client: AllMySmsClient) -> None:
    assert repr(client) == f"AllMySmsClient({BASE!r})"
