"""Shared by the tests of issue 19's Send SMS features (one text per recipient, Default country, the opt-out
list, quiet hours): a deployment whose clock the test sets, and the message builder for a Recipients list.

Test modules import the fixtures they use from here: ``paris_clock_fixture`` (named ``paris_clock``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from allmysms_component import context
from allmysms_component.rules.schedule import PARIS

from .conftest import Deploy, message

# A Tuesday morning in Paris, no holiday: a marketing SMS may go out.
WEEKDAY_MORNING = "2026-12-08T10:00:00"

SetClock = Callable[[str], context.Context]


def paris(local: str) -> datetime:
    """An aware time from a Paris wall-clock time, ``2026-12-06T12:00:00``."""
    return datetime.fromisoformat(local).replace(tzinfo=PARIS)


@pytest.fixture(name="paris_clock")
def paris_clock_fixture(deployment: Deploy) -> SetClock:
    """``paris_clock("2026-12-06T12:00:00")``: the deployment (as the test deployed it) with its clock stopped
    at that Paris time; the clock starts at WEEKDAY_MORNING."""

    def stop_at(local: str) -> context.Context:
        ctx = deployment()
        moment = paris(local)
        ctx.clock = lambda: moment
        return ctx

    stop_at(WEEKDAY_MORNING)
    return stop_at


def personal(text: str, *entries: tuple[str, list[Any]], numbers: str | None = None,
             **extra: Any) -> dict[str, Any]:
    """A Send SMS message with a Recipients list: ``personal("Hi #param_1#", ("33612345678", ["Ann"]))``;
    ``numbers``: a comma list too."""
    body: dict[str, Any] = {"senderName": "MyShop", "messageText": text,
                            "recipients": [{"mobile": mobile, "values": values} for mobile, values in entries],
                            **extra}
    if numbers is not None:
        body["mobileNumbers"] = numbers
    return message(body=body)
