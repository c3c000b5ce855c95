"""The command line runs the triggers and Make Raw Request: ``run --action <id>``, a polling trigger's snapshot kept
in a file between runs (``--snapshot``), the simulator pushing to a URL (``sandbox --push-url``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import requests

from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator

from .callback_receiver import Receiver
from .test_cli import ROOT, SCRIPT, cli, write
from .test_cli import events as documents

SECRET = "cli-shared-secret"
SANDBOX_ENV = {"ALLMYSMS_LOGIN": SANDBOX_ACCOUNT.login, "ALLMYSMS_API_KEY": SANDBOX_ACCOUNT.api_key}


def test_run_the_webhook_trigger_on_a_callback_message(tmp_path: Path) -> None:
    message = {"body": {"smsId": "s-1", "status": "2", "phoneNumber": "0612345678",
                        "receptionDate": "2026-11-26 10:56:18"}, "query": {"secret": SECRET}}
    done = cli("run", "--action", "receiveReportsAndReplies", write(tmp_path / "msg.json", message),
               write(tmp_path / "cfg.json", {"login": "", "apiKey": "", "sharedSecret": SECRET}))
    assert done.returncode == 0, done.stderr
    data, end = documents(done.stdout)
    assert data["data"]["body"]["meaning"] == "not delivered (reported by the operator)"
    assert data["data"]["body"]["phoneNumber"] == "33612345678"
    assert end["outcome"] == "acked"
    assert SECRET not in done.stdout + done.stderr
    assert "0612345678" not in done.stderr


def test_run_the_webhook_trigger_asks_for_no_credentials(tmp_path: Path) -> None:
    message = {"body": {"smsMoId": "mo-1", "message": "Oui", "phoneNumber": "33612345678"}}
    done = cli("run", "--action", "receiveReportsAndReplies", write(tmp_path / "msg.json", message))  # no ALLMYSMS_*
    assert done.returncode == 0, done.stderr
    data, end = documents(done.stdout)
    assert (data["data"]["body"]["type"], end["outcome"]) == ("reply", "acked")


def test_run_the_webhook_trigger_with_a_wrong_secret_fails_without_echoing_it(tmp_path: Path) -> None:
    message = {"body": {"smsId": "s-1", "status": "1"}, "query": {"secret": "guessed"}}
    done = cli("run", "--action", "receiveReportsAndReplies", write(tmp_path / "msg.json", message),
               write(tmp_path / "cfg.json", {"login": "", "apiKey": "", "sharedSecret": SECRET}))
    assert done.returncode == 1
    error = documents(done.stdout)[0]["data"]
    assert error["name"] == "UnauthorizedCallbackError"
    for secret in (SECRET, "guessed"):
        assert secret not in done.stdout + done.stderr


def test_run_the_polling_trigger_twice_keeps_its_snapshot_in_a_file(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot.json"
    with AllMySmsSimulator() as simulator:
        env = {**SANDBOX_ENV, "ALLMYSMS_API_URL": simulator.url}
        simulator.reply("33600000001", "already there")
        first = cli("run", "--action", "pollReplies", "--snapshot", str(snapshot), env=env)
        assert first.returncode == 0, first.stderr
        assert [d["event"] for d in documents(first.stdout)] == ["snapshot", "end"]
        simulator.reply("33600000002", "Oui")
        second = cli("run", "--action", "pollReplies", "--snapshot", str(snapshot), env=env)
        third = cli("run", "--action", "pollReplies", "--snapshot", str(snapshot), env=env)
    assert [d["data"]["body"]["message"] for d in documents(second.stdout) if d["event"] == "data"] == ["Oui"]
    assert [d["event"] for d in documents(third.stdout)] == ["end"]
    assert len(json.loads(snapshot.read_text())["seen"]) == 2


def test_a_snapshot_file_that_is_not_an_object_is_a_usage_error(tmp_path: Path) -> None:
    done = cli("run", "--action", "pollReplies", "--sandbox", "--snapshot", write(tmp_path / "s.json", [1]))
    assert done.returncode == 2
    assert "must hold the step's snapshot" in done.stderr


def test_run_make_raw_request_on_the_sandbox() -> None:
    done = cli("run", "--action", "makeRawRequest", "--body", '{"method": "getInfo"}', "--sandbox")
    assert done.returncode == 0, done.stderr
    body = documents(done.stdout)[0]["data"]["body"]
    assert (body["method"], body["sendsNothing"], body["answer"]["status"]) == ("getInfo", True, "Active Account")


def test_run_make_raw_request_refuses_the_credentials_in_its_fields() -> None:
    done = cli("run", "--action", "makeRawRequest", "--body", '{"method": "getInfo", "fields": {"apiKey": "x"}}',
               "--sandbox")
    assert done.returncode == 1
    assert "must not set 'apiKey'" in documents(done.stdout)[0]["data"]["message"]


def test_a_sandbox_with_a_push_url_pushes_what_its_hooks_inject(tmp_path: Path) -> None:
    receiver = Receiver()
    server = subprocess.Popen([SCRIPT, "sandbox", "--port", "0", "--push-url", receiver.url(f"secret={SECRET}")],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().rsplit(" ", 1)[-1].strip()
        banner = "".join(server.stdout.readline() for _ in range(3))
        assert "pushes delivery reports and replies to http://127.0.0.1" in banner
        assert SECRET not in banner
        injected = requests.post(f"{url}/sandbox/reply", data={"phoneNumber": "33612345678", "message": "Oui"},
                                 timeout=10)
        assert injected.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
        receiver.close()
    [callback] = receiver.callbacks
    message = callback.as_webhook_message()
    done = cli("run", "--action", "receiveReportsAndReplies", write(tmp_path / "msg.json", message),
               write(tmp_path / "cfg.json", {"login": "", "apiKey": "", "sharedSecret": SECRET}))
    assert documents(done.stdout)[0]["data"]["body"]["message"] == "Oui"
