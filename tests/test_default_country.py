"""Default country: every number read in that country with libphonenumber, sent in international form
(33612345678), refused with its reason when not valid (or not a mobile, with Mobile numbers only), and
de-duplicated once in that form; unset, numbers go as typed (tests/test_plain_send_unchanged.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses

from allmysms_component.actions.send_sms import process
from allmysms_component.errors import ConfigurationError, InvalidInputError

from .conftest import CFG, SEND, answer, fresh_process, message, personal, sent_to_everyone, sms_data

pytestmark = pytest.mark.usefixtures("paris_clock")
FR = {**CFG, "defaultCountry": "FR"}
ROOT = Path(__file__).resolve().parents[1]


def sent_numbers(api: responses.RequestsMock) -> list[str]:
    return [entry["MOBILEPHONE"] for entry in sms_data(api)["SMS"]]


def test_national_and_international_forms_are_one_recipient(api: responses.RequestsMock) -> None:
    api.add_callback(responses.POST, SEND, callback=sent_to_everyone)
    body = process(message(numbers="0612345678, +33 6 12 34 56 78, 0033612345678, 06 98 76 54 32"), FR)["body"]
    assert sent_numbers(api) == ["33612345678", "33698765432"]
    assert body["skippedNumbers"] == ["33612345678", "33612345678"]
    assert {reason["reason"] for reason in body["reasons"]} == {
        "the same number as an earlier entry once written in international form"}


def test_other_countries_numbers_keep_their_own_country(api: responses.RequestsMock) -> None:
    api.add_callback(responses.POST, SEND, callback=sent_to_everyone)
    process(message(numbers="+32 470 12 34 56, 447911123456, 0612345678"), FR)
    # with + it is international; digits that are no French number are read as international without the +
    assert sent_numbers(api) == ["32470123456", "447911123456", "33612345678"]


def test_a_number_that_is_not_valid_is_refused_with_its_reason(api: responses.RequestsMock) -> None:
    api.add_callback(responses.POST, SEND, callback=sent_to_everyone)
    body = process(message(numbers="0612345678, 06 12, +33 1"), FR)["body"]
    assert body["invalidNumbers"] == ["06 12", "+33 1"]
    assert body["reasons"] == [{"number": "06 12", "reason": "not a valid phone number in FR"},
                               {"number": "+33 1", "reason": "not a valid phone number"}]
    assert sent_numbers(api) == ["33612345678"]


def test_mobile_numbers_only_refuses_a_landline(api: responses.RequestsMock) -> None:
    api.add_callback(responses.POST, SEND, callback=sent_to_everyone)
    body = process(message(numbers="0145678901, 0612345678"), {**FR, "mobileNumbersOnly": "on"})["body"]
    assert body["invalidNumbers"] == ["0145678901"]
    assert body["reasons"][0]["reason"] == "not a mobile number (Mobile numbers only is ticked)"
    assert sent_numbers(api) == ["33612345678"]


def test_a_list_without_a_valid_number_is_refused_before_any_request(api: responses.RequestsMock) -> None:
    with pytest.raises(InvalidInputError, match=r"Mobile numbers \(mobileNumbers\) has no number that can be "
                                                r"sent in FR: not a mobile number"):
        process(message(numbers="0145678901"), {**FR, "mobileNumbersOnly": "on"})
    assert len(api.calls) == 0


def test_the_recipients_list_is_read_in_the_country_too(api: responses.RequestsMock) -> None:
    api.post(SEND, json=answer("send_sent_one"))
    body = process(personal("Hi #param_1#", ("06 12 34 56 78", ["Ann"]), ("0612", ["Bob"])), FR)["body"]
    assert sms_data(api)["SMS"] == [{"MOBILEPHONE": "33612345678", "PARAM_1": "Ann"}]
    assert body["invalidNumbers"] == ["0612"]


@pytest.mark.parametrize(("cfg", "said"), [
    ({"defaultCountry": "France"}, r"Default country \(defaultCountry\) is 'France': it must be a two-letter"),
    ({"defaultCountry": "XX"}, r"Default country \(defaultCountry\) is 'XX', which is not a country with a "),
    ({"defaultCountry": 33}, r"Default country \(defaultCountry\) is 33: it must be"),
    ({"mobileNumbersOnly": "on"}, r"Mobile numbers only \(mobileNumbersOnly\) needs a Default country"),
])
def test_a_wrong_setting_is_refused_before_any_request(api: responses.RequestsMock, cfg: dict[str, object],
                                                        said: str) -> None:
    with pytest.raises(ConfigurationError, match=said):
        process(message(), {**CFG, **cfg})
    assert len(api.calls) == 0


def test_lower_case_and_blank_settings_are_read_as_the_platform_sends_them(api: responses.RequestsMock) -> None:
    api.add_callback(responses.POST, SEND, callback=sent_to_everyone)
    process(message(numbers="0612345678"), {**CFG, "defaultCountry": " fr "})
    process(message(numbers="0612345678"), {**CFG, "defaultCountry": ""})
    assert [sent_numbers_of(api, index) for index in (0, 1)] == [["33612345678"], ["0612345678"]]


def sent_numbers_of(api: responses.RequestsMock, index: int) -> list[str]:
    return [entry["MOBILEPHONE"] for entry in sms_data(api, index)["SMS"]]


def test_a_plain_send_loads_neither_phonenumbers_nor_holidays() -> None:
    script = """
import json, sys
from allmysms_component import context
from allmysms_component.actions.send_sms import process
from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator
from allmysms_component.settings import Settings

with AllMySmsSimulator() as simulator:
    context.use(context.Context(Settings(api_url=simulator.url)))
    body = {"mobileNumbers": "0612345678", "senderName": "MyShop", "messageText": "Soldes"}
    process({"body": body}, {"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key,
                             "maxSmsParts": "2"})
new = (".country", ".quiet_hours", ".optout", ".personal_text", ".opted_out")
print(json.dumps(sorted(name for name in sys.modules
                        if name.split(".")[0] in ("phonenumbers", "holidays") or name.endswith(new))))
"""
    assert fresh_process(script, {"PYTHONPATH": str(ROOT)}) == []
