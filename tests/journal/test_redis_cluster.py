"""The journal on a real Redis Cluster (three masters of the test's own), named by a redis+cluster:// URL."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from allmysms_component.journal import Decision, JournalSettings, open_journal
from tests.chaos.harness import wait_for
from tests.services import RedisProcess, free_port

from .helpers import FakeClock, delivery, output

MASTERS = 3


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[list[RedisProcess]]:
    nodes = [RedisProcess(tmp_path, "--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{n}.conf",
                          "--cluster-port", str(free_port()))  # the default, port + 10000, may not exist
             for n in range(MASTERS)]
    try:
        for node in nodes:
            node.start()
        cli = shutil.which("redis-cli")
        assert cli, "redis-cli is in Debian's redis-tools, a dependency of redis-server"
        subprocess.run([cli, "--cluster", "create", *(f"127.0.0.1:{node.port}" for node in nodes), "--cluster-yes"],
                       check=True, capture_output=True, timeout=60)
        client = redis.Redis.from_url(nodes[0].url)
        wait_for(lambda: client.cluster("info")["cluster_state"] == "ok", "the cluster forming", 30)
        client.close()
        yield nodes
    finally:
        for node in nodes:
            node.stop()


def test_the_journal_on_a_cluster_spreads_entries_and_markers_over_the_masters(
        cluster: list[RedisProcess], clock: FakeClock) -> None:
    url = "redis+cluster://" + ",".join(f"127.0.0.1:{node.port}" for node in cluster[:2])  # any nodes will do
    journal = open_journal(JournalSettings(url=url), clock=clock)
    journal.store.date_markers(clock.now - 30 * 86_400)  # type: ignore[attr-defined]
    keys = [delivery(message_id=f"cluster-{n}") for n in range(40)]
    for key in keys:
        verdict = journal.begin(key, redelivered=False)
        assert verdict.decision is Decision.SEND
        assert verdict.attempt is not None
        journal.complete(key, verdict.attempt, [output()])
    assert all(journal.begin(key, redelivered=True).decision is Decision.REPLAY for key in keys)
    holding = []
    for node in cluster:
        client = redis.Redis.from_url(node.url)
        holding.append(sum(1 for _ in client.scan_iter(match="allmysms:journal:v2:*:generation")))
        client.close()
    assert sum(holding) == 64
    assert all(count > 0 for count in holding)  # each master holds some buckets, each bucket its own marker
    assert journal.store.durability() == "no wait: the pre-send write is on the primary only"  # type: ignore[attr-defined]
    journal.close()
