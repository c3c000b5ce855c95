"""Never twice when the journal's Redis fails: restarted empty, a lagging replica promoted, a Sentinel fail-over.

Three ``allmysms-component worker`` replicas of one Send SMS step on one queue (prefetch 1), a real RabbitMQ,
redis-server processes of the test's own (stopped by PID), the AllMySMS simulator answering each send after
20-50 ms and counting SMS per message id. At random moments while messages are sent, a replica is SIGKILLed and,
at the same moment, the journal's Redis fails in the scenario's way. Each scenario runs with the settings the
docs/journal.md recommends ("protected": the generation markers and the replicated pre-send write) and as a baseline
without the new protection, from the same code:
- restarted empty: the baseline re-dates the markers at once, as a journal that cannot see the loss would;
- promoted replica: the baseline sets ALLMYSMS_JOURNAL_REPLICAS=0 (no WAIT).
The figures are printed and recorded; docs/journal.md quotes them. ALLMYSMS_CHAOS_SEED=<n> replays a run's choices.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from allmysms_component.journal import JournalSettings, open_journal
from allmysms_component.sandbox import AllMySmsSimulator, Fault
from tests.services import RedisProcess
from tests.worker.platform import ROOT, Flow, StepApi

from .conftest import REPLICAS
from .harness import MAY_HAVE_BEEN_SENT, Events, Forwarder, Outcomes, Replicas, finish, wait_for

MESSAGES = 300
RATE = 60.0  # messages published per second: the three replicas are busy most of the time
EVENTS = 3
LATENCY = (0.02, 0.05)  # s, AllMySMS's answer time for each send
SETTLE = 120.0  # s: the longest the test waits for every message to end (a bound, not an expected time)
LONG_AGO = 30 * 86_400.0


class Victim:
    """The worker replica a failure takes down with it: frozen (SIGSTOP) mid-send if the scenario says so, then
    SIGKILLed (and a fresh one started in its place)."""

    def __init__(self, replicas: Replicas, slot: int) -> None:
        self._replicas = replicas
        self._slot = slot

    def freeze(self) -> None:
        self._replicas.slots[self._slot].process.send_signal(signal.SIGSTOP)

    def kill(self) -> None:
        self._replicas.kill_and_restart(self._slot)


Failure = Callable[[random.Random, Victim], None]


def trust(url: str) -> None:
    """Date the journal's missing markers a month back: a Redis that (as far as anyone says) lost nothing."""
    journal = open_journal(JournalSettings(url=url))
    try:
        journal.store.date_markers(time.time() - LONG_AGO)  # type: ignore[attr-defined]
    finally:
        journal.close()


def synced(replica: RedisProcess) -> bool:
    client = redis.Redis.from_url(replica.url)
    try:
        return bool(client.info("replication").get("master_link_status") == "up")
    except redis.RedisError:
        return False
    finally:
        client.close()


