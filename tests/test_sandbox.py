"""The AllMySMS simulator, exercised over real sockets with requests as the client.

Nothing here sleeps to assert timing: slow answers are waited for with events and generous timeouts.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from allmysms_component.sandbox import (
    SANDBOX_ACCOUNT,
    TRIAL_ACCOUNT,
    Account,
    AllMySmsSimulator,
    Fault,
    ReceivedSms,
    RecordedRequest,
)

LOGIN = {"login": "sandbox", "apiKey": "sandbox-api-key", "returnformat": "json"}
TIMEOUT = 10  # seconds: generous, only reached when something is broken
SUCCESS_KEYS = ["status", "statusText", "invalidNumbers", "campaignId", "credits", "creditsUsed", "nbContacts",
                "nbSms", "smsIds"]

Start = Callable[..., AllMySmsSimulator]


def sms_data(message: str = "Hello", numbers: tuple[str, ...] = ("33612345678",), **fields: Any) -> str:
    return json.dumps({"DATA": {"MESSAGE": message, "TPOA": "MyShop",
                                "SMS": [{"MOBILEPHONE": number} for number in numbers], **fields}})


@pytest.fixture
def start() -> Iterator[Start]:
    """Start simulators with any settings; all are stopped after the test."""
    started: list[AllMySmsSimulator] = []

    def _start(**settings: Any) -> AllMySmsSimulator:
        simulator = AllMySmsSimulator(**settings).start()
        started.append(simulator)
        return simulator

    yield _start
    for simulator in started:
        simulator.stop()


@pytest.fixture
def sim(start: Start) -> AllMySmsSimulator:
    return start(accounts=[Account("sandbox", "sandbox-api-key"), Account("poor", "poor-key", credits=20),
                           Account("broke", "broke-key", credits=0)],
                 blacklist=["0699999999"])


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False  # no proxy and no CA bundle from the environment
        yield session


def call(http: requests.Session, sim: AllMySmsSimulator, endpoint: str = "sendSms", **fields: str) -> Any:
    """POST a form to an endpoint and return the decoded JSON body."""
    response = http.post(f"{sim.url}/http/9.0/{endpoint}/", data={**LOGIN, **fields}, timeout=TIMEOUT)
    assert response.status_code == 200
    return response.json()


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


# --- sendSms ---


def test_a_send_is_recorded_and_answered_with_the_documented_keys(sim: AllMySmsSimulator,
                                                                  http: requests.Session) -> None:
    body = call(http, sim, smsData=sms_data("Hello", ("0612345678",), CLIMSGID="m-1"))

    assert list(body) == SUCCESS_KEYS
    assert body["status"] == 100
    assert body["statusText"] == "Your messages have been sent"
    assert body["invalidNumbers"] == ""
    assert body["campaignId"].startswith("sb_")
    assert (body["credits"], body["creditsUsed"], body["nbContacts"], body["nbSms"]) == ("14985", "15", "1", "1")
    [sms_id] = body["smsIds"]
    assert sms_id["phoneNumber"] == "33612345678"
    assert uuid.UUID(sms_id["smsId"]).version == 4
    assert sim.received == [ReceivedSms(sms_id["smsId"], body["campaignId"], "33612345678", "Hello", "MyShop",
                                        "m-1", 1, "sandbox")]
    assert sim.requests == [RecordedRequest("POST", "sendSms", "sandbox", None)]


def test_replies_are_json_served_as_text_html_like_the_real_server(sim: AllMySmsSimulator,
                                                                   http: requests.Session) -> None:
    response = http.post(f"{sim.url}/http/9.0/sendSms/", data={**LOGIN, "smsData": sms_data()}, timeout=TIMEOUT)
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert response.json()["status"] == 100


@pytest.mark.parametrize(("fields", "status"), [
    pytest.param({"apiKey": "wrong", "smsData": ""}, 102, id="102-bad-key-before-empty-flow"),
    pytest.param({"login": "nobody"}, 102, id="102-unknown-login"),
    pytest.param({"login": "", "apiKey": ""}, 102, id="102-missing-credentials"),
    pytest.param({"smsData": ""}, 105, id="105-empty-flow"),
    pytest.param({}, 105, id="105-no-flow"),
    pytest.param({"smsData": "{not json"}, 106, id="106-not-json"),
    pytest.param({"smsData": '{"MESSAGE": "Hi"}'}, 106, id="106-no-DATA"),
    pytest.param({"smsData": '{"DATA": {"MESSAGE": "Hi"}}'}, 106, id="106-no-SMS"),
    pytest.param({"smsData": sms_data("", DATE="soon")}, 110, id="110-empty-message-before-bad-date"),
    pytest.param({"smsData": sms_data("x" * 641, DATE="soon")}, 111, id="111-too-long-before-bad-date"),
    pytest.param({"smsData": sms_data(DATE="2030-1-2 3:4:5", MASTERACCOUNT="nobody")}, 115,
                 id="115-bad-date-before-unknown-master"),
    pytest.param({"smsData": sms_data(DATE="2030-02-30 10:00:00")}, 115, id="115-impossible-date"),
    pytest.param({"smsData": sms_data(numbers=("12",), MASTERACCOUNT="nobody")}, 118,
                 id="118-unknown-master-before-no-number"),
    pytest.param({"login": "broke", "apiKey": "broke-key", "smsData": sms_data(numbers=("12",))}, 114,
                 id="114-no-valid-number-before-no-credit"),
    pytest.param({"login": "broke", "apiKey": "broke-key", "smsData": sms_data()}, 103, id="103-no-credit"),
    pytest.param({"login": "poor", "apiKey": "poor-key", "smsData": sms_data(numbers=("0611111111",) * 2)}, 104,
                 id="104-not-enough-credit"),
    pytest.param({"smsData": sms_data(MASTERACCOUNT="poor")}, 100, id="100-known-master"),
    pytest.param({"smsData": sms_data("x" * 640)}, 100, id="100-640-characters"),
])
def test_each_refusal_answers_its_status_in_the_documented_order(sim: AllMySmsSimulator, http: requests.Session,
                                                                 fields: dict[str, str], status: int) -> None:
    body = call(http, sim, **fields)

    assert body["status"] == status
    if status != 100:
        assert list(body) == ["status", "statusText"]
        assert sim.received == []


def test_not_enough_credit_says_how_much_is_needed_and_available(sim: AllMySmsSimulator,
                                                                  http: requests.Session) -> None:
    body = call(http, sim, login="poor", apiKey="poor-key", smsData=sms_data(numbers=("0611111111", "0622222222")))
    assert "to use: 30 credits, available: 20 credits" in body["statusText"]
    assert sim.account("poor").credits == 20


def test_a_future_date_is_scheduled_with_101(sim: AllMySmsSimulator, http: requests.Session) -> None:
    body = call(http, sim, smsData=sms_data(DATE="2099-12-31 23:59:00"))
    assert body["status"] == 101
    assert len(sim.received) == 1


def test_a_past_date_is_sent_at_once_with_100(sim: AllMySmsSimulator, http: requests.Session) -> None:
    assert call(http, sim, smsData=sms_data(DATE="2001-01-01 00:00:00"))["status"] == 100


@pytest.mark.parametrize(("given", "normalised"), [
    ("0612345678", "33612345678"),
    ("33612345678", "33612345678"),
    ("+33612345678", "33612345678"),
    ("0033612345678", "33612345678"),
    (" 0612345678 ", "33612345678"),
    ("+4915112345678", "4915112345678"),
    ("123456", "123456"),
])
def test_numbers_are_normalised_to_the_international_form(sim: AllMySmsSimulator, http: requests.Session,
                                                          given: str, normalised: str) -> None:
    body = call(http, sim, smsData=sms_data(numbers=(given,)))
    assert body["smsIds"][0]["phoneNumber"] == normalised
    assert sim.received[0].phone_number == normalised


def test_malformed_and_blacklisted_numbers_are_reported_and_not_sent(sim: AllMySmsSimulator,
                                                                     http: requests.Session) -> None:
    numbers = ("12345", "0612345678", "06 12 34 56 78", "+33 6 12", "0612345", "1234567890123456",
               "+33699999999", "0033abc", "0622222222")
    body = call(http, sim, smsData=sms_data(numbers=numbers))

    assert body["status"] == 100
    assert body["invalidNumbers"] == "12345|06 12 34 56 78|+33 6 12|0612345|1234567890123456|+33699999999|0033abc"
    assert [entry["phoneNumber"] for entry in body["smsIds"]] == ["33612345678", "33622222222"]
    assert body["nbContacts"] == "2"
    assert [sms.phone_number for sms in sim.received] == ["33612345678", "33622222222"]


def test_a_number_given_as_a_json_number_is_accepted(sim: AllMySmsSimulator, http: requests.Session) -> None:
    data = json.dumps({"DATA": {"MESSAGE": "Hi", "SMS": [{"MOBILEPHONE": 33612345678}]}})
    assert call(http, sim, smsData=data)["smsIds"][0]["phoneNumber"] == "33612345678"


@pytest.mark.parametrize(("text", "parts"), [
    pytest.param("a" * 160, 1, id="gsm-160"),
    pytest.param("a" * 161, 2, id="gsm-161"),
    pytest.param("a" * 306, 2, id="gsm-306"),
    pytest.param("a" * 307, 3, id="gsm-307"),
    pytest.param("é" * 160, 1, id="gsm-accents-are-basic"),
    pytest.param("€" * 80, 1, id="extension-80-is-160-septets"),
    pytest.param("€" * 81, 2, id="extension-81-is-162-septets"),
    pytest.param("a" * 159 + "{", 2, id="extension-counts-twice"),
    pytest.param("ê" * 70, 1, id="ucs2-70"),
    pytest.param("ê" * 71, 2, id="ucs2-71"),
    pytest.param("ê" * 135, 3, id="ucs2-135"),
    pytest.param("😀" * 35, 1, id="emoji-counts-two-units"),
    pytest.param("😀" * 36, 2, id="emoji-72-units"),
])
def test_parts_are_counted_like_the_network_bills_them(sim: AllMySmsSimulator, http: requests.Session,
                                                       text: str, parts: int) -> None:
    body = call(http, sim, smsData=sms_data(text, ("0611111111", "0622222222")))

    assert body["nbSms"] == str(2 * parts)
    assert body["creditsUsed"] == str(2 * parts * 15)
    assert [sms.parts for sms in sim.received] == [parts, parts]
    assert sim.received[0].text == text


def test_credits_are_debited_15_per_part_per_recipient(sim: AllMySmsSimulator, http: requests.Session) -> None:
    body = call(http, sim, smsData=sms_data("a" * 200, ("0611111111", "0622222222")))

    assert body["creditsUsed"] == "60"
    assert body["credits"] == "14940"
    assert sim.account("sandbox").credits == 14_940


def test_the_send_can_be_a_get_query(sim: AllMySmsSimulator, http: requests.Session) -> None:
    response = http.get(f"{sim.url}/http/9.0/sendSms", params={**LOGIN, "smsData": sms_data()}, timeout=TIMEOUT)
    assert response.json()["status"] == 100
    assert sim.requests == [RecordedRequest("GET", "sendSms", "sandbox", None)]


def test_the_send_can_be_a_multipart_form(sim: AllMySmsSimulator, http: requests.Session) -> None:
    fields = {name: (None, value) for name, value in {**LOGIN, "smsData": sms_data("Café ☕")}.items()}
    response = http.post(f"{sim.url}/http/9.0/sendSms/", files=fields, timeout=TIMEOUT)
    assert response.json()["status"] == 100
    assert sim.received[0].text == "Café ☕"


def test_on_receive_is_called_for_each_sms_before_the_answer(start: Start, http: requests.Session) -> None:
    seen: list[ReceivedSms] = []
    sim = start(on_receive=seen.append)
    call(http, sim, smsData=sms_data(numbers=("0611111111", "0622222222")))
    assert seen == sim.received
    assert len(seen) == 2


# --- simulateCampaign, getInfo, getAcks ---


def test_simulate_campaign_answers_the_cost_and_changes_nothing(sim: AllMySmsSimulator,
                                                                http: requests.Session) -> None:
    body = call(http, sim, "simulateCampaign", smsData=sms_data("a" * 200, ("0611111111", "12")))

    assert body == {"status": 100, "statusText": "Your messages have been sent", "invalidNumbers": "12",
                    "nbCredits": 30, "nbContacts": 1, "nbSms": 2}
    assert sim.received == []
    assert sim.account("sandbox").credits == 15_000
    assert sim.requests == [RecordedRequest("POST", "simulateCampaign", "sandbox", None)]


def test_simulate_campaign_validates_like_send(sim: AllMySmsSimulator, http: requests.Session) -> None:
    assert call(http, sim, "simulateCampaign", smsData=sms_data(""))["status"] == 110
    assert call(http, sim, "simulateCampaign", login="broke", apiKey="broke-key", smsData=sms_data())["status"] == 103


def test_get_info_answers_the_credits_without_the_api_key(sim: AllMySmsSimulator, http: requests.Session) -> None:
    body = call(http, sim, "getInfo")

    assert body["status"] == "Active Account"
    assert body["credits"] == "15000"
    assert set(body) == {"status", "credits", "firstName", "lastName", "society", "email"}
    assert "sandbox-api-key" not in json.dumps(body)


def test_get_info_with_bad_credentials_answers_102(sim: AllMySmsSimulator, http: requests.Session) -> None:
    body = call(http, sim, "getInfo", apiKey="wrong")
    assert body["status"] == 102
    assert body["statusText"]


def test_get_acks_says_transmitted_until_delivered(sim: AllMySmsSimulator, http: requests.Session) -> None:
    sent = call(http, sim, smsData=sms_data(numbers=("0611111111", "0622222222"), CLIMSGID="m-9"))
    first, second = (entry["smsId"] for entry in sent["smsIds"])

    before = call(http, sim, "getAcks", campId=sent["campaignId"])
    sim.deliver(first)
    sim.deliver(second, 5)
    after = call(http, sim, "getAcks", campId=sent["campaignId"])

    assert before["cliMsgId"] == "m-9"
    assert [(ack["phoneNumber"], ack["status"], ack["statut"]) for ack in before["acks"]] == [
        ("33611111111", "3", "3"), ("33622222222", "3", "3")]
    assert [(ack["status"], ack["comment"]) for ack in after["acks"]] == [("1", "Delivered"), ("5", "SMS rejected")]
    assert set(after["acks"][0]) == {"phoneNumber", "status", "statut", "comment", "receptionDate"}


def test_forget_drops_the_records_but_keeps_accounts_and_credits(sim: AllMySmsSimulator,
                                                                 http: requests.Session) -> None:
    sent = call(http, sim, smsData=sms_data())
    credits = sim.account("sandbox").credits
    sim.forget()
    assert (sim.received, sim.requests) == ([], [])
    assert call(http, sim, "getAcks", campId=sent["campaignId"])["status"] == "0"  # unknown campaign
    assert sim.account("sandbox").credits == credits
    assert call(http, sim, smsData=sms_data())["status"] == 100


def test_get_acks_of_an_unknown_campaign_answers_status_0(sim: AllMySmsSimulator, http: requests.Session) -> None:
    assert call(http, sim, "getAcks", campId="sb_nothing") == {"status": "0"}


def test_get_acks_of_another_accounts_campaign_answers_status_0(sim: AllMySmsSimulator,
                                                                http: requests.Session) -> None:
    sent = call(http, sim, smsData=sms_data())
    assert call(http, sim, "getAcks", login="poor", apiKey="poor-key", campId=sent["campaignId"]) == {"status": "0"}


def test_deliver_refuses_unknown_ids_and_statuses(sim: AllMySmsSimulator, http: requests.Session) -> None:
    sms_id = call(http, sim, smsData=sms_data())["smsIds"][0]["smsId"]
    with pytest.raises(KeyError, match="no SMS"):
        sim.deliver("nope")
    with pytest.raises(ValueError, match="ack status 6"):
        sim.deliver(sms_id, 6)


def test_an_unknown_path_answers_404_and_is_recorded_raw(sim: AllMySmsSimulator, http: requests.Session) -> None:
    response = http.post(f"{sim.url}/http/9.0/sendMms/", data=LOGIN, timeout=TIMEOUT)
    assert response.status_code == 404
    assert sim.requests == [RecordedRequest("POST", "/http/9.0/sendMms/", "sandbox", None)]


# --- Faults ---


def test_a_delay_longer_than_the_read_timeout_still_records_the_sms(sim: AllMySmsSimulator,
                                                                    http: requests.Session) -> None:
    sim.inject(Fault.delay(60))
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.post(f"{sim.url}/http/9.0/sendSms/", data={**LOGIN, "smsData": sms_data()}, timeout=(TIMEOUT, 0.2))
    wait_for(lambda: len(sim.received) == 1)
    assert sim.requests == [RecordedRequest("POST", "sendSms", "sandbox", "delay")]


def test_a_short_delay_answers_normally(sim: AllMySmsSimulator, http: requests.Session) -> None:
    sim.inject(Fault.delay(0.05))
    assert call(http, sim, smsData=sms_data())["status"] == 100
    assert sim.requests[0].fault == "delay"


def test_429_carries_retry_after_and_sends_nothing(sim: AllMySmsSimulator, http: requests.Session) -> None:
    sim.inject(Fault.http_status(429, retry_after="7"))
    response = http.post(f"{sim.url}/http/9.0/sendSms/", data={**LOGIN, "smsData": sms_data()}, timeout=TIMEOUT)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert sim.received == []
    assert sim.requests == [RecordedRequest("POST", "sendSms", "sandbox", "http_status")]


def test_503_without_retry_after_has_no_such_header(sim: AllMySmsSimulator, http: requests.Session) -> None:
    sim.inject(Fault.http_status(503))
    response = http.post(f"{sim.url}/http/9.0/sendSms/", data={**LOGIN, "smsData": sms_data()}, timeout=TIMEOUT)
    assert response.status_code == 503
    assert "Retry-After" not in response.headers
    assert sim.received == []


@pytest.mark.parametrize(("process", "sent"), [(False, 0), (True, 1)])
def test_500_sends_only_when_processed(sim: AllMySmsSimulator, http: requests.Session, process: bool,
                                       sent: int) -> None:
    sim.inject(Fault.http_status(500, process=process))
    response = http.post(f"{sim.url}/http/9.0/sendSms/", data={**LOGIN, "smsData": sms_data()}, timeout=TIMEOUT)

    assert response.status_code == 500
    assert len(sim.received) == sent
    assert sim.account("sandbox").credits == 15_000 - 15 * sent
    assert sim.requests[0].fault == "http_status"


def test_not_json_answers_an_html_page_after_sending(sim: AllMySmsSimulator, http: requests.Session) -> None:
    sim.inject(Fault.not_json())
    response = http.post(f"{sim.url}/http/9.0/sendSms/", data={**LOGIN, "smsData": sms_data()}, timeout=TIMEOUT)

    assert response.status_code == 200
    assert response.text.startswith("<html>")
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()
    assert len(sim.received) == 1
    assert sim.requests[0].fault == "not_json"


@pytest.mark.parametrize(("process", "sent"), [(True, 1), (False, 0)])
def test_close_drops_the_connection_without_an_answer(sim: AllMySmsSimulator, http: requests.Session,
                                                      process: bool, sent: int) -> None:
    sim.inject(Fault.close(process=process))
    with pytest.raises(requests.exceptions.ConnectionError):
        http.post(f"{sim.url}/http/9.0/sendSms/", data={**LOGIN, "smsData": sms_data()}, timeout=TIMEOUT)

    assert len(sim.received) == sent
    assert sim.requests == [RecordedRequest("POST", "sendSms", "sandbox", "close")]


def test_a_fault_applies_to_its_endpoint_only_and_the_given_number_of_times(sim: AllMySmsSimulator,
                                                                            http: requests.Session) -> None:
    sim.inject(Fault.http_status(503), times=2, endpoint="sendSms")
    statuses = [
        http.post(f"{sim.url}/http/9.0/{endpoint}/", data={**LOGIN, "smsData": sms_data()}, timeout=TIMEOUT)
        .status_code for endpoint in ("getInfo", "sendSms", "sendSms", "sendSms")]

    assert statuses == [200, 503, 503, 200]
    assert [request.fault for request in sim.requests] == [None, "http_status", "http_status", None]
    assert len(sim.received) == 1


def test_faults_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="negative"):
        Fault.delay(-1)
    with pytest.raises(ValueError, match="final status"):
        Fault.http_status(99)


def test_inject_refuses_a_misspelt_endpoint(sim: AllMySmsSimulator) -> None:
    with pytest.raises(ValueError, match="unknown endpoint 'sendSMS'"):
        sim.inject(Fault.close(), endpoint="sendSMS")


# --- Connections, TLS, life cycle ---


def test_ten_requests_on_one_session_share_one_connection(sim: AllMySmsSimulator, http: requests.Session) -> None:
    for _ in range(10):
        call(http, sim, "getInfo")
    assert sim.connections_accepted == 1


def test_connection_close_is_honoured(sim: AllMySmsSimulator, http: requests.Session) -> None:
    for _ in range(2):
        response = http.post(f"{sim.url}/http/9.0/getInfo/", data=LOGIN, headers={"Connection": "close"},
                             timeout=TIMEOUT)
        assert response.headers["Connection"] == "close"
    assert sim.connections_accepted == 2


def test_https_works_with_the_ca_bundle(start: Start, http: requests.Session) -> None:
    sim = start(tls=True)
    assert sim.url.startswith("https://localhost:")
    assert sim.ca_bundle is not None

    response = http.post(f"{sim.url}/http/9.0/getInfo/", data=LOGIN, verify=sim.ca_bundle, timeout=TIMEOUT)
    assert response.json()["status"] == "Active Account"


def test_https_is_refused_by_the_default_ca_store(start: Start, http: requests.Session) -> None:
    sim = start(tls=True)
    with pytest.raises(requests.exceptions.SSLError):
        http.post(f"{sim.url}/http/9.0/getInfo/", data=LOGIN, timeout=TIMEOUT)
    assert sim.requests == []


def test_the_ca_bundle_is_removed_on_stop(start: Start) -> None:
    sim = start(tls=True)
    ca_bundle = sim.ca_bundle
    assert ca_bundle is not None
    sim.stop()
    assert sim.ca_bundle is None
    with pytest.raises(FileNotFoundError):
        open(ca_bundle).close()


def test_stop_interrupts_a_pending_delay(sim: AllMySmsSimulator, http: requests.Session) -> None:
    sim.inject(Fault.delay(600))
    outcome: list[BaseException | requests.Response] = []

    def send() -> None:
        try:
            outcome.append(http.post(f"{sim.url}/http/9.0/sendSms/", data={**LOGIN, "smsData": sms_data()},
                                     timeout=(TIMEOUT, 600)))
        except requests.RequestException as error:
            outcome.append(error)

    client = threading.Thread(target=send, daemon=True)
    client.start()
    wait_for(lambda: len(sim.received) == 1)  # processed: now waiting on the delay
    sim.stop()
    client.join(TIMEOUT)

    assert not client.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], requests.exceptions.ConnectionError)


def test_stop_is_idempotent_and_a_context_manager_starts_and_stops(http: requests.Session) -> None:
    with AllMySmsSimulator() as sim:
        assert call(http, sim, "getInfo")["status"] == "Active Account"
    sim.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        http.post(f"{sim.url}/http/9.0/getInfo/", data=LOGIN, timeout=TIMEOUT)


def test_default_accounts_are_fresh_copies_of_sandbox_and_trial(start: Start, http: requests.Session) -> None:
    first, second = start(), start()
    call(http, first, smsData=sms_data())
    call(http, first, login="trial", apiKey="trial-api-key", smsData=sms_data())

    assert first.account("sandbox").credits == first.account("trial").credits == 14_985
    assert second.account("sandbox").credits == SANDBOX_ACCOUNT.credits == 15_000
    assert TRIAL_ACCOUNT.credits == 15_000


def test_an_account_repr_never_shows_the_api_key() -> None:
    assert "sandbox-api-key" not in repr(Account("sandbox", "sandbox-api-key"))


def test_the_url_has_no_trailing_slash(sim: AllMySmsSimulator) -> None:
    assert sim.url.startswith("http://127.0.0.1:")
    assert not sim.url.endswith("/")
