"""Cancel a scheduled send (cancelScheduledSend): AllMySMS deleteCampaign; a campaign that is unknown or already
sent is a CampaignNotPendingError; unit tests against a mocked API, then end to end against the simulator."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
import requests
import responses
from jsonschema import Draft3Validator

from allmysms_component import context
from allmysms_component.actions.cancel_scheduled_send import process
from allmysms_component.actions.send_sms import process as send
from allmysms_component.api import AllMySmsClient
from allmysms_component.errors import (
    ApiRejectedError,
    AuthenticationError,
    CampaignNotPendingError,
    InvalidInputError,
    MalformedResponseError,
    OutcomeUnknownError,
)
from allmysms_component.rules.account import Credentials
from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator

from .conftest import API_KEY, CFG, DELETE, SANDBOX_CFG, Clock, answer, form, future, message

SANDBOX_CREDENTIALS = Credentials(SANDBOX_ACCOUNT.login, SANDBOX_ACCOUNT.api_key)


def cancel(campaign_id: object = "ap_2", cfg: dict[str, Any] = CFG) -> dict[str, Any]:
    body: dict[str, Any] = process(message(body={"campaignId": campaign_id}), cfg)["body"]
    return body


# -- against a mocked API ---------------------------------------------------------------------------------

def test_a_pending_campaign_is_cancelled(api: responses.RequestsMock) -> None:
    api.post(DELETE, json=answer("delete_ok"))
    assert cancel() == {"campaignId": "ap_2", "cancelled": True, "alreadyCancelled": False, "trial": False}
    assert form(api) == {"login": "me", "apiKey": API_KEY, "returnformat": "json", "campId": "ap_2"}


def test_the_output_is_valid_against_metadata_out(api: responses.RequestsMock) -> None:
    api.post(DELETE, json=answer("delete_ok"))
    body = cancel()
    schema = context.current().descriptor.data["actions"]["cancelScheduledSend"]["metadata"]["out"]
    assert set(body) == set(schema["properties"])
    assert list(Draft3Validator(schema).iter_errors(body)) == []


@pytest.mark.parametrize("reply", [
    answer("delete_already_cancelled"),
    {"status": "KO", "statusText": "campaign already canceled"},
    {"status": "KO", "statusText": "Campagne déjà annulée"},
])
def test_a_campaign_already_cancelled_is_cancelled_not_maybe_sent(api: responses.RequestsMock,
                                                                  reply: dict[str, Any]) -> None:
    api.post(DELETE, json=reply)  # e.g. a redelivery of a message whose first cancellation lost its ack
    assert cancel() == {"campaignId": "ap_2", "cancelled": True, "alreadyCancelled": True, "trial": False}


@pytest.mark.parametrize("reply", [
    answer("delete_already_sent"),
    {"status": "0"},
    {"status": 0, "statusText": "Campaign not found"},
    {"status": "Unknown campaign"},
])
def test_a_campaign_that_is_not_pending_is_a_clear_error_saying_its_sms_may_be_out(
        api: responses.RequestsMock, reply: dict[str, Any]) -> None:
    api.post(DELETE, json=reply)
    with pytest.raises(CampaignNotPendingError, match=r"did not cancel campaign ap_2 .*unknown or already "
                                                      r"sent") as caught:
        cancel()
    error = caught.value
    assert isinstance(error, ApiRejectedError)  # existing handlers of refusals still catch it
    assert (error.campaign_id, error.may_have_been_sent) == ("ap_2", True)


def test_refused_credentials_are_an_authentication_error(api: responses.RequestsMock) -> None:
    api.post(DELETE, json=answer("info_refused_credentials"))
    with pytest.raises(AuthenticationError):
        cancel()


def test_a_lost_answer_says_the_cancellation_is_unknown(api: responses.RequestsMock) -> None:
    api.post(DELETE, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(OutcomeUnknownError, match="whether campaign ap_2 was cancelled is unknown") as caught:
        cancel()
    assert caught.value.may_have_been_sent


def test_an_answer_that_is_not_json_says_the_cancellation_is_unknown(api: responses.RequestsMock) -> None:
    api.post(DELETE, body="<html>502</html>")
    with pytest.raises(MalformedResponseError, match="whether campaign ap_2 was cancelled is unknown") as caught:
        cancel()
    assert caught.value.may_have_been_sent


def test_an_answer_without_a_status_says_the_cancellation_is_unknown(api: responses.RequestsMock) -> None:
    api.post(DELETE, json={})
    with pytest.raises(MalformedResponseError, match="whether campaign ap_2 was cancelled is unknown"):
        cancel()


def test_a_bad_campaign_id_asks_nothing(api: responses.RequestsMock) -> None:
    with pytest.raises(InvalidInputError, match=r"Campaign id \(campaignId\) is required"):
        process(message(body={}), CFG)
    assert len(api.calls) == 0


def test_the_key_never_reaches_the_error(api: responses.RequestsMock) -> None:
    api.post(DELETE, json={"status": "KO", "statusText": f"bad campaign for key {API_KEY}"})
    with pytest.raises(CampaignNotPendingError) as caught:
        cancel()
    assert API_KEY not in str(caught.value)
    assert API_KEY not in caught.value.status_text


# -- end to end, against the simulator --------------------------------------------------------------------

def schedule(numbers: str = "33611111111") -> dict[str, Any]:
    body: dict[str, Any] = send(message(numbers=numbers, sendAt=future(days=30).isoformat()), SANDBOX_CFG)["body"]
    assert (body["status"], body["scheduled"]) == (101, True)
    return body


def test_a_cancelled_campaign_is_refunded_and_never_goes_out(simulator: AllMySmsSimulator, clock: Clock) -> None:
    credits = simulator.account(SANDBOX_ACCOUNT.login).credits
    sent = schedule("33611111111, 33622222222")
    assert simulator.account(SANDBOX_ACCOUNT.login).credits == credits - 30
    assert cancel(sent["campaignId"], SANDBOX_CFG)["cancelled"] is True
    assert simulator.account(SANDBOX_ACCOUNT.login).credits == credits
    clock.advance(days=365 * 80)
    assert simulator.release_due() == []
    assert simulator.campaign(sent["campaignId"]).state == "cancelled"
    with contextlib.closing(AllMySmsClient(simulator.url)) as client:
        assert client.get_acks(SANDBOX_CREDENTIALS, sent["campaignId"]).acks == []


def test_a_campaign_cancelled_twice_is_refunded_once(simulator: AllMySmsSimulator) -> None:
    credits = simulator.account(SANDBOX_ACCOUNT.login).credits
    campaign_id = schedule()["campaignId"]
    assert cancel(campaign_id, SANDBOX_CFG)["alreadyCancelled"] is False
    assert cancel(campaign_id, SANDBOX_CFG)["alreadyCancelled"] is True
    assert simulator.account(SANDBOX_ACCOUNT.login).credits == credits


@pytest.mark.parametrize(("how", "says"), [
    ("after its time", "already sent"),
    ("unknown", "Unknown campaign"),
])
def test_a_campaign_that_cannot_be_cancelled(simulator: AllMySmsSimulator, clock: Clock, how: str,
                                            says: str) -> None:
    campaign_id = "sb_nothing" if how == "unknown" else schedule()["campaignId"]
    if how == "after its time":
        clock.advance(days=365 * 80)
    with pytest.raises(CampaignNotPendingError, match=says):
        cancel(campaign_id, SANDBOX_CFG)


def test_an_immediate_send_cannot_be_cancelled(simulator: AllMySmsSimulator) -> None:
    sent = send(message(), SANDBOX_CFG)["body"]
    with pytest.raises(CampaignNotPendingError, match="already sent"):
        cancel(sent["campaignId"], SANDBOX_CFG)

