"""The opt-out list: the Get opt-out list action (v9 getBlacklist), and Send SMS's Skip opted-out numbers, which
reads it once before sending and leaves the listed numbers out; when it cannot read it, nothing is sent."""

from __future__ import annotations

import pytest
import responses
from jsonschema import Draft3Validator

from allmysms_component import context
from allmysms_component.actions.get_opt_out_list import process as get_opt_out_list
from allmysms_component.actions.send_sms import process
from allmysms_component.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    MalformedResponseError,
    ServiceUnavailableError,
)
from allmysms_component.sandbox import AllMySmsSimulator

from .conftest import (
    BASE,
    CFG,
    INFO,
    SANDBOX_CFG,
    SEND,
    SIMULATE,
    TRIAL_API_KEY,
    Deploy,
    answer,
    endpoints,
    message,
    personal,
    sent_to_everyone,
    sms_data,
)

pytestmark = pytest.mark.usefixtures("paris_clock")
BLACKLIST = f"{BASE}/http/9.0/getBlacklist/"
SKIP = {**CFG, "skipOptedOut": "on"}
OPTED_OUT = "opted out: on the account's opt-out list (getBlacklist)"


# -- Get opt-out list -----------------------------------------------------------------------------------------

def test_the_list_is_the_numbers_their_count_and_the_entries_as_answered(api: responses.RequestsMock) -> None:
    api.post(BLACKLIST, json=answer("blacklist_two"))
    body = get_opt_out_list({"body": {}}, CFG)["body"]
    assert body == {
        "numbers": ["33611111111", "33698765432"], "count": 2,
        "entries": [{"phoneNumber": "33698765432", "comment": "stop", "receptionDate": "2026-03-02 18:04:11"},
                    {"phoneNumber": "33611111111", "comment": "manual unsubscribe",
                     "receptionDate": "2025-11-20 09:30:00"}]}
    assert endpoints(api) == ["getBlacklist"]


def test_the_output_is_valid_against_metadata_out(api: responses.RequestsMock) -> None:
    api.post(BLACKLIST, json=answer("blacklist_two"))
    body = get_opt_out_list({"body": {}}, CFG)["body"]
    schema = context.current().descriptor.data["actions"]["getOptOutList"]["metadata"]["out"]
    assert list(Draft3Validator(schema).iter_errors(body)) == []
    assert set(body) == set(schema["properties"])


@pytest.mark.parametrize("scenario", ["blacklist_no_data", "blacklist_empty"])
def test_an_account_without_opt_outs_has_an_empty_list(api: responses.RequestsMock, scenario: str) -> None:
    api.post(BLACKLIST, json=answer(scenario))
    assert get_opt_out_list({"body": {}}, CFG)["body"] == {"numbers": [], "count": 0, "entries": []}


def test_refused_credentials_are_an_authentication_error(api: responses.RequestsMock) -> None:
    api.post(BLACKLIST, json=answer("send_bad_credentials"))
    with pytest.raises(AuthenticationError, match="nothing was sent"):
        get_opt_out_list({"body": {}}, CFG)


def test_an_answer_that_is_not_a_list_is_an_error_not_an_empty_list(api: responses.RequestsMock) -> None:
    api.post(BLACKLIST, json=answer("blacklist_not_a_list"))
    with pytest.raises(MalformedResponseError, match="the opt-out list could not be read"):
        get_opt_out_list({"body": {}}, CFG)


def test_trial_mode_is_refused_before_any_request(api: responses.RequestsMock, deployment: Deploy) -> None:
    deployment(trial_login="demo", trial_api_key=TRIAL_API_KEY)
    with pytest.raises(ConfigurationError, match="needs the step's own AllMySMS login and API key"):
        get_opt_out_list({"body": {}}, {})
    assert len(api.calls) == 0


def test_the_simulator_serves_its_opt_out_list(simulator: AllMySmsSimulator) -> None:
    body = get_opt_out_list({"body": {}}, SANDBOX_CFG)["body"]
    assert (body["numbers"], body["count"], body["entries"][0]["comment"]) == (["33600000666"], 1, "stop")


