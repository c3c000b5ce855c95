"""Secrets and personal data: the API key never leaves the POST body; numbers are masked; text is not logged.

Every path through the action is run with logging at DEBUG for every logger (requests and urllib3 included),
and the key, the full numbers and the text are looked for everywhere they could leak.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses
from hypothesis import given
from hypothesis import strategies as st

from allmysms_component import context
from allmysms_component.actions.send_sms import process
from allmysms_component.api import AllMySmsClient
from allmysms_component.errors import AllMySmsError
from allmysms_component.rules.account import Credentials
from allmysms_component.rules.recipients import mask
from allmysms_component.settings import Settings
from allmysms_component.verify_credentials import verify

from .conftest import API_KEY, INFO, SEND, TRIAL_API_KEY, answer, refused_connection

NUMBERS = ["33612345678", "33699999999"]  # the second is the one send_sent_one_refused.json refuses
TEXT = "Votre code secret est 4812"

SCENARIOS: dict[str, Callable[[responses.RequestsMock], None]] = {
    "sent": lambda api: api.post(SEND, json=answer("send_sent_one_refused")),
    "bad credentials": lambda api: api.post(SEND, json={**answer("send_bad_credentials"),
                                                        "statusText": f"bad key {API_KEY}"}),
    "no credit": lambda api: api.post(SEND, json=answer("send_not_enough_credit")),
    "server error": lambda api: api.post(SEND, status=500, body=f"trace {API_KEY}"),
    "not json": lambda api: api.post(SEND, body=f"<html>{API_KEY}</html>"),
    "read timeout": lambda api: api.post(SEND, body=requests.exceptions.ReadTimeout("read timed out")),
    "refused": lambda api: api.post(SEND, body=refused_connection()),
    "rate limited": lambda api: api.post(SEND, status=429, headers={"Retry-After": "600"}),
    "tls": lambda api: api.post(SEND, body=requests.exceptions.SSLError("certificate verify failed")),
}


@pytest.fixture
def no_waiting() -> None:
    """The retries of the "refused" scenario, without their back-off waits."""
    settings = Settings()
    context.use(context.Context(settings, client=AllMySmsClient(settings.api_url, sleep=lambda seconds: None)))


def everything_said(caplog: pytest.LogCaptureFixture, outcome: object) -> str:
    said = [record.getMessage() for record in caplog.records]
    said += [repr(record.args) for record in caplog.records]
    if isinstance(outcome, BaseException):
        said += [str(outcome), repr(outcome), repr(outcome.args), "".join(traceback.format_exception(outcome))]
        said += [repr(vars(outcome))]
    else:
        said.append(json.dumps(outcome))
    return "\n".join(said)


def run(caplog: pytest.LogCaptureFixture, action: Callable[[], Any]) -> object:
    caplog.set_level(logging.DEBUG)
    try:
        return action()
    except AllMySmsError as exc:
        return exc


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_api_key_appears_nowhere(no_waiting: None, api: responses.RequestsMock,
                                     caplog: pytest.LogCaptureFixture, scenario: str) -> None:
    SCENARIOS[scenario](api)
    msg = {"id": "m", "body": {"mobileNumbers": ",".join(NUMBERS), "senderName": "MyShop", "messageText": TEXT}}
    outcome = run(caplog, lambda: process(msg, {"login": "me", "apiKey": API_KEY}))
    assert API_KEY not in everything_said(caplog, outcome)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_full_numbers_and_the_text_are_never_logged(no_waiting: None, api: responses.RequestsMock,
                                                    caplog: pytest.LogCaptureFixture, scenario: str) -> None:
    SCENARIOS[scenario](api)
    msg = {"id": "m", "body": {"mobileNumbers": ",".join([*NUMBERS, "bad-entry-12"]), "senderName": "MyShop",
                               "messageText": TEXT}}
    run(caplog, lambda: process(msg, {"login": "me", "apiKey": API_KEY}))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records, "the action logs what it does"
    for secret in [*NUMBERS, TEXT, "bad-entry-12"]:
        assert secret not in logged


def test_the_trial_api_key_appears_nowhere(api: responses.RequestsMock, caplog: pytest.LogCaptureFixture,
                                           trial_env: None) -> None:
    api.post(SEND, json=answer("send_sent_one_refused"))
    msg = {"body": {"mobileNumbers": NUMBERS[0], "senderName": "MyShop", "messageText": TEXT}}
    outcome = run(caplog, lambda: process(msg, {}))
    assert TRIAL_API_KEY not in everything_said(caplog, outcome)


def test_invalid_input_errors_do_not_echo_the_numbers(caplog: pytest.LogCaptureFixture) -> None:
    msg = {"body": {"mobileNumbers": "0612345, 061234", "senderName": "MyShop", "messageText": TEXT}}
    outcome = run(caplog, lambda: process(msg, {"login": "me", "apiKey": API_KEY}))
    said = everything_said(caplog, outcome)
    assert "0612345" not in said
    assert TEXT not in said


@pytest.mark.parametrize("given", [{**answer("info_active"), "apiKey": API_KEY},
                                   {**answer("info_bad_credentials"), "statusText": API_KEY}],
                         ids=["key echoed by an active account", "key echoed in a refusal"])
def test_verify_never_returns_or_logs_the_key(api: responses.RequestsMock, caplog: pytest.LogCaptureFixture,
                                              given: dict[str, Any]) -> None:
    api.post(INFO, json=given)
    outcome = run(caplog, lambda: verify({"login": "me", "apiKey": API_KEY}))
    assert API_KEY not in everything_said(caplog, outcome)


def test_reprs_of_settings_credentials_and_client_hide_the_key() -> None:
    shown = repr(Settings(trial_api_key=API_KEY)) + repr(Credentials("me", API_KEY)) + repr(AllMySmsClient())
    assert API_KEY not in shown


# --- a short number is masked to at most half its characters ------------------------------------------

@pytest.mark.parametrize("number", ["123456", "1234567", "12345678", "123456789", "0612345678", "33612345678",
                                    "123456789012345"])
def test_a_masked_number_shows_at_most_half_of_it(number: str) -> None:
    masked = mask(number)
    shown = sum(1 for c in masked if c != "*")
    assert shown <= len(number) // 2
    assert masked.endswith(number[-2:])


def test_a_masked_six_digit_number_shows_its_last_two_digits_only() -> None:
    assert mask("123456") == "****56"


def test_a_masked_long_number_keeps_its_country_code_and_last_two_digits() -> None:
    assert mask("33612345678") == "336******78"


@given(entry=st.text(min_size=1, max_size=200))
def test_a_masked_entry_shows_at_most_half_of_it_and_five_characters_at_most(entry: str) -> None:
    masked = mask(entry)
    allowed = min(5, len(entry) // 2)
    assert any(masked == entry[:head] + "*" * (len(masked) - head - tail) + entry[len(entry) - tail:]
               for head in range(allowed + 1) for tail in range(allowed + 1 - head))
    assert len(masked) <= 25