def run(name: str, *, flow: Flow, step_api: StepApi, simulator: AllMySmsSimulator,
        start_replicas: Callable[[dict[str, str]], Replicas], journal_env: dict[str, str],
        fail: Failure, record_property: Any, capsys: pytest.CaptureFixture[str],
        ) -> tuple[dict[str, Any], Counter[str], Outcomes]:
    """Publish MESSAGES, run ``fail`` EVENTS times while they are sent (``fail`` SIGKILLs its victim, a worker
    replica, at the moment the scenario says), wait for every message to end; the figures, the SMS per message
    id and the outcomes."""
    seed = int(os.environ.get("ALLMYSMS_CHAOS_SEED") or random.randrange(1_000_000))
    rng = random.Random(seed)
    began = time.monotonic()
    for _ in range(MESSAGES * 2):
        simulator.inject(Fault.delay(rng.uniform(*LATENCY)), endpoint="sendSms")
    env = flow.env(ELASTICIO_API_URI=step_api.url, ELASTICIO_COMPONENT_PATH=str(ROOT), ELASTICIO_FUNCTION="sendSMS",
                   ALLMYSMS_API_URL=simulator.url, ELASTICIO_REBOUND_INITIAL_EXPIRATION="200",
                   ELASTICIO_REBOUND_LIMIT="40", **journal_env)
    replicas = start_replicas(env)
    wait_for(replicas.all_ready, "the replicas starting", 60)
    ids = [f"{name}-{n:04d}" for n in range(MESSAGES)]

    def publish(n: int) -> None:
        body = {"mobileNumbers": f"06{n:08d}", "senderName": "Chaos", "messageText": f"Chaos {n}"}
        flow.publish({"body": body}, headers={"messageId": ids[n]})

    def kill_and_fail() -> None:
        while not (ready := [slot for slot in range(REPLICAS) if replicas.ready(slot)]):
            time.sleep(0.05)
        fail(rng, Victim(replicas, rng.choice(ready)))

    # Messages arrive at a steady RATE, as from an upstream step, so that every failure lands mid-stream.
    events = Events(rng, at=sorted(rng.sample(range(MESSAGES // 10, MESSAGES * 3 // 4), EVENTS)),
                    progress=lambda: len(simulator.received), action=kill_and_fail)
    events.start()
    outcomes = Outcomes()
    published = 0
    start = time.monotonic()

    def settled() -> bool:
        nonlocal published
        due = min(MESSAGES, int((time.monotonic() - start) * RATE) + 1)
        while published < due:
            publish(published)
            published += 1
        outcomes.drain(flow)
        return (published == MESSAGES and len(outcomes.ended()) == MESSAGES and flow.count("input") == 0
                and not events.is_alive())

    done, exit_codes = finish(flow, replicas, outcomes, settled, events, SETTLE)
    sms = Counter(str(received.cli_msg_id) for received in simulator.received)
    doubted = outcomes.may_have_been_sent()
    figures = {
        "scenario": name, "messages": MESSAGES, "events": done, "seed": seed,
        "seconds": round(time.monotonic() - began, 1),
        "sms_per_id": dict(sorted(Counter(sms[message_id] for message_id in ids).items())),
        "sent_twice": sum(1 for message_id in ids if sms[message_id] > 1),
        "may_have_been_sent": len(doubted),
        "may_have_been_sent_but_not_sent": sum(1 for message_id in doubted if sms[message_id] == 0),
        "data_and_error": len(doubted & set(outcomes.data)),
    }
    for key, value in figures.items():
        record_property(f"chaos_{key}", value)
    with capsys.disabled():
        print(f"\nchaos [{name}]: {figures}")
    # Whatever the protection: every message ended, nothing left, the workers stopped cleanly.
    assert done == EVENTS
    assert exit_codes == [0] * REPLICAS
    assert flow.count("input") == 0
    assert outcomes.ended() == set(ids)
    assert {n for names in outcomes.errors.values() for n in names} <= {MAY_HAVE_BEEN_SENT}
    return figures, sms, outcomes


def assert_never_twice(figures: dict[str, Any], sms: Counter[str], outcomes: Outcomes) -> None:
    assert figures["sent_twice"] == 0, figures
    assert all(sms[message_id] == 1 for message_id in outcomes.data)  # an output means its one SMS went out


@pytest.mark.parametrize("protection", ["markers", "baseline"])
def test_redis_restarted_empty_while_a_replica_is_killed(
        protection: str, tmp_path: Path, flow: Flow, step_api: StepApi, simulator: AllMySmsSimulator,
        start_replicas: Callable[[dict[str, str]], Replicas], record_property: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    server = RedisProcess(tmp_path).start()  # no persistence: a restart is empty
    try:
        trust(server.url)

        def restart_empty(rng: random.Random, victim: Victim) -> None:
            server.kill()
            victim.kill()  # a replica dies with a message whose journal entry the restart erases
            server.start()
            if protection == "baseline":  # a journal blind to the loss: absence still means "never sent"
                trust(server.url)

        figures, sms, outcomes = run(
            f"restart-{protection}", flow=flow, step_api=step_api, simulator=simulator,
            start_replicas=start_replicas, journal_env={"ALLMYSMS_JOURNAL_URL": server.url},
            fail=restart_empty, record_property=record_property, capsys=capsys)
    finally:
        server.stop()
    if protection == "markers":
        assert_never_twice(figures, sms, outcomes)


@pytest.mark.parametrize("protection", ["wait", "baseline"])
def test_a_lagging_replica_promoted_after_the_primary_is_killed(
        protection: str, tmp_path: Path, flow: Flow, step_api: StepApi, simulator: AllMySmsSimulator,
        start_replicas: Callable[[dict[str, str]], Replicas], record_property: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    servers = [RedisProcess(tmp_path).start()]
    link = Forwarder(servers[0].port)  # the replication link, which the test can hold back: replication lag
    servers.append(RedisProcess(tmp_path, "--replicaof", "127.0.0.1", str(link.port)).start())
    wait_for(lambda: synced(servers[-1]), "the replica syncing", 30)
    trust(servers[0].url)
    proxy = Forwarder(servers[0].port)  # the address the workers know, re-pointed after the fail-over
    primary, replica = servers

    def promote_lagging_replica(rng: random.Random, victim: Victim) -> None:
        nonlocal primary, replica, link
        link.hold()  # the primary's writes from now on never reach the replica
        time.sleep(rng.uniform(0.3, 0.6))
        victim.freeze()  # a worker stalls mid-send, its entry on the primary only (or waiting for the replica)
        primary.kill()
        link.close()
        client = redis.Redis.from_url(replica.url)
        client.replicaof("NO", "ONE")
        client.close()
        proxy.point_to(replica.port)
        victim.kill()  # its message comes back to a replica that reads the promoted Redis
        primary = replica
        link = Forwarder(primary.port)
        replica = RedisProcess(tmp_path, "--replicaof", "127.0.0.1", str(link.port)).start()
        servers.append(replica)
        wait_for(lambda: synced(replica), "a new replica syncing", 30)

    replicas_setting = "auto" if protection == "wait" else "0"
    try:
        figures, sms, outcomes = run(
            f"promote-{protection}", flow=flow, step_api=step_api, simulator=simulator,
            start_replicas=start_replicas,
            journal_env={"ALLMYSMS_JOURNAL_URL": f"redis://127.0.0.1:{proxy.port}/0",
                         "ALLMYSMS_JOURNAL_REPLICAS": replicas_setting},
            fail=promote_lagging_replica, record_property=record_property, capsys=capsys)
    finally:
        proxy.close()
        link.close()
        for server in servers:
            server.stop()
    if protection == "wait":
        assert_never_twice(figures, sms, outcomes)


def test_a_sentinel_fail_over(tmp_path: Path, flow: Flow, step_api: StepApi, simulator: AllMySmsSimulator,
                              start_replicas: Callable[[dict[str, str]], Replicas], record_property: Any,
                              capsys: pytest.CaptureFixture[str]) -> None:
    servers = [RedisProcess(tmp_path).start()]
    servers.append(RedisProcess(tmp_path, "--replicaof", "127.0.0.1", str(servers[0].port)).start())
    wait_for(lambda: synced(servers[-1]), "the replica syncing", 30)
    sentinel = RedisProcess(tmp_path, sentinel_of=("127.0.0.1", servers[0].port)).start()
    trust(servers[0].url)
    sentinels = redis.Redis.from_url(sentinel.url)

    def master_port() -> int:
        address = sentinels.sentinel_get_master_addr_by_name("journal")
        assert isinstance(address, tuple)
        return int(address[1])

    def fail_over(rng: random.Random, victim: Victim) -> None:
        old = master_port()
        next(server for server in servers if server.port == old).kill()
        victim.kill()
        wait_for(lambda: master_port() != old, "the Sentinel promoting the replica", 30)
        new = master_port()
        servers.append(RedisProcess(tmp_path, "--replicaof", "127.0.0.1", str(new)).start())
        wait_for(lambda: synced(servers[-1]), "a new replica syncing", 30)
        wait_for(lambda: any(int(r["port"]) == servers[-1].port and not r["is_odown"] and not r["is_sdown"]
                             for r in sentinels.sentinel_slaves("journal")), "the Sentinel seeing the replica", 30)

    try:
        figures, sms, outcomes = run(
            "sentinel", flow=flow, step_api=step_api, simulator=simulator, start_replicas=start_replicas,
            journal_env={"ALLMYSMS_JOURNAL_URL": f"redis+sentinel://127.0.0.1:{sentinel.port}/journal/0"},
            fail=fail_over, record_property=record_property, capsys=capsys)
    finally:
        sentinels.close()
        sentinel.stop()
        for server in servers:
            server.stop()
    assert_never_twice(figures, sms, outcomes)
