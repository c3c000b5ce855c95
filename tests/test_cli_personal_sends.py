"""One text per recipient, numbers read in a default country, opted-out numbers skipped, and Get opt-out list, end to
end through the command line (``run --sandbox``), in child processes as a user would run them; numbers never reach
the logs unmasked."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from pathlib import Path

from allmysms_component.rules import quiet_hours
from allmysms_component.rules.schedule import PARIS

from .test_cli import cli, events, write

PERSONAL = {"senderName": "MyShop", "messageText": "Hello #param_1#, order #param_2# ships today",
            "recipients": [{"mobile": "33612345678", "values": ["Ann", "A12"]},
                           {"mobile": "0698765432", "values": ["Bob", 7]}]}


def test_run_sends_one_text_per_recipient(tmp_path: Path) -> None:
    done = cli("run", write(tmp_path / "fixture.json", {"msg": {"body": PERSONAL}}), "--sandbox")
    assert done.returncode == 0, done.stderr
    body = events(done.stdout)[0]["data"]["body"]
    assert [row["phoneNumber"] for row in body["perRecipient"]] == ["33612345678", "0698765432"]
    assert (body["status"], body["nbSms"], body["segmentsTotal"]) == (100, 2, 2)  # nbSms: the simulator's count


def test_run_reads_numbers_in_the_default_country(tmp_path: Path) -> None:
    body = {"mobileNumbers": "06 12 34 56 78, +33612345678, 01 45 67 89 01", "senderName": "MyShop",
            "messageText": "Hello"}
    fixture = write(tmp_path / "fixture.json", {"msg": {"body": body},
                                                "cfg": {"defaultCountry": "FR", "mobileNumbersOnly": "on"}})
    done = cli("run", fixture, "--sandbox")
    assert done.returncode == 0, done.stderr
    out = events(done.stdout)[0]["data"]["body"]
    assert (out["recipients"], out["skippedNumbers"], out["invalidNumbers"]) == (
        ["33612345678"], ["33612345678"], ["01 45 67 89 01"])
    assert "33612345678" not in done.stderr + "".join(
        line for line in done.stdout.splitlines() if '"level"' in line)


def test_run_get_opt_out_list_reads_the_simulators_list() -> None:
    done = cli("run", "--action", "getOptOutList", "--sandbox", "--opted-out", "0611111111, 33622222222")
    assert done.returncode == 0, done.stderr
    body = events(done.stdout)[0]["data"]["body"]
    assert (body["numbers"], body["count"]) == (["33611111111", "33622222222"], 2)


def test_run_skips_opted_out_numbers(tmp_path: Path) -> None:
    body = {"mobileNumbers": "33612345678, 33611111111", "senderName": "MyShop", "messageText": "Hello"}
    fixture = write(tmp_path / "fixture.json", {"msg": {"body": body}, "cfg": {"skipOptedOut": "on"}})
    done = cli("run", fixture, "--sandbox", "--opted-out", "33611111111")
    assert done.returncode == 0, done.stderr
    out = events(done.stdout)[0]["data"]["body"]
    assert (out["recipients"], out["skippedNumbers"], out["status"]) == (["33612345678"], ["33611111111"], 100)


def test_run_refuses_a_marketing_send_on_a_sunday(tmp_path: Path) -> None:
    today = datetime.now(timezone.utc).astimezone(PARIS).date()
    sunday = today + timedelta(days=(6 - today.weekday()) % 7 or 7)
    at = datetime.combine(sunday, time(11, 0), PARIS)
    body = {"mobileNumbers": "33612345678", "senderName": "MyShop", "messageText": "Soldes",
            "sendAt": at.isoformat()}
    fixture = write(tmp_path / "fixture.json", {"msg": {"body": body}, "cfg": {"marketingMessage": "on"}})
    done = cli("run", fixture, "--sandbox")
    assert done.returncode == 1
    error = events(done.stdout)[0]
    assert (error["event"], error["data"]["name"]) == ("error", "InvalidInputError")
    assert f"Send at (sendAt) {at.isoformat()} is on a Sunday" in error["data"]["message"]  # the rule checked first
    # Monday 08:00, or later when that Monday is a holiday (Easter Monday, Whit Monday)
    assert f"the next allowed time is {quiet_hours.next_allowed(at).isoformat()}" in error["data"]["message"]


def test_the_per_recipient_example_runs_as_the_readme_shows() -> None:
    done = cli("run", "examples/send_sms_per_recipient.json", "--sandbox", "--opted-out", "33611111111")
    assert done.returncode == 0, done.stderr
    body = events(done.stdout)[0]["data"]["body"]
    assert (body["segmentsTotal"], body["nbSms"]) == (2, 2)
    assert (body["recipients"], body["skippedNumbers"]) == (["33612345678", "33698765432"], ["33611111111"])
