"""Check credits (checkCredits): AllMySMS getInfo read into the credits left, the account's status and an estimate
of the SMS parts to France; unit tests against a mocked API, then end to end against the simulator."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from jsonschema import Draft3Validator

from allmysms_component import context
from allmysms_component.actions.check_credits import process
from allmysms_component.actions.send_sms import process as send
from allmysms_component.errors import AuthenticationError, ConfigurationError
from allmysms_component.rules.credits import estimated_parts_to_france
from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator

from .conftest import CFG, INFO, SANDBOX_CFG, TRIAL_API_KEY, answer, form, message


def check(cfg: dict[str, Any] = CFG, msg: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = process(message(body={}) if msg is None else msg, cfg)["body"]
    return body


def test_credits_status_and_an_estimate_at_15_credits_a_part(api: responses.RequestsMock) -> None:
    api.post(INFO, json=answer("info_active_account"))
    assert check() == {"credits": 1847, "accountStatus": "Active Account", "estimatedSmsToFrance": 123,
                       "creditsPerSmsToFrance": 15, "trial": False}


@pytest.mark.parametrize(("credits", "parts"), [(None, None), (0, 0), (14, 0), (15, 1), (1847.5, 123), (-30, 0)])
def test_the_estimate_rounds_down_and_never_goes_negative(credits: float | None, parts: int | None) -> None:
    assert estimated_parts_to_france(credits) == parts


def test_unknown_credits_give_no_estimate(api: responses.RequestsMock) -> None:
    api.post(INFO, json={"status": "Active Account", "credits": "lots"})
    body = check()
    assert (body["credits"], body["estimatedSmsToFrance"]) == (None, None)


def test_the_incoming_message_is_only_a_trigger(api: responses.RequestsMock) -> None:
    api.post(INFO, json=answer("info_active_account"))
    assert check(msg={"id": "x", "body": {"whatever": [1, 2]}})["credits"] == 1847


def test_the_output_is_valid_against_metadata_out_and_the_action_has_no_input(api: responses.RequestsMock) -> None:
    api.post(INFO, json=answer("info_active_account"))
    body = check()
    metadata = context.current().descriptor.data["actions"]["checkCredits"]["metadata"]
    assert "in" not in metadata  # the platform then shows no mapper before the step
    assert set(body) == set(metadata["out"]["properties"])
    assert list(Draft3Validator(metadata["out"]).iter_errors(body)) == []


def test_refused_credentials_are_an_authentication_error(api: responses.RequestsMock) -> None:
    api.post(INFO, json=answer("info_refused_credentials"))
    with pytest.raises(AuthenticationError, match="nothing was sent"):
        check()


def test_blank_credentials_read_the_trial_account(api: responses.RequestsMock, trial_env: None) -> None:
    api.post(INFO, json=answer("info_active_account"))
    assert check({"login": "", "apiKey": ""})["trial"] is True
    assert (form(api)["login"], form(api)["apiKey"]) == ("demo", TRIAL_API_KEY)


def test_blank_credentials_without_a_trial_account_ask_nothing(api: responses.RequestsMock) -> None:
    with pytest.raises(ConfigurationError, match="ALLMYSMS_TRIAL_LOGIN"):
        check({"login": "", "apiKey": ""})
    assert len(api.calls) == 0


def test_end_to_end_the_credits_follow_the_sends(simulator: AllMySmsSimulator) -> None:
    before = check(SANDBOX_CFG)
    send(message(numbers="33611111111, 33622222222"), SANDBOX_CFG)
    after = check(SANDBOX_CFG)
    assert before["credits"] - after["credits"] == 30
    assert after["credits"] == simulator.account(SANDBOX_ACCOUNT.login).credits
    assert after["estimatedSmsToFrance"] == before["estimatedSmsToFrance"] - 2
