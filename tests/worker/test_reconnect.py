"""A broker restart with messages in flight, and a broker that does not come back: on a broker of its own."""

from __future__ import annotations

import time
from pathlib import Path

from .broker import PrivateBroker
from .platform import Flow, Loop, StepApi, WorkerProcess


def test_a_broker_restart_with_messages_in_flight_sends_each_once_and_settles_each(
        own_broker: PrivateBroker, amqp_loop: Loop, step_api: StepApi, tmp_path: Path) -> None:
    flow = Flow(amqp_loop, own_broker.url).declare(durable=True)
    env = flow.env(ELASTICIO_API_URI=step_api.url, ELASTICIO_FUNCTION="slow",
                   ELASTICIO_RABBITMQ_PREFETCH_SAILOR="2", ELASTICIO_AMQP_PERSISTENT_MESSAGES="true",
                   ALLMYSMS_WORKER_RECONNECT_TIMEOUT="60")
    worker = WorkerProcess(env, tmp_path / "worker.log").ready()
    for n in (1, 2):
        flow.publish({"body": {"folder": str(tmp_path), "n": n}}, delivery_mode=2)
    for n in (1, 2):
        _wait_for(tmp_path / f"started-{n}")

    own_broker.stop_server()  # both messages are running; their deliveries die with the connection
    own_broker.start()
    flow.reconnect()
    (tmp_path / "release").touch()

    outs = sorted(flow.get("message").decrypted()["body"]["n"] for _ in range(2))
    assert outs == [1, 2]
    worker.wait_for_log("Reconnected to the broker")
    deadline = time.monotonic() + 30
    while flow.count("input") or worker.text().count("Redelivery of a message") < 2:
        assert time.monotonic() < deadline, worker.text()  # the redeliveries came back and were settled
        time.sleep(0.05)
    assert worker.stop() == 0
    assert sorted((tmp_path / "runs").read_text().split()) == ["1", "2"]  # each ran once, none twice
    assert flow.count("input") == 0  # nothing left unacked to come back (unacked ones return at the stop)
    assert flow.count("message") == 0
    assert flow.count("dead") == 0
    assert flow.count("error") == 0

    quitter = WorkerProcess({**env, "ALLMYSMS_WORKER_RECONNECT_TIMEOUT": "2"}, tmp_path / "quitter.log").ready()
    own_broker.stop_server()  # and now it does not come back
    assert quitter.wait() == 1
    assert any(line.get("level") == 60 and "giving up" in line["msg"] for line in quitter.lines())


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)
