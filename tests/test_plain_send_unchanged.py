"""A plain Send SMS, with none of the settings and inputs that came after 1.2.0, is byte for byte what 1.2.0
posted and output: tests/data/golden/plain_sends.json was captured from main before per-recipient text, the
default country, the opt-out list and quiet hours were added, and every case is compared exactly.

Regenerate only on a commit whose plain send is meant to change: ``python -m tests.test_plain_send_unchanged``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from allmysms_component.actions.send_sms import process

from .conftest import API_KEY, INFO, SEND, SIMULATE, TRIAL_API_KEY, Deploy, answer, mocked_api

WEEKDAY_MORNING = datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc)  # a Tuesday, 10:00 in Paris
GOLDEN = Path(__file__).parent / "data" / "golden" / "plain_sends.json"
CFG = {"login": "me", "apiKey": API_KEY}
ENDPOINTS = {"sendSms": SEND, "simulateCampaign": SIMULATE, "getInfo": INFO}

# name: (the incoming body, the step's configuration, the scenario each endpoint answers)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, str]]] = {
    "one_number": ({"mobileNumbers": "33612345678", "senderName": "MyShop", "messageText": "Hello"}, CFG,
                   {"sendSms": "send_sent"}),
    "list_cleaned_up": ({"mobileNumbers": "+33 6 12 34 56 78; 0612345678\n33612345678, abc, 0033 6 98 76 54 32",
                         "senderName": "MyShop", "messageText": "Votre colis arrive demain"}, CFG,
                        {"sendSms": "send_sent_two"}),
    "national_numbers_as_they_are": ({"mobileNumbers": "0612345678, 06 98 76 54 32", "senderName": "MyShop",
                                      "messageText": "Bonjour"}, CFG, {"sendSms": "send_partial_invalid"}),
    "long_unicode_text": ({"mobileNumbers": "33612345678", "senderName": "MyShop",
                           "messageText": "Hé 🎉 " + "x" * 200}, CFG, {"sendSms": "send_sent"}),
    "every_older_setting": ({"mobileNumbers": "33612345678", "senderName": "MyShop",
                             "messageText": "Soldes d\u2019hiver \u2014 -30 % sur tout",
                             "campaignName": "  Hiver  "},
                            {**CFG, "marketingMessage": "on", "replaceLookalikes": "on", "maxSmsParts": "2"},
                            {"sendSms": "send_sent"}),
    "dry_run": ({"mobileNumbers": "33612345678, 33698765432", "senderName": "MyShop", "messageText": "Hello"},
                {**CFG, "dryRun": "on"}, {"simulateCampaign": "simulate_priced", "getInfo": "info_active"}),
    "trial": ({"mobileNumbers": "33600000001, 33600000002, 33600000003", "senderName": "MyShop",
               "messageText": "y" * 160}, {}, {"sendSms": "send_sent_two"}),
}


def run(name: str) -> dict[str, Any]:
    """What case ``name`` posts (URL and raw body of each call, in order) and outputs (the message, its new id
    left out)."""
    body, cfg, answers = CASES[name]
    with mocked_api() as api:
        for endpoint, scenario in answers.items():
            api.post(ENDPOINTS[endpoint], json=answer(scenario))
        out = dict(process({"id": f"golden-{name}", "body": body, "attachments": {}, "headers": {},
                            "metadata": {}}, cfg))
        posted = [{"url": call.request.url, "body": _text(call.request.body)} for call in api.calls]
    del out["id"]
    return {"posted": posted, "output": out}


def _text(body: object) -> str:
    return body.decode("utf-8") if isinstance(body, bytes) else str(body)


@pytest.fixture
def golden() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(autouse=True)
def trial_account(deployment: Deploy) -> None:
    """A deployment with a trial account, on a weekday morning: a marketing send is outside quiet hours."""
    deployment(trial_login="demo", trial_api_key=TRIAL_API_KEY).clock = lambda: WEEKDAY_MORNING


def test_every_case_was_captured(golden: dict[str, Any]) -> None:
    assert set(golden) == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_plain_send_posts_and_outputs_exactly_what_it_did(name: str, golden: dict[str, Any]) -> None:
    assert run(name) == golden[name]


if __name__ == "__main__":  # regenerate: see the module's docstring
    from allmysms_component import context
    from allmysms_component.settings import Settings

    captured = {}
    for case in sorted(CASES):
        context.use(context.Context(Settings(trial_login="demo", trial_api_key=TRIAL_API_KEY),
                                    clock=lambda: WEEKDAY_MORNING))
        captured[case] = run(case)
    GOLDEN.write_text(json.dumps(captured, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
