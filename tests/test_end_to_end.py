"""The real action and client against the local AllMySMS simulator, over real sockets (HTTP and HTTPS)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from allmysms_component.actions.send_sms import process
from allmysms_component.errors import (
    AuthenticationError,
    ConfigurationError,
    InsufficientCreditError,
    MalformedResponseError,
    OutcomeUnknownError,
    RateLimitedError,
    ServiceUnavailableError,
)
from allmysms_component.sandbox import SANDBOX_ACCOUNT, Account, AllMySmsSimulator, Fault
from allmysms_component.settings import Timeouts
from allmysms_component.verify_credentials import verify

from .conftest import Deploy, message

CFG = {"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key}


def sends(simulator: AllMySmsSimulator) -> int:
    return sum(1 for request in simulator.requests if request.endpoint == "sendSms")


@pytest.fixture
def simulator(deployment: Deploy) -> Iterator[AllMySmsSimulator]:
    with AllMySmsSimulator(accounts=[Account(SANDBOX_ACCOUNT.login, SANDBOX_ACCOUNT.api_key),
                                     Account("trial", "trial-key"), Account("broke", "broke-key", credits=0)],
                           blacklist=["33600000666"]) as sim:
        deployment(api_url=sim.url)
        yield sim


@pytest.fixture
def tls_simulator(deployment: Deploy) -> Iterator[AllMySmsSimulator]:
    with AllMySmsSimulator(tls=True) as sim:
        deployment(api_url=sim.url)
        yield sim


def test_a_full_send_reaches_the_api_and_is_reported(simulator: AllMySmsSimulator) -> None:
    body = process(message("+33 6 12 34 56 78, 06 98 76 54 32", "Bonjour à tous"), CFG)["body"]
    received = simulator.received
    assert [sms.phone_number for sms in received] == ["33612345678", "33698765432"]
    assert {sms.text for sms in received} == {"Bonjour à tous"}
    assert {sms.sender for sms in received} == {"MyShop"}
    assert {sms.cli_msg_id for sms in received} == {"msg-1"}
    assert body["smsIds"] == [{"phoneNumber": s.phone_number, "smsId": s.sms_id} for s in received]
    assert (body["status"], body["nbSms"], body["creditsUsed"]) == (100, 2, 30)
    assert body["credits"] == simulator.account(SANDBOX_ACCOUNT.login).credits


def test_the_component_and_the_simulator_agree_on_parts(simulator: AllMySmsSimulator) -> None:
    body = process(message(text="€" * 81), CFG)["body"]
    assert (body["encoding"], body["segments"]) == ("GSM-7", 2)
    assert simulator.received[0].parts == body["segments"] == body["nbSms"]


def test_numbers_the_api_refuses_are_reported_and_the_others_sent(simulator: AllMySmsSimulator) -> None:
    body = process(message("33612345678, 33600000666, garbage"), CFG)["body"]
    assert [sms.phone_number for sms in simulator.received] == ["33612345678"]
    assert body["invalidNumbers"] == ["garbage", "33600000666"]


def test_trial_mode_uses_the_demo_account_prefix_and_two_recipients(simulator: AllMySmsSimulator,
                                                                    deployment: Deploy) -> None:
    deployment(trial_login="trial", trial_api_key="trial-key")
    body = process(message("33600000001, 33600000002, 33600000003"), {"login": "", "apiKey": ""})["body"]
    assert [sms.login for sms in simulator.received] == ["trial", "trial"]
    assert simulator.received[0].text == "TRIAL USE: Hello"
    assert body["skippedNumbers"] == ["33600000003"]


def test_bad_credentials_are_refused_by_the_api(simulator: AllMySmsSimulator) -> None:
    with pytest.raises(AuthenticationError):
        process(message(), {"login": "sandbox", "apiKey": "wrong"})
    assert simulator.received == []


def test_an_account_without_credit_is_refused(simulator: AllMySmsSimulator) -> None:
    with pytest.raises(InsufficientCreditError):
        process(message(), {"login": "broke", "apiKey": "broke-key"})
    assert simulator.received == []


def test_invalid_input_never_reaches_the_api(simulator: AllMySmsSimulator) -> None:
    with pytest.raises(Exception, match="senderName"):
        process({"body": {"mobileNumbers": "33612345678", "senderName": "x", "messageText": "Hi"}}, CFG)
    assert simulator.requests == []


def test_credentials_are_verified_with_get_info(simulator: AllMySmsSimulator) -> None:
    assert verify(CFG)["verified"] is True
    assert verify({"login": "sandbox", "apiKey": "wrong"})["verified"] is False
    assert [r.endpoint for r in simulator.requests] == ["getInfo", "getInfo"]


def test_a_hundred_sends_share_one_connection(simulator: AllMySmsSimulator) -> None:
    for index in range(100):
        process(message(message_id=f"m-{index}"), CFG)
    assert len(simulator.received) == 100
    assert simulator.connections_accepted == 1


# -- faults over real sockets -----------------------------------------------------------------------------

def test_503_then_success_is_retried_and_sent_once(simulator: AllMySmsSimulator) -> None:
    simulator.inject(Fault.http_status(503, retry_after="0"), endpoint="sendSms")
    assert process(message(), CFG)["body"]["status"] == 100
    assert sends(simulator) == 2
    assert len(simulator.received) == 1


def test_429_asking_for_a_long_wait_rebounds_without_sending(simulator: AllMySmsSimulator) -> None:
    simulator.inject(Fault.http_status(429, retry_after="3600"), endpoint="sendSms")
    with pytest.raises(RateLimitedError):
        process(message(), CFG)
    assert sends(simulator) == 1
    assert simulator.received == []


def test_503_on_every_try_rebounds_after_three(simulator: AllMySmsSimulator) -> None:
    simulator.inject(Fault.http_status(503, retry_after="0"), times=5, endpoint="sendSms")
    with pytest.raises(ServiceUnavailableError):
        process(message(), CFG)
    assert sends(simulator) == 3
    assert simulator.received == []


def test_a_500_after_processing_is_never_retried(simulator: AllMySmsSimulator) -> None:
    simulator.inject(Fault.http_status(500, process=True), endpoint="sendSms")
    with pytest.raises(OutcomeUnknownError, match="may have been sent"):
        process(message(), CFG)
    assert sends(simulator) == 1
    assert len(simulator.received) == 1


def test_an_answer_that_is_not_json_is_never_retried(simulator: AllMySmsSimulator) -> None:
    simulator.inject(Fault.not_json(), endpoint="sendSms")
    with pytest.raises(MalformedResponseError, match="may have been sent"):
        process(message(), CFG)
    assert sends(simulator) == 1


def test_a_connection_closed_before_the_answer_is_never_retried(simulator: AllMySmsSimulator) -> None:
    simulator.inject(Fault.close(), endpoint="sendSms")
    with pytest.raises(OutcomeUnknownError, match="may have been sent"):
        process(message(), CFG)
    assert sends(simulator) == 1
    assert len(simulator.received) == 1


def test_an_answer_slower_than_the_read_timeout_is_never_retried(simulator: AllMySmsSimulator,
                                                                 deployment: Deploy) -> None:
    deployment(timeouts=Timeouts(read=0.2))
    simulator.inject(Fault.delay(30), endpoint="sendSms")
    with pytest.raises(OutcomeUnknownError, match=r"within 0\.2 s"):
        process(message(), CFG)
    assert sends(simulator) == 1
    assert len(simulator.received) == 1


def test_the_connection_is_reused_after_a_fault_is_survived(simulator: AllMySmsSimulator) -> None:
    simulator.inject(Fault.http_status(503, retry_after="0"), endpoint="sendSms")
    process(message(), CFG)
    process(message(), CFG)
    assert simulator.connections_accepted == 1


# -- HTTPS ------------------------------------------------------------------------------------------------

def test_https_with_the_test_ca_verifies_and_sends(tls_simulator: AllMySmsSimulator,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert tls_simulator.url.startswith("https://")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_simulator.ca_bundle))
    assert process(message(), CFG)["body"]["status"] == 100
    assert len(tls_simulator.received) == 1


def test_https_with_a_certificate_from_an_unknown_ca_is_refused(tls_simulator: AllMySmsSimulator) -> None:
    with pytest.raises(ConfigurationError, match="certificate could not be verified"):
        process(message(), CFG)
    assert tls_simulator.received == []


def test_https_with_another_test_ca_is_refused(tls_simulator: AllMySmsSimulator,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with AllMySmsSimulator(tls=True) as other:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other.ca_bundle))
        with pytest.raises(ConfigurationError, match="certificate could not be verified"):
            process(message(), CFG)
    assert tls_simulator.received == []
