"""The local platform in one command: a step of a flow run by the worker, end to end, then everything stopped.

Starts what the platform would provide, each on a free loopback port: a private RabbitMQ (Debian's
rabbitmq-server, installed by ``scripts/test-setup``; or ``--amqp-url`` for one already running) with a flow's
topology under names of its own, the step-data API, and the AllMySMS simulator; then ``allmysms-component worker``
once the step data is served. Publishes one message encrypted as the previous step would, waits for what the
worker publishes, prints it decrypted with the SMS the simulator received, and stops the worker (SIGTERM), the
broker and the rest by their PIDs. Nothing is exported into the shell, nothing is left behind.

    .venv/bin/python scripts/local_platform.py [--body JSON] [--function sendSMS] [--amqp-url URL]

Exit status: 0 when the worker published its output and exited 0 after SIGTERM; 1 otherwise (its log is then
printed to stderr); 2 when no broker can be started; 130 when interrupted.
The platform's pieces are the worker tests' own (``tests/worker``): one harness, not two.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the worker tests' harness

from allmysms_component.sandbox import SANDBOX_ACCOUNT, AllMySmsSimulator  # noqa: E402
from tests.worker.broker import PrivateBroker, available  # noqa: E402
from tests.worker.platform import Flow, Loop, StepApi, WorkerProcess  # noqa: E402

BODY = {"mobileNumbers": "+33 6 12 34 56 78", "senderName": "MyShop", "messageText": "Hello"}
OUTCOMES = {"message": "data", "error": "error", "rebound": "rebound"}  # queue -> the event it carries
WARN = 40  # bunyan's level numbers
LEVELS = {40: "WARN", 50: "ERROR", 60: "FATAL"}
WAIT = 30.0  # s: the longest this waits for the worker to be ready or to answer (a bound, not an expected time)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--body", default=json.dumps(BODY), help="the message body, JSON (default: a Send SMS)")
    parser.add_argument("--function", default="sendSMS", help="the action the step runs (default sendSMS)")
    parser.add_argument("--amqp-url", help="use this RabbitMQ instead of starting a private one")
    args = parser.parse_args(argv)
    try:
        body = json.loads(args.body)
    except ValueError as exc:
        parser.error(f"--body is not JSON: {exc}")
    if not args.amqp_url and not available():
        say("no RabbitMQ to start: run scripts/test-setup (Debian's rabbitmq-server), or give --amqp-url")
        return 2
    try:
        with tempfile.TemporaryDirectory(prefix="allmysms-local-platform-") as folder:
            return run(Path(folder), body, args.function, args.amqp_url)
    except KeyboardInterrupt:
        say("interrupted; everything this command started is stopped")
        return 130


def run(folder: Path, body: Any, function: str, amqp_url: str | None) -> int:
    broker = simulator = api = loop = flow = worker = None
    try:
        if amqp_url is None:
            broker = PrivateBroker(folder / "rabbitmq").start()
            amqp_url = broker.url
            say(f"RabbitMQ (pid {broker.pid}) at 127.0.0.1:{broker.port}")
        loop = Loop()
        simulator = AllMySmsSimulator().start()
        say(f"AllMySMS simulator at {simulator.url}")
        api = StepApi({"config": {"login": SANDBOX_ACCOUNT.login, "apiKey": SANDBOX_ACCOUNT.api_key},
                       "snapshot": {}, "is_passthrough": False})
        say(f"step-data API at {api.url}")
        flow = Flow(loop, amqp_url).declare()
        worker = WorkerProcess(flow.env(ELASTICIO_FUNCTION=function, ELASTICIO_COMPONENT_PATH=str(ROOT),
                                        ELASTICIO_API_URI=api.url, ALLMYSMS_API_URL=simulator.url),
                               folder / "worker.log")
        say(f"worker (pid {worker.process.pid}) on the queue {flow.input_queue}")
        try:
            worker.ready()
        except AssertionError:  # the harness's word for "it did not start": its log says why
            sys.stderr.write(worker.text())
            return 1
        flow.publish({"body": body}, headers={"messageId": str(uuid.uuid4())})
        kind, answer = outcome(flow)
        print(json.dumps({"event": kind, "payload": answer}, indent=2, ensure_ascii=False))
        print(json.dumps({"simulator": {"received": [sms.phone_number for sms in simulator.received]}}))
        code = worker.stop()
        for line in worker.lines():  # what a user of the platform would see flagged in the step's log
            if line.get("level", 0) >= WARN:
                say(f"worker {LEVELS.get(line['level'], 'ERROR')}: {line.get('msg')}")
        say(f"worker stopped by SIGTERM: exit {code}")
        if kind != "data" or code != 0:
            sys.stderr.write(worker.text())
            return 1
        return 0
    finally:
        if worker is not None and worker.process.poll() is None:
            worker.stop()
        if flow is not None and flow.connection is not None:
            flow.delete()
        for closing in (loop, api):
            if closing is not None:
                closing.close()
        if simulator is not None:
            simulator.stop()
        if broker is not None:
            broker.stop()


def outcome(flow: Flow) -> tuple[str, Any]:
    """The worker's answer to the message, decrypted: its output (``data``), an error or a rebound."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        for kind, event in OUTCOMES.items():
            received = flow.poll(kind)
            if received is not None:
                return event, received.decrypted() if event == "data" else received.error()
        time.sleep(0.05)
    return "nothing", f"the worker published nothing within {WAIT:g} s"


def say(line: str) -> None:
    print(f"local-platform: {line}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
