"""The proof of "never twice": worker replicas SIGKILLed at random while they send, and no SMS goes out twice.

A real RabbitMQ and a real Redis (the session's: private ones, or those named by ALLMYSMS_TEST_AMQP_URL and
ALLMYSMS_TEST_REDIS_URL), the AllMySMS simulator answering each send after 20-50 ms, three
``allmysms-component worker`` replicas of one Send SMS step on one queue (prefetch 1, the platform's default),
a few hundred messages with distinct messageIds, and a killer that SIGKILLs a random replica at random moments
and starts a fresh one in its place. Once every message has its outcome and the queue is empty, the replicas
are stopped (SIGTERM: they finish what they run) and the figures are judged, then printed. The same run with
the in-memory journal shows what a deployment without Redis gets (docs/journal.md, "Without Redis").
ALLMYSMS_CHAOS_SEED=<n> replays the random choices of a run (the processes' timing still varies).
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis

from allmysms_component.sandbox import AllMySmsSimulator, Fault
from tests.worker.platform import ROOT, Flow, StepApi

from .harness import MAY_HAVE_BEEN_SENT, Killer, Outcomes, Replicas, finish, wait_for

MESSAGES = 400
REPLICAS = 3
KILLS = 10
LATENCY = (0.02, 0.05)  # s, AllMySMS's answer time for each send
SETTLE = 120.0  # s: the longest the test waits for the queue to settle (a bound, not an expected time)
JOURNAL_PREFIX = "allmysms:journal:v2:{b??}:"


@dataclass
class Journal:
    kind: str
    env: dict[str, str] = field(default_factory=dict)


@pytest.fixture(params=["redis", "memory"])
def journal(request: pytest.FixtureRequest, flow: Flow) -> Iterator[Journal]:
    if request.param == "memory":
        yield Journal("memory")
        return
    url: str = request.getfixturevalue("redis_url")
    yield Journal("redis", {"ALLMYSMS_JOURNAL_URL": url})
    client = redis.Redis.from_url(url)
    try:
        names = list(client.scan_iter(match=f"{JOURNAL_PREFIX}{flow.prefix}-flow/*"))
        if names:
            client.delete(*names)
    finally:
        client.close()


def test_sigkilled_replicas_never_send_an_sms_twice(
        journal: Journal, flow: Flow, step_api: StepApi, simulator: AllMySmsSimulator,
        start_replicas: Callable[[dict[str, str]], Replicas], capsys: pytest.CaptureFixture[str],
        record_property: Any) -> None:
    seed = int(os.environ.get("ALLMYSMS_CHAOS_SEED") or random.randrange(1_000_000))
    rng = random.Random(seed)
    began = time.monotonic()
    for _ in range(MESSAGES + 50):  # every send, redeliveries included, answers after 20-50 ms
        simulator.inject(Fault.delay(rng.uniform(*LATENCY)), endpoint="sendSms")
    env = flow.env(ELASTICIO_API_URI=step_api.url, ELASTICIO_COMPONENT_PATH=str(ROOT), ELASTICIO_FUNCTION="sendSMS",
                   ALLMYSMS_API_URL=simulator.url, **journal.env)
    replicas = start_replicas(env)
    wait_for(replicas.all_ready, "the replicas starting", 60)

    ids = [f"chaos-{n:04d}" for n in range(MESSAGES)]
    for n, message_id in enumerate(ids):
        body = {"mobileNumbers": f"06{n:08d}", "senderName": "Chaos", "messageText": f"Chaos {n}"}
        flow.publish({"body": body}, headers={"messageId": message_id})
    killer = Killer(replicas, rng, at=sorted(rng.sample(range(MESSAGES // 20, MESSAGES * 4 // 5), KILLS)),
                    progress=lambda: len(simulator.received))
    killer.start()

    outcomes = Outcomes()

    def settled() -> bool:
        outcomes.drain(flow)
        return len(outcomes.ended()) == MESSAGES and flow.count("input") == 0

    kills, exit_codes = finish(flow, replicas, outcomes, settled, killer, SETTLE)
    left_in_queue = flow.count("input")
    seconds = time.monotonic() - began

    sms = Counter(received.cli_msg_id for received in simulator.received)
    doubted = outcomes.may_have_been_sent()
    both = doubted & set(outcomes.data)
    figures = {
        "journal": journal.kind, "messages": MESSAGES, "replicas": REPLICAS, "kills": kills, "seed": seed,
        "seconds": round(seconds, 1),
        "sms_per_id": dict(sorted(Counter(sms[message_id] for message_id in ids).items())),
        "data": len(outcomes.data),
        "data_copies": sum(len(out) - 1 for out in outcomes.data.values()),  # replays of an output, same id
        "may_have_been_sent": len(doubted),
        "may_have_been_sent_but_not_sent": sum(1 for message_id in doubted if sms[message_id] == 0),
        "error_copies": sum(len(names) - 1 for names in outcomes.errors.values()),
        "data_and_error": len(both),
        "replayed": sum(path.read_text(errors="replace").count("its recorded output is published again")
                        for path in replicas.logs),
    }
    _report(figures, capsys, record_property)

    # The promise, whichever the journal: no messageId produced more than one SMS.
    assert set(sms) <= set(ids)  # the worker gave the action each messageId to send as CLIMSGID
    assert sorted(str(message_id) for message_id, count in sms.items() if count > 1) == []
    # None lost, none left: every input ended downstream, and was acked or dead-lettered exactly once.
    assert exit_codes == [0] * REPLICAS
    assert left_in_queue == 0
    assert outcomes.ended() == set(ids)
    assert {name for names in outcomes.errors.values() for name in names} <= {MAY_HAVE_BEEN_SENT}
    assert all(len(set(out)) == 1 for out in outcomes.data.values())  # copies of one output carry its id
    assert all(sms[message_id] == 1 for message_id in outcomes.data)  # an output means its one SMS went out
    assert outcomes.dead == Counter(doubted)  # each errored input rejected once: in the error list
    assert kills == KILLS
    # With prefetch 1 a kill leaves at most one message unsettled, and only that one can come back in doubt.
    assert len(doubted) <= kills
    if journal.kind == "redis":
        # The shared journal: exactly one terminal outcome per input; a redelivery of a message whose send
        # never began is sent normally, one whose SMS went out replays its output.
        assert both == set()
        assert all(sms[message_id] == 1 for message_id in set(ids) - doubted)


def _report(figures: dict[str, Any], capsys: pytest.CaptureFixture[str], record_property: Any) -> None:
    """The figures in the test report and on the terminal, with or without ``-s``."""
    for name, value in figures.items():
        record_property(f"chaos_{name}", value)
    line = (f"chaos [{figures['journal']} journal]: {figures['messages']} messages, {figures['replicas']} replicas, "
            f"{figures['kills']} kills in {figures['seconds']} s (seed {figures['seed']}); SMS per messageId "
            f"{figures['sms_per_id']}; outcomes: {figures['data']} data ({figures['data_copies']} replayed copies, "
            f"{figures['replayed']} replays logged), {figures['may_have_been_sent']} 'may have been sent' "
            f"({figures['may_have_been_sent_but_not_sent']} of them never sent, {figures['error_copies']} error "
            f"copies), {figures['data_and_error']} with both a data message and an error")
    with capsys.disabled():
        print(f"\n{line}")
