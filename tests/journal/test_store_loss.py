"""A journal that knows when its Redis forgot, and a pre-send write that is on a replica before the SMS goes out.

Real redis-server processes of each test's own (tests/services.py RedisProcess): restarted empty, replicated,
a replica stopped (SIGSTOP) so that it cannot acknowledge.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from allmysms_component.journal import (
    Decision,
    Doubt,
    Journal,
    JournalGate,
    JournalSettings,
    JournalUnavailableError,
    open_journal,
)
from allmysms_component.journal.errors import NotReplicatedError, SendInDoubtError
from tests.chaos.harness import wait_for
from tests.services import RedisProcess

from .helpers import FakeClock, delivery, output

TTL = 3600.0
PREFIX = "allmysms:journal:v2:"


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Callable[..., RedisProcess]]:
    started: list[RedisProcess] = []

    def start(*args: str) -> RedisProcess:
        started.append(RedisProcess(tmp_path, *args).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


def journal_on(url: str, clock: FakeClock, **settings: object) -> Journal:
    return open_journal(JournalSettings(url=url, ttl=TTL, **settings), clock=clock)  # type: ignore[arg-type]


def sent(journal: Journal, message_id: str) -> None:
    key = delivery(message_id=message_id)
    attempt = journal.begin(key, redelivered=False).attempt
    assert attempt is not None
    journal.complete(key, attempt, [output()])


def test_a_redis_restarted_empty_makes_a_redelivery_with_no_entry_may_have_been_sent(
        servers: Callable[..., RedisProcess], clock: FakeClock) -> None:
    server = servers()
    journal = journal_on(server.url, clock)
    journal.store.date_markers(clock.now - 30 * 86_400)  # type: ignore[attr-defined]
    sent(journal, "before-the-loss")
    assert journal.begin(delivery(message_id="never-begun"), redelivered=True).decision is Decision.SEND

    server.kill()
    server.start()  # the same port, no persistence: empty
    clock.advance(60)
    verdict = journal.begin(delivery(message_id="before-the-loss"), redelivered=True)
    assert (verdict.decision, verdict.doubt) == (Decision.MAY_HAVE_BEEN_SENT, Doubt.STORE_FORGOT)
    # A first delivery is a new message: sent, loss or not.
    assert journal.begin(delivery(message_id="new-after-the-loss"), redelivered=False).decision is Decision.SEND
    # Every bucket's marker dates from the loss, not from when a message first lands in it.
    client = redis.Redis.from_url(server.url)
    markers = {int(value or 0) for value in client.mget(list(client.scan_iter(match=f"{PREFIX}*:generation")))}
    assert markers == {round(clock.now * 1000)}
    client.close()

    clock.advance(TTL)  # the window since the loss has passed: an entry lost then would have expired by now
    later = journal.begin(delivery(message_id="redelivered-a-ttl-later"), redelivered=True)
    assert later.decision is Decision.SEND
    journal.close()


def test_the_doubt_says_why_and_nothing_is_sent(servers: Callable[..., RedisProcess], clock: FakeClock) -> None:
    server = servers()
    journal = journal_on(server.url, clock)  # a Redis with no markers: it may have lost everything
    gate = JournalGate(journal, delivery(), redelivered=True)
    with pytest.raises(SendInDoubtError, match="lost its records not long ago") as caught:
        gate.before_send()
    assert caught.value.may_have_been_sent is True
    assert not gate.sending
    journal.close()


def test_with_a_replica_the_pre_send_write_waits_for_it(servers: Callable[..., RedisProcess],
                                                         clock: FakeClock) -> None:
    primary = servers()
    replica = servers("--replicaof", "127.0.0.1", str(primary.port))
    client = redis.Redis.from_url(primary.url)
    on_replica = redis.Redis.from_url(replica.url)
    wait_for(lambda: on_replica.info("replication")["master_link_status"] == "up", "the replica syncing", 20)
    journal = journal_on(primary.url, clock, replica_timeout=0.2)
    journal.store.date_markers(clock.now - 30 * 86_400)  # type: ignore[attr-defined]
    assert journal.store.durability() == "WAIT 1 200 before each send"  # type: ignore[attr-defined]
    assert journal.begin(delivery(message_id="acknowledged"), redelivered=False).decision is Decision.SEND
    assert on_replica.get(journal.store.key_of(delivery(message_id="acknowledged").name))  # type: ignore[attr-defined]

    replica.signal(signal.SIGSTOP)  # alive but silent: it acknowledges nothing
    try:
        with pytest.raises(JournalUnavailableError, match=r"not acknowledged by 1 replica\(s\) within 0.2 s"):
            JournalGate(journal, delivery(message_id="unacknowledged"), redelivered=False).before_send()
        # a redelivery too: its absence was read and proven, so its rebound may rightly come back unmarked
        with pytest.raises(NotReplicatedError):
            JournalGate(journal, delivery(message_id="redelivered"), redelivered=True).before_send()
        # nothing was sent, and nothing is left "sending": the rebound sends normally once the replica is back
        assert client.get(journal.store.key_of(delivery(message_id="unacknowledged").name)) is None  # type: ignore[attr-defined]
    finally:
        replica.signal(signal.SIGCONT)
    assert journal.begin(delivery(message_id="unacknowledged"), redelivered=False).decision is Decision.SEND
    client.close()
    on_replica.close()
    journal.close()


@pytest.mark.parametrize(("setting", "expected"), [(0, "no wait: the pre-send write is on the primary only"),
                                                   (2, "WAIT 2 1000 before each send")])
def test_the_number_of_replicas_can_be_set(servers: Callable[..., RedisProcess], clock: FakeClock,
                                           setting: int, expected: str) -> None:
    journal = journal_on(servers().url, clock, replicas=setting)
    assert journal.store.durability() == expected  # type: ignore[attr-defined]
    journal.close()


def test_without_replicas_or_append_only_file_nothing_is_waited_for(servers: Callable[..., RedisProcess],
                                                                    clock: FakeClock) -> None:
    journal = journal_on(servers().url, clock)
    assert journal.store.durability() == "no wait: the pre-send write is on the primary only"  # type: ignore[attr-defined]
    journal.close()
