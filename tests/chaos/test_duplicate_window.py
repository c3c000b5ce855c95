"""A flow that fires twice: each SMS published twice under two message ids, taken by concurrent replicas at once.

Three ``allmysms-component worker`` replicas of one Send SMS step on one queue (prefetch 1), the session's
RabbitMQ and Redis, the simulator answering after 20-50 ms; each of PAIRS texts is published twice in a row with
two message ids, so the two copies are mostly processed at the same moment on two replicas, and a replica is
SIGKILLed now and then. With the step's Duplicate window on, each text goes out once (a copy that finds its twin
being sent rebounds, then gets its output); the baseline (window off, same run otherwise) sends each twice. The
SMS are counted per text at the API side.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from allmysms_component.sandbox import AllMySmsSimulator, Fault
from tests.worker.platform import ROOT, Flow, StepApi

from .conftest import REPLICAS
from .harness import MAY_HAVE_BEEN_SENT, Killer, Outcomes, Replicas, finish, wait_for

PAIRS = 100
KILLS = 3
LATENCY = (0.02, 0.05)
SETTLE = 120.0


@pytest.mark.parametrize("window", ["5", "0"], ids=["window", "baseline"])
def test_a_twice_fired_flow_sends_each_sms_once(
        window: str, redis_url: str, flow: Flow, step_api: StepApi, simulator: AllMySmsSimulator,
        start_replicas: Callable[[dict[str, str]], Replicas], record_property: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    seed = int(os.environ.get("ALLMYSMS_CHAOS_SEED") or random.randrange(1_000_000))
    rng = random.Random(seed)
    began = time.monotonic()
    step_api.step_data["config"]["duplicateWindow"] = window
    for _ in range(PAIRS * 3):
        simulator.inject(Fault.delay(rng.uniform(*LATENCY)), endpoint="sendSms")
    env = flow.env(ELASTICIO_API_URI=step_api.url, ELASTICIO_COMPONENT_PATH=str(ROOT), ELASTICIO_FUNCTION="sendSMS",
                   ALLMYSMS_API_URL=simulator.url, ALLMYSMS_JOURNAL_URL=redis_url,
                   ELASTICIO_REBOUND_INITIAL_EXPIRATION="200", ELASTICIO_REBOUND_LIMIT="40")
    replicas = start_replicas(env)
    wait_for(replicas.all_ready, "the replicas starting", 60)
    ids = []
    for n in range(PAIRS):
        body = {"mobileNumbers": f"07{n:08d}", "senderName": "Twice", "messageText": f"Fired twice {seed}-{n}"}
        for copy in ("a", "b"):
            ids.append(f"twice-{seed}-{n:03d}{copy}")
            flow.publish({"body": body}, headers={"messageId": ids[-1]})
    killer = Killer(replicas, rng, at=sorted(rng.sample(range(PAIRS // 10, PAIRS * 3 // 4), KILLS)),
                    progress=lambda: len(simulator.received))
    killer.start()
    outcomes = Outcomes()

    def settled() -> bool:
        outcomes.drain(flow)
        return len(outcomes.ended()) == len(ids) and flow.count("input") == 0

    kills, exit_codes = finish(flow, replicas, outcomes, settled, killer, SETTLE)

    per_text = Counter(sms.text for sms in simulator.received)
    doubted = outcomes.may_have_been_sent()
    pairs = [[f"twice-{seed}-{n:03d}{copy}" for copy in "ab"] for n in range(PAIRS)]
    replayed = sum(1 for pair in pairs if all(m in outcomes.data for m in pair)
                   and len({out for m in pair for out in outcomes.data[m]}) == 1)
    figures = {"window_minutes": window, "pairs": PAIRS, "kills": kills, "seed": seed,
               "seconds": round(time.monotonic() - began, 1),
               "sms_per_text": dict(sorted(Counter(per_text.values()).items())),
               "texts_sent_twice": sum(1 for count in per_text.values() if count > 1),
               "pairs_with_one_output_replayed": replayed, "may_have_been_sent": len(doubted)}
    for key, value in figures.items():
        record_property(f"chaos_duplicate_{key}", value)
    with capsys.disabled():
        print(f"\nchaos [duplicate window {window} min]: {figures}")

    assert exit_codes == [0] * REPLICAS
    assert flow.count("input") == 0
    assert outcomes.ended() == set(ids)
    assert {n for names in outcomes.errors.values() for n in names} <= {MAY_HAVE_BEEN_SENT}
    assert kills == KILLS
    if window != "0":
        assert figures["texts_sent_twice"] == 0, figures