# -- Skip opted-out numbers -------------------------------------------------------------------------------

def test_listed_numbers_are_left_out_and_reported_with_their_reason(api: responses.RequestsMock) -> None:
    api.post(BLACKLIST, json=answer("blacklist_two"))
    api.add_callback(responses.POST, SEND, callback=sent_to_everyone)
    body = process(message(numbers="33612345678, 0698765432, +33 6 98 76 54 32"), SKIP)["body"]
    assert endpoints(api) == ["getBlacklist", "sendSms"]
    assert [entry["MOBILEPHONE"] for entry in sms_data(api, 1)["SMS"]] == ["33612345678", "0698765432"]
    assert body["skippedNumbers"] == ["33698765432"]
    assert body["reasons"] == [{"number": "33698765432", "reason": OPTED_OUT}]


def test_opted_out_recipients_leave_with_their_values(api: responses.RequestsMock) -> None:
    api.post(BLACKLIST, json=answer("blacklist_two"))
    api.post(SEND, json=answer("send_sent_one"))
    body = process(personal("Hi #param_1#", ("33612345678", ["Ann"]), ("33698765432", ["Bob"])), SKIP)["body"]
    assert sms_data(api, 1)["SMS"] == [{"MOBILEPHONE": "33612345678", "PARAM_1": "Ann"}]
    assert [row["phoneNumber"] for row in body["perRecipient"]] == ["33612345678"]


def test_a_dry_run_prices_the_send_without_them(api: responses.RequestsMock) -> None:
    api.post(BLACKLIST, json=answer("blacklist_two"))
    api.post(SIMULATE, json=answer("simulate_priced"))
    api.post(INFO, json=answer("info_active"))
    process(message(numbers="33612345678, 33611111111"), {**SKIP, "dryRun": "on"})
    assert endpoints(api) == ["getBlacklist", "simulateCampaign", "getInfo"]
    assert [entry["MOBILEPHONE"] for entry in sms_data(api, 1)["SMS"]] == ["33612345678"]


@pytest.mark.parametrize(("answered", "error"), [
    ({"json": answer("blacklist_not_a_list")}, MalformedResponseError),
    ({"json": answer("send_bad_credentials")}, AuthenticationError),
    ({"status": 503}, ServiceUnavailableError),
])
def test_when_the_list_cannot_be_read_nothing_is_sent(api: responses.RequestsMock, answered: dict[str, object],
                                                      error: type[Exception]) -> None:
    api.post(BLACKLIST, **answered)
    with pytest.raises(error) as caught:
        process(message(), SKIP)
    assert caught.value.may_have_been_sent is False  # type: ignore[attr-defined]
    assert "sendSms" not in endpoints(api)


def test_a_message_whose_every_number_opted_out_is_refused(api: responses.RequestsMock) -> None:
    api.post(BLACKLIST, json=answer("blacklist_two"))
    with pytest.raises(InvalidInputError, match=r"every number of Mobile numbers \(mobileNumbers\) is on the "
                                                r"account's opt-out list \(336\*\*\*\*\*\*32\)"):
        process(message(numbers="33698765432"), SKIP)
    assert endpoints(api) == ["getBlacklist"]


def test_the_setting_unticked_reads_no_list(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_one"))
    body = process(message(), CFG)["body"]
    assert endpoints(api) == ["sendSms"]
    assert "reasons" not in body


def test_on_the_simulator_a_listed_number_is_skipped_not_refused(simulator: AllMySmsSimulator) -> None:
    body = process(message(numbers="33612345678, 33600000666"), {**SANDBOX_CFG, "skipOptedOut": "on"})["body"]
    assert [sms.phone_number for sms in simulator.received] == ["33612345678"]
    assert (body["skippedNumbers"], body["invalidNumbers"]) == (["33600000666"], [])
