"""How the command line fails, or refuses to: placeholders in a message sent as typed, unprintable output
escaped, interrupts during a send, a simulator that cannot start, a missing file: one line and the exit code its
help documents, never a traceback. Child processes, real sockets."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator, Fault, ReceivedSms

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = shutil.which("allmysms-component", path=str(Path(sys.executable).parent)) or "allmysms-component"
TIMEOUT = 60  # seconds: generous, only reached when something is broken
BODY = {"mobileNumbers": "33612345678", "senderName": "MyShop", "messageText": "Hello"}
SECRET = "s3cret-n0t-for-sms-4242"


def environment(**extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ALLMYSMS_")}
    return {**clean, **extra}


def cli(*args: str | bytes, env: dict[str, str] | None = None,
        command: Sequence[str] = (SCRIPT,)) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*command, *args], capture_output=True, timeout=TIMEOUT, cwd=ROOT,
                          env=env or environment(), stdin=subprocess.DEVNULL, check=False)


def documents(stdout: bytes) -> list[Any]:
    """Every JSON document printed, compact or indented; the bytes must be UTF-8."""
    text, decoder, found, index = stdout.decode("utf-8"), json.JSONDecoder(), [], 0
    while index < len(text.rstrip()):
        document, index = decoder.raw_decode(text, index)
        found.append(document)
        index += len(text[index:]) - len(text[index:].lstrip())
    return found


def plain_lines(stderr: bytes) -> list[str]:
    """The stderr lines that are not bunyan JSON log lines."""
    lines = stderr.decode("utf-8").splitlines()
    return [line for line in lines if not line.startswith("{")]


def write(path: Path, value: Any) -> str:
    path.write_text(json.dumps(value), encoding="utf-8")
    return str(path)


@pytest.fixture
def simulator() -> Iterator[AllMySmsSimulator]:
    with AllMySmsSimulator() as sim:
        yield sim


def sandbox_env(simulator: AllMySmsSimulator) -> dict[str, str]:
    return environment(ALLMYSMS_API_URL=simulator.url, ALLMYSMS_LOGIN=SANDBOX_ACCOUNT.login,
                       ALLMYSMS_API_KEY=SANDBOX_ACCOUNT.api_key)


# -- run: placeholders belong to the configuration, a message is data ---------------------------------------

def test_a_placeholder_in_the_message_text_is_sent_as_typed_never_replaced(
        tmp_path: Path, simulator: AllMySmsSimulator) -> None:
    fixture = write(tmp_path / "fixture.json", {
        "msg": {"body": {**BODY, "messageText": "{{MY_SECRET}}"}},
        "cfg": {"login": "{{ALLMYSMS_LOGIN}}", "apiKey": "{{ALLMYSMS_API_KEY}}"}})
    done = cli("run", fixture, env={**sandbox_env(simulator), "MY_SECRET": SECRET})

    assert done.returncode == 0, done.stderr
    assert [sms.text for sms in simulator.received] == ["{{MY_SECRET}}"]
    assert SECRET.encode() not in done.stdout + done.stderr


def test_a_literal_placeholder_in_a_text_is_sent_as_is(tmp_path: Path, simulator: AllMySmsSimulator) -> None:
    msg = write(tmp_path / "msg.json", {"body": {**BODY, "messageText": "Hello {{first_name}}"}})
    cfg = write(tmp_path / "cfg.json", {"login": "{{ALLMYSMS_LOGIN}}", "apiKey": "{{ALLMYSMS_API_KEY}}"})
    done = cli("run", msg, cfg, env=sandbox_env(simulator))

    assert done.returncode == 0, done.stderr
    assert [sms.text for sms in simulator.received] == ["Hello {{first_name}}"]


def test_the_api_key_placeholder_in_a_text_never_reaches_a_phone(
        tmp_path: Path, simulator: AllMySmsSimulator) -> None:
    fixture = write(tmp_path / "fixture.json", {"msg": {"body": {**BODY, "messageText": "{{ALLMYSMS_API_KEY}}"}}})
    done = cli("run", fixture, env=sandbox_env(simulator))

    assert done.returncode == 0, done.stderr
    assert [sms.text for sms in simulator.received] == ["{{ALLMYSMS_API_KEY}}"]
    assert SANDBOX_ACCOUNT.api_key.encode() not in done.stdout + done.stderr


# -- output that a terminal cannot print as is --------------------------------------------------------------

def test_an_entry_with_a_lone_surrogate_is_printed_escaped_after_the_send(tmp_path: Path) -> None:
    fixture = tmp_path / "fixture.json"
    # JSON may escape a lone surrogate; Python reads it into the string as is.
    fixture.write_text('{"msg": {"body": {"mobileNumbers": "33612345678, \\ud800\\udbff junk", '
                       '"senderName": "MyShop", "messageText": "Hello"}}}', encoding="utf-8")
    done = cli("run", str(fixture), "--sandbox")

    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    data, end = documents(done.stdout)
    assert data["data"]["body"]["invalidNumbers"] == ["\ud800\udbff junk"]
    assert end["outcome"] == "acked"


def test_an_argument_that_is_not_utf8_is_printed_escaped_after_the_send() -> None:
    done = cli("send", "--sandbox", "--to", b"33612345678, \xff\xfejunk", "--sender", "MyShop", "--text", "Hi")

    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    data = documents(done.stdout)[0]
    assert data["data"]["body"]["invalidNumbers"] == ["\udcff\udcfejunk"]


# -- Ctrl-C and SIGTERM while a send is in flight -------------------------------------------------------------

@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupt_after_the_request_reached_the_api_says_the_sms_may_have_been_sent(signum: int) -> None:
    arrived = threading.Event()

    def on_receive(sms: ReceivedSms) -> None:
        arrived.set()

    with AllMySmsSimulator(on_receive=on_receive) as simulator:
        simulator.inject(Fault.delay(TIMEOUT), endpoint="sendSms")  # the answer never comes in time
        child = subprocess.Popen([SCRIPT, "send", "--to", "33612345678", "--sender", "MyShop", "--text", "Hi"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                 cwd=ROOT, env=sandbox_env(simulator))
        try:
            assert arrived.wait(TIMEOUT)
            child.send_signal(signum)
            _, stderr = child.communicate(timeout=TIMEOUT)
        finally:
            child.kill()
            child.wait(TIMEOUT)

    assert child.returncode == 4, stderr  # what the command said, should it ever end otherwise
    [line] = plain_lines(stderr)
    assert "may have been sent" in line
    assert b"Traceback" not in stderr


def test_exit_code_4_is_documented() -> None:
    help_text = cli("send", "--help").stdout.decode()
    assert re.search(r"^\s*4\s+interrupted.*may have been sent", help_text, re.MULTILINE)
    command_line = (ROOT / "docs" / "developing.md").read_text(encoding="utf-8")  # its "Command line" section
    assert re.search(r"4 interrupted[^.]*may have been sent", command_line)


# -- commands that used to ask, crash or exit with the wrong code ---------------------------------------------

def test_verify_sandbox_uses_the_simulator_account_without_asking() -> None:
    done = cli("verify", "--sandbox")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verified"] is True


def test_the_sandbox_on_a_busy_port_is_one_line_and_exit_2() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        done = cli("sandbox", "--port", str(busy.getsockname()[1]))
    assert done.returncode == 2
    [line] = plain_lines(done.stderr)
    assert "cannot listen on 127.0.0.1:" in line
    assert b"Traceback" not in done.stderr


def test_the_sandbox_with_tls_but_without_trustme_is_one_line_and_exit_2() -> None:
    without_trustme = [sys.executable, "-c", "import sys; sys.modules['trustme'] = None; "
                       "from allmysms_component.cli import main; sys.exit(main())"]
    done = cli("sandbox", "--tls", "--port", "0", command=without_trustme)
    assert done.returncode == 2
    [line] = plain_lines(done.stderr)
    assert "trustme" in line
    assert b"Traceback" not in done.stderr


def test_validate_on_a_missing_file_exits_2_as_help_says(tmp_path: Path) -> None:
    done = cli("validate", str(tmp_path / "missing.json"))
    assert done.returncode == 2
    [line] = plain_lines(done.stderr)
    assert "cannot read" in line
    assert "2  usage error" in cli("validate", "--help").stdout.decode()


@pytest.mark.parametrize("command", [(SCRIPT,), (sys.executable, "-m", "allmysms_component")],
                         ids=["script", "python -m"])
def test_version_prints_the_component_version(command: tuple[str, ...]) -> None:
    done = cli("--version", command=command)
    version = json.loads((ROOT / "component.json").read_text(encoding="utf-8"))["version"]
    assert done.returncode == 0
    assert done.stdout.decode().strip() == f"allmysms-component {version}"


def test_the_readme_example_of_run_works_with_the_shipped_fixture() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [example] = re.findall(r"^allmysms-component (run examples/\S+\.json --sandbox)$", readme, re.MULTILINE)
    fixture = ROOT / shlex.split(example)[1]
    assert fixture.is_file()
    done = cli(*shlex.split(example))
    assert done.returncode == 0, done.stderr
    assert [line["event"] for line in documents(done.stdout)] == ["data", "end"]
