"""Make Raw Request (makeRawRequest): any v9 method with its fields, the credentials added by the component, the
JSON answer out with the key redacted; a method not known to send nothing is treated as a send."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import responses

import pysailor
from allmysms_component.actions.make_raw_request import process
from allmysms_component.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    OutcomeUnknownError,
)
from allmysms_component.journal.delivery import JournalGatekeeper, open_from_env
from pysailor.sending import Delivery, use

from .conftest import API_KEY, BASE, CFG, INFO, answer, form, message

STATS = f"{BASE}/http/9.0/getCampaignStats/"
SUBACCOUNT = f"{BASE}/http/9.0/createSubAccount/"


def raw(body: dict[str, Any], cfg: dict[str, Any] = CFG) -> dict[str, Any]:
    out: dict[str, Any] = process(message(body=body), cfg)["body"]
    return out


def test_the_method_gets_its_fields_and_the_credentials_and_answers_json(api: responses.RequestsMock) -> None:
    api.post(STATS, json=answer("raw_campaign_stats"))
    out = raw({"method": "getCampaignStats", "fields": {"campaignId": "ap_1", "type": "sms", "msisdnList": 0}})
    assert form(api) == {"login": "me", "apiKey": API_KEY, "returnformat": "json", "campaignId": "ap_1",
                         "type": "sms", "msisdnList": "0"}
    assert out == {"method": "getCampaignStats", "answer": answer("raw_campaign_stats"), "sendsNothing": True,
                   "trial": False}


def test_the_key_an_answer_echoes_is_redacted_everywhere(api: responses.RequestsMock) -> None:
    echoed = {**answer("info_active"), "apiKey": API_KEY, "nested": [{"note": f"key={API_KEY}"}], API_KEY: 1}
    api.post(INFO, json=echoed)
    out = raw({"method": "getInfo"})
    assert API_KEY not in json.dumps(out)
    assert out["answer"]["apiKey"] == "***"
    assert out["answer"]["nested"] == [{"note": "key=***"}]


def test_true_false_numbers_and_null_become_form_values(api: responses.RequestsMock) -> None:
    api.post(STATS, json={})
    raw({"method": "getCampaignStats", "fields": {"a": True, "b": False, "c": 1.5, "d": 2.0, "e": None}})
    assert {key: value for key, value in form(api).items() if len(key) == 1} == {"a": "1", "b": "0", "c": "1.5",
                                                                                 "d": "2"}


@pytest.mark.parametrize("method", ["", "get Info", "../getInfo", "1getInfo", "getInfo?x=1", "x" * 65])
def test_a_method_that_is_not_a_v9_name_is_refused_before_any_request(api: responses.RequestsMock,
                                                                      method: str) -> None:
    with pytest.raises(InvalidInputError, match=r"Method \(method\)"):
        raw({"method": method})
    assert len(api.calls) == 0


@pytest.mark.parametrize(("fields", "said"), [
    ({"login": "other"}, "must not set 'login'"),
    ({"APIKEY": "x"}, "must not set 'APIKEY'"),
    ({"returnformat": "xml"}, "always asks for JSON"),
    ({"smsData": {"DATA": {}}}, "must be text, a number, true/false or null, not dict"),
    ({"list": [1, 2]}, "not list"),
])
def test_fields_that_are_not_scalars_or_that_set_the_credentials_are_refused(api: responses.RequestsMock,
                                                                             fields: dict[str, Any],
                                                                             said: str) -> None:
    with pytest.raises(InvalidInputError, match="Fields \\(fields\\)") as refused:
        raw({"method": "getInfo", "fields": fields})
    assert said in str(refused.value)
    assert len(api.calls) == 0


def test_fields_that_are_not_an_object_are_refused(api: responses.RequestsMock) -> None:
    with pytest.raises(InvalidInputError, match=r"Fields \(fields\) must be an object, not text"):
        raw({"method": "getInfo", "fields": "campId=1"})


def test_trial_mode_is_refused(api: responses.RequestsMock, trial_env: None) -> None:
    with pytest.raises(ConfigurationError, match="own AllMySMS credentials"):
        raw({"method": "getInfo"}, {"login": "", "apiKey": ""})
    assert len(api.calls) == 0


def test_refused_credentials_are_an_authentication_error_saying_nothing_was_sent(api: responses.RequestsMock) -> None:
    api.post(SUBACCOUNT, json=answer("info_bad_credentials"))
    with pytest.raises(AuthenticationError, match="nothing was sent"):
        raw({"method": "createSubAccount"})


def test_a_lost_answer_of_a_method_that_may_send_says_it_may_have_been_sent_and_is_not_retried(
        api: responses.RequestsMock) -> None:
    api.post(SUBACCOUNT, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(OutcomeUnknownError, match="may have been sent") as lost:
        raw({"method": "createSubAccount", "fields": {"accountData": "{}"}})
    assert lost.value.may_have_been_sent is True
    assert len(api.calls) == 1


def test_a_lost_answer_of_a_method_known_to_send_nothing_says_so(api: responses.RequestsMock) -> None:
    api.post(STATS, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(OutcomeUnknownError, match="this call sends no SMS") as lost:
        raw({"method": "getCampaignStats"})
    assert lost.value.may_have_been_sent is False


def test_the_answer_of_a_method_that_may_send_says_so(api: responses.RequestsMock) -> None:
    api.post(SUBACCOUNT, json={"status": "1", "apiKey": "new-sub-account-key"})
    out = raw({"method": "createSubAccount"})
    assert out["sendsNothing"] is False
    assert out["answer"] == {"status": "1", "apiKey": "new-sub-account-key"}


def test_an_error_event_never_holds_the_key(api: responses.RequestsMock) -> None:
    api.post(STATS, status=500, body=f"boom {API_KEY}")
    execution = pysailor.execute(process, message(body={"method": "getCampaignStats"}), CFG)
    error = execution.first("error")
    assert error is not None
    assert "HTTP 500" in error.payload["message"]
    assert API_KEY not in json.dumps(error.payload)


def journaled(api: responses.RequestsMock, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The message run twice as the worker runs it, the second time redelivered, behind the send journal."""
    keeper = JournalGatekeeper(open_from_env({}))
    outputs = []
    try:
        for redelivered in (False, True):
            gate = keeper.gate(Delivery("flow-1/step_2", "msg-1", "digest-1", redelivered))
            with use(gate):
                outputs.append(process(message(body=body), CFG))
            gate.finish()
    finally:
        keeper.close()
    return outputs


def test_a_redelivered_raw_call_that_may_send_replays_its_output_without_a_second_request(
        api: responses.RequestsMock) -> None:
    api.post(SUBACCOUNT, json={"status": "1"})
    first, again = journaled(api, {"method": "createSubAccount", "fields": {"accountData": "{}"}})
    assert again == first
    assert len(api.calls) == 1


def test_a_redelivered_raw_call_known_to_send_nothing_is_simply_made_again(api: responses.RequestsMock) -> None:
    api.post(STATS, json=answer("raw_campaign_stats"))
    journaled(api, {"method": "getCampaignStats"})
    assert len(api.calls) == 2
