"""The command line's 1.1.0 surface, in child processes as a user would run it: send's new flags, run fixtures
that carry settings, and the new actions through run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from allmysms_component.rules import quiet_hours
from allmysms_component.rules.schedule import PARIS

from .feature_support import future

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = shutil.which("allmysms-component", path=str(Path(sys.executable).parent)) or "allmysms-component"
BODY = {"mobileNumbers": "33612345678", "senderName": "MyShop", "messageText": "Hello"}


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ALLMYSMS_")}
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={**clean, **(env or {})}, stdin=subprocess.DEVNULL, check=False)


def documents(stdout: str) -> list[Any]:
    """Every JSON document printed, compact or indented."""
    decoder, found, index = json.JSONDecoder(), [], 0
    while index < len(stdout.rstrip()):
        document, index = decoder.raw_decode(stdout, index)
        found.append(document)
        index += len(stdout[index:]) - len(stdout[index:].lstrip())
    return found


def write(path: Path, value: Any) -> str:
    path.write_text(json.dumps(value), encoding="utf-8")
    return str(path)


def test_send_flags_set_the_inputs_and_settings() -> None:
    at = quiet_hours.next_allowed(future(days=30)).astimezone(PARIS)  # a marketing send: outside quiet hours
    done = cli("send", "--sandbox", "--to", "33612345678", "--sender", "MyShop", "--text", "Soldes \u2013 50 % \u2026",
               "--replace-lookalikes", "--marketing", "--max-parts", "2", "--campaign-name", "Soldes",
               "--send-at", at.isoformat())
    assert done.returncode == 0, done.stderr
    data, _end, simulator = documents(done.stdout)
    body = data["data"]["body"]
    assert body["text"] == "Soldes - 50 % ... STOP au 36180"
    assert (body["replacedCharacters"], body["stopMentionAdded"], body["campaignName"]) == (2, True, "Soldes")
    assert (body["status"], body["scheduled"], body["scheduledAt"]) == (101, True, at.isoformat())
    received = simulator["simulator"]["received"][0]
    assert (received["sendAt"], received["campaignName"]) == (at.strftime("%Y-%m-%d %H:%M:%S"), "Soldes")


def test_send_dry_run_sends_nothing() -> None:
    done = cli("send", "--sandbox", "--to", "33612345678,33698765432", "--sender", "MyShop", "--text", "Hi",
               "--dry-run")
    assert done.returncode == 0, done.stderr
    data, _end, simulator = documents(done.stdout)
    assert (data["data"]["body"]["simulated"], data["data"]["body"]["creditsNeeded"]) == (True, 30)
    assert simulator["simulator"]["received"] == []


def test_send_refuses_a_max_parts_out_of_range() -> None:
    done = cli("send", "--sandbox", "--to", "33612345678", "--sender", "MyShop", "--text", "Hi", "--max-parts", "5")
    assert done.returncode == 2
    assert "--max-parts" in done.stderr


def test_a_run_fixture_may_carry_settings_only_and_get_credentials_from_the_sandbox(tmp_path: Path) -> None:
    fixture = write(tmp_path / "fixture.json", {"msg": {"body": BODY}, "cfg": {"dryRun": "on", "maxSmsParts": "2"}})
    done = cli("run", fixture, "--sandbox")
    assert done.returncode == 0, done.stderr
    data = documents(done.stdout)[0]
    assert (data["data"]["body"]["simulated"], data["data"]["body"]["trial"]) == (True, False)


def test_a_run_fixture_with_a_malformed_setting_is_an_error_event(tmp_path: Path) -> None:
    fixture = write(tmp_path / "fixture.json", {"msg": {"body": BODY}, "cfg": {"maxSmsParts": "9"}})
    done = cli("run", fixture, "--sandbox")
    assert done.returncode == 1
    error = documents(done.stdout)[0]
    assert (error["event"], error["data"]["name"]) == ("error", "ConfigurationError")
    assert "Maximum SMS parts (maxSmsParts)" in error["data"]["message"]


def test_run_warns_about_a_configuration_key_that_is_not_a_setting(tmp_path: Path) -> None:
    fixture = write(tmp_path / "fixture.json", {"msg": {"body": BODY}, "cfg": {"dryrun": "on", "_account": "x"}})
    done = cli("run", fixture, "--sandbox")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("allmysms-component: warning")]
    assert len(warnings) == 1
    assert "'dryrun'" in warnings[0]
    assert documents(done.stdout)[0]["data"]["body"]["simulated"] is False  # ignored, as the platform would


def test_run_check_credits_needs_no_message() -> None:
    done = cli("run", "--action", "checkCredits", "--sandbox")
    assert done.returncode == 0, done.stderr
    body = documents(done.stdout)[0]["data"]["body"]
    assert (body["credits"], body["estimatedSmsToFrance"]) == (15000, 1000)


def test_run_get_delivery_reports_of_an_unknown_campaign(tmp_path: Path) -> None:
    msg = write(tmp_path / "msg.json", {"campaignId": "sb_unknown"})
    done = cli("run", msg, "--action", "getDeliveryReports", "--sandbox")
    assert done.returncode == 0, done.stderr
    assert documents(done.stdout)[0]["data"]["body"]["available"] is False


def test_run_cancel_of_an_unknown_campaign_is_an_error(tmp_path: Path) -> None:
    msg = write(tmp_path / "msg.json", {"campaignId": "sb_unknown"})
    done = cli("run", msg, "--action", "cancelScheduledSend", "--sandbox")
    assert done.returncode == 1
    assert documents(done.stdout)[0]["data"]["name"] == "CampaignNotPendingError"
