"""The command line, through its real entry points, in child processes as a user would run it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from allmysms_component.rules.schedule import PARIS
from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator, Fault

from .conftest import future

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = shutil.which("allmysms-component", path=str(Path(sys.executable).parent)) or "allmysms-component"


def cli(*args: str, env: dict[str, str] | None = None, module: bool = False,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "allmysms_component"] if module else [SCRIPT]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ALLMYSMS_")}
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**clean, **(env or {})}, stdin=subprocess.DEVNULL, check=False)


def events(stdout: str) -> list[dict[str, Any]]:
    """Every JSON document printed, compact or indented."""
    decoder, found, index = json.JSONDecoder(), [], 0
    while index < len(stdout.rstrip()):
        document, index = decoder.raw_decode(stdout, index)
        found.append(document)
        index += len(stdout[index:]) - len(stdout[index:].lstrip())
    return found


@pytest.fixture
def simulator() -> Iterator[AllMySmsSimulator]:
    with AllMySmsSimulator() as sim:
        yield sim


def write(path: Path, value: Any) -> str:
    path.write_text(json.dumps(value), encoding="utf-8")
    return str(path)


BODY = {"mobileNumbers": "33612345678", "senderName": "MyShop", "messageText": "Hello"}


# -- send -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("module", [False, True], ids=["script", "python -m"])
def test_send_to_the_sandbox_prints_the_output_and_the_received_sms(module: bool) -> None:
    done = cli("send", "--sandbox", "--to", "+33 6 12 34 56 78", "--sender", "MyShop", "--text", "Hi 👋",
               module=module)
    assert done.returncode == 0, done.stderr
    data, end_event, simulator = events(done.stdout)
    assert data["event"] == "data"
    assert data["data"]["body"]["recipients"] == ["33612345678"]
    assert end_event == {"event": "end", "data": None, "outcome": "acked"}
    received = simulator["simulator"]["received"]
    assert [(sms["phoneNumber"], sms["text"]) for sms in received] == [("33612345678", "Hi 👋")]


def test_send_logs_bunyan_json_lines_on_stderr() -> None:
    done = cli("send", "--sandbox", "--to", "33612345678", "--sender", "MyShop", "--text", "Hi")
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert lines
    assert all({"name", "hostname", "pid", "level", "msg", "time", "v"} <= set(line) for line in lines)


def test_send_reads_credentials_from_the_environment(simulator: AllMySmsSimulator) -> None:
    done = cli("send", "--to", "33612345678", "--sender", "MyShop", "--text", "Hi",
               env={"ALLMYSMS_API_URL": simulator.url, "ALLMYSMS_LOGIN": SANDBOX_ACCOUNT.login,
                    "ALLMYSMS_API_KEY": SANDBOX_ACCOUNT.api_key})
    assert done.returncode == 0, done.stderr
    assert len(simulator.received) == 1
    assert SANDBOX_ACCOUNT.api_key not in done.stdout + done.stderr


def test_send_without_credentials_or_a_terminal_is_a_usage_error() -> None:
    done = cli("send", "--to", "33612345678", "--sender", "MyShop", "--text", "Hi")
    assert done.returncode == 2
    assert "ALLMYSMS_LOGIN" in done.stderr
    assert "Traceback" not in done.stderr


def test_send_has_no_flag_for_the_api_key() -> None:
    assert "key" not in cli("send", "--help").stdout.lower().split("credentials come from")[0]


def test_invalid_input_exits_1_with_an_error_event() -> None:
    done = cli("send", "--sandbox", "--to", "33612345678", "--sender", "x", "--text", "Hi")
    assert done.returncode == 1
    error, end = events(done.stdout)[:2]
    assert error["event"] == "error"
    assert "senderName" in error["data"]["message"]
    assert end["outcome"] == "rejected"


def test_send_flags_set_the_inputs_and_settings() -> None:
    at = future(days=30).astimezone(PARIS)
    done = cli("send", "--sandbox", "--to", "33612345678", "--sender", "MyShop", "--text", "Soldes \u2013 50 % \u2026",
               "--replace-lookalikes", "--marketing", "--max-parts", "2", "--campaign-name", "Soldes",
               "--send-at", at.isoformat())
    assert done.returncode == 0, done.stderr
    data, _end, simulator = events(done.stdout)
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
    data, _end, simulator = events(done.stdout)
    assert (data["data"]["body"]["simulated"], data["data"]["body"]["creditsNeeded"]) == (True, 30)
    assert simulator["simulator"]["received"] == []


def test_send_refuses_a_max_parts_out_of_range() -> None:
    done = cli("send", "--sandbox", "--to", "33612345678", "--sender", "MyShop", "--text", "Hi", "--max-parts", "5")
    assert done.returncode == 2
    assert "--max-parts" in done.stderr


# -- run --------------------------------------------------------------------------------------------------

def test_run_a_fixture_prints_each_event_as_a_json_line(tmp_path: Path, simulator: AllMySmsSimulator) -> None:
    fixture = write(tmp_path / "fixture.json", {
        "msg": {"id": "m-7", "body": BODY},
        "cfg": {"login": "{{ALLMYSMS_LOGIN}}", "apiKey": "{{ MY_KEY }}"}})
    done = cli("run", fixture, env={"ALLMYSMS_API_URL": simulator.url, "ALLMYSMS_LOGIN": "sandbox",
                                    "MY_KEY": SANDBOX_ACCOUNT.api_key})
    assert done.returncode == 0, done.stderr
    lines = events(done.stdout)
    assert [line["event"] for line in lines] == ["data", "end"]
    assert lines[0]["data"]["body"]["cliMsgId"] == "m-7"
    assert simulator.received[0].cli_msg_id == "m-7"


def test_run_takes_a_message_file_and_a_configuration_file(tmp_path: Path) -> None:
    msg = write(tmp_path / "msg.json", {"body": BODY})
    cfg = write(tmp_path / "cfg.json", {"login": "sandbox", "apiKey": SANDBOX_ACCOUNT.api_key})
    done = cli("run", msg, cfg, "--sandbox")
    assert done.returncode == 0, done.stderr
    assert events(done.stdout)[-1] == {"event": "end", "data": None, "outcome": "acked"}


def test_run_with_an_error_exits_1_and_the_message_is_rejected(tmp_path: Path) -> None:
    msg = write(tmp_path / "msg.json", {"body": {**BODY, "senderName": "1"}})
    done = cli("run", msg, "--sandbox")
    assert done.returncode == 1
    lines = events(done.stdout)
    assert [line["event"] for line in lines] == ["error", "end"]
    assert lines[0]["data"]["name"] == "InvalidInputError"
    assert lines[1]["outcome"] == "rejected"


def test_run_that_rebounds_exits_3(tmp_path: Path, simulator: AllMySmsSimulator) -> None:
    simulator.inject(Fault.http_status(429, retry_after="600"), endpoint="sendSms")
    msg = write(tmp_path / "msg.json", {"body": BODY})
    cfg = write(tmp_path / "cfg.json", {"login": "sandbox", "apiKey": SANDBOX_ACCOUNT.api_key})
    done = cli("run", msg, cfg, env={"ALLMYSMS_API_URL": simulator.url})
    assert done.returncode == 3
    assert [line["event"] for line in events(done.stdout)] == ["rebound", "end"]


def test_run_with_a_missing_file_is_one_line_without_traceback(tmp_path: Path) -> None:
    done = cli("run", str(tmp_path / "nope.json"))
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "cannot read" in done.stderr


def test_run_with_an_unset_placeholder_names_the_variable(tmp_path: Path) -> None:
    fixture = write(tmp_path / "f.json", {"msg": {"body": BODY}, "cfg": {"apiKey": "{{NOT_SET_ANYWHERE}}"}})
    done = cli("run", fixture)
    assert done.returncode == 2
    assert "NOT_SET_ANYWHERE" in done.stderr


def test_a_run_fixture_may_carry_settings_only_and_get_credentials_from_the_sandbox(tmp_path: Path) -> None:
    fixture = write(tmp_path / "fixture.json", {"msg": {"body": BODY}, "cfg": {"dryRun": "on", "maxSmsParts": "2"}})
    done = cli("run", fixture, "--sandbox")
    assert done.returncode == 0, done.stderr
    data = events(done.stdout)[0]
    assert (data["data"]["body"]["simulated"], data["data"]["body"]["trial"]) == (True, False)


def test_a_run_fixture_with_a_malformed_setting_is_an_error_event(tmp_path: Path) -> None:
    fixture = write(tmp_path / "fixture.json", {"msg": {"body": BODY}, "cfg": {"maxSmsParts": "9"}})
    done = cli("run", fixture, "--sandbox")
    assert done.returncode == 1
    error = events(done.stdout)[0]
    assert (error["event"], error["data"]["name"]) == ("error", "ConfigurationError")
    assert "Maximum SMS parts (maxSmsParts)" in error["data"]["message"]


def test_run_warns_about_a_configuration_key_that_is_not_a_setting(tmp_path: Path) -> None:
    fixture = write(tmp_path / "fixture.json", {"msg": {"body": BODY}, "cfg": {"dryrun": "on", "_account": "x"}})
    done = cli("run", fixture, "--sandbox")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("allmysms-component: warning")]
    assert len(warnings) == 1
    assert "'dryrun'" in warnings[0]
    assert events(done.stdout)[0]["data"]["body"]["simulated"] is False  # ignored, as the platform would


def test_run_check_credits_needs_no_message() -> None:
    done = cli("run", "--action", "checkCredits", "--sandbox")
    assert done.returncode == 0, done.stderr
    body = events(done.stdout)[0]["data"]["body"]
    assert (body["credits"], body["estimatedSmsToFrance"]) == (15000, 1000)


def test_run_get_delivery_reports_of_an_unknown_campaign(tmp_path: Path) -> None:
    msg = write(tmp_path / "msg.json", {"campaignId": "sb_unknown"})
    done = cli("run", msg, "--action", "getDeliveryReports", "--sandbox")
    assert done.returncode == 0, done.stderr
    assert events(done.stdout)[0]["data"]["body"]["available"] is False


def test_run_cancel_of_an_unknown_campaign_is_an_error(tmp_path: Path) -> None:
    msg = write(tmp_path / "msg.json", {"campaignId": "sb_unknown"})
    done = cli("run", msg, "--action", "cancelScheduledSend", "--sandbox")
    assert done.returncode == 1
    assert events(done.stdout)[0]["data"]["name"] == "CampaignNotPendingError"


# -- verify and validate ----------------------------------------------------------------------------------

def test_run_takes_an_inline_body_with_or_without_a_configuration_file(tmp_path: Path) -> None:
    config = write(tmp_path / "cfg.json", {"login": "sandbox", "apiKey": "{{KEY}}"})
    for config_file in ([], [config]):
        done = cli("run", "--sandbox", "--action", "getDeliveryReports", "--body", '{"campaignId": "sb_unknown"}',
                   *config_file, env={"KEY": SANDBOX_ACCOUNT.api_key})
        assert done.returncode == 0, done.stderr
        body = events(done.stdout)[0]["data"]["body"]
        assert (body["campaignId"], body["available"], body["trial"]) == ("sb_unknown", False, False)


@pytest.mark.parametrize(("args", "says"), [
    (["--body", "{campaignId: 1}"], "--body is not JSON"),
    (["--body", "[1, 2]"], "--body must be a JSON object (the message body), e.g. "),
    (["--body", "[" * 100_000], "--body is not JSON"),
    (["--body", "{}", "examples/send_sms.json", "examples/credentials.json"],
     "--body replaces the message file: give at most a CONFIG file with it"),
])
def test_run_refuses_an_unusable_inline_body_in_one_line(args: list[str], says: str) -> None:
    done = cli("run", "--sandbox", *args)
    assert done.returncode == 2
    assert says in done.stderr
    assert "Traceback" not in done.stderr


def test_a_persistent_sandbox_keeps_a_scheduled_campaign_between_runs() -> None:
    """The walkthrough in docs/developing.md ("Every action on one simulator"): one simulator, then send, read
    and cancel in three commands."""
    server = subprocess.Popen([SCRIPT, "sandbox", "--port", "0"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().rsplit(" ", 1)[-1].strip()
        env = {"ALLMYSMS_API_URL": url, "ALLMYSMS_LOGIN": "sandbox", "ALLMYSMS_API_KEY": SANDBOX_ACCOUNT.api_key}
        sent = cli("send", "--to", "33612345678", "--sender", "MyShop", "--text", "Hi",
                   "--send-at", future(days=1).isoformat(), env=env)
        assert sent.returncode == 0, sent.stderr
        campaign = json.dumps({"campaignId": events(sent.stdout)[0]["data"]["body"]["campaignId"]})
        reports = cli("run", "--action", "getDeliveryReports", "--body", campaign, env=env)
        assert events(reports.stdout)[0]["data"]["body"]["available"] is False  # still scheduled
        cancelled = cli("run", "--action", "cancelScheduledSend", "--body", campaign, env=env)
        assert events(cancelled.stdout)[0]["data"]["body"]["cancelled"] is True, cancelled.stderr
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_verify_good_credentials_exits_0(tmp_path: Path) -> None:
    cfg = write(tmp_path / "cfg.json", {"login": "sandbox", "apiKey": SANDBOX_ACCOUNT.api_key})
    done = cli("verify", cfg, "--sandbox")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verified"] is True


def test_verify_refused_credentials_exits_1_with_the_reason(tmp_path: Path) -> None:
    cfg = write(tmp_path / "cfg.json", {"login": "sandbox", "apiKey": "wrong"})
    done = cli("verify", cfg, "--sandbox")
    assert done.returncode == 1
    assert "refused" in json.loads(done.stdout)["reason"]


def test_validate_accepts_this_component() -> None:
    done = cli("validate")
    assert done.returncode == 0, done.stdout
    assert "valid (0 errors" in done.stdout


def test_validate_reports_what_the_platform_would_refuse(tmp_path: Path) -> None:
    data = json.loads((ROOT / "component.json").read_text(encoding="utf-8"))
    data["credentials"]["fields"]["apiKey"]["viewClass"] = "FancyView"
    data["actions"]["sendSMS"]["main"] = "./allmysms_component/actions/missing.py"
    del data["actions"]["sendSMS"]["title"]
    data["actions"]["sendSMS"]["metadata"]["in"]["properties"]["senderName"]["type"] = 12
    data["version"] = "v1"
    done = cli("validate", write(tmp_path / "component.json", data))
    assert done.returncode == 1
    for expected in ("unknown viewClass 'FancyView'", "missing.py does not exist", "has no title",
                     "metadata.in is not a valid schema", "semantic versioning"):
        assert expected in done.stdout


# -- the simulator as its own process ---------------------------------------------------------------------

def test_the_sandbox_command_serves_until_stopped_and_prints_what_it_receives() -> None:
    server = subprocess.Popen([SCRIPT, "sandbox", "--port", "0"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        url = first.rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:")
        sms_data = {"DATA": {"MESSAGE": "Hi", "TPOA": "MyShop", "SMS": [{"MOBILEPHONE": "33612345678"}]}}
        answer = requests.post(f"{url}/http/9.0/sendSms/", timeout=10, data={
            "login": "sandbox", "apiKey": SANDBOX_ACCOUNT.api_key, "smsData": json.dumps(sms_data)}).json()
        assert answer["status"] == 100
        line = next(line for line in server.stdout if line.startswith("{"))
        assert json.loads(line)["received"]["phoneNumber"] == "33612345678"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_sandbox_command_stopped_by_sigterm_exits_cleanly_and_removes_its_test_ca() -> None:
    server = subprocess.Popen([SCRIPT, "sandbox", "--port", "0", "--tls"], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT)
    try:
        assert server.stdout is not None
        ca_line = next(line for line in server.stdout if "test CA:" in line)
        ca_file = Path(ca_line.split("test CA:", 1)[1].split()[0])
        assert ca_file.is_file()
        server.terminate()
        assert server.wait(timeout=10) == 0
        assert not ca_file.exists()
    finally:
        server.kill()
        server.wait(timeout=10)


@pytest.mark.parametrize(("args", "says"), [
    (["--port", "70000"], "--port: 70000 is not a port: give 0 to 65535"),
    (["--port", "-1"], "--port: -1 is not a port: give 0 to 65535"),
    (["--port", "http"], "--port: 'http' is not a port: give 0 to 65535"),
    (["--host", ""], "--host: empty: give 127.0.0.1"),
    (["--host", "  "], "--host: empty: give 127.0.0.1"),
])
def test_the_sandbox_command_refuses_a_port_or_host_it_cannot_use_in_one_line(args: list[str], says: str) -> None:
    done = cli("sandbox", *args, timeout=20)
    assert done.returncode == 2
    assert says in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_the_sandbox_command_says_when_it_listens_on_every_interface() -> None:
    server = subprocess.Popen([SCRIPT, "sandbox", "--host", "0.0.0.0", "--port", "0"],  # noqa: S104 - the case
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline(), server.stdout.readline()]
        assert lines[0].startswith("AllMySMS simulator at http://127.0.0.1:")  # a URL this machine can use
        assert lines[1].startswith("  listening on every interface (0.0.0.0)")
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize("command", ["send", "run", "verify", "validate", "sandbox"])
def test_every_command_has_help_with_the_exit_codes(command: str) -> None:
    done = cli(command, "--help")
    assert done.returncode == 0
    assert "exit codes" in done.stdout
