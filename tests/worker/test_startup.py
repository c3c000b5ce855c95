"""The worker's start: a setting it cannot use is one fatal line (no traceback, no secret), and a SIGTERM at any
moment of the start ends it with exit 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .platform import ROOT, Flow, StepApi, WorkerProcess

SECRET = "pa55-S3cret"


@pytest.mark.parametrize(("name", "value"), [
    ("ELASTICIO_AMQP_URI", f"amqp://guest:{SECRET}#x@127.0.0.1:5672/"),
    ("ELASTICIO_AMQP_URI", f"amqp://guest:{SECRET}[x@127.0.0.1:5672/"),
    ("ELASTICIO_AMQP_URI", f"amqp://guest:{SECRET}@127.0.0.1:99999/"),
    ("ELASTICIO_RABBITMQ_PREFETCH_SAILOR", "70000"),
    ("ELASTICIO_REBOUND_LIMIT", "1000"),
])
def test_a_setting_the_worker_cannot_use_is_one_fatal_line_naming_it(flow: Flow, tmp_path: Path, name: str,
                                                                    value: str) -> None:
    worker = WorkerProcess(flow.env(ELASTICIO_API_URI="http://127.0.0.1:9", **{name: value}), tmp_path / "w.log")
    assert worker.wait() == 1
    [line] = list(worker.lines())
    assert line["level"] == 60
    assert name in line["msg"]
    assert SECRET not in worker.text()
    assert "Traceback" not in worker.text()


def test_an_iv_that_is_not_utf8_is_one_fatal_line(flow: Flow, tmp_path: Path) -> None:
    env: dict[bytes, bytes] = {os.fsencode(k): os.fsencode(v) for k, v in os.environ.items()
                               if not k.startswith(("ELASTICIO_", "ALLMYSMS_"))}
    env.update({k.encode(): v.encode() for k, v in flow.env(ELASTICIO_API_URI="http://127.0.0.1:9").items()})
    env[b"ELASTICIO_MESSAGE_CRYPTO_IV"] = b"\xff" * 16
    done = subprocess.run([sys.executable, "-m", "allmysms_component", "worker"], env=env, cwd=ROOT,
                          capture_output=True, timeout=60, check=False)
    assert done.returncode == 1
    assert b"ELASTICIO_MESSAGE_CRYPTO_IV must be UTF-8 text" in done.stdout
    assert b"Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("after", [0.15, 0.4, 0.8])
def test_a_sigterm_while_the_worker_starts_exits_0(flow: Flow, step_api: StepApi, tmp_path: Path,
                                                   after: float) -> None:
    # These moments fall in the imports, the settings and the step-data fetch; whichever it is, the answer is 0.
    worker = WorkerProcess(flow.env(ELASTICIO_API_URI=step_api.url), tmp_path / "w.log")
    time.sleep(after)
    worker.process.send_signal(signal.SIGTERM)
    assert worker.wait() == 0, worker.text()
    assert "interrupted" not in worker.text()
