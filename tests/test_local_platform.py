"""The local platform in one command (scripts/local_platform.py): it starts what a step needs on free ports, runs
one message through the worker, and stops everything it started by PID."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .test_cli import events

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "local_platform.py"


def local_platform(*args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ELASTICIO_", "ALLMYSMS_"))}
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=180,
                          cwd=ROOT, env=clean, stdin=subprocess.DEVNULL, check=False)


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_one_command_sends_through_the_worker_and_stops_what_it_started() -> None:
    done = local_platform()
    assert done.returncode == 0, done.stderr
    output, simulator = events(done.stdout)
    assert output["event"] == "data"
    assert (output["payload"]["body"]["recipients"], output["payload"]["body"]["status"]) == (["33612345678"], 100)
    assert simulator == {"simulator": {"received": ["33612345678"]}}
    assert "worker stopped by SIGTERM: exit 0" in done.stderr
    assert "worker WARN" not in done.stderr  # the step data is served before the worker asks for it
    pids = [int(pid) for pid in re.findall(r"\(pid (\d+)\)", done.stderr)]
    assert len(pids) == 2  # the broker and the worker
    assert not any(running(pid) for pid in pids)


def test_an_error_is_shown_with_the_workers_log_on_a_broker_given_by_url(amqp_url: str) -> None:
    done = local_platform("--amqp-url", amqp_url, "--body", '{"mobileNumbers": "33612345678"}')
    assert done.returncode == 1
    [output, simulator] = events(done.stdout)
    assert output["event"] == "error"
    assert "Sender Name (senderName) is required" in output["payload"]["message"]
    assert simulator == {"simulator": {"received": []}}
    assert "RabbitMQ (pid" not in done.stderr  # none started
    assert "worker stopped by SIGTERM: exit 0" in done.stderr
