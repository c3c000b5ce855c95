"""Shared by the tests of the 1.1.0 features: AllMySMS answers from tests/data, the mocked API, the simulator.

Test modules import the fixtures they use from here: ``api_fixture`` (named ``api``), ``clock_fixture``
(``clock``), ``simulator_fixture`` (``simulator``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses

from allmysms_component.sandbox import SANDBOX_ACCOUNT, Account, AllMySmsSimulator

from .conftest import API_KEY, Deploy

CFG = {"login": "me", "apiKey": API_KEY}
SANDBOX_CFG = {"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key}


def message(body: dict[str, Any], message_id: str = "msg-1") -> dict[str, Any]:
    return {"id": message_id, "body": body, "attachments": {}, "headers": {}, "metadata": {}}


def sms(text: str = "Hello", numbers: str = "33612345678", **extra: Any) -> dict[str, Any]:
    """A Send SMS message."""
    return message({"mobileNumbers": numbers, "senderName": "MyShop", "messageText": text, **extra})


def form(api: responses.RequestsMock, index: int = 0) -> dict[str, str]:
    """The form fields of a request the client made, as AllMySMS receives them."""
    return {key: values[0] for key, values in parse_qs(str(api.calls[index].request.body)).items()}


def sms_data(api: responses.RequestsMock, index: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(form(api, index)["smsData"])["DATA"]
    return data


def endpoints(api: responses.RequestsMock) -> list[str]:
    return [str(call.request.url).rstrip("/").rsplit("/", 1)[-1] for call in api.calls]


def future(**delta: float) -> datetime:
    """An aware time that far from now, to the second."""
    return (datetime.now(timezone.utc) + timedelta(**delta)).replace(microsecond=0)


class Clock:
    """The simulator's clock, moved by tests: scheduled campaigns go out when it reaches their date."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(name="clock")
def clock_fixture() -> Clock:
    return Clock()


@pytest.fixture(name="simulator")
def simulator_fixture(deployment: Deploy, clock: Clock) -> Iterator[AllMySmsSimulator]:
    """The AllMySMS simulator over real sockets, with the component pointed at it and a movable clock."""
    with AllMySmsSimulator(accounts=[Account(SANDBOX_ACCOUNT.login, SANDBOX_ACCOUNT.api_key),
                                     Account("trial", "trial-key")],
                           blacklist=["33600000666"], clock=clock,
                           delivery={"33611111111": "delivered", "33622222222": "failed"}) as sim:
        deployment(api_url=sim.url)
        yield sim
