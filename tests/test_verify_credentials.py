"""The credentials check: blank means trial, otherwise one getInfo call, always an explicit answer."""

from __future__ import annotations

import pytest
import requests
import responses

from allmysms_component.verify_credentials import verify

from .conftest import API_KEY, INFO, SEND, answer, fresh_process


def test_valid_credentials_are_verified_with_one_get_info_call(api: responses.RequestsMock) -> None:
    api.post(INFO, json=answer("info_active"))
    result = verify({"login": "me", "apiKey": API_KEY})
    assert result["verified"] is True
    assert result["trial"] is False
    assert "1847" in result["message"]
    assert len(api.calls) == 1


def test_verification_never_sends_an_sms(api: responses.RequestsMock) -> None:
    api.post(INFO, json=answer("info_active"))
    verify({"login": "me", "apiKey": API_KEY})
    assert all(call.request.url != SEND for call in api.calls)


def test_refused_credentials_give_verified_false_with_the_reason(api: responses.RequestsMock) -> None:
    api.post(INFO, json=answer("info_bad_credentials"))
    result = verify({"login": "me", "apiKey": API_KEY})
    assert result == {"verified": False, "reason": result["reason"]}
    assert "refused the login and API key" in result["reason"]


@pytest.mark.parametrize("credentials", [{}, None, {"login": "me"}, {"apiKey": API_KEY, "login": "  "}])
def test_blank_credentials_verify_as_trial_mode_without_a_call(api: responses.RequestsMock,
                                                               credentials: dict[str, str] | None) -> None:
    result = verify(credentials)
    assert (result["verified"], result["trial"]) == (True, True)
    assert "trial mode" in result["message"]
    assert len(api.calls) == 0


def test_trial_mode_without_a_trial_account_says_sending_will_fail(api: responses.RequestsMock) -> None:
    assert "ALLMYSMS_TRIAL_LOGIN" in verify({})["message"]


def test_trial_mode_with_a_trial_account_does_not_warn(api: responses.RequestsMock, trial_env: None) -> None:
    assert "ALLMYSMS_TRIAL_LOGIN" not in verify({})["message"]


def test_a_network_failure_says_the_check_could_not_be_made(api: responses.RequestsMock) -> None:
    api.post(INFO, body=requests.exceptions.ReadTimeout("read timed out"))
    result = verify({"login": "me", "apiKey": API_KEY})
    assert result["verified"] is False
    assert result["reason"].startswith("The credentials could not be checked")


def test_a_bad_deployment_setting_is_reported_not_raised() -> None:
    result = fresh_process(f"""
import json, responses
from allmysms_component.verify_credentials import verify
with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
    result = verify({{"login": "me", "apiKey": {API_KEY!r}}})
print(json.dumps({{**result, "calls": len(api.calls)}}))
""", {"ALLMYSMS_API_URL": "ftp://x"})
    assert result["verified"] is False
    assert "ALLMYSMS_API_URL" in result["reason"]
    assert result["calls"] == 0
