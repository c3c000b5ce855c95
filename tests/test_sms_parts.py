"""SMS parts, counted alike by the component, the simulator and the output: an escape pair or a surrogate pair is
never split between two parts."""

from __future__ import annotations

import json

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from allmysms_component.actions.send_sms import process
from allmysms_component.rules.text import count_segments
from allmysms_component.sandbox import AllMySmsSimulator
from allmysms_component.sandbox.rules import sms_parts

from .conftest import SANDBOX_CFG, message

PARTS = [
    pytest.param("😀" * 67, "UCS-2", 3, id="67-emoji"),
    pytest.param("a" * 66 + "😀" * 34, "UCS-2", 3, id="emoji-at-a-part-boundary"),
    pytest.param("😀" * 33 + "a", "UCS-2", 1, id="67-units-fit-one-part"),
    pytest.param("€" * 146 + "a" * 14, "GSM-7", 3, id="146-euro-14-letters"),
    pytest.param("a" * 152 + "€" + "a" * 152, "GSM-7", 3, id="escape-at-a-part-boundary"),
    pytest.param("a" * 306, "GSM-7", 2, id="no-escape-306"),
    pytest.param("€" * 80, "GSM-7", 1, id="one-part-holds-160-septets"),
]


@pytest.mark.parametrize(("text", "encoding", "parts"), PARTS)
def test_parts_never_split_a_character(text: str, encoding: str, parts: int) -> None:
    assert count_segments(text) == (encoding, parts)


@pytest.mark.parametrize(("text", "encoding", "parts"), PARTS)
def test_the_simulator_bills_the_same_parts(text: str, encoding: str, parts: int) -> None:
    with AllMySmsSimulator() as sim, requests.Session() as http:
        http.trust_env = False
        sms_data = json.dumps({"DATA": {"MESSAGE": text, "SMS": [{"MOBILEPHONE": "33612345678"}]}})
        reply = http.post(f"{sim.url}/http/9.0/sendSms/", data={**SANDBOX_CFG, "smsData": sms_data}, timeout=10)
    assert reply.json()["nbSms"] == str(parts)
    assert [sms.parts for sms in sim.received] == [parts]


@pytest.mark.parametrize(("text", "parts"), [
    pytest.param("😀" * 67, 3, id="67-emoji"),
    pytest.param("€" * 146 + "a" * 14, 3, id="146-euro-14-letters"),
])
def test_the_output_reports_what_the_simulator_bills(simulator: AllMySmsSimulator, text: str, parts: int) -> None:
    body = process(message(text=text), SANDBOX_CFG)["body"]
    assert body["segments"] == simulator.received[0].parts == body["nbSms"] == parts


PIECES = st.sampled_from(["a", "€", "{", "é", "ç", "😀", "👍🏽", " ", "\n"])


@settings(max_examples=300, deadline=None)
@given(text=st.lists(PIECES, max_size=200).map("".join))
def test_the_component_and_the_simulator_count_parts_alike(text: str) -> None:
    assert count_segments(text)[1] == sms_parts(text)


